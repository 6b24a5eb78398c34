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
	"github.com/gridline/gridline/handoff"
)

// Agent socket limits.
const (
	// maxWatches bounds the conversations one console follows live; subscribing to
	// one more drops the least recently subscribed (the console is told).
	maxWatches = 64
	// queuesThrottle spaces out queues frames when the queues churn: one refresh
	// covers every change that arrived meanwhile.
	queuesThrottle = 250 * time.Millisecond
	// typingEvery is the least time between two typing events an agent sends to
	// one conversation.
	typingEvery = time.Second
)

// agentSocket is GET /ws/agent: one staff console's live connection. The session
// comes from ?token= or the session cookie (or Authorization: Bearer). A
// cookie-authenticated socket must come from this server's own pages, since a
// browser attaches cookies for any site that opens a socket here; a token in the
// URL is something only the console knows, so the widget hosts' origins are
// accepted with it as they are for the chat.
func (s *Server) agentSocket(c echo.Context) error {
	r := c.Request()
	viaCookie := true
	if tok := c.QueryParam("token"); tok != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
		viaCookie = false
	} else if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		viaCookie = false
	}
	if (viaCookie && !sameOrigin(r)) || !s.originAllowed(r) {
		return gridline.Errorf(gridline.EFORBIDDEN, "origin %q may not open the agent console", r.Header.Get("Origin"))
	}
	u, err := s.authenticate(r.Context(), r)
	if err != nil {
		return err
	}
	tokenHash := hashToken(sessionToken(r))
	return s.serveSocket(c, "agent", func(sk *socket) {
		as := &agentSession{s: s, sk: sk, user: u, tokenHash: tokenHash,
			watches: make(map[string]*watch), queuesDirty: make(chan struct{}, 1)}
		as.run()
	})
}

// sameOrigin accepts requests without an Origin (not a browser) and those from
// this server's own pages.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// agentSession is one console socket's state: who is on it, and the
// conversations it follows live.
type agentSession struct {
	s         *Server
	sk        *socket
	tokenHash string

	ctx   context.Context // the session's lifetime; cancelled when the socket ends
	pumps sync.WaitGroup  // forwarders of this session, waited for before run returns

	mu      sync.Mutex
	user    *gridline.User
	watches map[string]*watch
	order   []string // watched conversation ids, least recently subscribed first

	queuesDirty chan struct{}
}

// watch is one conversation the console follows: a switchboard subscription and
// the highest seq delivered, so that replay and live events meet without a gap or
// a duplicate.
type watch struct {
	id     string
	sub    gridline.Subscription
	cancel context.CancelFunc

	feed       // its mutex also guards the fields below
	conv       *gridline.Conversation
	lastTyping time.Time
}

func (as *agentSession) currentUser() *gridline.User {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.user
}

func (as *agentSession) run() {
	s, sk := as.s, as.sk
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	as.ctx = ctx
	u := as.currentUser()
	s.consoleOpened(u.ID)
	defer as.closed()

	// Subscribe before the first queues frame, so that no change falls between.
	agents, err := s.cfg.Board.Subscribe(ctx, gridline.TopicAgents)
	if err != nil {
		as.unavailable(err)
		return
	}
	defer agents.Close()
	mine, err := s.cfg.Board.Subscribe(ctx, gridline.AgentTopic(u.ID))
	if err != nil {
		as.unavailable(err)
		return
	}
	defer mine.Close()

	sk.sendJSON(agentWelcomeFrame{Type: outWelcome, User: u})
	as.sendQueues(ctx)

	as.pumps.Add(4)
	go func() { defer as.pumps.Done(); as.forwardDesk(ctx, agents, false) }()
	go func() { defer as.pumps.Done(); as.forwardDesk(ctx, mine, true) }()
	go func() { defer as.pumps.Done(); as.refreshQueues(ctx) }()
	go func() { defer as.pumps.Done(); as.recheck(ctx) }()

	as.readLoop(ctx)
	cancel()
	sk.close(websocket.CloseNormalClosure, "")
	<-sk.done
	agents.Close()
	mine.Close()
	as.mu.Lock()
	for _, w := range as.watches {
		w.cancel()
		w.sub.Close()
	}
	as.watches = nil
	as.mu.Unlock()
	as.pumps.Wait()
}

// consoleOpened counts one more open console of the user on this server.
func (s *Server) consoleOpened(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.consoles == nil {
		s.consoles = make(map[string]int)
	}
	s.consoles[userID]++
}

// closed tells the desk when the user's last console on this server is gone,
// so that they are offered no chat in the meantime; one on another replica
// beats again within its heartbeat. It runs past a server shutting down.
func (as *agentSession) closed() {
	s, u := as.s, as.currentUser()
	s.mu.Lock()
	s.consoles[u.ID]--
	last := s.consoles[u.ID] <= 0
	if last {
		delete(s.consoles, u.ID)
	}
	s.mu.Unlock()
	if !last || s.cfg.Desk == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	if err := s.cfg.Desk.Disconnect(ctx, u); err != nil {
		s.logger.Warn("agent: console closed", "err", err, "agent", u.ID)
	}
}

func (as *agentSession) unavailable(err error) {
	as.s.logger.Error("agent: subscribe", "err", err)
	as.sendError("", "", gridline.Errorf(gridline.EUNAVAILABLE, "the console is unavailable; reconnect shortly"))
	as.sk.close(websocket.CloseTryAgainLater, "unavailable")
	<-as.sk.done
}

// readLoop handles console frames until the socket fails or closes.
func (as *agentSession) readLoop(ctx context.Context) {
	as.s.readFrames(as.sk, "agent", func(f *Frame, err error) {
		if f == nil {
			f = &Frame{}
		}
		as.sendError(f.ConversationID, f.ClientID, err)
	}, func(f *Frame) { as.handle(ctx, f) })
}

func (as *agentSession) handle(ctx context.Context, f *Frame) {
	switch f.Type {
	case frameStatus:
		as.status(ctx, f.Status)
	case frameSubscribe:
		as.subscribe(ctx, f.ConversationID, f.LastSeq)
	case frameMessage:
		if f.ConversationID == "" {
			as.sendError("", f.ClientID, &gridline.Error{Code: gridline.EINVALID, Message: "a message needs a conversation_id",
				Fields: map[string]string{"conversation_id": "required"}})
			return
		}
		m, _, err := as.s.cfg.Conversations.Reply(ctx, as.currentUser(), f.ConversationID, f.ClientID, f.Text)
		if err != nil {
			as.sendError(f.ConversationID, f.ClientID, err)
			return
		}
		as.sk.sendJSON(ackFrame{Type: outAck, ConversationID: m.ConversationID, ClientID: f.ClientID, Seq: m.Seq})
	case frameTyping:
		as.typing(ctx, f.ConversationID)
	default:
		as.sendError("", f.ClientID, gridline.Errorf(gridline.EINVALID, "frame type %q is not for the agent console", f.Type))
	}
}

// status records the agent's status and keeps their presence alive (consoles send
// it every 10 s). It also re-checks the session, so that a logged-out, expired or
// disabled account loses its socket within one heartbeat.
func (as *agentSession) status(ctx context.Context, status string) {
	s := as.s
	u, err := as.reauthenticate(ctx)
	if err != nil {
		as.sendError("", "", err)
		if gridline.ErrorCode(err) == gridline.EUNAUTHORIZED {
			as.sk.close(websocket.ClosePolicyViolation, "session ended")
		}
		return
	}
	if s.cfg.Desk == nil {
		return
	}
	if err := s.cfg.Desk.Heartbeat(ctx, u, status); err != nil {
		as.sendError("", "", err)
	}
}

// recheckEvery is how often a console's session and access are checked again
// without waiting for the console's own status frames.
const recheckEvery = 30 * time.Second

// recheck closes the console once its session has ended (logout, expiry, a
// disabled account) and stops watches its user may no longer see (a changed
// role), whether or not the console sends status frames.
func (as *agentSession) recheck(ctx context.Context) {
	t := time.NewTicker(recheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		u, err := as.reauthenticate(ctx)
		if err != nil {
			if gridline.ErrorCode(err) == gridline.EUNAUTHORIZED {
				as.sendError("", "", err)
				as.sk.close(websocket.ClosePolicyViolation, "session ended")
				return
			}
			continue // the store is down: keep the console, try again later
		}
		as.mu.Lock()
		watches := make([]*watch, 0, len(as.watches))
		for _, w := range as.watches {
			watches = append(watches, w)
		}
		as.mu.Unlock()
		for _, w := range watches {
			if _, err := as.s.cfg.Conversations.ConversationFor(ctx, u, w.id); gridline.ErrorCode(err) == gridline.ENOTFOUND {
				as.unwatch(w.id, "no longer yours")
				continue
			}
			w.mu.Lock()
			if err := w.catchUpLocked(ctx); err != nil {
				as.s.logger.Warn("agent: catch up", "err", err, "conversation", w.id)
			}
			w.mu.Unlock()
		}
	}
}

func (as *agentSession) reauthenticate(ctx context.Context) (*gridline.User, error) {
	s := as.s
	gone := gridline.Errorf(gridline.EUNAUTHORIZED, "session ended; log in again")
	sess, err := s.cfg.Store.Session(ctx, as.tokenHash)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gone
		}
		return nil, err
	}
	u, err := s.cfg.Store.User(ctx, sess.UserID)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gone
		}
		return nil, err
	}
	if u.Disabled {
		return nil, gone
	}
	as.mu.Lock()
	as.user = u
	as.mu.Unlock()
	return u, nil
}

// subscribe starts (or restarts) following one conversation: the conversation
// frame, then every message after lastSeq from the store, then live events.
func (as *agentSession) subscribe(ctx context.Context, convID string, lastSeq int64) {
	s := as.s
	u := as.currentUser()
	conv, err := s.cfg.Conversations.ConversationFor(ctx, u, convID)
	if err != nil {
		as.sendError(convID, "", err)
		return
	}
	w, err := as.watchFor(ctx, conv.ID)
	if err != nil {
		as.sendError(convID, "", err)
		return
	}
	w.mu.Lock()
	w.conv = conv
	as.sk.sendJSON(conversationFrame{Type: outConversation, Conversation: s.viewConversation(ctx, u, conv)})
	if err := w.replayLocked(ctx, lastSeq, conv.LastSeq); err != nil {
		as.sendError(convID, "", err)
	}
	// The conversation may have changed hands between the access check and the
	// subscription going live, and that status event was held back: look again
	// now that events flow.
	fresh, err := s.cfg.Conversations.ConversationFor(ctx, u, convID)
	if err == nil && (fresh.Status != conv.Status || fresh.HandlerID != conv.HandlerID) {
		w.conv = fresh
		as.sk.sendJSON(conversationFrame{Type: outConversation, Conversation: s.viewConversation(ctx, u, fresh)})
	}
	w.mu.Unlock()
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		as.unwatch(convID, "no longer yours")
	}
}

// watchFor returns the session's watch of a conversation, subscribing first when
// there is none. The subscription is live before the caller replays from the
// store, so nothing published meanwhile is missed.
func (as *agentSession) watchFor(ctx context.Context, convID string) (*watch, error) {
	as.mu.Lock()
	if w := as.watches[convID]; w != nil {
		as.touchLocked(convID)
		as.mu.Unlock()
		return w, nil
	}
	as.mu.Unlock()

	wctx, cancel := context.WithCancel(as.ctx)
	sub, err := as.s.cfg.Board.Subscribe(wctx, gridline.ConversationTopic(convID))
	if err != nil {
		cancel()
		as.s.logger.Error("agent: subscribe conversation", "err", err, "conversation", convID)
		return nil, gridline.Errorf(gridline.EUNAVAILABLE, "live updates are unavailable; try again shortly")
	}
	w := &watch{id: convID, sub: sub, cancel: cancel}
	// Staff see everything, internal notes included.
	w.feed = feed{store: as.s.cfg.Store, convID: convID, send: func(m *gridline.Message, wait bool) {
		if wait {
			as.sk.sendWait(messageFrame(m))
		} else {
			as.sk.sendJSON(messageFrame(m))
		}
	}}

	as.mu.Lock()
	if as.watches == nil { // the socket is closing
		as.mu.Unlock()
		cancel()
		sub.Close()
		return nil, gridline.Errorf(gridline.EUNAVAILABLE, "the console is closing")
	}
	if prev := as.watches[convID]; prev != nil { // a concurrent subscribe won
		as.mu.Unlock()
		cancel()
		sub.Close()
		return prev, nil
	}
	var evicted []*watch
	for len(as.order) >= maxWatches {
		old := as.order[0]
		as.order = as.order[1:]
		if ow := as.watches[old]; ow != nil {
			evicted = append(evicted, ow)
			delete(as.watches, old)
		}
	}
	as.watches[convID] = w
	as.order = append(as.order, convID)
	as.pumps.Add(1)
	as.mu.Unlock()

	for _, ow := range evicted {
		as.stopWatch(ow, "too many conversations open")
	}
	go func() {
		defer as.pumps.Done()
		as.forwardConversation(wctx, w)
	}()
	return w, nil
}

// touchLocked moves a conversation to the most recently subscribed end.
func (as *agentSession) touchLocked(convID string) {
	for i, id := range as.order {
		if id == convID {
			as.order = append(as.order[:i], as.order[i+1:]...)
			break
		}
	}
	as.order = append(as.order, convID)
}

// unwatch stops following a conversation and tells the console why.
func (as *agentSession) unwatch(convID, reason string) {
	as.mu.Lock()
	w := as.watches[convID]
	if w != nil {
		delete(as.watches, convID)
		for i, id := range as.order {
			if id == convID {
				as.order = append(as.order[:i], as.order[i+1:]...)
				break
			}
		}
	}
	as.mu.Unlock()
	if w != nil {
		as.stopWatch(w, reason)
	}
}

func (as *agentSession) stopWatch(w *watch, reason string) {
	w.cancel()
	w.sub.Close()
	as.sk.sendJSON(unsubscribedFrame{Type: outUnsubscribed, ConversationID: w.id, Reason: reason})
}

// forwardConversation relays one conversation's live events to the console.
func (as *agentSession) forwardConversation(ctx context.Context, w *watch) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.sub.Events():
			if !ok {
				return
			}
			as.deliver(ctx, w, ev)
		}
	}
}

// deliver sends one conversation event: messages in seq order with gaps filled
// from the store, the conversation again when its status changes, everything else
// as it comes with the conversation id added.
func (as *agentSession) deliver(ctx context.Context, w *watch, ev gridline.Event) {
	w.mu.Lock()
	if !w.ready {
		w.mu.Unlock()
		return // subscribe replays it from the store
	}
	switch ev.Type {
	case gridline.EventMessage:
		if err := w.liveLocked(ctx, ev.Data); err != nil {
			as.s.logger.Warn("agent: fill gap", "err", err, "conversation", w.id)
		}
	case gridline.EventStatus:
		var conv gridline.Conversation
		if err := json.Unmarshal(ev.Data, &conv); err != nil || conv.ID != w.id {
			// Not a conversation: pass it on as it is.
			as.sk.sendJSON(agentEventFrame(ev, w.id))
			break
		}
		w.conv = &conv
		u := as.currentUser()
		if !gridline.CanSeeConversation(u, &conv) {
			w.mu.Unlock()
			as.unwatch(w.id, "no longer yours")
			return
		}
		as.sk.sendJSON(conversationFrame{Type: outConversation, Conversation: as.s.viewConversation(ctx, as.currentUser(), &conv)})
	case gridline.EventWorkOrder:
		// Consoles hear of orders on the desk topics (forwardDesk), once each.
	case gridline.EventTyping:
		var t gridline.TypingData
		_ = json.Unmarshal(ev.Data, &t)
		if t.Author.Kind == gridline.AuthorAgent && t.Author.ID == as.currentUser().ID {
			break // the agent's own typing
		}
		as.sk.sendJSON(agentEventFrame(ev, w.id))
	default:
		as.sk.sendJSON(agentEventFrame(ev, w.id))
	}
	w.mu.Unlock()
}

// typing tells the customer the agent is typing; only for a conversation the
// console follows and the agent may reply to, and at most once a second.
func (as *agentSession) typing(ctx context.Context, convID string) {
	as.mu.Lock()
	w := as.watches[convID]
	u := as.user
	as.mu.Unlock()
	if w == nil {
		as.sendError(convID, "", gridline.Errorf(gridline.EINVALID, "subscribe to the conversation first"))
		return
	}
	w.mu.Lock()
	ok := conversation.CanReply(u, w.conv) == nil && time.Since(w.lastTyping) >= typingEvery
	if ok {
		w.lastTyping = time.Now()
	}
	w.mu.Unlock()
	if !ok {
		return
	}
	as.s.cfg.Conversations.Typing(ctx, convID, gridline.Author{Kind: gridline.AuthorAgent, ID: u.ID, Name: u.Name})
}

// forwardDesk relays the desk's events (the queues topic, the agent's own topic):
// a queue change schedules a fresh queues frame, an assignment becomes
// assigned{conversation}, a conversation leaving the agent becomes
// conversation{conversation}, a work order's notice becomes workorder{…} for
// those who may see it, anything else passes as it is. own says sub is the
// agent's own topic.
func (as *agentSession) forwardDesk(ctx context.Context, sub gridline.Subscription, own bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.Events():
			if !ok {
				return
			}
			switch ev.Type {
			case gridline.EventQueueChange:
				select {
				case as.queuesDirty <- struct{}{}:
				default: // a refresh is already due
				}
			case gridline.EventWorkOrder:
				// Supervisors hear of every order on TopicAgents; an agent hears of
				// their own (owned or handled) on their topic only, so neither
				// gets one twice nor sees what the access rule hides.
				if gridline.SeesAllConversations(as.currentUser()) == own {
					break
				}
				if f, ok := workOrderFrameFor(ev, false); ok {
					as.sk.sendJSON(f)
				}
			case handoff.EventAssigned, gridline.EventStatus:
				var conv gridline.Conversation
				if err := json.Unmarshal(ev.Data, &conv); err != nil || conv.ID == "" {
					as.sk.sendJSON(agentEventFrame(ev, ev.ConversationID))
					break
				}
				typ := outConversation // a conversation left the agent (transfer, resolve, requeue)
				if ev.Type == handoff.EventAssigned {
					typ = outAssigned
				}
				as.sk.sendJSON(conversationFrame{Type: typ, ConversationID: conv.ID, Conversation: as.s.viewConversation(ctx, as.currentUser(), &conv)})
			default:
				as.sk.sendJSON(agentEventFrame(ev, ev.ConversationID))
			}
		}
	}
}

// refreshQueues sends a queues frame after changes, at most one per
// queuesThrottle however fast the queues move.
func (as *agentSession) refreshQueues(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-as.queuesDirty:
		}
		as.sendQueues(ctx)
		t.Reset(queuesThrottle)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (as *agentSession) sendQueues(ctx context.Context) {
	tickets, err := as.s.queueTickets(ctx)
	if err != nil {
		if ctx.Err() == nil {
			as.s.logger.Warn("agent: list queues", "err", err)
		}
		return
	}
	as.sk.sendJSON(queuesFrame{Type: outQueues, Tickets: tickets})
}

func (as *agentSession) sendError(convID, clientID string, err error) {
	as.s.sendError(as.sk, "agent", convID, clientID, err)
}
