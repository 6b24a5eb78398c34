package server

import (
	"bytes"
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
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/handoff"
)

// InternalNoteID marks a system message meant for staff only (a transfer note,
// a rating): customers never receive it.
const InternalNoteID = handoff.NoteAuthorID

// botTimeout bounds one bot reply, LLM included; the bot falls back well before.
const botTimeout = 30 * time.Second

type widgetSessionRequest struct {
	Lang         string `json:"lang" validate:"omitempty,max=35"`
	VisitorToken string `json:"visitor_token" validate:"omitempty,max=512"`
}

type widgetSessionResponse struct {
	VisitorToken   string    `json:"visitor_token"`
	ConversationID string    `json:"conversation_id"`
	CustomerID     string    `json:"customer_id"`
	Status         string    `json:"status"`
	Lang           string    `json:"lang"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// createWidgetSession starts a conversation for a new visitor, or resumes the
// visitor's open one when they present a still-valid token. A visitor whose last
// conversation was resolved keeps their customer record and gets a new matter.
func (s *Server) createWidgetSession(c echo.Context) error {
	var req widgetSessionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	lang := gridline.NormalizeLang(req.Lang)
	if req.Lang == "" {
		lang = gridline.NormalizeLang(c.Request().Header.Get("Accept-Language"))
	}
	var cust *gridline.Customer
	if req.VisitorToken != "" {
		if claims, err := verifyVisitor(s.cfg.Secret, req.VisitorToken, s.now()); err == nil {
			conv, err := s.cfg.Store.Conversation(ctx, claims.ConversationID)
			if err == nil && conv.Status != gridline.StatusResolved {
				return c.JSON(http.StatusOK, s.sessionResponse(conv))
			}
			if cust, err = s.cfg.Store.Customer(ctx, claims.CustomerID); err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
				return err
			}
		}
	}
	if cust == nil {
		cust = &gridline.Customer{Lang: lang}
		if err := s.cfg.Store.CreateCustomer(ctx, cust); err != nil {
			return err
		}
	}
	conv := &gridline.Conversation{CustomerID: cust.ID, Status: gridline.StatusBot, Lang: lang, Skill: gridline.SkillGeneral}
	if err := s.cfg.Store.CreateConversation(ctx, conv); err != nil {
		return err
	}
	if err := s.postBotReply(ctx, conv, s.cfg.Bot.Greet(lang)); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.sessionResponse(conv))
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
		cs.feed = feed{store: s.cfg.Store, convID: conv.ID, send: func(m *gridline.Message, wait bool) {
			if m.Author.Kind == gridline.AuthorSystem && m.Author.ID == InternalNoteID {
				return // staff only
			}
			if wait {
				sk.sendWait(messageFrame(m))
			} else {
				sk.sendJSON(messageFrame(m))
			}
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
		cs.customerMessage(ctx, f.ClientID, f.Text, bot.Input{Text: f.Text})
	case frameChoose:
		label := cs.optionLabel(ctx, f.Option)
		clientID := f.ClientID
		if clientID == "" {
			clientID = "choose-" + gridline.NewID()
		}
		cs.customerMessage(ctx, clientID, label, bot.Input{Option: f.Option})
	case frameTyping:
		// Typing counts against the frame limit like every frame (readFrames);
		// on top, at most one event a second reaches the switchboard.
		if now := time.Now(); now.Sub(cs.lastTyping) >= typingEvery {
			cs.lastTyping = now
			_ = s.cfg.Board.Publish(ctx, gridline.ConversationTopic(cs.convID),
				gridline.NewEvent(gridline.EventTyping, cs.convID, map[string]any{"author": gridline.Author{Kind: gridline.AuthorCustomer}}))
		}
	case frameRating:
		cs.rate(ctx, f.Score, f.Comment)
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
	cs.sk.sendJSON(map[string]any{"type": "welcome", "conversation_id": conv.ID, "status": conv.Status, "lang": conv.Lang, "last_seq": conv.LastSeq})
	err = cs.replayLocked(ctx, lastSeq, conv.LastSeq)
	cs.mu.Unlock()
	if err != nil {
		cs.sendError(err)
	}
	if conv.Status == gridline.StatusQueued {
		cs.s.sendQueueStatus(ctx, cs.sk, conv.ID)
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
		if !bytes.Contains(ev.Data, []byte(`"kind":"customer"`)) { // not the customer's own
			cs.sk.sendJSON(eventFrame(ev))
		}
		return
	case gridline.EventStatus:
		// Customers see where their conversation stands, not staff ids or ratings.
		var conv gridline.Conversation
		if json.Unmarshal(ev.Data, &conv) == nil && conv.Status != "" {
			cs.sk.sendJSON(map[string]any{"type": gridline.EventStatus, "status": conv.Status})
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

// customerMessage stores the customer's text before acking it, and asks the bot
// when the conversation is still with the bot. A resent client id is acked with
// its stored seq and nothing else happens.
func (cs *chatSession) customerMessage(ctx context.Context, clientID, text string, in bot.Input) {
	s := cs.s
	m := &gridline.Message{ConversationID: cs.convID, ClientID: clientID, Text: text,
		Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: cs.customerID}}
	created, err := gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m)
	if err != nil && !created {
		cs.sendErrorFor(clientID, err)
		return
	}
	if err != nil {
		s.logger.Warn("chat: publish", "err", err, "conversation", cs.convID)
	}
	cs.sk.sendJSON(map[string]any{"type": "ack", "client_id": clientID, "seq": m.Seq})
	if !created {
		return
	}
	s.metrics.messages.WithLabelValues(string(gridline.AuthorCustomer)).Inc()
	in.ConversationID = cs.convID
	s.queueBotTurn(cs.convID, in)
}

// optionLabel finds the label of a quick reply the customer pressed, so their
// choice reads as what they saw; an unknown option reads as itself.
func (cs *chatSession) optionLabel(ctx context.Context, option string) string {
	conv, err := cs.s.cfg.Store.Conversation(ctx, cs.convID)
	if err != nil {
		return option
	}
	msgs, err := cs.s.cfg.Store.Messages(ctx, cs.convID, max(0, conv.LastSeq-20), 0)
	if err != nil {
		return option
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, q := range msgs[i].QuickReplies {
			if q.ID == option {
				return q.Label
			}
		}
	}
	return option
}

// rate records the customer's satisfaction score and comment.
func (cs *chatSession) rate(ctx context.Context, score int, comment string) {
	s := cs.s
	if err := s.cfg.Store.RateConversation(ctx, cs.convID, score); err != nil {
		cs.sendError(err)
		return
	}
	text := strings.Repeat("★", score) + strings.Repeat("☆", 5-score)
	if c := strings.TrimSpace(comment); c != "" {
		text += " " + c
	}
	m := &gridline.Message{ConversationID: cs.convID, Text: text,
		Author: gridline.Author{Kind: gridline.AuthorSystem, ID: InternalNoteID, Name: "rating"}}
	if _, err := gridline.Post(ctx, s.cfg.Store, s.cfg.Board, m); err != nil {
		s.logger.Warn("chat: rating note", "err", err)
	}
	cs.sk.sendJSON(map[string]any{"type": "rated", "score": score})
}

func (cs *chatSession) sendError(err error) { cs.sendErrorFor("", err) }

func (cs *chatSession) sendErrorFor(clientID string, err error) {
	body := toErrorBody(err)
	if body.Code == gridline.EINTERNAL {
		cs.s.logger.Error("chat", "err", err, "conversation", cs.convID)
	}
	frame := map[string]any{"type": "error", "code": body.Code, "message": body.Message}
	if body.Fields != nil {
		frame["fields"] = body.Fields
	}
	if clientID != "" {
		frame["client_id"] = clientID
	}
	cs.sk.sendJSON(frame)
}

// messageFrame is the frame a stored message travels in.
func messageFrame(m *gridline.Message) json.RawMessage {
	data, _ := json.Marshal(m)
	return spliceType("message", data)
}

// eventFrame turns a switchboard event into the frame clients receive: the
// event's data object with its type added.
func eventFrame(ev gridline.Event) json.RawMessage {
	return spliceType(ev.Type, ev.Data)
}

// spliceType returns {"type":typ, ...fields of obj}.
func spliceType(typ string, obj []byte) json.RawMessage {
	head, _ := json.Marshal(typ)
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' {
		return json.RawMessage(`{"type":` + string(head) + `}`)
	}
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	b.Write(head)
	if inner := bytes.TrimSpace(obj[1 : len(obj)-1]); len(inner) > 0 {
		b.WriteByte(',')
		b.Write(inner)
	}
	b.WriteByte('}')
	return b.Bytes()
}
