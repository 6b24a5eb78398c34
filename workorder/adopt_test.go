package workorder_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

// claimedMidway is a chat an agent claims while an order is being opened in
// it: the first read sees no owner; right after it the claim lands and the
// desk's Taken hook adopts the chat's orders — before the new order is stored.
type claimedMidway struct {
	mu      sync.Mutex
	conv    gridline.Conversation
	claimed bool
	claim   func(conv *gridline.Conversation)
}

func (c *claimedMidway) Conversation(ctx context.Context, id string) (*gridline.Conversation, error) {
	c.mu.Lock()
	cur := c.conv
	first := !c.claimed
	c.claimed = true
	c.mu.Unlock()
	if first {
		owned := cur
		owned.OwnerID, owned.HandlerID = ann.ID, ann.ID
		c.mu.Lock()
		c.conv = owned
		c.mu.Unlock()
		c.claim(&owned)
	}
	return &cur, nil
}

func (c *claimedMidway) ListConversations(ctx context.Context, f gridline.ConversationFilter) ([]*gridline.Conversation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.conv
	return []*gridline.Conversation{&cur}, nil
}

// TestAdoptRace: an order the bot opens while its chat is being claimed ends
// up the claiming agent's, though the claim's adoption ran before the order was
// stored; and taking a chat adopts every unowned order it raised, also those
// opened before the chat was linked to another customer record.
func TestAdoptRace(t *testing.T) {
	e := newEnv(t)
	chats := &claimedMidway{conv: gridline.Conversation{ID: "c1", CustomerID: "cust-1", Status: gridline.StatusQueued}}
	adopted := -1
	chats.claim = func(conv *gridline.Conversation) { adopted = e.svc.Adopt(e.ctx, conv) }
	e.svc.Conversations = chats
	wo, err := e.svc.Create(e.ctx, workorder.Actor{System: true}, workorder.NewOrder{Type: gridline.WorkOrderRepair,
		ConversationID: "c1", Address: "7 Pine Road", Description: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	if adopted != 0 {
		t.Fatalf("the claim adopted %d orders before the order was stored; the test does not race", adopted)
	}
	stored, err := e.st.WorkOrder(e.ctx, wo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.OwnerID != ann.ID || stored.HandlerID != ann.ID || wo.OwnerID != ann.ID {
		t.Fatalf("the order opened during the claim is owned by %q (handler %q), want ann", stored.OwnerID, stored.HandlerID)
	}
	if last := stored.Timeline[len(stored.Timeline)-1]; last.Action != workorder.ActionAdopt {
		t.Errorf("the timeline does not say who adopted it: %+v", last)
	}

	// The other path: orders raised before an agent took the chat — one of them
	// before the chat was linked to the customer's record — are all adopted;
	// one an agent already owns keeps its owner.
	e.svc.Conversations = e.st
	before, err := e.svc.Create(e.ctx, workorder.Actor{System: true}, workorder.NewOrder{Type: gridline.WorkOrderComplaint,
		CustomerID: "visitor-9", ConversationID: "c2", Description: "rude"})
	if err != nil {
		t.Fatal(err)
	}
	after, err := e.svc.Create(e.ctx, workorder.Actor{System: true}, workorder.NewOrder{Type: gridline.WorkOrderConsultation,
		CustomerID: "cust-2", ConversationID: "c2", Description: "call me"})
	if err != nil {
		t.Fatal(err)
	}
	bobs, err := e.svc.Create(e.ctx, workorder.Actor{User: bob}, workorder.NewOrder{Type: gridline.WorkOrderConsultation,
		CustomerID: "cust-2", ConversationID: "c2", Description: "bob's"})
	if err != nil {
		t.Fatal(err)
	}
	taken := &gridline.Conversation{ID: "c2", CustomerID: "cust-2", OwnerID: ann.ID, HandlerID: ann.ID}
	if n := e.svc.Adopt(e.ctx, taken); n != 2 {
		t.Errorf("adopted %d orders, want 2", n)
	}
	for _, c := range []struct {
		wo    *gridline.WorkOrder
		owner string
	}{{before, ann.ID}, {after, ann.ID}, {bobs, bob.ID}} {
		got, err := e.st.WorkOrder(e.ctx, c.wo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.OwnerID != c.owner {
			t.Errorf("%s (%s) is owned by %q, want %q", got.Number, got.Description, got.OwnerID, c.owner)
		}
	}
	if n := e.svc.Adopt(e.ctx, taken); n != 0 {
		t.Errorf("a second adoption changed %d orders", n)
	}
}
