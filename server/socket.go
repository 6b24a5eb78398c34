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
	// limiter is the socket's frame budget; excess is how far past it a client
	// may go, refused, before it is cut off (see readFrames): a quarter of the
	// burst at once, refilled at the budget's rate.
	limiter *bucket
	excess  *bucket
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
		excess:  newBucket(rate, max(burst/4, 5)),
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
// closes, keeping the connection alive by pongs and closing with 1009 on an
// oversized frame. A refused frame goes to refuse, with the decoded frame when
// there is one; every other frame to handle, timed under kind in the metrics.
//
// Every frame counts against the socket's budget — typing and pings included,
// since any frame costs the server a read, and the decode and validation after
// it. A frame over budget is refused (rate_limited); a client that goes on
// sending at more than twice the budget's rate exhausts the excess allowance too
// and is cut off with 1008 before its next frame is even decoded, so one flooder
// costs the server a few dozen frames, not a core.
func (s *Server) readFrames(sk *socket, kind string, refuse func(f *Frame, err error), handle func(f *Frame)) {
	ws := sk.ws
	_ = ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(pongWait)) })
	ws.SetPingHandler(func(data string) error {
		switch sk.spend() {
		case overBudget:
			return nil // not answered
		case cutOff:
			return errFlooding
		}
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			return err
		}
		return nil
	})
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				sk.close(websocket.CloseMessageTooBig, "frame too large")
			case errors.Is(err, errFlooding):
				s.cutOff(sk, kind)
			}
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(pongWait))
		start := time.Now()
		switch sk.spend() {
		case cutOff:
			s.cutOff(sk, kind)
			return
		case overBudget:
			// Decoded only to name the refused message's client id; the excess
			// allowance bounds how many such decodes a client gets. A refused
			// typing frame needs no answer: nothing was lost.
			f, _ := DecodeFrame(data)
			if f != nil && f.Type == frameTyping {
				continue
			}
			refuse(f, gridline.Errorf(gridline.ERATELIMITED, "you are sending too fast; this was not done, try again in a moment"))
			continue
		}
		f, err := DecodeFrame(data)
		if err != nil {
			refuse(nil, err)
			continue
		}
		handle(f)
		s.metrics.frameLatency.WithLabelValues(kind, f.Type).Observe(time.Since(start).Seconds())
	}
}

// errFlooding ends a read loop whose client sent past its excess allowance.
var errFlooding = errors.New("client sends far more frames than allowed")

// cutOff closes a flooding client's socket with 1008 (policy violation).
func (s *Server) cutOff(sk *socket, kind string) {
	s.metrics.flooders.WithLabelValues(kind).Inc()
	sk.close(websocket.ClosePolicyViolation, "sending too fast")
}

// spending is what a frame costs against a socket's budget.
type spending int

const (
	withinBudget spending = iota
	overBudget            // refuse the frame
	cutOff                // close the socket
)

// spend charges one frame to the socket's budget, then to its excess allowance.
func (s *socket) spend() spending {
	switch {
	case s.limiter.allow():
		return withinBudget
	case s.excess.allow():
		return overBudget
	}
	return cutOff
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
