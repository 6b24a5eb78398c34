package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/internal/testclock"
	"github.com/gridline/gridline/server"
)

// staffLogin creates a user of role and logs them in on app, returning the
// user and a bearer header.
func staffLogin(t *testing.T, app *App, email, name, role string) (*gridline.User, string) {
	t.Helper()
	hash, err := server.HashPassword("staff-password-1")
	if err != nil {
		t.Fatal(err)
	}
	u := &gridline.User{Email: email, Name: name, Role: role, Skills: gridline.Skills, Capacity: 3, PasswordHash: hash}
	if err := app.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	resp, body := postJSON(t, app.URL()+"/api/v1/auth/login", map[string]string{"email": email, "password": "staff-password-1"}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
	}
	var login struct{ Token string }
	_ = json.Unmarshal(body, &login)
	return u, login.Token
}

// orderFrame matches a workorder frame about order id (any order when "")
// whose order is in status ("" for any) after action ("" for any).
func orderFrame(id, status, action string) func(map[string]any) bool {
	return func(f map[string]any) bool {
		if f["type"] != "workorder" {
			return false
		}
		o, _ := f["order"].(map[string]any)
		return (id == "" || o["id"] == id) && (status == "" || o["status"] == status) && (action == "" || f["action"] == action)
	}
}

// fileFaultReport walks the bot's fault report in the chat and returns the
// system message that names the order and the order's workorder frame.
func fileFaultReport(t *testing.T, widget *chatClient) (told, created map[string]any) {
	t.Helper()
	widget.send(map[string]any{"type": "hello", "last_seq": 0})
	widget.next(botMessage, "greeting")
	widget.send(map[string]any{"type": "choose", "option": "menu.fault"})
	widget.next(botMessage, "the fault form")
	widget.send(map[string]any{"type": "message", "client_id": "addr", "text": "45 Elm Road, Block B"})
	widget.next(botMessage, "the question for a phone")
	widget.send(map[string]any{"type": "message", "client_id": "phone", "text": "13912345678"})
	for told == nil || created == nil {
		f := widget.next(func(f map[string]any) bool {
			a, _ := f["author"].(map[string]any)
			return orderFrame("", "accepted", "create")(f) || f["type"] == "message" && a["kind"] == "system"
		}, "the order's number in the chat and its frame")
		if f["type"] == "workorder" {
			created = f
		} else if strings.Contains(fmt.Sprint(f["text"]), "repair order") {
			told = f
		}
	}
	return told, created
}

// takeChat waits until the agent has the conversation, claiming it when the
// desk has not assigned it first.
func takeChat(t *testing.T, app *App, console *chatClient, bearer http.Header, convID, agentID string) {
	t.Helper()
	for {
		if conv, err := app.Store.Conversation(context.Background(), convID); err == nil && conv.HandlerID == agentID {
			return
		}
		f := console.next(func(f map[string]any) bool { return f["type"] == "queues" || f["type"] == "assigned" }, "queue or assignment")
		if f["type"] == "assigned" {
			continue
		}
		tickets, _ := f["tickets"].([]any)
		for _, tk := range tickets {
			if m, _ := tk.(map[string]any); m["conversation_id"] == convID {
				r, body := doJSON(t, http.MethodPost, app.URL()+"/api/v1/conversations/"+convID+"/claim", nil, bearer)
				if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusNotFound {
					t.Fatalf("claim: %d %s", r.StatusCode, body)
				}
			}
		}
	}
}

// TestWorkOrderEndToEnd is issue 9's path through a whole Gridline and real
// sockets: a fault report in the chat opens a repair order with a 45-minute
// on-site deadline and tells the customer its number; the agent who takes the
// chat owns it; dispatch, on site, handled, a dissatisfied follow-up that
// reopens it, the second round, a satisfied follow-up and the close, each seen
// by the customer's socket with public fields only; a stale version is 409.
// Then, on an injected clock, an order's 80 % warning and breach reach its
// owner's console and not the customer.
func TestWorkOrderEndToEnd(t *testing.T) {
	clock := &testclock.Clock{}
	cfg := testConfig(t)
	cfg.Now = clock.Now
	cfg.SweepEvery = time.Hour // the test sweeps itself, after moving the clock
	app := startApp(t, cfg)
	ctx := context.Background()
	base := app.URL()

	ann, token := staffLogin(t, app, "ann@example.com", "Ann", gridline.RoleAgent)
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	console := dialAgent(t, app, token)
	console.send(map[string]any{"type": "status", "status": "online"})

	s := newSession(t, app, "en")
	widget := mustDialChat(t, app, s.VisitorToken)
	told, created := fileFaultReport(t, widget)
	pub, _ := created["order"].(map[string]any)
	number, id := pub["number"].(string), pub["id"].(string)
	if !strings.Contains(told["text"].(string), number) || !strings.Contains(told["text"].(string), "on site by") {
		t.Fatalf("the customer was told %q; want the number %s and the on-site time", told["text"], number)
	}
	wo, err := app.Store.WorkOrder(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if wo.Type != gridline.WorkOrderRepair || wo.Phone != "13912345678" || wo.Address != "45 Elm Road, Block B" || wo.ConversationID != s.ConversationID {
		t.Fatalf("the order: %+v", wo)
	}
	if d := wo.Deadline(gridline.DeadlineOnSite); d == nil || d.DueAt.Sub(wo.CreatedAt) != 45*time.Minute {
		t.Fatalf("on-site deadline %+v, want 45 minutes after %v", d, wo.CreatedAt)
	}

	// Ann takes the chat: the order the bot opened becomes hers.
	widget.send(map[string]any{"type": "message", "client_id": "human", "text": "I want to talk to a real person please"})
	takeChat(t, app, console, bearer, s.ConversationID, ann.ID)
	console.next(orderFrame(id, "", "adopt"), "the order adopted, on Ann's console")
	var mine struct{ Workorders []gridline.WorkOrder }
	if r, body := doJSON(t, http.MethodGet, base+"/api/v1/workorders?owner=me&open=true", nil, bearer); r.StatusCode != http.StatusOK {
		t.Fatalf("my orders: %d %s", r.StatusCode, body)
	} else if _ = json.Unmarshal(body, &mine); len(mine.Workorders) != 1 || mine.Workorders[0].ID != id || mine.Workorders[0].OwnerID != ann.ID {
		t.Fatalf("Ann's orders: %s", body)
	}

	version := int64(0)
	act := func(action string, extra map[string]any, want int) map[string]any {
		t.Helper()
		body := map[string]any{"action": action, "version": version}
		for k, v := range extra {
			body[k] = v
		}
		r, data := doJSON(t, http.MethodPost, base+"/api/v1/workorders/"+id+"/events", body, bearer)
		if r.StatusCode != want {
			t.Fatalf("%s: %d %s, want %d", action, r.StatusCode, data, want)
		}
		var out map[string]any
		_ = json.Unmarshal(data, &out)
		if v, ok := out["version"].(float64); ok {
			version = int64(v)
		}
		return out
	}
	cur, _ := app.Store.WorkOrder(ctx, id)
	version = cur.Version
	step := func(action string, extra map[string]any, status string) {
		t.Helper()
		act(action, extra, http.StatusOK)
		f := widget.next(orderFrame(id, status, action), "the customer sees "+action)
		if _, leaked := f["order"].(map[string]any)["owner_id"]; leaked || f["master_id"] != nil || f["alert"] != nil {
			t.Fatalf("the customer was sent staff fields: %v", f)
		}
		console.next(orderFrame(id, status, action), "Ann's console sees "+action)
	}
	step("dispatch", map[string]any{"department": "Crew 3", "note": "nearest crew"}, "dispatched")
	stale := version - 1
	if r, body := doJSON(t, http.MethodPost, base+"/api/v1/workorders/"+id+"/events", map[string]any{"action": "arrive", "version": stale}, bearer); r.StatusCode != http.StatusConflict {
		t.Fatalf("a stale version: %d %s, want 409", r.StatusCode, body)
	}
	step("arrive", nil, "on_site")
	step("handle", map[string]any{"note": "fuse replaced"}, "handled")
	act("close", nil, http.StatusConflict) // no follow-up yet
	step("follow_up", map[string]any{"satisfied": false, "note": "still flickers"}, "accepted")
	if got, _ := app.Store.WorkOrder(ctx, id); got.Reopened != 1 || got.OwnerID != ann.ID {
		t.Fatalf("after a dissatisfied follow-up: reopened %d, owner %s", got.Reopened, got.OwnerID)
	}
	step("dispatch", map[string]any{"department": "Crew 3"}, "dispatched")
	step("arrive", nil, "on_site")
	step("handle", map[string]any{"note": "cable joint redone"}, "handled")
	step("follow_up", map[string]any{"satisfied": true}, "followed_up")
	step("close", nil, "closed")

	// The customer's own list is of open orders: the closed one is gone from
	// it, and shows only when all are asked for.
	visitor := http.Header{"Authorization": {"Bearer " + s.VisitorToken}}
	r, body := doJSON(t, http.MethodGet, base+"/api/v1/widget/workorders", nil, visitor)
	if r.StatusCode != http.StatusOK || strings.Contains(string(body), number) {
		t.Fatalf("my open requests: %d %s", r.StatusCode, body)
	}
	r, body = doJSON(t, http.MethodGet, base+"/api/v1/widget/workorders?all=1", nil, visitor)
	if r.StatusCode != http.StatusOK || !strings.Contains(string(body), number) || strings.Contains(string(body), ann.ID) {
		t.Fatalf("all my requests: %d %s", r.StatusCode, body)
	}

	// A second order from the chat, opened by Ann; the clock runs on.
	r, body = doJSON(t, http.MethodPost, base+"/api/v1/workorders", map[string]any{"type": "repair", "conversation_id": s.ConversationID,
		"address": "45 Elm Road, Block B", "description": "the street light flickers"}, bearer)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("new order from the chat: %d %s", r.StatusCode, body)
	}
	var second gridline.WorkOrder
	_ = json.Unmarshal(body, &second)
	if second.OwnerID != ann.ID || second.CustomerID != s.CustomerID {
		t.Fatalf("the order from the chat: owner %q customer %q", second.OwnerID, second.CustomerID)
	}
	clock.Advance(37 * time.Minute) // past 80 % of 45 minutes
	if res, err := app.WorkOrders.Sweep(ctx); err != nil || res.Warnings != 1 {
		t.Fatalf("sweep at 37 min: %+v, %v", res, err)
	}
	warn := console.next(func(f map[string]any) bool { return orderFrame(second.ID, "", "")(f) && f["kind"] == "warning" }, "the warning on Ann's console")
	if warn["alert"] != true || warn["deadline"] != "on_site" {
		t.Fatalf("warning frame %v", warn)
	}
	clock.Advance(9 * time.Minute)
	if res, err := app.WorkOrders.Sweep(ctx); err != nil || res.Breaches != 1 {
		t.Fatalf("sweep at 46 min: %+v, %v", res, err)
	}
	breach := console.next(func(f map[string]any) bool { return orderFrame(second.ID, "", "")(f) && f["kind"] == "breach" }, "the breach on Ann's console")
	if breach["alert"] != true {
		t.Fatalf("breach frame %v", breach)
	}
	if res, _ := app.WorkOrders.Sweep(ctx); res.Breaches != 0 || res.Warnings != 0 {
		t.Fatalf("a second sweep announced again: %+v", res)
	}
	var overdue struct{ Workorders []gridline.WorkOrder }
	r, body = doJSON(t, http.MethodGet, base+"/api/v1/workorders?overdue=true", nil, bearer)
	if _ = json.Unmarshal(body, &overdue); r.StatusCode != http.StatusOK || len(overdue.Workorders) != 1 || overdue.Workorders[0].ID != second.ID {
		t.Fatalf("the overdue board: %d %s", r.StatusCode, body)
	}
	for _, f := range widget.quiet(300 * time.Millisecond) {
		if f["type"] == "workorder" && (f["kind"] == "warning" || f["kind"] == "breach") {
			t.Fatalf("the customer was sent a deadline alert: %v", f)
		}
	}
}
