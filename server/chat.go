package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/conversation"
)

type widgetSessionRequest struct {
	Lang         string `json:"lang" validate:"omitempty,max=35"`
	VisitorToken string `json:"visitor_token" validate:"omitempty,max=512"`
	// Identifier and IdentifierHash are the host site's signed identity of a
	// customer logged in there (see conversation.Visitor).
	Identifier     string `json:"identifier" validate:"max=255"`
	IdentifierHash string `json:"identifier_hash" validate:"max=128"`
}

type widgetSessionResponse struct {
	VisitorToken   string    `json:"visitor_token"`
	ConversationID string    `json:"conversation_id"`
	CustomerID     string    `json:"customer_id"`
	Status         string    `json:"status"`
	Lang           string    `json:"lang"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// createWidgetSession is POST /api/v1/widget/sessions: the visitor's open
// conversation when they present a still-valid token (200), else a new one
// (201); with a host-signed identity, that customer's (a wrong hash is 401).
func (s *Server) createWidgetSession(c echo.Context) error {
	var req widgetSessionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	v := conversation.Visitor{Lang: req.Lang, Identifier: req.Identifier, IdentifierHash: req.IdentifierHash}
	if req.Lang == "" {
		v.Lang = c.Request().Header.Get("Accept-Language")
	}
	if req.VisitorToken != "" {
		if claims, err := verifyVisitor(s.cfg.Secret, req.VisitorToken, s.now()); err == nil {
			v.CustomerID, v.ConversationID = claims.CustomerID, claims.ConversationID
		}
	}
	conv, created, err := s.cfg.Conversations.Start(c.Request().Context(), v)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, s.sessionResponse(conv))
}

func (s *Server) sessionResponse(conv *gridline.Conversation) widgetSessionResponse {
	exp := s.now().Add(VisitorTTL).UTC().Truncate(time.Second)
	tok := signVisitor(s.cfg.Secret, visitorClaims{CustomerID: conv.CustomerID, ConversationID: conv.ID, Expires: exp})
	return widgetSessionResponse{VisitorToken: tok, ConversationID: conv.ID, CustomerID: conv.CustomerID,
		Status: string(conv.Status), Lang: conv.Lang, ExpiresAt: exp}
}

// upgrader checks origins itself before upgrading (see originAllowed), so that a
// refused origin gets a JSON 403 rather than a bare one.
//
// Buffers: reads reuse the HTTP server's buffer and writes borrow from a pool only
// while writing, so an idle socket holds no buffers of its own.
var upgrader = websocket.Upgrader{
	WriteBufferPool: &sync.Pool{},
	CheckOrigin:     func(*http.Request) bool { return true },
}

// originAllowed accepts requests without an Origin (not a browser), the server's
// own origin, and the configured widget hosts.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	ok, _ := s.widgetOriginAllowed(origin)
	return ok
}

// widgetOriginAllowed tells the CORS middleware which sites may call the widget
// API: the configured widget hosts ("*" for any).
func (s *Server) widgetOriginAllowed(origin string) (bool, error) {
	for _, allowed := range s.cfg.AllowedOrigins {
		if allowed == "*" || strings.EqualFold(strings.TrimRight(allowed, "/"), origin) {
			return true, nil
		}
	}
	return false, nil
}

// chatSocket is GET /ws/chat: one customer's live connection to their conversation.
func (s *Server) chatSocket(c echo.Context) error {
	r := c.Request()
	if !s.originAllowed(r) {
		return gridline.Errorf(gridline.EFORBIDDEN, "origin %q may not open the chat", r.Header.Get("Origin"))
	}
	claims, err := verifyVisitor(s.cfg.Secret, c.QueryParam("token"), s.now())
	if err != nil {
		return err
	}
	conv, err := s.cfg.Store.Conversation(r.Context(), claims.ConversationID)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return gridline.Errorf(gridline.EUNAUTHORIZED, "visitor token is invalid or expired")
		}
		return err
	}
	return s.serveSocket(c, "chat", func(sk *socket) {
		cs := &chatSession{s: s, sk: sk, customerID: claims.CustomerID, convID: conv.ID}
		cs.feed = feed{store: s.cfg.Store, convID: conv.ID, send: func(m *gridline.Message) {
			if gridline.IsStaffNote(m) {
				return // staff only
			}
			sk.sendJSON(messageFrame(m))
		}}
		cs.run()
	})
}

// chatSession is one customer socket's state.
type chatSession struct {
	s          *Server
	sk         *socket
	customerID string
	convID     string

	feed // ready once hello has been received

	lastTyping time.Time // read loop only
}

func (cs *chatSession) run() {
	s, sk := cs.s, cs.sk
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	sub, err := s.cfg.Board.Subscribe(ctx, gridline.ConversationTopic(cs.convID))
	if err != nil {
		s.logger.Error("chat: subscribe", "err", err, "conversation", cs.convID)
		cs.sendError(gridline.Errorf(gridline.EUNAVAILABLE, "chat is unavailable; reconnect shortly"))
		sk.close(websocket.CloseTryAgainLater, "unavailable")
		<-sk.done
		return
	}
	defer sub.Close()

	var pumps sync.WaitGroup
	pumps.Add(1)
	go func() {
		defer pumps.Done()
		cs.forward(ctx, sub)
	}()
	cs.readLoop(ctx)
	cancel()
	sk.close(websocket.CloseNormalClosure, "")
	<-sk.done
	sub.Close()
	pumps.Wait()
}

// readLoop handles client frames until the socket fails or closes.
func (cs *chatSession) readLoop(ctx context.Context) {
	cs.s.readFrames(cs.sk, "chat", func(f *Frame, err error) {
		clientID := ""
		if f != nil {
			clientID = f.ClientID
		}
		cs.sendErrorFor(clientID, err)
	}, func(f *Frame) { cs.handle(ctx, f) })
}

func (cs *chatSession) handle(ctx context.Context, f *Frame) {
	s := cs.s
	if f.Type != frameHello && !cs.isReady() {
		cs.sendError(gridline.Errorf(gridline.EINVALID, "send hello{last_seq} first"))
		return
	}
	switch f.Type {
	case frameHello:
		cs.hello(ctx, f.LastSeq)
	case frameMessage:
		m, err := s.cfg.Conversations.Say(ctx, cs.customerID, cs.convID, f.ClientID, f.Text)
		cs.ack(f.ClientID, m, err)
	case frameChoose:
		m, err := s.cfg.Conversations.Choose(ctx, cs.customerID, cs.convID, f.ClientID, f.Option)
		clientID := f.ClientID
		if m != nil {
			clientID = m.ClientID
		}
		cs.ack(clientID, m, err)
	case frameTyping:
		// Typing counts against the frame limit like every frame (readFrames);
		// on top, at most one event a second reaches the switchboard.
		if now := time.Now(); now.Sub(cs.lastTyping) >= typingEvery {
			cs.lastTyping = now
			s.cfg.Conversations.Typing(ctx, cs.convID, gridline.Author{Kind: gridline.AuthorCustomer})
		}
	case frameRating:
		told, err := s.cfg.Conversations.Rate(ctx, cs.convID, f.Score, f.Comment, f.Reasons...)
		if err != nil {
			cs.sendError(err)
			return
		}
		cs.sk.sendJSON(ratedFrame{Type: outRated, Score: f.Score, Text: told})
	default:
		cs.sendError(gridline.Errorf(gridline.EINVALID, "frame type %q is not for the chat", f.Type))
	}
}

func (cs *chatSession) isReady() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.ready
}

// hello replays what the client missed after lastSeq, then lets live events flow.
func (cs *chatSession) hello(ctx context.Context, lastSeq int64) {
	s := cs.s
	// Read the conversation under the lock that holds live events back, so a
	// status change published meanwhile is delivered after the welcome, not lost.
	cs.mu.Lock()
	conv, err := s.cfg.Store.Conversation(ctx, cs.convID)
	if err != nil {
		cs.mu.Unlock()
		cs.sendError(err)
		return
	}
	cs.sk.sendJSON(chatWelcomeFrame{Type: outWelcome, ConversationID: conv.ID, Status: conv.Status, Lang: conv.Lang, LastSeq: conv.LastSeq})
	err = cs.replayLocked(ctx, lastSeq, conv.LastSeq)
	cs.mu.Unlock()
	if err != nil {
		cs.sendError(err)
	}
	if conv.Status == gridline.StatusQueued {
		if q, ok := s.cfg.Conversations.QueueStatus(ctx, conv.ID); ok {
			cs.sk.sendJSON(queueFrame{Type: gridline.EventQueue, QueueData: q})
		}
	}
}

// forward relays the conversation's live events to the client, filling any gap in
// message seqs from the store.
func (cs *chatSession) forward(ctx context.Context, sub gridline.Subscription) {
	catchUp := time.NewTicker(catchUpEvery)
	defer catchUp.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.Events():
			if !ok {
				return
			}
			cs.deliver(ctx, ev)
		case <-catchUp.C:
			cs.mu.Lock()
			if err := cs.catchUpLocked(ctx); err != nil {
				cs.s.logger.Warn("chat: catch up", "err", err, "conversation", cs.convID)
			}
			cs.mu.Unlock()
		}
	}
}

func (cs *chatSession) deliver(ctx context.Context, ev gridline.Event) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !cs.ready {
		return // hello will replay it from the store
	}
	switch ev.Type {
	case gridline.EventMessage:
	case gridline.EventTyping:
		var t gridline.TypingData
		if json.Unmarshal(ev.Data, &t) == nil && t.Author.Kind != gridline.AuthorCustomer { // not the customer's own
			cs.sk.sendJSON(eventFrame(ev))
		}
		return
	case gridline.EventWorkOrder:
		if f, ok := workOrderFrameFor(ev, true); ok {
			cs.sk.sendJSON(f)
		}
		return
	case gridline.EventStatus:
		// Customers see where their conversation stands, not staff ids or ratings.
		var conv gridline.Conversation
		if json.Unmarshal(ev.Data, &conv) == nil && conv.Status != "" {
			cs.sk.sendJSON(customerStatusFrame{Type: gridline.EventStatus, Status: conv.Status})
		}
		return
	default:
		cs.sk.sendJSON(eventFrame(ev))
		return
	}
	if err := cs.liveLocked(ctx, ev.Data); err != nil {
		cs.s.logger.Warn("chat: fill gap", "err", err, "conversation", cs.convID)
	}
}

// ack answers a customer message: ack{client_id,seq} once it is stored, an
// error frame naming the client id when it could not be.
func (cs *chatSession) ack(clientID string, m *gridline.Message, err error) {
	if err != nil {
		cs.sendErrorFor(clientID, err)
		return
	}
	cs.sk.sendJSON(ackFrame{Type: outAck, ClientID: clientID, Seq: m.Seq})
}

func (cs *chatSession) sendError(err error) { cs.sendErrorFor("", err) }

func (cs *chatSession) sendErrorFor(clientID string, err error) {
	cs.s.sendError(cs.sk, "chat", cs.convID, clientID, err)
}
