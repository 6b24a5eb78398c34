package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gridline/gridline"
)

// metrics are the figures /metrics exposes. Each Server has its own registry, so
// tests may run several servers in one process.
type metrics struct {
	registry     *prometheus.Registry
	sockets      *prometheus.GaugeVec
	messages     *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
	frameLatency *prometheus.HistogramVec
	botReplies   *prometheus.CounterVec
	dropped      prometheus.Counter
	flooders     *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		sockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gridline_open_sockets", Help: "WebSockets open now, by kind (chat, agent).",
		}, []string{"kind"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridline_messages_total", Help: "Messages stored, by author kind.",
		}, []string{"author"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridline_http_request_duration_seconds", Help: "HTTP handler latency.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "status"}),
		frameLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridline_ws_frame_duration_seconds", Help: "Time to handle one client frame, store and ack included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"kind", "type"}),
		botReplies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridline_bot_replies_total", Help: "Bot decisions, by action.",
		}, []string{"action"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridline_slow_clients_dropped_total", Help: "Sockets closed because the client stopped reading.",
		}),
		flooders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridline_flooding_clients_cut_off_total", Help: "Sockets closed with 1008 for sending far more frames than allowed, by kind.",
		}, []string{"kind"}),
	}
	// Report zero sockets from the start rather than nothing.
	m.sockets.WithLabelValues("chat")
	m.sockets.WithLabelValues("agent")
	m.registry.MustRegister(m.sockets, m.messages, m.httpLatency, m.frameLatency, m.botReplies, m.dropped, m.flooders,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// knownMethods are the HTTP methods that get a label of their own; any other
// method a client makes up counts as "other", so the label set stays bounded.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// methodLabel is a request's method as a metric label.
func methodLabel(method string) string {
	if knownMethods[method] {
		return method
	}
	return "other"
}

// statusLabel is a response status as a metric label: the code when it is a
// valid HTTP status, else "other".
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}

// middleware records each request's latency under its method (a known one, else
// "other"), the route pattern Echo matched (never the raw path; "unmatched" when
// none did) and its status: each label comes from a bounded set, so no client
// can grow the series /metrics holds.
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil {
			if he, ok := err.(*echo.HTTPError); ok {
				status = he.Code
			} else if !c.Response().Committed {
				status = statusOf(toErrorBody(err).Code)
			}
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		m.httpLatency.WithLabelValues(methodLabel(c.Request().Method), route, statusLabel(status)).Observe(time.Since(start).Seconds())
		return err
	}
}

// MessageStored counts a message the conversation service stored.
func (m *metrics) MessageStored(kind gridline.AuthorKind) {
	m.messages.WithLabelValues(string(kind)).Inc()
}

// BotReplied counts a bot reply by its action.
func (m *metrics) BotReplied(action string) { m.botReplies.WithLabelValues(action).Inc() }

// handler serves the registry to a reader that presents token as a bearer
// token (GRIDLINE_METRICS_TOKEN). Without a configured token /metrics is not
// served at all: the figures name routes, load and the process's memory, which
// are no business of the public. The token is compared in constant time.
func (m *metrics) handler(token string) echo.HandlerFunc {
	serve := echo.WrapHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	want := sha256.Sum256([]byte(token))
	return func(c echo.Context) error {
		if token == "" {
			return gridline.Errorf(gridline.ENOTFOUND, "metrics are not served here; set GRIDLINE_METRICS_TOKEN")
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		got, ok := strings.CutPrefix(h, "Bearer ")
		if sum := sha256.Sum256([]byte(strings.TrimSpace(got))); !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return gridline.Errorf(gridline.EUNAUTHORIZED, "metrics need the metrics bearer token")
		}
		return serve(c)
	}
}
