// Package server is Gridline's transport: Echo routes, the WebSocket endpoints for
// customers and agents, authentication, validation and the mapping of error codes
// to HTTP statuses. It holds no SQL, no Redis, no prompts, no policy and no
// customer-facing sentence: it decodes a frame or a request, calls the
// conversation service (or the store, the switchboard, the knowledge base)
// through their seams, and encodes the answer (frames.go lists what it sends).
package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	xrate "golang.org/x/time/rate"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/hotline"
	"github.com/gridline/gridline/insight"
	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/workorder"
)

// Config is what a Server is built from. Store, Board, Bot and Conversations
// are required.
type Config struct {
	Store gridline.Store
	Board gridline.Switchboard
	// Bot answers the admins' "test the bot" (POST /bot/ask); chats reach the
	// bot through Conversations.
	Bot bot.Responder
	// Conversations is the conversation policy every chat, reply, claim,
	// transfer and listing goes through.
	Conversations *conversation.Service
	// Desk keeps agents' presence (heartbeats, logout); Presence and Queue are
	// read for the floor views (agents, queues). Each may be nil.
	Desk     Desk
	Presence handoff.Presence
	Queue    handoff.Queue
	// Knowledge is the knowledge base: articles, search, import and export.
	Knowledge *knowledge.Service
	// Archive is the customer archive; nil answers its routes 501.
	Archive *archive.Service
	// Secret signs visitor tokens.
	Secret []byte
	// AllowedOrigins lists the sites (scheme://host[:port]) that may embed the
	// widget; the server's own origin is always allowed. "*" allows any.
	AllowedOrigins []string
	// Static serves the web pages (webwidget.Handler): GET /, /widget.js, /agent,
	// /admin and /static/… go to it. Nil serves no pages.
	Static http.Handler
	Logger *slog.Logger
	// FrameRate and FrameBurst limit the frames one socket may send. Zero values
	// mean 5 per second with bursts of 20.
	FrameRate  float64
	FrameBurst int
	// TrustedProxies are the networks whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed (GRIDLINE_TRUSTED_PROXIES). Empty
	// means none: the peer address is the client's.
	TrustedProxies []*net.IPNet
	// PublicURL is the URL clients reach the server at (GRIDLINE_PUBLIC_URL): its
	// origin counts as this server's own, and an https one makes the session
	// cookie Secure and turns on HSTS, as a TLS-terminating proxy in front implies.
	PublicURL string
	// ReadTimeout bounds reading one request, body included, and IdleTimeout how
	// long a keep-alive connection may wait for its next request. Zero values mean
	// 30 seconds and 2 minutes. Neither applies to an upgraded WebSocket: the
	// upgrade clears the connection's deadlines and the socket keeps its own
	// (pings, pongWait).
	ReadTimeout time.Duration
	IdleTimeout time.Duration
	// MetricsToken is the bearer token /metrics asks for (GRIDLINE_METRICS_TOKEN);
	// empty means /metrics is not served.
	MetricsToken string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WorkOrders runs work orders; nil runs one over Store and Board.
	WorkOrders *workorder.Service
	// Hotline answers the telephone provider's webhooks (POST /voice/…), whose
	// signatures VoiceAuthToken verifies (GRIDLINE_VOICE_AUTH_TOKEN). Either
	// unset: the webhooks answer 404.
	Hotline        *hotline.Hotline
	VoiceAuthToken string
	// Insight runs feedback and figures; nil runs one over Store and WorkOrders.
	Insight *insight.Service
}

// Server serves HTTP and WebSockets. Create it with New, run it with Serve, stop
// it with Shutdown.
type Server struct {
	cfg     Config
	echo    *echo.Echo
	http    *http.Server
	logger  *slog.Logger
	metrics *metrics
	now     func() time.Time

	// publicOrigin is PublicURL's scheme://host, publicHTTPS whether it is https.
	publicOrigin string
	publicHTTPS  bool

	// ctx lives as long as the server: background work (bot replies) runs under
	// it, so a customer who disconnects still gets the reply stored.
	ctx    context.Context
	cancel context.CancelFunc
	work   sync.WaitGroup // socket handlers and background work

	mu       sync.Mutex
	sockets  map[*socket]struct{}
	consoles map[string]int // open agent consoles per user id
	draining bool
}

// Desk is what the server asks of the desk itself: agents' presence.
// *handoff.Desk implements it; routing goes through Config.Conversations.
type Desk interface {
	Heartbeat(ctx context.Context, u *gridline.User, status string) error
	// Disconnect tells the desk a user's last console here closed.
	Disconnect(ctx context.Context, u *gridline.User) error
}

// New builds a server from cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FrameRate == 0 {
		cfg.FrameRate = 5
	}
	if cfg.FrameBurst == 0 {
		cfg.FrameBurst = 20
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	s := &Server{
		cfg:     cfg,
		logger:  cfg.Logger,
		metrics: newMetrics(),
		now:     cfg.Now,
		sockets: make(map[*socket]struct{}),
	}
	s.publicOrigin, s.publicHTTPS = parsePublicURL(cfg.PublicURL)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.Conversations != nil {
		cfg.Conversations.Observe(s.metrics)
	}
	s.echo = s.routes()
	s.http = &http.Server{Handler: s.echo, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: cfg.ReadTimeout, IdleTimeout: cfg.IdleTimeout}
	return s
}

// Handler returns the server's HTTP handler (for httptest).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve accepts connections on ln until Shutdown; it then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting, closes every socket with 1001 (going away) after
// flushing what was queued for it, and waits for in-flight work — stores, acks and
// the conversation service's bot replies — until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	socks := make([]*socket, 0, len(s.sockets))
	for sk := range s.sockets {
		socks = append(socks, sk)
	}
	s.mu.Unlock()

	err := s.http.Shutdown(ctx)
	for _, sk := range socks {
		sk.close(1001, "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.work.Wait(); close(done) }()
	select {
	case <-done:
		if s.cfg.Conversations != nil {
			if werr := s.cfg.Conversations.Wait(ctx); werr != nil {
				err = errors.Join(err, werr)
			}
		}
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	s.cancel()
	return err
}

// track registers a socket for shutdown and counts it as work in flight; it
// reports false while draining. Registering and counting under one lock means
// Shutdown never waits on a count that a late socket bumps.
func (s *Server) track(sk *socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.sockets[sk] = struct{}{}
	s.work.Add(1)
	return true
}

// OpenSockets is the number of WebSockets open now, chat and agent.
func (s *Server) OpenSockets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sockets)
}

func (s *Server) untrack(sk *socket) {
	s.mu.Lock()
	delete(s.sockets, sk)
	s.mu.Unlock()
	s.work.Done()
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.httpErrorHandler
	e.IPExtractor, e.SchemeExtractor = proxyTrust(s.cfg.TrustedProxies)
	e.Use(requestID)
	e.Use(s.logRequests)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "err", err, "path", c.Path(), "stack", string(stack))
			return err
		},
	}))
	e.Use(s.metrics.middleware)
	e.Use(s.securityHeaders)
	e.Use(bodyLimit)
	// The widget calls the widget API from the sites it is embedded on.
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper:         func(c echo.Context) bool { return !strings.HasPrefix(c.Request().URL.Path, "/api/v1/widget/") },
		AllowOriginFunc: s.widgetOriginAllowed,
		AllowMethods:    []string{http.MethodPost, http.MethodOptions},
		AllowHeaders:    []string{echo.HeaderContentType, echo.HeaderAuthorization},
		MaxAge:          600,
	}))
	e.Use(s.apiGuard)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler(s.cfg.MetricsToken))

	api := e.Group("/api/v1")
	api.POST("/widget/sessions", s.createWidgetSession, s.rateLimit(2, 20))
	api.POST("/widget/requests", s.createWidgetRequest, s.rateLimit(0.2, 5))
	e.GET("/ws/chat", s.chatSocket)

	api.POST("/auth/login", s.login, s.rateLimit(0.5, 10))
	api.POST("/auth/logout", s.logout, s.requireRole())
	api.GET("/auth/me", s.me, s.requireRole())
	s.knowledgeRoutes(api)
	s.customerRoutes(api)
	s.agentRoutes(e, api)
	s.workOrderRoutes(api)
	s.voiceRoutes(e)
	s.insightRoutes(api)

	s.staticRoutes(e)
	return e
}

// bodyLimit caps request bodies: 256 KiB, except a knowledge-base import (8 MiB)
// and a customer import (64 MiB, archive.MaxImportBytes).
func bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	small := middleware.BodyLimit("256K")(next)
	large := middleware.BodyLimit("8M")(next)
	huge := middleware.BodyLimit("64M")(next)
	return func(c echo.Context) error {
		if strings.HasSuffix(c.Request().URL.Path, "/articles/import") {
			return large(c)
		}
		if strings.HasSuffix(c.Request().URL.Path, "/customers/import") {
			return huge(c)
		}
		return small(c)
	}
}

// rateLimit limits requests per client IP (rate per second, with bursts).
func (s *Server) rateLimit(rate float64, burst int) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: xrate.Limit(rate), Burst: burst, ExpiresIn: 3 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		ErrorHandler: func(c echo.Context, err error) error {
			return gridline.Errorf(gridline.EFORBIDDEN, "cannot tell who is asking")
		},
		DenyHandler: func(c echo.Context, id string, err error) error {
			return gridline.Errorf(gridline.ERATELIMITED, "too many requests; try again in a moment")
		},
	})
}

// clientTag stands for a client's address in the logs: a keyed hash, the same
// for one address on every replica sharing the secret, so that
// lines can be followed and counted without the logs holding the address
// itself (personal data under PIPL and GDPR alike).
func (s *Server) clientTag(ip string) string {
	if ip == "" {
		return ""
	}
	mac := hmac.New(sha256.New, s.cfg.Secret)
	mac.Write([]byte("log-client:"))
	mac.Write([]byte(ip))
	return hex.EncodeToString(mac.Sum(nil))[:12]
}

// logRequests writes one JSON log line per request; the client's address is
// written as clientTag.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		s.logger.Info("http",
			"method", req.Method, "path", req.URL.Path, "status", c.Response().Status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"client", s.clientTag(c.RealIP()))
		return nil
	}
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports whether the store and the switchboard answer; a load balancer
// stops sending traffic to a replica that is not ready.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"store": "ok", "switchboard": "ok"}
	ready := true
	if err := s.cfg.Store.Ping(ctx); err != nil {
		checks["store"], ready = "unreachable", false
		s.logger.Warn("readyz: store", "err", err)
	}
	if err := s.cfg.Board.Ping(ctx); err != nil {
		checks["switchboard"], ready = "unreachable", false
		s.logger.Warn("readyz: switchboard", "err", err)
	}
	s.mu.Lock()
	if s.draining {
		checks["server"], ready = "draining", false
	}
	s.mu.Unlock()
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, map[string]any{"ready": ready, "checks": checks})
}
