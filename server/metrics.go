package server

import (
	"strconv"
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
	}
	// Report zero sockets from the start rather than nothing.
	m.sockets.WithLabelValues("chat")
	m.sockets.WithLabelValues("agent")
	m.registry.MustRegister(m.sockets, m.messages, m.httpLatency, m.frameLatency, m.botReplies, m.dropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// middleware records each request's latency under its route pattern (not its
// raw path, which would explode the label set).
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil {
			if he, ok := err.(*echo.HTTPError); ok {
				status = he.Code
			} else if c.Response().Committed == false {
				status = statusOf(toErrorBody(err).Code)
			}
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		m.httpLatency.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		return err
	}
}

// MessageStored counts a message the conversation service stored.
func (m *metrics) MessageStored(kind gridline.AuthorKind) {
	m.messages.WithLabelValues(string(kind)).Inc()
}

// BotReplied counts a bot reply by its action.
func (m *metrics) BotReplied(action string) { m.botReplies.WithLabelValues(action).Inc() }

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}
