package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunConversations runs the gridline.ConversationStore contract, as Run does.
func RunConversations(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Conversation", testConversation},
		{"ConversationOwnerNeverChanges", testOwnerNeverChanges},
		{"ListConversations", testListConversations},
		{"ConversationChannel", testConversationChannel},
		{"RateConversation", testRateConversation},
		{"SetConversationCustomer", testSetConversationCustomer},
	})
}

func newConversation(t *testing.T, st gridline.Store) *gridline.Conversation {
	t.Helper()
	cu := newCustomer(t, st)
	c := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: cu.Lang}
	must(t, st.CreateConversation(ctx(t), c))
	return c
}

func testConversation(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := newCustomer(t, st)
	conv := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: gridline.LangZH}
	must(t, st.CreateConversation(c, conv))
	if conv.ID == "" || conv.CreatedAt.IsZero() || conv.UpdatedAt.IsZero() {
		t.Fatalf("CreateConversation left zero fields: %+v", conv)
	}
	got, err := st.Conversation(c, conv.ID)
	must(t, err)
	if !equalConversation(got, conv) {
		t.Errorf("Conversation = %+v, want %+v", got, conv)
	}

	queued := time.Now().Add(-time.Minute)
	conv.Status, conv.Skill, conv.Priority, conv.Urgent = gridline.StatusQueued, gridline.SkillRepair, gridline.PriorityUrgent, true
	conv.QueuedAt = &queued
	must(t, st.UpdateConversation(c, conv))
	got, err = st.Conversation(c, conv.ID)
	must(t, err)
	if got.Status != gridline.StatusQueued || got.Skill != gridline.SkillRepair || got.Priority != gridline.PriorityUrgent ||
		!got.Urgent || got.QueuedAt == nil || !got.QueuedAt.Equal(queued.Truncate(time.Microsecond)) || got.AssignedAt != nil {
		t.Errorf("after update Conversation = %+v", got)
	}
	if !equalConversation(got, conv) {
		t.Errorf("UpdateConversation left the caller's copy %+v, stored %+v", conv, got)
	}
	if got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("UpdatedAt %v before CreatedAt %v", got.UpdatedAt, got.CreatedAt)
	}

	// Clearing a time stores NULL again.
	resolved := time.Now()
	conv.Status, conv.QueuedAt, conv.ResolvedAt, conv.Rating = gridline.StatusResolved, nil, &resolved, 5
	must(t, st.UpdateConversation(c, conv))
	got, err = st.Conversation(c, conv.ID)
	must(t, err)
	if got.QueuedAt != nil || got.ResolvedAt == nil || got.Rating != 5 {
		t.Errorf("after resolve Conversation = %+v", got)
	}

	_, err = st.Conversation(c, "nothing")
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.UpdateConversation(c, &gridline.Conversation{ID: "nothing", Status: gridline.StatusBot}), gridline.ENOTFOUND)
	wantCode(t, st.CreateConversation(c, &gridline.Conversation{ID: conv.ID, CustomerID: cu.ID, Status: gridline.StatusBot}),
		gridline.ECONFLICT)
}

// equalConversation compares conversations field by field, times by instant.
func equalConversation(a, b *gridline.Conversation) bool {
	eqp := func(x, y *time.Time) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		return x.Equal(*y)
	}
	return a.ID == b.ID && a.CustomerID == b.CustomerID && a.Status == b.Status && a.Channel == b.Channel && a.Lang == b.Lang &&
		a.Skill == b.Skill && a.Priority == b.Priority && a.Urgent == b.Urgent && a.OwnerID == b.OwnerID &&
		a.HandlerID == b.HandlerID && a.LastSeq == b.LastSeq && a.Rating == b.Rating &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		eqp(a.QueuedAt, b.QueuedAt) && eqp(a.AssignedAt, b.AssignedAt) && eqp(a.ResolvedAt, b.ResolvedAt)
}

func testOwnerNeverChanges(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)

	// The first agent to take the matter becomes its owner and handler.
	conv.Status, conv.OwnerID, conv.HandlerID = gridline.StatusActive, "agent-a", "agent-a"
	must(t, st.UpdateConversation(c, conv))

	// A transfer changes the handler; a caller that also tries to move (or clear)
	// the owner is ignored on that point.
	for _, owner := range []string{"agent-b", ""} {
		conv.OwnerID, conv.HandlerID = owner, "agent-b"
		must(t, st.UpdateConversation(c, conv))
		if conv.OwnerID != "agent-a" {
			t.Errorf("UpdateConversation gave the caller owner %q, want agent-a", conv.OwnerID)
		}
		got, err := st.Conversation(c, conv.ID)
		must(t, err)
		if got.OwnerID != "agent-a" || got.HandlerID != "agent-b" {
			t.Errorf("owner %q handler %q, want agent-a agent-b", got.OwnerID, got.HandlerID)
		}
	}

	// Two agents racing to take an unowned matter: exactly one becomes the owner.
	conv2 := newConversation(t, st)
	var wg sync.WaitGroup
	owners := make([]string, 8)
	for i := range owners {
		wg.Go(func() {
			cp := *conv2
			cp.OwnerID, cp.HandlerID = fmt.Sprintf("agent-%d", i), fmt.Sprintf("agent-%d", i)
			if err := st.UpdateConversation(c, &cp); err != nil {
				t.Error(err)
			}
			owners[i] = cp.OwnerID
		})
	}
	wg.Wait()
	got, err := st.Conversation(c, conv2.ID)
	must(t, err)
	for i, o := range owners {
		if o != got.OwnerID {
			t.Errorf("racer %d was told owner %q, stored owner is %q", i, o, got.OwnerID)
		}
	}
}

func testListConversations(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := newCustomer(t, st)
	other := newCustomer(t, st)
	base := time.Now().Add(-time.Hour)
	var ids []string
	for i := range 5 {
		conv := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Lang: gridline.LangEN,
			CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if i%2 == 1 {
			conv.Status, conv.OwnerID, conv.HandlerID = gridline.StatusActive, "owner-1", "handler-1"
		}
		must(t, st.CreateConversation(c, conv))
		ids = append(ids, conv.ID)
	}
	must(t, st.CreateConversation(c, &gridline.Conversation{CustomerID: other.ID, Status: gridline.StatusQueued}))

	idsOf := func(cs []*gridline.Conversation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    gridline.ConversationFilter
		want []string
	}{
		{"customer newest first", gridline.ConversationFilter{CustomerID: cu.ID}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"status", gridline.ConversationFilter{CustomerID: cu.ID, Status: gridline.StatusActive}, []string{ids[3], ids[1]}},
		{"owner", gridline.ConversationFilter{OwnerID: "owner-1"}, []string{ids[3], ids[1]}},
		{"handler", gridline.ConversationFilter{HandlerID: "handler-1"}, []string{ids[3], ids[1]}},
		{"limit", gridline.ConversationFilter{CustomerID: cu.ID, Limit: 2}, []string{ids[4], ids[3]}},
		{"nothing", gridline.ConversationFilter{OwnerID: "nobody"}, nil},
	} {
		got, err := st.ListConversations(c, tt.f)
		must(t, err)
		if !slices.Equal(idsOf(got), tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, idsOf(got), tt.want)
		}
	}
	all, err := st.ListConversations(c, gridline.ConversationFilter{})
	must(t, err)
	if len(all) != 6 {
		t.Errorf("all conversations: %d, want 6", len(all))
	}
}

// testRateConversation: a rating touches the rating alone, not what an agent
// changed meanwhile.
func testRateConversation(t *testing.T, st gridline.Store) {
	c := newConversation(t, st)
	stale := *c
	c.Status, c.HandlerID, c.OwnerID = gridline.StatusActive, "agent-1", "agent-1"
	must(t, st.UpdateConversation(ctx(t), c))
	must(t, st.RateConversation(ctx(t), stale.ID, 4))
	got, err := st.Conversation(ctx(t), c.ID)
	must(t, err)
	if got.Rating != 4 || got.Status != gridline.StatusActive || got.HandlerID != "agent-1" {
		t.Fatalf("after rating: %+v", got)
	}
	wantCode(t, st.RateConversation(ctx(t), "no-such-conversation", 3), gridline.ENOTFOUND)
}

// testSetConversationCustomer: the chat moves to another record and nothing
// else of it changes; unknown conversations and customers are refused.
func testSetConversationCustomer(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	conv.Status, conv.OwnerID, conv.HandlerID, conv.Rating = gridline.StatusActive, "agent-a", "agent-a", 4
	must(t, st.UpdateConversation(c, conv))
	other := &gridline.Customer{Name: "Linked"}
	must(t, st.CreateCustomer(c, other))
	must(t, st.SetConversationCustomer(c, conv.ID, other.ID))
	got, err := st.Conversation(c, conv.ID)
	must(t, err)
	if got.CustomerID != other.ID || got.Status != gridline.StatusActive || got.HandlerID != "agent-a" || got.Rating != 4 {
		t.Errorf("after SetConversationCustomer %+v", got)
	}
	list, err := st.ListConversations(c, gridline.ConversationFilter{CustomerID: other.ID})
	must(t, err)
	if len(list) != 1 || list[0].ID != conv.ID {
		t.Errorf("the customer's conversations %+v", list)
	}
	wantCode(t, st.SetConversationCustomer(c, "nothing", other.ID), gridline.ENOTFOUND)
	wantCode(t, st.SetConversationCustomer(c, conv.ID, "nobody"), gridline.EINVALID)
}

// testConversationChannel: a conversation is a chat unless it says otherwise,
// keeps its channel through updates, and the list filters by it.
func testConversationChannel(t *testing.T, st gridline.Store) {
	c := ctx(t)
	chat := newConversation(t, st)
	if chat.Channel != gridline.ChannelChat {
		t.Fatalf("a conversation naming no channel is %q, want chat", chat.Channel)
	}
	cu := newCustomer(t, st)
	call := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot, Channel: gridline.ChannelVoice, Lang: cu.Lang}
	must(t, st.CreateConversation(c, call))
	call.Status = gridline.StatusQueued
	must(t, st.UpdateConversation(c, call))
	got, err := st.Conversation(c, call.ID)
	must(t, err)
	if got.Channel != gridline.ChannelVoice {
		t.Fatalf("stored call has channel %q", got.Channel)
	}
	voice, err := st.ListConversations(c, gridline.ConversationFilter{Channel: gridline.ChannelVoice})
	must(t, err)
	if len(voice) != 1 || voice[0].ID != call.ID {
		t.Fatalf("voice list = %v, want only the call", voice)
	}
	chats, err := st.ListConversations(c, gridline.ConversationFilter{Channel: gridline.ChannelChat})
	must(t, err)
	for _, conv := range chats {
		if conv.ID == call.ID {
			t.Fatal("the call is listed among chats")
		}
	}
	if len(chats) == 0 {
		t.Fatal("the chat is not listed among chats")
	}
}
