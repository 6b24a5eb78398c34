package server

import (
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
)

// Socket timings and buffers.
const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// sendBuffer bounds the frames queued for one client; a client that stops
	// reading is dropped once it fills, so it never slows anyone else.
	sendBuffer = 64
)

// socket owns one WebSocket: a single writer goroutine drains a bounded queue, so
// publishers never block on a slow client.
type socket struct {
	ws      *websocket.Conn
	send    chan []byte
	closing chan closeReq
	done    chan struct{} // closed when the writer has finished and the conn is closed
	once    sync.Once
	limiter *bucket
	// dropped is called once when the client is dropped for not reading.
	dropped func()
}

type closeReq struct {
	code   int
	reason string
}

func newSocket(ws *websocket.Conn, rate float64, burst int) *socket {
	ws.SetReadLimit(MaxFrameBytes)
	return &socket{
		ws:      ws,
		send:    make(chan []byte, sendBuffer),
		closing: make(chan closeReq, 1),
		done:    make(chan struct{}),
		limiter: newBucket(rate, burst),
	}
}

// serveSocket upgrades the request to a WebSocket and runs session with it on a
// goroutine of its own, counted for shutdown and in the open-sockets gauge under
// kind. The HTTP handler returns at once, so the request's goroutine, its deep
// stack and its buffers are not held for the socket's whole life; session must
// not use the request or the Echo context.
func (s *Server) serveSocket(c echo.Context, kind string, session func(sk *socket)) error {
	ws, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered the client
	}
	sk := newSocket(ws, s.cfg.FrameRate, s.cfg.FrameBurst)
	remote := c.RealIP()
	sk.dropped = func() {
		s.metrics.dropped.Inc()
		s.logger.Warn("socket dropped: client stopped reading", "kind", kind, "remote", remote)
	}
	if !s.track(sk) {
		sk.close(websocket.CloseGoingAway, "server shutting down")
		sk.writeLoop()
		return nil
	}
	gauge := s.metrics.sockets.WithLabelValues(kind)
	gauge.Inc()
	go func() {
		defer s.untrack(sk)
		defer gauge.Dec()
		go sk.writeLoop()
		session(sk)
	}()
	return nil
}

// readFrames reads and decodes a client's frames until the socket fails or
// closes, keeping the connection alive by pongs, closing with 1009 on an
// oversized frame and applying the socket's rate limit (typing is exempt). A
// refused frame goes to refuse, with the decoded frame when there is one;
// every other frame to handle, timed under kind in the metrics.
func (s *Server) readFrames(sk *socket, kind string, refuse func(f *Frame, err error), handle func(f *Frame)) {
	ws := sk.ws
	_ = ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				sk.close(websocket.CloseMessageTooBig, "frame too large")
			}
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(pongWait))
		start := time.Now()
		f, err := DecodeFrame(data)
		if err != nil {
			refuse(nil, err)
			continue
		}
		if f.Type != frameTyping && !sk.limiter.allow() {
			refuse(f, gridline.Errorf(gridline.ERATELIMITED, "you are sending too fast; this was not done, try again in a moment"))
			continue
		}
		handle(f)
		s.metrics.frameLatency.WithLabelValues(kind, f.Type).Observe(time.Since(start).Seconds())
	}
}

// writeLoop runs until the socket closes: it writes queued frames, pings, and the
// close frame. The handler that created the socket runs it and waits for it.
func (s *socket) writeLoop() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		s.ws.Close()
		close(s.done)
	}()
	for {
		select {
		case msg := <-s.send:
			_ = s.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := s.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ticker.C:
			if err := s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		case req := <-s.closing:
			// Flush what is queued, then say goodbye.
		flush:
			for {
				select {
				case msg := <-s.send:
					_ = s.ws.SetWriteDeadline(time.Now().Add(writeWait))
					if err := s.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
						return
					}
				default:
					break flush
				}
			}
			_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(req.code, req.reason), time.Now().Add(writeWait))
			return
		}
	}
}

// sendJSON queues v for the client without blocking. When the queue is full the
// client is too slow and is dropped; sendJSON then reports false.
func (s *socket) sendJSON(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
	}
	select {
	case s.send <- data:
		return true
	default:
		s.drop()
		return false
	}
}

// sendWait queues v, waiting up to writeWait for room: for a replay, which
// sends many frames at once to a client that is reading. A client that makes no
// room in that time is dropped.
func (s *socket) sendWait(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	select {
	case s.send <- data:
		return true
	case <-s.done:
		return false
	default:
	}
	t := time.NewTimer(writeWait)
	defer t.Stop()
	select {
	case s.send <- data:
		return true
	case <-s.done:
		return false
	case <-t.C:
		s.drop()
		return false
	}
}

// drop closes the socket of a client that stopped reading.
func (s *socket) drop() {
	s.once.Do(func() {
		if s.dropped != nil {
			s.dropped()
		}
		s.closing <- closeReq{code: websocket.ClosePolicyViolation, reason: "client too slow"}
	})
}

// close asks the writer to send a close frame with code and shut the socket.
func (s *socket) close(code int, reason string) {
	s.once.Do(func() { s.closing <- closeReq{code: code, reason: reason} })
}

// bucket is a token-bucket rate limiter for one connection's frames.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// allow takes one token if there is one.
func (b *bucket) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
