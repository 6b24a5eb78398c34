package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

func TestTransfer(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	ann, annTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	bob, bobTok := e.staff(gridline.RoleAgent, "Bob", gridline.SkillGeneral)
	annConsole := e.agentSocket(annTok)
	annConsole.send(map[string]any{"type": "status", "status": "online"})
	waitFor(t, "Ann online", func() bool { _, err := e.presence.Agent(ctx, ann.ID); return err == nil })

	q := e.queued() // Ann is the only one online: the desk gives it to her
	annConsole.expect("assigned", func(f frame) bool { return f.str("conversation_id") == q.ConversationID })

	bobConsole := e.agentSocket(bobTok)
	bobConsole.send(map[string]any{"type": "status", "status": "online"})
	waitFor(t, "Bob online", func() bool { _, err := e.presence.Agent(ctx, bob.ID); return err == nil })

	path := "/api/v1/conversations/" + q.ConversationID
	for _, body := range []map[string]string{
		{"note": "no target"},
		{"to_skill": "gardening"},
		{"to_agent_id": gridline.NewID()},
	} {
		if status, data := e.do("POST", path+"/transfer", annTok, body); status != http.StatusBadRequest {
			t.Errorf("transfer %v: %d %s, want 400", body, status, data)
		}
	}
	if status, _ := e.do("POST", path+"/transfer", bobTok, map[string]string{"to_skill": "billing"}); status != http.StatusNotFound {
		t.Errorf("Bob transferring Ann's chat: %d, want 404", status)
	}

	var conv conversationView
	e.mustDo("POST", path+"/transfer", annTok, map[string]string{"to_agent_id": bob.ID, "note": "disputes the March bill"}, http.StatusOK, &conv)
	if conv.HandlerID != bob.ID || conv.OwnerID != ann.ID || conv.Status != gridline.StatusActive {
		t.Fatalf("after the transfer: handler %s owner %s status %s", conv.HandlerID, conv.OwnerID, conv.Status)
	}
	bobConsole.expect("assigned", func(f frame) bool { return f.str("conversation_id") == q.ConversationID })
	annConsole.expect("conversation", func(f frame) bool {
		c, _ := f["conversation"].(map[string]any)
		return c["id"] == q.ConversationID && c["handler_id"] == bob.ID
	})

	// The note reaches staff; Ann still sees what she owns but may no longer act on it.
	var msgs []*gridline.Message
	e.mustDo("GET", path+"/messages?after_seq=0", bobTok, nil, http.StatusOK, &msgs)
	noted := false
	for _, m := range msgs {
		noted = noted || m.Text == "disputes the March bill"
	}
	if !noted {
		t.Errorf("the transfer note is not in the history Bob sees")
	}
	e.mustDo("GET", path, annTok, nil, http.StatusOK, nil)
	if status, _ := e.do("POST", path+"/messages", annTok, map[string]string{"client_id": "a1", "text": "still here"}); status != http.StatusForbidden {
		t.Errorf("the owner replying after handing the chat on: %d, want 403", status)
	}
	e.mustDo("POST", path+"/messages", bobTok, map[string]string{"client_id": "b1", "text": "Bob here"}, http.StatusCreated, nil)

	// Back to a queue: nobody online has the billing skill, so it waits there.
	conv = conversationView{} // handler_id is left out when empty
	e.mustDo("POST", path+"/transfer", bobTok, map[string]string{"to_skill": "billing"}, http.StatusOK, &conv)
	if conv.Status != gridline.StatusQueued || conv.HandlerID != "" || conv.Skill != gridline.SkillBilling || conv.OwnerID != ann.ID {
		t.Errorf("after the transfer to billing: %+v", conv.Conversation)
	}
}

func TestSuggestions(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	for _, a := range []*gridline.Article{
		{Slug: "high-bill", Lang: "en", Title: "Why is my electricity bill so high?", Status: gridline.ArticlePublished,
			Body: "A bill higher than usual most often comes from heating or cooling in extreme weather, an estimated meter reading, or a tariff change. Compare your meter reading with the bill."},
		{Slug: "planned-outage", Lang: "en", Title: "Planned power outages", Status: gridline.ArticlePublished,
			Body: "We announce planned outages for maintenance three days ahead on our website."},
	} {
		if err := e.kb.Create(ctx, a, "test"); err != nil {
			t.Fatal(err)
		}
	}
	_, annTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	q := e.queued()
	m := &gridline.Message{ConversationID: q.ConversationID, ClientID: "c1", Text: "my electricity bill is much too high this month",
		Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: q.CustomerID}}
	if _, err := e.store.AppendMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	var out []suggestion
	e.mustDo("GET", "/api/v1/conversations/"+q.ConversationID+"/suggestions", annTok, nil, http.StatusOK, &out)
	if len(out) == 0 || out[0].Slug != "high-bill" || out[0].Snippet == "" || out[0].Confidence <= 0 || len(out) > 3 {
		t.Fatalf("suggestions: %+v", out)
	}
}

func TestClaimNext(t *testing.T) {
	e := newDeskEnv(t)
	_, billTok := e.staff(gridline.RoleAgent, "Bill", gridline.SkillBilling)
	ann, annTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	q := e.queued() // general
	if status, _ := e.do("POST", "/api/v1/conversations/next/claim", billTok, nil); status != http.StatusNotFound {
		t.Errorf("next for an agent without the skill: %d, want 404", status)
	}
	var conv conversationView
	e.mustDo("POST", "/api/v1/conversations/next/claim", annTok, nil, http.StatusOK, &conv)
	if conv.ID != q.ConversationID || conv.HandlerID != ann.ID || conv.Customer == nil || conv.Customer.ID != q.CustomerID {
		t.Errorf("claimed next: %+v", conv)
	}
	if status, _ := e.do("POST", "/api/v1/conversations/next/claim", annTok, nil); status != http.StatusNotFound {
		t.Errorf("next with nothing waiting: %d, want 404", status)
	}
}

func TestAgentSocketMetric(t *testing.T) {
	e := newDeskEnv(t)
	_, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	gauge := func() string {
		req, _ := http.NewRequest(http.MethodGet, e.base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer agent-test-metrics")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, `gridline_open_sockets{kind="agent"}`) {
				return strings.TrimSpace(strings.TrimPrefix(line, `gridline_open_sockets{kind="agent"}`))
			}
		}
		return ""
	}
	c := e.agentSocket(tok)
	if g := gauge(); g != "1" {
		t.Errorf("open agent sockets while one is open: %q, want 1", g)
	}
	c.ws.Close()
	waitFor(t, "the gauge to drop", func() bool { return gauge() == "0" })
}
