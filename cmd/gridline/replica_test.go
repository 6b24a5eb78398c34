package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/internal/testenv"
	"github.com/gridline/gridline/server"
)

// TestTwoReplicas: two `gridline serve` processes share one PostgreSQL and one
// Redis. A customer connected to one and an agent connected to the other talk
// live both ways, from the request for a person to the resolution.
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	cfg := configFor(testenv.ScaleOut(t))
	a := startApp(t, cfg)
	b := startApp(t, cfg)
	ctx := context.Background()

	// An agent, logged in on replica B.
	hash, err := server.HashPassword("agent-password-1")
	if err != nil {
		t.Fatal(err)
	}
	agent := &gridline.User{Email: "ann@example.com", Name: "Ann", Role: gridline.RoleAgent,
		Skills: gridline.Skills, Capacity: 3, PasswordHash: hash}
	if err := a.Store.CreateUser(ctx, agent); err != nil {
		t.Fatal(err)
	}
	resp, body := postJSON(t, b.URL()+"/api/v1/auth/login", map[string]string{"email": agent.Email, "password": "agent-password-1"}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login on B: %d %s", resp.StatusCode, body)
	}
	var login struct{ Token string }
	_ = json.Unmarshal(body, &login)
	bearer := http.Header{"Authorization": {"Bearer " + login.Token}}
	console := dialAgent(t, b, login.Token)
	console.send(map[string]any{"type": "status", "status": "online"})

	// A customer on replica A asks for a person.
	s := newSession(t, a, "en")
	widget := mustDialChat(t, a, s.VisitorToken)
	widget.send(map[string]any{"type": "hello", "last_seq": 0})
	widget.next(botMessage, "greeting")
	widget.send(map[string]any{"type": "message", "client_id": "c1", "text": "I want to talk to a real person please"})
	widget.next(ofType("ack"), "ack")

	// The desk (on either replica) may assign Ann at once; otherwise she claims
	// the chat through replica B.
	claimed := false
	for !claimed {
		f := console.next(func(f map[string]any) bool { return f["type"] == "queues" || f["type"] == "assigned" }, "queue or assignment on B")
		if f["type"] == "assigned" {
			conv, _ := f["conversation"].(map[string]any)
			claimed = conv["id"] == s.ConversationID
			continue
		}
		tickets, _ := f["tickets"].([]any)
		for _, tk := range tickets {
			if m, _ := tk.(map[string]any); m["conversation_id"] == s.ConversationID {
				r, body := doJSON(t, http.MethodPost, b.URL()+"/api/v1/conversations/"+s.ConversationID+"/claim", nil, bearer)
				if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusNotFound {
					t.Fatalf("claim on B: %d %s", r.StatusCode, body)
				}
				claimed = r.StatusCode == http.StatusOK
			}
		}
		if !claimed {
			if conv, err := a.Store.Conversation(ctx, s.ConversationID); err == nil && conv.HandlerID == agent.ID {
				claimed = true
			}
		}
	}
	widget.next(ofType("agent.joined"), "agent.joined on A")

	// Agent (B) -> customer (A).
	console.send(map[string]any{"type": "subscribe", "conversation_id": s.ConversationID, "last_seq": 0})
	console.send(map[string]any{"type": "message", "conversation_id": s.ConversationID, "client_id": "a1", "text": "Hello, this is Ann."})
	ack := console.next(func(f map[string]any) bool { return f["type"] == "ack" && f["client_id"] == "a1" }, "agent ack on B")
	got := widget.next(func(f map[string]any) bool { return f["type"] == "message" && seqOf(f) == seqOf(ack) }, "agent's message on A")
	if got["text"] != "Hello, this is Ann." {
		t.Fatalf("customer on A got %v", got)
	}

	// Customer (A) -> agent (B).
	widget.send(map[string]any{"type": "message", "client_id": "c2", "text": "My power has been off since noon."})
	cack := widget.next(func(f map[string]any) bool { return f["type"] == "ack" && f["client_id"] == "c2" }, "customer ack on A")
	console.next(func(f map[string]any) bool {
		return f["type"] == "message" && f["conversation_id"] == s.ConversationID && seqOf(f) == seqOf(cack)
	}, "customer's message on B")

	// Resolved on B; the customer on A sees it.
	r, body := doJSON(t, http.MethodPost, b.URL()+"/api/v1/conversations/"+s.ConversationID+"/resolve", nil, bearer)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("resolve on B: %d %s", r.StatusCode, body)
	}
	resolved := widget.next(func(f map[string]any) bool { return f["type"] == "status" && f["status"] == "resolved" }, "resolved on A")
	if _, leaked := resolved["handler_id"]; leaked {
		t.Fatalf("the customer was sent staff fields: %v", resolved)
	}
}

// dialAgent opens the agent console's socket with a session token.
func dialAgent(t *testing.T, app *App, token string) *chatClient {
	t.Helper()
	u := strings.Replace(app.URL(), "http://", "ws://", 1) + "/ws/agent"
	ws, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial agent socket: %v (%d)", err, status)
	}
	c := &chatClient{t: t, ws: ws, frames: make(chan map[string]any, 1024), closed: make(chan error, 1)}
	go c.read()
	t.Cleanup(func() { ws.Close() })
	return c
}

func doJSON(t *testing.T, method, url string, body any, header http.Header) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}
