# syntax=docker/dockerfile:1
# Build: a static binary (modernc.org/sqlite needs no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gridline ./cmd/gridline \
 && mkdir -p /out/data

# Run: distroless, non-root, nothing but the binary and CA certificates.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gridline /usr/local/bin/gridline
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /
ENV GRIDLINE_ADDR=:8080 GRIDLINE_DATABASE_URL=/data/gridline.db
EXPOSE 8080
VOLUME ["/data"]
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/gridline"]
CMD ["serve"]
