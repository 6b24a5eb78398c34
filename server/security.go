package server

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
)

// proxyTrust is what the server believes of forwarded headers: X-Forwarded-For
// and X-Forwarded-Proto are read only when the peer is one of nets (the
// operator's GRIDLINE_TRUSTED_PROXIES). With none configured the peer is the
// client and the connection its scheme, whatever a client writes in headers —
// otherwise anyone could rotate X-Forwarded-For past the per-address limits.
func proxyTrust(nets []*net.IPNet) (echo.IPExtractor, echo.SchemeExtractor) {
	if len(nets) == 0 {
		return echo.ExtractIPDirect(), echo.ExtractSchemeDirect()
	}
	// Echo trusts loopback, link-local and private peers unless told not to.
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range nets {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), echo.ExtractSchemeFromHeaders(opts...)
}

// overTLS reports whether the client reached the server over TLS: on this
// connection, through a trusted proxy that says so, or — when the operator's
// public URL is https — by the operator's word that a proxy terminates TLS.
func (s *Server) overTLS(c echo.Context) bool {
	return c.Scheme() == "https" || s.publicHTTPS
}

// requestIDPattern is what an X-Request-Id from a client must look like to be
// kept: a UUID, a trace id or a load balancer's id fit; anything longer or with
// other characters (line breaks, quotes, markup) is replaced, so that neither
// the response nor a log line carries what a client made up.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// requestID gives every request an id: the client's X-Request-Id when it is
// well-formed, else a fresh one. It is echoed in the response and logged.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		rid := req.Header.Get(echo.HeaderXRequestID)
		if !requestIDPattern.MatchString(rid) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			rid = hex.EncodeToString(b[:])
			req.Header.Set(echo.HeaderXRequestID, rid)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, rid)
		return next(c)
	}
}

// Content security policies. Every script is a module file from this server and
// every style a style sheet (or CSSOM), so no page needs 'unsafe-inline'. The
// consoles act for staff and may not be framed at all; the public pages (the
// demo site, the help centre) may be framed by this server and by the sites
// that embed the widget. Everything else — JSON, metrics — is no document at all.
const (
	pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
	apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

// securityHeaders sets, on every response, what a browser needs to keep the
// pages and the API to themselves: a content security policy with the framing
// rule, nosniff, a referrer policy that keeps paths (conversation ids) on this
// origin, and HSTS when the client came over TLS.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	public := "frame-ancestors 'self'"
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" {
			public = "frame-ancestors *"
			break
		}
		public += " " + strings.TrimRight(o, "/")
	}
	return func(c echo.Context) error {
		h := c.Response().Header()
		switch p := c.Request().URL.Path; {
		case p == "/agent" || p == "/admin":
			h.Set("Content-Security-Policy", pagePolicy+"; frame-ancestors 'none'")
			h.Set("X-Frame-Options", "DENY")
		case p == "/" || p == "/help" || strings.HasPrefix(p, "/help/"):
			h.Set("Content-Security-Policy", pagePolicy+"; "+public)
		case strings.HasPrefix(p, "/static/") || p == "/widget.js":
			h.Set("Content-Security-Policy", pagePolicy+"; frame-ancestors 'none'")
		default:
			h.Set("Content-Security-Policy", apiPolicy)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if s.overTLS(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// otherBodyTypes names the API routes (Echo route patterns) that take a body
// other than JSON, with the media types each accepts; every other API route
// takes JSON only. The telephony webhooks (/voice/…) are not under /api/.
var otherBodyTypes = map[string][]string{
	"/api/v1/customers/import": {"text/csv", "multipart/form-data"},
}

// apiGuard refuses two kinds of request to /api/ that a hostile page could make
// a staff member's browser send. A state-changing request authenticated by the
// session cookie alone (no Authorization header) must come from this server's
// own pages: its Origin, or without one its Referer, must be this server's
// origin — else 403. And a body must be JSON (or a type otherBodyTypes allows
// the route) — else 415: an HTML form can post only form and text bodies, which
// no API route reads.
func (s *Server) apiGuard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !strings.HasPrefix(r.URL.Path, "/api/") || !changesState(r.Method) {
			return next(c)
		}
		if cookieOnly(r) && !s.sameOrigin(c) {
			return gridline.Errorf(gridline.EFORBIDDEN, "this request must come from this server's own pages")
		}
		if err := checkBodyType(r, otherBodyTypes[c.Path()]); err != nil {
			return err
		}
		return next(c)
	}
}

func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// cookieOnly reports whether a request carries the session cookie and no
// Authorization header: what a browser sends by itself to a cross-site request.
func cookieOnly(r *http.Request) bool {
	if r.Header.Get(echo.HeaderAuthorization) != "" {
		return false
	}
	_, err := r.Cookie(SessionCookie)
	return err == nil
}

// sameOrigin reports whether the request's Origin (or, lacking one, its
// Referer) is this server: the host the request was sent to, or the configured
// public URL. A request with neither is refused; every browser sends Origin on
// a state-changing fetch or form post.
func (s *Server) sameOrigin(c echo.Context) bool {
	r := c.Request()
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" || src == "null" {
		return false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false
	}
	if s.publicOrigin != "" && strings.EqualFold(u.Scheme+"://"+u.Host, s.publicOrigin) {
		return true
	}
	scheme := "http"
	if s.overTLS(c) {
		scheme = "https"
	}
	return strings.EqualFold(u.Host, r.Host) && strings.EqualFold(u.Scheme, scheme)
}

// checkBodyType accepts a request without a body, a JSON body, or a body of
// one of the extra types; anything else is EUNSUPPORTED.
func checkBodyType(r *http.Request, extra []string) error {
	ct := r.Header.Get(echo.HeaderContentType)
	if ct == "" {
		if r.ContentLength == 0 {
			return nil
		}
		return gridline.Errorf(gridline.EUNSUPPORTED, "send the body as application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil
	}
	for _, t := range extra {
		if err == nil && mt == t {
			return nil
		}
	}
	return gridline.Errorf(gridline.EUNSUPPORTED, "send the body as application/json")
}

// parsePublicURL returns the origin of the operator's public URL and whether it
// is https; an empty or unparsable URL gives "" and false.
func parsePublicURL(raw string) (origin string, https bool) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), strings.EqualFold(u.Scheme, "https")
}
