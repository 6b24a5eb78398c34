package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/internal/testenv"
	"github.com/gridline/gridline/knowledge"
)

// deskEnv is a whole desk on a real listener: a SQLite store, the in-process
// switchboard, queue and presence, the real desk and bot.
type deskEnv struct {
	t        testing.TB
	srv      *Server
	base     string // http://127.0.0.1:port
	store    gridline.Store
	board    gridline.Switchboard
	queue    handoff.Queue
	presence handoff.Presence
	desk     *handoff.Desk
	conv     *conversation.Service
	kb       *knowledge.Service
}

// deskParts are the shared pieces a replica is built on; the Redis test passes
// its own. Zero frame limits mean 50 frames a second in bursts of 100.
type deskParts struct {
	store      gridline.Store
	board      gridline.Switchboard
	queue      handoff.Queue
	presence   handoff.Presence
	lease      conversation.Lease // nil: in memory
	frameRate  float64
	frameBurst int
}

func newDeskEnv(t testing.TB) *deskEnv {
	t.Helper()
	return startDesk(t, memoryParts(t))
}

// memoryParts is a fresh SQLite store and in-process switchboard, queue and presence.
func memoryParts(t testing.TB) deskParts {
	t.Helper()
	env := testenv.Embedded(t)
	h := env.Handoff(t, "")
	return deskParts{store: env.Store(t), board: h.Board, queue: h.Queue, presence: h.Presence}
}

// startDesk runs a desk and a server over parts until the test ends.
func startDesk(t testing.TB, p deskParts) *deskEnv {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// A grace longer than any test: on a loaded machine a test may outlast the
	// default, and a sweep returning an idle test agent's chats would then look
	// like a second claim (the vanished-agent clock is tested in handoff).
	desk := &handoff.Desk{Store: p.store, Queue: p.queue, Presence: p.presence, Board: p.board, Logger: logger,
		Grace: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = desk.Run(ctx) }()

	kb := &knowledge.Service{Store: p.store, Index: knowledge.NewIndex(), Board: p.board, Logger: logger}
	b := bot.New(bot.Config{Knowledge: kb, Unanswered: p.store, Logger: logger})
	svc := conversation.New(conversation.Config{Store: p.store, Board: p.board, Bot: b, Desk: desk,
		Presence: p.presence, Lease: p.lease, Logger: logger})
	srv := New(Config{
		Store: p.store, Board: p.board, Conversations: svc, Desk: desk, Presence: p.presence, Queue: p.queue, Knowledge: kb,
		Bot:    b,
		Secret: []byte("agent-test-secret"), Logger: logger, MetricsToken: "agent-test-metrics",
		FrameRate: cmp.Or(p.frameRate, 50), FrameBurst: cmp.Or(p.frameBurst, 100),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		_ = svc.Close()
		cancel()
		wg.Wait()
	})
	return &deskEnv{t: t, srv: srv, base: "http://" + ln.Addr().String(), store: p.store, board: p.board,
		queue: p.queue, presence: p.presence, desk: desk, conv: svc, kb: kb}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// staff creates a user with role and skills and logs them in through the API.
func (e *deskEnv) staff(role, name string, skills ...string) (*gridline.User, string) {
	e.t.Helper()
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		e.t.Fatal(err)
	}
	if skills == nil {
		skills = []string{}
	}
	u := &gridline.User{Email: strings.ToLower(name) + "@utility.test", Name: name, Role: role, Skills: skills,
		Capacity: 3, PasswordHash: hash}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	var out loginOutput
	e.mustDo("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}, http.StatusOK, &out)
	return out.User, out.Token
}

// do sends a JSON request with a bearer token and returns the status and body.
func (e *deskEnv) do(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

// mustDo is do that fails the test on another status and decodes the body into out.
func (e *deskEnv) mustDo(method, path, token string, body any, want int, out any) {
	e.t.Helper()
	status, data := e.do(method, path, token, body)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// customer opens a widget session: a visitor token and a conversation with the bot.
func (e *deskEnv) customer() widgetSessionResponse {
	e.t.Helper()
	var s widgetSessionResponse
	e.mustDo("POST", "/api/v1/widget/sessions", "", map[string]string{"lang": "en"}, http.StatusCreated, &s)
	return s
}

// queued puts a customer's conversation in the general queue, as the bot does.
func (e *deskEnv) queued() widgetSessionResponse {
	e.t.Helper()
	s := e.customer()
	if _, _, err := e.desk.RequestHuman(context.Background(), s.ConversationID, gridline.SkillGeneral, gridline.PriorityNormal); err != nil {
		e.t.Fatalf("request human: %v", err)
	}
	return s
}

// wsClient is a test's end of a socket; frames are read with a deadline.
type wsClient struct {
	t  testing.TB
	ws *websocket.Conn
}

func (e *deskEnv) dial(path string, header http.Header) (*wsClient, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(e.base, "http") + path
	ws, res, err := websocket.DefaultDialer.Dial(u, header)
	if err != nil {
		return nil, res, err
	}
	c := &wsClient{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.Close() })
	return c, res, nil
}

func (e *deskEnv) agentSocket(token string) *wsClient {
	e.t.Helper()
	c, res, err := e.dial("/ws/agent?token="+url.QueryEscape(token), nil)
	if err != nil {
		e.t.Fatalf("dial agent socket: %v (%v)", err, statusOf2(res))
	}
	c.expect("welcome", nil)
	return c
}

func (e *deskEnv) chatSocket(visitorToken string) *wsClient {
	e.t.Helper()
	c, res, err := e.dial("/ws/chat?token="+url.QueryEscape(visitorToken), nil)
	if err != nil {
		e.t.Fatalf("dial chat socket: %v (%v)", err, statusOf2(res))
	}
	c.send(map[string]any{"type": "hello", "last_seq": 0})
	c.expect("welcome", nil)
	return c
}

func statusOf2(res *http.Response) int {
	if res == nil {
		return 0
	}
	return res.StatusCode
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// frame is a received frame, decoded loosely.
type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }
func (f frame) num(k string) int64  { n, _ := f[k].(float64); return int64(n) }

// expect reads frames until one of type typ satisfies match (nil: any), failing
// after a few seconds.
func (c *wsClient) expect(typ string, match func(frame) bool) frame {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = c.ws.SetReadDeadline(deadline)
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.t.Fatalf("frame is not JSON: %s", data)
		}
		if f.str("type") == typ && (match == nil || match(f)) {
			return f
		}
	}
}

// closeCode reads until the socket closes and returns the close code.
func (c *wsClient) closeCode() int {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if asErr(err, &ce) {
				return ce.Code
			}
			c.t.Fatalf("socket ended without a close frame: %v", err)
		}
	}
}

func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Error errorBody `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Error.Code
}

func TestCustomerTokenNeverActsAsAgent(t *testing.T) {
	e := newDeskEnv(t)
	cust := e.queued()
	for _, path := range []string{
		"/api/v1/conversations", "/api/v1/conversations/" + cust.ConversationID,
		"/api/v1/conversations/" + cust.ConversationID + "/messages", "/api/v1/queues", "/api/v1/agents",
		"/api/v1/customers/" + cust.CustomerID + "/conversations",
	} {
		status, body := e.do("GET", path, cust.VisitorToken, nil)
		if status != http.StatusUnauthorized || errorCode(t, body) != gridline.EUNAUTHORIZED {
			t.Errorf("GET %s with a visitor token: %d %s, want 401", path, status, body)
		}
	}
	status, body := e.do("POST", "/api/v1/conversations/"+cust.ConversationID+"/claim", cust.VisitorToken, nil)
	if status != http.StatusUnauthorized {
		t.Errorf("claim with a visitor token: %d %s, want 401", status, body)
	}
	if _, res, err := e.dial("/ws/agent?token="+url.QueryEscape(cust.VisitorToken), nil); err == nil || statusOf2(res) != http.StatusUnauthorized {
		t.Errorf("agent socket with a visitor token: err %v, status %d; want a refused 401 handshake", err, statusOf2(res))
	}
	if _, res, err := e.dial("/ws/agent", nil); err == nil || statusOf2(res) != http.StatusUnauthorized {
		t.Errorf("agent socket without a token: err %v, status %d; want 401", err, statusOf2(res))
	}
}

func TestRolesGuardAdminEndpoints(t *testing.T) {
	e := newDeskEnv(t)
	_, agent := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	_, sup := e.staff(gridline.RoleSupervisor, "Sam")
	_, admin := e.staff(gridline.RoleAdmin, "Ada")
	newUser := map[string]any{"email": "new@utility.test", "name": "New", "role": "admin", "skills": []string{}, "capacity": 2, "password": "long enough"}
	tests := []struct {
		method, path string
		body         any
		token        string
		want         int
	}{
		{"GET", "/api/v1/users", nil, agent, http.StatusForbidden},
		{"POST", "/api/v1/users", newUser, agent, http.StatusForbidden},
		{"PUT", "/api/v1/users/x", map[string]any{"name": "x", "role": "admin", "capacity": 1}, agent, http.StatusForbidden},
		{"GET", "/api/v1/stats", nil, agent, http.StatusForbidden},
		{"GET", "/api/v1/users", nil, sup, http.StatusForbidden},
		{"POST", "/api/v1/users", newUser, sup, http.StatusForbidden},
		{"GET", "/api/v1/stats", nil, sup, http.StatusOK},
		{"GET", "/api/v1/users", nil, admin, http.StatusOK},
		{"GET", "/api/v1/stats", nil, admin, http.StatusOK},
		{"GET", "/api/v1/users", nil, "", http.StatusUnauthorized},
		{"GET", "/api/v1/stats", nil, "", http.StatusUnauthorized},
		{"GET", "/api/v1/queues", nil, agent, http.StatusOK},
		{"GET", "/api/v1/requests?status=open", nil, agent, http.StatusOK},
	}
	for _, tt := range tests {
		if status, body := e.do(tt.method, tt.path, tt.token, tt.body); status != tt.want {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, status, body, tt.want)
		}
	}
}

func TestConversationsOutsideReachAre404(t *testing.T) {
	e := newDeskEnv(t)
	ann, annTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	_, bobTok := e.staff(gridline.RoleAgent, "Bob", gridline.SkillGeneral)
	_, supTok := e.staff(gridline.RoleSupervisor, "Sam")

	withBot := e.customer() // still with the bot: no agent's business
	paths := func(id string) []string {
		return []string{"/api/v1/conversations/" + id, "/api/v1/conversations/" + id + "/messages?after_seq=0",
			"/api/v1/conversations/" + id + "/suggestions"}
	}
	notFound := func(tok, id, why string) {
		t.Helper()
		for _, p := range paths(id) {
			status, body := e.do("GET", p, tok, nil)
			if status != http.StatusNotFound || errorCode(t, body) != gridline.ENOTFOUND {
				t.Errorf("%s: GET %s: %d %s, want 404", why, p, status, body)
			}
		}
	}
	found := func(tok, id, why string) {
		t.Helper()
		for _, p := range paths(id) {
			if status, body := e.do("GET", p, tok, nil); status != http.StatusOK {
				t.Errorf("%s: GET %s: %d %s, want 200", why, p, status, body)
			}
		}
	}
	notFound(annTok, withBot.ConversationID, "a bot conversation")
	notFound(annTok, gridline.NewID(), "a conversation that does not exist")
	found(supTok, withBot.ConversationID, "a supervisor")
	if status, _ := e.do("GET", "/api/v1/customers/"+withBot.CustomerID+"/conversations", annTok, nil); status != http.StatusNotFound {
		t.Errorf("archive of a customer the agent does not serve: %d, want 404", status)
	}

	q := e.queued()
	found(annTok, q.ConversationID, "a queued conversation, for an agent to pick")
	var conv gridline.Conversation
	e.mustDo("POST", "/api/v1/conversations/"+q.ConversationID+"/claim", annTok, nil, http.StatusOK, &conv)
	if conv.HandlerID != ann.ID || conv.Status != gridline.StatusActive {
		t.Fatalf("claimed conversation: %+v", conv)
	}
	found(annTok, q.ConversationID, "the handler")
	notFound(bobTok, q.ConversationID, "another agent's chat")
	status, body := e.do("POST", "/api/v1/conversations/"+q.ConversationID+"/messages", bobTok, map[string]string{"client_id": "b1", "text": "hi"})
	if status != http.StatusNotFound {
		t.Errorf("another agent replying: %d %s, want 404", status, body)
	}
	for _, action := range []string{"resolve", "transfer"} {
		status, body := e.do("POST", "/api/v1/conversations/"+q.ConversationID+"/"+action, bobTok, map[string]string{"to_skill": "billing"})
		if status != http.StatusNotFound {
			t.Errorf("another agent: %s: %d %s, want 404", action, status, body)
		}
	}
	var list []*gridline.Conversation
	e.mustDo("GET", "/api/v1/conversations", bobTok, nil, http.StatusOK, &list)
	for _, c := range list {
		if c.ID == q.ConversationID || c.ID == withBot.ConversationID {
			t.Errorf("Bob's list shows %s (%s)", c.ID, c.Status)
		}
	}
	e.mustDo("GET", "/api/v1/conversations?handler=me&status=active", annTok, nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != q.ConversationID {
		t.Errorf("Ann's active list: %d conversations, want hers", len(list))
	}
	if status, _ := e.do("GET", "/api/v1/conversations?owner="+ann.ID, bobTok, nil); status != http.StatusBadRequest {
		t.Errorf("an agent filtering by another agent's id: %d, want 400", status)
	}
	e.mustDo("GET", "/api/v1/customers/"+q.CustomerID+"/conversations", annTok, nil, http.StatusOK, &list)
	if len(list) != 1 {
		t.Errorf("the customer's archive: %d conversations, want 1", len(list))
	}
}

// TestClaimRace has two agents claim each of many waiting conversations at the
// same moment through the HTTP API: every conversation goes to exactly one.
func TestClaimRace(t *testing.T) {
	e := newDeskEnv(t)
	a, aTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	b, bTok := e.staff(gridline.RoleAgent, "Bob", gridline.SkillGeneral)
	a.Capacity, b.Capacity = 20, 20
	ctx := context.Background()
	for _, u := range []*gridline.User{a, b} {
		// Nobody is online, so the desk assigns nothing itself: the agents race.
		if err := e.store.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	const rounds = 10
	for i := range rounds {
		q := e.queued()
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		start := make(chan struct{})
		for j, tok := range []string{aTok, bTok} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[j], _ = e.do("POST", "/api/v1/conversations/"+q.ConversationID+"/claim", tok, nil)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusNotFound, http.StatusConflict:
			default:
				t.Errorf("round %d: claim answered %d", i, s)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d claims succeeded (%v), want exactly 1", i, ok, statuses)
		}
		conv, err := e.store.Conversation(ctx, q.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if conv.Status != gridline.StatusActive || (conv.HandlerID != a.ID && conv.HandlerID != b.ID) {
			t.Fatalf("round %d: conversation after the race: %+v", i, conv)
		}
	}
	la, _ := e.queue.Load(ctx, a.ID)
	lb, _ := e.queue.Load(ctx, b.ID)
	if la+lb != rounds {
		t.Errorf("loads %d + %d, want %d in all", la, lb, rounds)
	}
}

// TestAgentDeskFlow is the whole way through real sockets: a customer asks for a
// person, the agent's console sees the queue, the agent claims, they talk both
// ways, the agent resolves and the customer's widget is told.
func TestAgentDeskFlow(t *testing.T) {
	e := newDeskEnv(t)
	ann, annTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral, gridline.SkillBilling,
		gridline.SkillRepair, gridline.SkillConnection, gridline.SkillComplaint)
	_, adminTok := e.staff(gridline.RoleAdmin, "Ada")

	console := e.agentSocket(annTok)
	console.expect("queues", nil)
	// Away, so that the desk leaves the chat in the queue for Ann to pick.
	console.send(map[string]any{"type": "status", "status": "away"})
	waitFor(t, "Ann away", func() bool {
		p, err := e.presence.Agent(context.Background(), ann.ID)
		return err == nil && p.Status == handoff.AgentAway
	})

	cust := e.customer()
	widget := e.chatSocket(cust.VisitorToken)
	widget.send(map[string]any{"type": "message", "client_id": "c1", "text": "I want to talk to a person"})
	widget.expect("ack", func(f frame) bool { return f.str("client_id") == "c1" })
	widget.expect("queue", nil)

	console.expect("queues", func(f frame) bool {
		tickets, _ := f["tickets"].([]any)
		for _, tk := range tickets {
			if m, _ := tk.(map[string]any); m["conversation_id"] == cust.ConversationID {
				if _, ok := m["wait_seconds"]; !ok {
					t.Errorf("ticket without wait_seconds: %v", m)
				}
				return true
			}
		}
		return false
	})
	e.mustDo("POST", "/api/v1/conversations/"+cust.ConversationID+"/claim", annTok, nil, http.StatusOK, nil)
	console.expect("assigned", func(f frame) bool {
		conv, _ := f["conversation"].(map[string]any)
		return f.str("conversation_id") == cust.ConversationID && conv["handler_id"] == ann.ID
	})
	console.send(map[string]any{"type": "status", "status": "online"})
	widget.expect("agent.joined", nil)

	console.send(map[string]any{"type": "subscribe", "conversation_id": cust.ConversationID, "last_seq": 0})
	cf := console.expect("conversation", nil)
	if conv, _ := cf["conversation"].(map[string]any); conv["handler_id"] != ann.ID || conv["status"] != "active" {
		t.Errorf("conversation frame: %v", cf)
	}
	// The history replays, the bot's part and the customer's request included.
	console.expect("message", func(f frame) bool { return f.str("client_id") == "c1" })

	console.send(map[string]any{"type": "message", "conversation_id": cust.ConversationID, "client_id": "a1", "text": "Hello, I am Ann. How can I help?"})
	ack := console.expect("ack", func(f frame) bool { return f.str("client_id") == "a1" })
	if ack.str("conversation_id") != cust.ConversationID || ack.num("seq") == 0 {
		t.Fatalf("ack: %v", ack)
	}
	// The ack comes only after the message is stored.
	stored, err := e.store.Messages(context.Background(), cust.ConversationID, ack.num("seq")-1, 1)
	if err != nil || len(stored) != 1 || stored[0].ClientID != "a1" || stored[0].Author.Kind != gridline.AuthorAgent || stored[0].Author.ID != ann.ID {
		t.Fatalf("stored at the acked seq: %v %v", stored, err)
	}
	got := widget.expect("message", func(f frame) bool { return f.num("seq") == ack.num("seq") })
	if author, _ := got["author"].(map[string]any); author["kind"] != "agent" || author["name"] != "Ann" || got.str("text") != "Hello, I am Ann. How can I help?" {
		t.Errorf("the customer got %v", got)
	}
	// A resend is acked with the same seq and stored once.
	console.send(map[string]any{"type": "message", "conversation_id": cust.ConversationID, "client_id": "a1", "text": "Hello, I am Ann. How can I help?"})
	if again := console.expect("ack", func(f frame) bool { return f.str("client_id") == "a1" }); again.num("seq") != ack.num("seq") {
		t.Errorf("resend acked with seq %d, want %d", again.num("seq"), ack.num("seq"))
	}

	widget.send(map[string]any{"type": "typing"})
	console.expect("typing", func(f frame) bool { return f.str("conversation_id") == cust.ConversationID })
	widget.send(map[string]any{"type": "message", "client_id": "c2", "text": "My bill is too high"})
	cack := widget.expect("ack", func(f frame) bool { return f.str("client_id") == "c2" })
	console.expect("message", func(f frame) bool { return f.num("seq") == cack.num("seq") && f.str("text") == "My bill is too high" })

	// A reply over REST takes the same path and reaches the customer too.
	var m gridline.Message
	e.mustDo("POST", "/api/v1/conversations/"+cust.ConversationID+"/messages", annTok, map[string]string{"client_id": "a2", "text": "Let me check your bill."}, http.StatusCreated, &m)
	widget.expect("message", func(f frame) bool { return f.num("seq") == m.Seq })
	var again gridline.Message
	e.mustDo("POST", "/api/v1/conversations/"+cust.ConversationID+"/messages", annTok, map[string]string{"client_id": "a2", "text": "Let me check your bill."}, http.StatusOK, &again)
	if again.Seq != m.Seq {
		t.Errorf("REST resend got seq %d, want %d", again.Seq, m.Seq)
	}

	e.mustDo("POST", "/api/v1/conversations/"+cust.ConversationID+"/resolve", annTok, nil, http.StatusOK, nil)
	widget.expect("status", func(f frame) bool { return f.str("status") == string(gridline.StatusResolved) })
	console.expect("conversation", func(f frame) bool {
		conv, _ := f["conversation"].(map[string]any)
		return conv["status"] == string(gridline.StatusResolved)
	})
	// After resolving, a late resend still gets its seq; a new reply is refused.
	e.mustDo("POST", "/api/v1/conversations/"+cust.ConversationID+"/messages", annTok, map[string]string{"client_id": "a2", "text": "Let me check your bill."}, http.StatusOK, &again)
	if again.Seq != m.Seq {
		t.Errorf("resend after resolve got seq %d, want %d", again.Seq, m.Seq)
	}
	if status, body := e.do("POST", "/api/v1/conversations/"+cust.ConversationID+"/messages", annTok, map[string]string{"client_id": "a3", "text": "anything else?"}); status != http.StatusConflict {
		t.Errorf("reply to a resolved conversation: %d %s, want 409", status, body)
	}

	widget.send(map[string]any{"type": "rating", "score": 4})
	widget.expect("rated", nil)
	var st Stats
	e.mustDo("GET", "/api/v1/stats", adminTok, nil, http.StatusOK, &st)
	if st.Conversations != 1 || st.Handoffs != 1 || st.Ratings != 1 || st.AvgRating != 4 || st.BotResolvedRate != 0 {
		t.Errorf("stats after one handed-off, rated conversation: %+v", st)
	}
}

// expectAny reads until a frame of one of the types arrives.
func (c *wsClient) expectAny(types ...string) frame {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = c.ws.SetReadDeadline(deadline)
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for one of %v: %v", types, err)
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		for _, typ := range types {
			if f.str("type") == typ {
				return f
			}
		}
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAgentSocketOriginAndSession(t *testing.T) {
	e := newDeskEnv(t)
	_, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)

	// A page on another site cannot ride the staff cookie into the console.
	cookie := http.Header{"Cookie": {SessionCookie + "=" + tok}}
	foreign := http.Header{"Cookie": cookie["Cookie"], "Origin": {"https://evil.example"}}
	if _, res, err := e.dial("/ws/agent", foreign); err == nil || statusOf2(res) != http.StatusForbidden {
		t.Errorf("cookie from a foreign origin: err %v, status %d; want 403", err, statusOf2(res))
	}
	if _, res, err := e.dial("/ws/agent?token="+url.QueryEscape(tok), http.Header{"Origin": {"https://evil.example"}}); err == nil || statusOf2(res) != http.StatusForbidden {
		t.Errorf("token from an origin that is not allowed: err %v, status %d; want 403", err, statusOf2(res))
	}
	own := http.Header{"Cookie": cookie["Cookie"], "Origin": {e.base}}
	c, res, err := e.dial("/ws/agent", own)
	if err != nil {
		t.Fatalf("cookie from the console's own origin: %v (%d)", err, statusOf2(res))
	}
	if w := c.expect("welcome", nil); w["user"].(map[string]any)["name"] != "Ann" {
		t.Errorf("welcome: %v", w)
	}

	// Logging out ends the socket at its next heartbeat.
	e.mustDo("POST", "/api/v1/auth/logout", tok, nil, http.StatusNoContent, nil)
	c.send(map[string]any{"type": "status", "status": "online"})
	c.expect("error", func(f frame) bool { return f.str("code") == gridline.EUNAUTHORIZED })
	if code := c.closeCode(); code != websocket.ClosePolicyViolation {
		t.Errorf("close code %d, want %d", code, websocket.ClosePolicyViolation)
	}
}

func TestAgentSocketRefusesWhatIsNotTheirs(t *testing.T) {
	e := newDeskEnv(t)
	_, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	c := e.agentSocket(tok)
	withBot := e.customer()
	c.send(map[string]any{"type": "subscribe", "conversation_id": withBot.ConversationID, "last_seq": 0})
	if f := c.expect("error", nil); f.str("code") != gridline.ENOTFOUND || f.str("conversation_id") != withBot.ConversationID {
		t.Errorf("subscribing to a bot conversation: %v", f)
	}
	q := e.queued()
	c.send(map[string]any{"type": "subscribe", "conversation_id": q.ConversationID, "last_seq": 0})
	c.expect("conversation", nil)
	c.send(map[string]any{"type": "message", "conversation_id": q.ConversationID, "client_id": "x1", "text": "hi"})
	if f := c.expect("error", nil); f.str("code") != gridline.EFORBIDDEN || f.str("client_id") != "x1" {
		t.Errorf("replying to a queued conversation not claimed: %v", f)
	}
	c.send(map[string]any{"type": "hello", "last_seq": 0})
	if f := c.expect("error", nil); f.str("code") != gridline.EINVALID {
		t.Errorf("a chat frame on the console: %v", f)
	}
	msgs, err := e.store.Messages(context.Background(), q.ConversationID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Author.Kind == gridline.AuthorAgent {
			t.Errorf("a refused reply was stored: %+v", m)
		}
	}
}

func TestShutdownClosesAgentSockets(t *testing.T) {
	e := newDeskEnv(t)
	_, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	c := e.agentSocket(tok)
	c.expect("queues", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(ctx) }()
	if code := c.closeCode(); code != websocket.CloseGoingAway {
		t.Errorf("close code %d, want 1001", code)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func TestRequestsListAndClose(t *testing.T) {
	e := newDeskEnv(t)
	ann, tok := e.staff(gridline.RoleAgent, "Ann")
	cust := e.customer()
	var r gridline.Request
	status, data := e.do("POST", "/api/v1/widget/requests", cust.VisitorToken, map[string]string{"kind": "callback", "phone": "+86 138 0000 0000"})
	if status != http.StatusCreated {
		t.Fatalf("leave a call-back: %d %s", status, data)
	}
	_ = json.Unmarshal(data, &r)
	var open []gridline.Request
	e.mustDo("GET", "/api/v1/requests?status=open", tok, nil, http.StatusOK, &open)
	if len(open) != 1 || open[0].ID != r.ID {
		t.Fatalf("open requests: %+v", open)
	}
	e.mustDo("POST", fmt.Sprintf("/api/v1/requests/%d/close", r.ID), tok, nil, http.StatusNoContent, nil)
	e.mustDo("GET", "/api/v1/requests?status=open", tok, nil, http.StatusOK, &open)
	if len(open) != 0 {
		t.Errorf("still open after closing: %+v", open)
	}
	var closed []gridline.Request
	e.mustDo("GET", "/api/v1/requests?status=closed", tok, nil, http.StatusOK, &closed)
	if len(closed) != 1 || closed[0].ClosedBy != ann.ID {
		t.Errorf("closed requests: %+v", closed)
	}
	if status, _ := e.do("POST", "/api/v1/requests/999/close", tok, nil); status != http.StatusNotFound {
		t.Errorf("closing a request that does not exist: %d, want 404", status)
	}
	if status, _ := e.do("GET", "/api/v1/requests?status=maybe", tok, nil); status != http.StatusBadRequest {
		t.Errorf("an unknown status filter: %d, want 400", status)
	}
}
