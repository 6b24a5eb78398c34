package server

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/redis"
	"github.com/gridline/gridline/internal/testenv"
	"github.com/gridline/gridline/store"
)

func TestAgentEventFrame(t *testing.T) {
	tests := []struct {
		name string
		ev   gridline.Event
		conv string
		want string
	}{
		{"typing gets its conversation", gridline.NewEvent(gridline.EventTyping, "c1", map[string]any{"author": map[string]string{"kind": "customer"}}),
			"c1", `{"author":{"kind":"customer"},"conversation_id":"c1","type":"typing"}`},
		{"no data", gridline.Event{Type: "agent.joined"}, "c2", `{"conversation_id":"c2","type":"agent.joined"}`},
		{"data keeps its own conversation id", gridline.NewEvent("assigned", "x", map[string]any{"conversation_id": "c3"}),
			"c9", `{"conversation_id":"c3","type":"assigned"}`},
		{"data that is not an object", gridline.Event{Type: "queue.changed", Data: json.RawMessage(`[1]`)}, "",
			`{"type":"queue.changed"}`},
		{"type in data is overridden", gridline.Event{Type: "status", Data: json.RawMessage(`{"type":"evil","status":"resolved"}`)}, "c4",
			`{"conversation_id":"c4","status":"resolved","type":"status"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(agentEventFrame(tt.ev, tt.conv)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAgentOnAnotherReplica runs two servers over one store and one Redis: the
// customer talks to one, the agent to the other, and they hear each other live.
func TestAgentOnAnotherReplica(t *testing.T) {
	client := testenv.RedisClient(t)
	ctx := context.Background()
	prefix := testenv.RedisPrefix(t, client)
	path := filepath.Join(t.TempDir(), "db")
	replica := func(name string) *deskEnv {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		board := redis.NewSwitchboard(client, name)
		t.Cleanup(func() { board.Close() })
		return startDesk(t, deskParts{store: st, board: board,
			queue: redis.NewQueue(client, prefix), presence: redis.NewPresence(client, prefix),
			lease: redis.NewLease(client, prefix)})
	}
	a, b := replica("a"), replica("b")

	ann, annTok := a.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	console := b.agentSocket(annTok) // the agent is on replica b
	console.expect("queues", nil)

	cust := a.customer() // the customer is on replica a
	widget := a.chatSocket(cust.VisitorToken)
	if _, _, err := a.desk.RequestHuman(ctx, cust.ConversationID, gridline.SkillGeneral, gridline.PriorityNormal); err != nil {
		t.Fatal(err)
	}
	console.expect("queues", func(f frame) bool {
		tickets, _ := f["tickets"].([]any)
		for _, tk := range tickets {
			if m, _ := tk.(map[string]any); m["conversation_id"] == cust.ConversationID {
				return true
			}
		}
		return false
	})
	console.send(map[string]any{"type": "status", "status": "online"})
	waitFor(t, "Ann online on both replicas", func() bool {
		p, err := a.presence.Agent(ctx, ann.ID)
		return err == nil && p.Status == handoff.AgentOnline
	})
	// The desk may give Ann the chat as soon as she is online; if not, she claims it.
	if conv, _ := b.store.Conversation(ctx, cust.ConversationID); conv.Status == gridline.StatusQueued {
		status, body := b.do("POST", "/api/v1/conversations/"+cust.ConversationID+"/claim", annTok, nil)
		if status != http.StatusOK && status != http.StatusNotFound {
			t.Fatalf("claim: %d %s", status, body)
		}
	}
	waitFor(t, "Ann handling the chat", func() bool {
		conv, err := b.store.Conversation(ctx, cust.ConversationID)
		return err == nil && conv.HandlerID == ann.ID && conv.Status == gridline.StatusActive
	})
	widget.expect("agent.joined", nil)

	console.send(map[string]any{"type": "subscribe", "conversation_id": cust.ConversationID, "last_seq": 0})
	console.expect("conversation", nil)
	console.send(map[string]any{"type": "message", "conversation_id": cust.ConversationID, "client_id": "a1", "text": "Hello from replica b"})
	ack := console.expect("ack", nil)
	widget.expect("message", func(f frame) bool { return f.num("seq") == ack.num("seq") && f.str("text") == "Hello from replica b" })

	widget.send(map[string]any{"type": "message", "client_id": "c1", "text": "Hello from replica a"})
	cack := widget.expect("ack", nil)
	console.expect("message", func(f frame) bool { return f.num("seq") == cack.num("seq") && f.str("text") == "Hello from replica a" })

	b.mustDo("POST", "/api/v1/conversations/"+cust.ConversationID+"/resolve", annTok, nil, http.StatusOK, nil)
	widget.expect("status", func(f frame) bool { return f.str("status") == string(gridline.StatusResolved) })
}

// BenchmarkAgentReply measures an agent's replies stored and acked through one
// console socket on SQLite: each waits for its ack before the next is sent.
func BenchmarkAgentReply(b *testing.B) {
	p := memoryParts(b)
	p.frameRate, p.frameBurst = 1e6, 1e6
	e := startDesk(b, p)
	ann, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	q := e.queued()
	if _, err := e.desk.Claim(context.Background(), ann, q.ConversationID); err != nil {
		b.Fatal(err)
	}
	c := e.agentSocket(tok)
	b.ResetTimer()
	for i := range b.N {
		id := "b" + strconv.Itoa(i)
		c.send(map[string]any{"type": "message", "conversation_id": q.ConversationID, "client_id": id, "text": "benchmark reply"})
		c.expect("ack", func(f frame) bool { return f.str("client_id") == id })
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
}

// TestAgentResumesBySeq reconnects a console with the last seq it saw: it gets
// exactly the messages it missed, each once, then live ones.
func TestAgentResumesBySeq(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	ann, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	q := e.queued()
	if _, err := e.desk.Claim(ctx, ann, q.ConversationID); err != nil {
		t.Fatal(err)
	}
	post := func(text string) int64 {
		m := &gridline.Message{ConversationID: q.ConversationID, ClientID: gridline.NewID(), Text: text,
			Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: q.CustomerID}}
		if _, err := gridline.Post(ctx, e.store, e.board, m); err != nil {
			t.Fatal(err)
		}
		return m.Seq
	}
	c := e.agentSocket(tok)
	c.send(map[string]any{"type": "subscribe", "conversation_id": q.ConversationID, "last_seq": 0})
	conv := c.expect("conversation", nil)["conversation"].(map[string]any)
	seen := int64(conv["last_seq"].(float64))
	for s := int64(1); s <= seen; s++ {
		c.expect("message", func(f frame) bool { return f.num("seq") == s })
	}
	c.ws.Close()

	missed := []int64{post("one"), post("two"), post("three")}
	c = e.agentSocket(tok)
	c.send(map[string]any{"type": "subscribe", "conversation_id": q.ConversationID, "last_seq": seen})
	c.expect("conversation", nil)
	live := int64(0)
	var got []int64
	for len(got) < len(missed)+1 {
		f := c.expectAny("message")
		got = append(got, f.num("seq"))
		if len(got) == len(missed) {
			live = post("four") // published live, after the replay
		}
	}
	want := append(missed, live)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after reconnecting at seq %d the console got seqs %v, want %v", seen, got, want)
		}
	}
	// Subscribing again from an older seq replays from there, without doubling live ones.
	c.send(map[string]any{"type": "subscribe", "conversation_id": q.ConversationID, "last_seq": live - 1})
	c.expect("conversation", nil)
	if f := c.expectAny("message"); f.num("seq") != live {
		t.Errorf("re-subscribe from %d replayed seq %d first, want %d", live-1, f.num("seq"), live)
	}
}

func TestAgentSocketRateLimit(t *testing.T) {
	p := memoryParts(t)
	p.frameRate, p.frameBurst = 0.01, 3
	e := startDesk(t, p)
	_, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	c := e.agentSocket(tok)
	for i := range 4 {
		c.send(map[string]any{"type": "message", "conversation_id": gridline.NewID(), "client_id": "m" + strconv.Itoa(i), "text": "x"})
	}
	for i := range 3 {
		if f := c.expect("error", nil); f.str("code") != gridline.ENOTFOUND || f.str("client_id") != "m"+strconv.Itoa(i) {
			t.Errorf("frame %d within the burst: %v", i, f)
		}
	}
	if f := c.expect("error", nil); f.str("code") != gridline.ERATELIMITED || f.str("client_id") != "m3" {
		t.Errorf("frame beyond the burst: %v, want rate_limited", f)
	}
}

// TestAgentConsoleClosed: an agent whose last console closes is offered no new
// chat from that moment (away, for the reconnect grace), while closing one of
// two consoles changes nothing.
func TestAgentConsoleClosed(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	ann, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	status := func() string {
		p, err := e.presence.Agent(ctx, ann.ID)
		if err != nil {
			return handoff.AgentOffline
		}
		return p.Status
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for status() != want {
			if time.Now().After(deadline) {
				t.Fatalf("ann is %s, want %s", status(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	first, second := e.agentSocket(tok), e.agentSocket(tok)
	first.send(map[string]any{"type": "status", "status": "online"})
	waitFor(handoff.AgentOnline)
	second.send(map[string]any{"type": "status", "status": "online"})
	first.ws.Close()
	time.Sleep(100 * time.Millisecond)
	if status() != handoff.AgentOnline {
		t.Fatalf("closing one of two consoles made ann %s", status())
	}
	second.ws.Close()
	waitFor(handoff.AgentAway)
	q := e.queued()
	if conv, err := e.store.Conversation(ctx, q.ConversationID); err != nil || conv.HandlerID != "" {
		t.Fatalf("a chat went to an agent with no console: %+v, %v", conv, err)
	}
}
