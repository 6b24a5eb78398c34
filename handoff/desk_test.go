package handoff_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/internal/testclock"
	"github.com/gridline/gridline/store"
)

// fixture is a desk over a real SQLite store and the memory seams.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    gridline.Store
	q     *memory.Queue
	p     *memory.Presence
	sb    *memory.Switchboard
	clock *testclock.Clock
	desk  *handoff.Desk
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "desk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	f := &fixture{t: t, ctx: ctx, st: st, q: memory.NewQueue(), p: memory.NewPresence(c.Now), sb: memory.NewSwitchboard(), clock: c}
	t.Cleanup(func() { f.sb.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.desk = &handoff.Desk{Store: st, Queue: f.q, Presence: f.p, Board: f.sb, Now: c.Now, Logger: quiet}
	return f
}

// user creates a member of staff.
func (f *fixture) user(name, role string, capacity int, skills ...string) *gridline.User {
	f.t.Helper()
	u := &gridline.User{ID: strings.ToLower(name), Email: strings.ToLower(name) + "@utility.example", Name: name,
		Role: role, Skills: skills, Capacity: capacity}
	if err := f.st.CreateUser(f.ctx, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// online creates an agent and brings them online.
func (f *fixture) online(name string, capacity int, skills ...string) *gridline.User {
	f.t.Helper()
	u := f.user(name, gridline.RoleAgent, capacity, skills...)
	f.must(f.desk.Heartbeat(f.ctx, u, handoff.AgentOnline))
	return u
}

// conversation creates a customer (unless given) and a conversation with the bot.
func (f *fixture) conversation(customerID, lang string) *gridline.Conversation {
	f.t.Helper()
	if customerID == "" {
		c := &gridline.Customer{Lang: lang}
		f.must(f.st.CreateCustomer(f.ctx, c))
		customerID = c.ID
	}
	conv := &gridline.Conversation{CustomerID: customerID, Status: gridline.StatusBot, Lang: lang}
	f.must(f.st.CreateConversation(f.ctx, conv))
	return conv
}

// request asks for a person and advances the clock a second, so requests have
// distinct times.
func (f *fixture) request(conv *gridline.Conversation, skill string, priority int) (int, int) {
	f.t.Helper()
	pos, eta, err := f.desk.RequestHuman(f.ctx, conv.ID, skill, priority)
	if err != nil {
		f.t.Fatalf("RequestHuman(%s): %v", conv.ID, err)
	}
	f.clock.Advance(time.Second)
	return pos, eta
}

func (f *fixture) conv(id string) *gridline.Conversation {
	f.t.Helper()
	c, err := f.st.Conversation(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) messages(id string) []*gridline.Message {
	f.t.Helper()
	ms, err := f.st.Messages(f.ctx, id, 0, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

func (f *fixture) load(agentID string) int {
	f.t.Helper()
	n, err := f.q.Load(f.ctx, agentID)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) subscribe(topic string) gridline.Subscription {
	f.t.Helper()
	sub, err := f.sb.Subscribe(f.ctx, topic)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { sub.Close() })
	return sub
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// next returns the next event of type typ on sub, skipping others.
func next(t *testing.T, sub gridline.Subscription, typ string) gridline.Event {
	t.Helper()
	deadline := time.After(2 * time.Second)
	for {
		select {
		case ev := <-sub.Events():
			if ev.Type == typ {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event", typ)
		}
	}
}

// lastQueueFrame drains sub and returns the newest queue frame on it.
func lastQueueFrame(t *testing.T, sub gridline.Subscription) gridline.QueueData {
	t.Helper()
	var frame gridline.QueueData
	found := false
	for {
		select {
		case ev := <-sub.Events():
			if ev.Type == gridline.EventQueue {
				if err := json.Unmarshal(ev.Data, &frame); err != nil {
					t.Fatal(err)
				}
				found = true
			}
		default:
			if !found {
				t.Fatal("no queue frame")
			}
			return frame
		}
	}
}

func assertCode(t *testing.T, err error, code string) {
	t.Helper()
	if gridline.ErrorCode(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

func TestDeskRequestHumanQueuesWhileNobodyIsOnline(t *testing.T) {
	f := newFixture(t)
	c1, c2, c3 := f.conversation("", "en"), f.conversation("", "en"), f.conversation("", "zh")
	sub1, agents := f.subscribe(gridline.ConversationTopic(c1.ID)), f.subscribe(gridline.TopicAgents)

	if pos, eta := f.request(c1, gridline.SkillBilling, gridline.PriorityNormal); pos != 1 || eta != 300 {
		t.Fatalf("first request: position %d, eta %d; want 1, 300 (default handle time, one slot)", pos, eta)
	}
	got := f.conv(c1.ID)
	if got.Status != gridline.StatusQueued || got.Skill != gridline.SkillBilling || got.QueuedAt == nil {
		t.Fatalf("conversation after the request: %+v", got)
	}
	if frame := lastQueueFrame(t, sub1); frame.Position != 1 || frame.ETASeconds != 300 {
		t.Fatalf("queue frame %+v", frame)
	}
	next(t, agents, gridline.EventQueueChange)

	if pos, eta := f.request(c2, gridline.SkillBilling, gridline.PriorityNormal); pos != 2 || eta != 600 {
		t.Fatalf("second request: position %d, eta %d", pos, eta)
	}
	// A safety call goes first, and the others hear that they moved back.
	if pos, _ := f.request(c3, gridline.SkillBilling, gridline.PriorityUrgent); pos != 1 {
		t.Fatalf("urgent request: position %d", pos)
	}
	if !f.conv(c3.ID).Urgent {
		t.Fatal("an urgent request is not marked urgent")
	}
	if frame := lastQueueFrame(t, sub1); frame.Position != 2 {
		t.Fatalf("c1 was told position %d after the urgent one, want 2", frame.Position)
	}
	if pos, _, err := f.desk.QueueStatus(f.ctx, c1.ID); err != nil || pos != 2 {
		t.Fatalf("QueueStatus = %d, %v", pos, err)
	}
	// Asking again keeps the place.
	if pos, _ := f.request(c1, gridline.SkillBilling, gridline.PriorityNormal); pos != 2 {
		t.Fatalf("asking again moved c1 to %d", pos)
	}

	_, _, err := f.desk.RequestHuman(f.ctx, c1.ID, "astrology", 0)
	assertCode(t, err, gridline.EINVALID)
	_, _, err = f.desk.RequestHuman(f.ctx, "no-such-conversation", gridline.SkillBilling, 0)
	assertCode(t, err, gridline.ENOTFOUND)
	_, _, err = f.desk.QueueStatus(f.ctx, f.conversation("", "en").ID)
	assertCode(t, err, gridline.ENOTFOUND)
}

func TestDeskAssignsTheOwnerFirstThenTheLeastLoaded(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 3, gridline.SkillBilling)
	bob := f.online("Bob", 3, gridline.SkillBilling)
	f.must(f.q.SetLoad(f.ctx, ann.ID, 2)) // ann is busier

	// A returning customer: ann took their earlier matter.
	earlier := f.conversation("", "en")
	earlier.OwnerID = ann.ID
	earlier.Status = gridline.StatusResolved
	f.must(f.st.UpdateConversation(f.ctx, earlier))
	back := f.conversation(earlier.CustomerID, "en")
	if pos, _ := f.request(back, gridline.SkillBilling, 0); pos != 0 {
		t.Fatalf("position %d, want 0: assigned at once", pos)
	}
	if got := f.conv(back.ID); got.HandlerID != ann.ID || got.OwnerID != ann.ID || got.Status != gridline.StatusActive {
		t.Fatalf("returning customer went to handler %q owner %q (%s), want the owner ann", got.HandlerID, got.OwnerID, got.Status)
	}

	// A new customer goes to the least-loaded agent, who becomes the owner.
	fresh := f.conversation("", "en")
	f.request(fresh, gridline.SkillBilling, 0)
	if got := f.conv(fresh.ID); got.HandlerID != bob.ID || got.OwnerID != bob.ID {
		t.Fatalf("new customer went to %q, want bob", got.HandlerID)
	}

	// The owner full: the returning customer is served by someone else at once
	// rather than wait, and that agent owns this new matter.
	again := f.conversation(earlier.CustomerID, "en")
	f.clock.Advance(handoff.DefaultAssignEvery) // bob may be offered another
	f.request(again, gridline.SkillBilling, 0)  // ann is at 3 of 3 now
	if got := f.conv(again.ID); got.HandlerID != bob.ID || got.OwnerID != bob.ID {
		t.Fatalf("with the owner full: handler %q owner %q; want bob, bob", got.HandlerID, got.OwnerID)
	}

	// Nobody with the skill: it waits.
	repair := f.conversation("", "en")
	if pos, _ := f.request(repair, gridline.SkillRepair, 0); pos != 1 {
		t.Fatalf("repair request: position %d, want 1 (nobody has the skill)", pos)
	}
	if f.load(ann.ID) != 3 || f.load(bob.ID) != 2 {
		t.Fatalf("loads ann %d bob %d", f.load(ann.ID), f.load(bob.ID))
	}
}

func TestDeskClaimJoinsAndTellsEveryone(t *testing.T) {
	f := newFixture(t)
	ann := f.user("Ann", gridline.RoleAgent, 2, gridline.SkillBilling) // not online: no auto-assignment
	bob := f.user("Bob", gridline.RoleAgent, 2, gridline.SkillBilling)
	zh, en := f.conversation("", "zh"), f.conversation("", "en")
	f.request(zh, gridline.SkillBilling, 0)
	f.request(en, gridline.SkillBilling, 0)
	convSub, enSub := f.subscribe(gridline.ConversationTopic(zh.ID)), f.subscribe(gridline.ConversationTopic(en.ID))
	annSub, agents := f.subscribe(gridline.AgentTopic(ann.ID)), f.subscribe(gridline.TopicAgents)

	got, err := f.desk.Claim(f.ctx, ann, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != zh.ID || got.Status != gridline.StatusActive || got.HandlerID != ann.ID || got.OwnerID != ann.ID || got.AssignedAt == nil {
		t.Fatalf("Claim = %+v", got)
	}
	ms := f.messages(zh.ID)
	if last := ms[len(ms)-1]; last.Author.Kind != gridline.AuthorSystem || last.Text != "客服 Ann 已加入对话。" || gridline.IsStaffNote(last) {
		t.Fatalf("the customer was told %+v", last)
	}
	var joined gridline.JoinedData
	if err := json.Unmarshal(next(t, convSub, gridline.EventAgentJoined).Data, &joined); err != nil || joined.Agent.Name != "Ann" || joined.Agent.ID != ann.ID {
		t.Fatalf("agent.joined = %+v, %v", joined, err)
	}
	next(t, convSub, gridline.EventStatus)
	if ev := next(t, annSub, handoff.EventAssigned); ev.ConversationID != zh.ID {
		t.Fatalf("assignment event %+v", ev)
	}
	next(t, agents, gridline.EventQueueChange)
	if frame := lastQueueFrame(t, enSub); frame.Position != 1 {
		t.Fatalf("the customer still waiting was told position %d", frame.Position)
	}

	// A manual pick; the taken one cannot be picked again; an empty queue is ENOTFOUND.
	if _, err := f.desk.Claim(f.ctx, bob, zh.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("picking a taken conversation: %v", err)
	}
	if got, err := f.desk.Claim(f.ctx, ann, en.ID); err != nil || got.HandlerID != ann.ID {
		t.Fatalf("manual pick = %+v, %v", got, err)
	}
	if ms := f.messages(en.ID); ms[len(ms)-1].Text != "Ann has joined the conversation." {
		t.Fatalf("English join message %q", ms[len(ms)-1].Text)
	}
	_, err = f.desk.Claim(f.ctx, bob, "")
	assertCode(t, err, gridline.ENOTFOUND)

	// Capacity.
	third := f.conversation("", "en")
	f.request(third, gridline.SkillBilling, 0)
	_, err = f.desk.Claim(f.ctx, ann, "")
	assertCode(t, err, gridline.ECONFLICT)
	if f.load(ann.ID) != 2 {
		t.Fatalf("ann's load %d", f.load(ann.ID))
	}
	bob.Disabled = true
	_, err = f.desk.Claim(f.ctx, bob, "")
	assertCode(t, err, gridline.EFORBIDDEN)
}

func TestDeskTransferChangesTheHandlerNeverTheOwner(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 2, gridline.SkillBilling)
	bob := f.online("Bob", 2, gridline.SkillBilling)
	cat := f.online("Cat", 2, gridline.SkillRepair)
	eve := f.online("Eve", 2, gridline.SkillBilling)
	dan := f.user("Dan", gridline.RoleAgent, 2, gridline.SkillBilling) // offline
	sue := f.user("Sue", gridline.RoleSupervisor, 0)

	c := f.conversation("", "en")
	f.request(c, gridline.SkillBilling, 0)
	if got := f.conv(c.ID); got.HandlerID != ann.ID {
		t.Fatalf("assigned to %q, want ann (first of the least loaded)", got.HandlerID)
	}
	assertCode(t, f.desk.Transfer(f.ctx, eve, c.ID, bob.ID, "", ""), gridline.ENOTFOUND)
	assertCode(t, f.desk.Transfer(f.ctx, ann, c.ID, bob.ID, gridline.SkillRepair, ""), gridline.EINVALID)
	assertCode(t, f.desk.Transfer(f.ctx, ann, c.ID, "", "", ""), gridline.EINVALID)
	assertCode(t, f.desk.Transfer(f.ctx, ann, c.ID, dan.ID, "", ""), gridline.ECONFLICT)

	bobSub := f.subscribe(gridline.AgentTopic(bob.ID))
	f.must(f.desk.Transfer(f.ctx, ann, c.ID, bob.ID, "", "Meter photo received; needs a re-read."))
	got := f.conv(c.ID)
	if got.HandlerID != bob.ID || got.OwnerID != ann.ID || got.Status != gridline.StatusActive {
		t.Fatalf("after transfer: handler %q owner %q %s", got.HandlerID, got.OwnerID, got.Status)
	}
	if f.load(ann.ID) != 0 || f.load(bob.ID) != 1 {
		t.Fatalf("loads ann %d bob %d", f.load(ann.ID), f.load(bob.ID))
	}
	next(t, bobSub, handoff.EventAssigned)
	ms := f.messages(c.ID)
	note, joined := ms[len(ms)-2], ms[len(ms)-1]
	if !gridline.IsStaffNote(note) || note.Author.Name != "Ann" || note.Text != "Meter photo received; needs a re-read." {
		t.Fatalf("note %+v", note)
	}
	if gridline.IsStaffNote(joined) || joined.Text != "Bob has joined the conversation." {
		t.Fatalf("customer message %+v", joined)
	}

	// Bob full: a transfer to him is refused and nothing moves.
	f.must(f.q.SetLoad(f.ctx, bob.ID, 2))
	other := f.conversation("", "en")
	f.request(other, gridline.SkillBilling, 0) // goes to ann or eve
	from := f.conv(other.ID).HandlerID
	assertCode(t, f.desk.Transfer(f.ctx, sue, other.ID, bob.ID, "", ""), gridline.ECONFLICT)
	if f.load(bob.ID) != 2 || f.conv(other.ID).HandlerID != from {
		t.Fatal("a refused transfer changed something")
	}
	f.must(f.q.SetLoad(f.ctx, bob.ID, 1))

	// A supervisor sends it to the repair queue; cat has the skill and takes it.
	f.must(f.desk.Transfer(f.ctx, sue, c.ID, "", gridline.SkillRepair, "Not a billing matter."))
	got = f.conv(c.ID)
	if got.HandlerID != cat.ID || got.OwnerID != ann.ID || got.Skill != gridline.SkillRepair {
		t.Fatalf("after the transfer to repair: handler %q owner %q skill %q", got.HandlerID, got.OwnerID, got.Skill)
	}
	if f.load(bob.ID) != 0 || f.load(cat.ID) != 1 {
		t.Fatalf("loads bob %d cat %d", f.load(bob.ID), f.load(cat.ID))
	}
	assertCode(t, f.desk.Transfer(f.ctx, ann, c.ID, bob.ID, "", ""), gridline.ENOTFOUND) // ann no longer handles it
}

func TestDeskResolve(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 1, gridline.SkillGeneral)
	bob := f.user("Bob", gridline.RoleAgent, 1, gridline.SkillGeneral)
	admin := f.user("Ada", gridline.RoleAdmin, 0)
	first, waiting, dropped := f.conversation("", "en"), f.conversation("", "zh"), f.conversation("", "en")
	f.request(first, "", 0)
	f.request(waiting, "", 0)
	f.request(dropped, "", 0)
	if f.conv(first.ID).HandlerID != ann.ID || f.conv(waiting.ID).Status != gridline.StatusQueued {
		t.Fatal("setup: ann should hold the first and the others wait")
	}

	assertCode(t, f.desk.Resolve(f.ctx, bob, first.ID), gridline.ENOTFOUND)
	assertCode(t, f.desk.Resolve(f.ctx, bob, dropped.ID), gridline.ENOTFOUND)
	f.clock.Advance(4 * time.Minute)
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline))
	f.must(f.desk.Resolve(f.ctx, ann, first.ID))
	got := f.conv(first.ID)
	if got.Status != gridline.StatusResolved || got.ResolvedAt == nil {
		t.Fatalf("resolved: %+v", got)
	}
	if ms := f.messages(first.ID); ms[len(ms)-1].Text != "This conversation has been closed. Thank you for contacting us." {
		t.Fatalf("closing message %q", ms[len(ms)-1].Text)
	}
	// Ann's freed slot goes to the next customer at once.
	if got := f.conv(waiting.ID); got.HandlerID != ann.ID || got.Status != gridline.StatusActive {
		t.Fatalf("the next customer was not assigned: %+v", got)
	}
	f.must(f.desk.Resolve(f.ctx, ann, first.ID)) // again: nothing happens
	// An admin closes a waiting conversation: it leaves the queue.
	f.must(f.desk.Resolve(f.ctx, admin, dropped.ID))
	if _, err := f.q.Position(f.ctx, dropped.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("resolved conversation still queued: %v", err)
	}
	if f.load(ann.ID) != 1 {
		t.Fatalf("ann's load %d, want 1", f.load(ann.ID))
	}
	// The wait estimate learns from the chat of 4m2s (two requests advanced the
	// clock a second each): 300s + (242s-300s)/5 = 288.4s, rounded up.
	if _, eta := f.request(f.conversation("", "en"), "", 0); eta != 289 {
		t.Fatalf("eta %d, want 289 after one chat of 4m2s", eta)
	}
}

// TestDeskAbandon: a caller who hangs up on hold leaves the queue at once and
// the one behind moves up; a conversation an agent has is left alone.
func TestDeskAbandon(t *testing.T) {
	f := newFixture(t)
	gone, behind := f.conversation("", "zh"), f.conversation("", "zh")
	f.request(gone, "", 0)
	f.request(behind, "", 0)
	if pos, _, _ := f.desk.QueueStatus(f.ctx, behind.ID); pos != 2 {
		t.Fatalf("setup: behind is at %d", pos)
	}
	f.must(f.desk.Abandon(f.ctx, gone.ID))
	if got := f.conv(gone.ID); got.Status != gridline.StatusResolved || got.ResolvedAt == nil {
		t.Fatalf("abandoned: %+v", got)
	}
	if _, err := f.q.Position(f.ctx, gone.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("abandoned conversation still queued: %v", err)
	}
	if pos, _, _ := f.desk.QueueStatus(f.ctx, behind.ID); pos != 1 {
		t.Fatalf("the one behind is at %d, want 1", pos)
	}
	f.must(f.desk.Abandon(f.ctx, gone.ID)) // again: nothing happens

	ann := f.online("Ann", 1, gridline.SkillGeneral)
	if got := f.conv(behind.ID); got.HandlerID != ann.ID {
		t.Fatalf("setup: ann should have the waiting one: %+v", got)
	}
	f.must(f.desk.Abandon(f.ctx, behind.ID))
	if got := f.conv(behind.ID); got.Status != gridline.StatusActive {
		t.Fatalf("a conversation with an agent was abandoned: %+v", got)
	}
}

func TestDeskVanishedAgentsChatsGoBackToTheHeadOfTheQueue(t *testing.T) {
	f := newFixture(t)
	ann := f.user("Ann", gridline.RoleAgent, 1, gridline.SkillBilling)
	bob := f.user("Bob", gridline.RoleAgent, 2, gridline.SkillRepair)
	waiting, picked := f.conversation("", "en"), f.conversation("", "zh")
	f.request(waiting, gridline.SkillBilling, 0) // waits longer
	f.request(picked, gridline.SkillBilling, 0)
	if _, err := f.desk.Claim(f.ctx, ann, picked.ID); err != nil {
		t.Fatal(err)
	}
	held := f.conversation("", "en")
	f.request(held, gridline.SkillRepair, 0)
	if _, err := f.desk.Claim(f.ctx, bob, held.ID); err != nil {
		t.Fatal(err)
	}
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline))
	pickedSub := f.subscribe(gridline.ConversationTopic(picked.ID))
	f.must(f.desk.Sweep(f.ctx))

	// Ann's heartbeat (TTL 30s) lapses; for the grace period (60s from her last
	// heartbeat) she keeps the chat. Bob is away but heartbeating: he keeps his.
	for i := 0; i < 2; i++ {
		f.clock.Advance(20 * time.Second)
		f.must(f.desk.Heartbeat(f.ctx, bob, handoff.AgentAway))
		f.must(f.desk.Sweep(f.ctx))
	}
	if got := f.conv(picked.ID); got.HandlerID != ann.ID {
		t.Fatal("ann lost the chat within the grace period")
	}
	f.clock.Advance(19 * time.Second) // 59s since her heartbeat
	f.must(f.desk.Heartbeat(f.ctx, bob, handoff.AgentAway))
	f.must(f.desk.Sweep(f.ctx))
	if got := f.conv(picked.ID); got.HandlerID != ann.ID {
		t.Fatal("ann lost the chat within the grace period")
	}
	f.clock.Advance(2 * time.Second) // 61s
	f.must(f.desk.Heartbeat(f.ctx, bob, handoff.AgentAway))
	f.must(f.desk.Sweep(f.ctx))

	got := f.conv(picked.ID)
	if got.Status != gridline.StatusQueued || got.HandlerID != "" || got.OwnerID != ann.ID {
		t.Fatalf("after the grace: %s handler %q owner %q", got.Status, got.HandlerID, got.OwnerID)
	}
	if pos, _, err := f.desk.QueueStatus(f.ctx, picked.ID); err != nil || pos != 1 {
		t.Fatalf("returned chat at position %d (%v), want the head", pos, err)
	}
	if pos, _, _ := f.desk.QueueStatus(f.ctx, waiting.ID); pos != 2 {
		t.Fatalf("the other customer at %d, want 2", pos)
	}
	if f.load(ann.ID) != 0 {
		t.Fatalf("ann's load %d", f.load(ann.ID))
	}
	ms := f.messages(picked.ID)
	if last := ms[len(ms)-1]; !strings.Contains(last.Text, "队列最前面") {
		t.Fatalf("the customer was told %q", last.Text)
	}
	if frame := lastQueueFrame(t, pickedSub); frame.Position != 1 {
		t.Fatalf("queue frame %+v", frame)
	}
	if got := f.conv(held.ID); got.HandlerID != bob.ID || got.Status != gridline.StatusActive {
		t.Fatalf("away bob lost his chat: %+v", got)
	}

	// Ann comes back: her own customer is offered to her first.
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline))
	if got := f.conv(picked.ID); got.HandlerID != ann.ID {
		t.Fatalf("back online, ann did not get her customer back: handler %q", got.HandlerID)
	}
}

func TestDeskHeartbeat(t *testing.T) {
	f := newFixture(t)
	var convs []*gridline.Conversation
	for i := 0; i < 3; i++ {
		c := f.conversation("", "en")
		f.request(c, gridline.SkillGeneral, 0)
		convs = append(convs, c)
	}
	// Coming online takes one at once, and the next at the pace she can read:
	// signing in to a long queue does not bury her.
	ann := f.online("Ann", 2, gridline.SkillGeneral)
	if f.load(ann.ID) != 1 || f.conv(convs[0].ID).HandlerID != ann.ID {
		t.Fatalf("coming online assigned %d chats, want the first one", f.load(ann.ID))
	}
	f.clock.Advance(handoff.DefaultAssignEvery - time.Second)
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline))
	f.must(f.desk.Sweep(f.ctx))
	if f.load(ann.ID) != 1 {
		t.Fatalf("a second chat came %v after the first", handoff.DefaultAssignEvery-time.Second)
	}
	f.clock.Advance(time.Second)
	f.must(f.desk.Sweep(f.ctx))
	if f.load(ann.ID) != 2 || f.conv(convs[1].ID).HandlerID != ann.ID {
		t.Fatalf("after %v she holds %d chats, want 2", handoff.DefaultAssignEvery, f.load(ann.ID))
	}
	if pos, eta, err := f.desk.QueueStatus(f.ctx, convs[2].ID); err != nil || pos != 1 || eta != 150 {
		t.Fatalf("QueueStatus = %d, %d, %v; want 1, 150 (one agent, two slots)", pos, eta, err)
	}
	assertCode(t, f.desk.Heartbeat(f.ctx, ann, "busy"), gridline.EINVALID)
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOffline))
	if _, err := f.p.Agent(f.ctx, ann.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("offline agent still present: %v", err)
	}
	ann.Disabled = true
	assertCode(t, f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline), gridline.EFORBIDDEN)
}

func TestDeskRecoverRebuildsAMemoryQueue(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 3, gridline.SkillBilling)
	for i := 0; i < 2; i++ {
		f.request(f.conversation("", "en"), gridline.SkillBilling, 0)
		f.clock.Advance(handoff.DefaultAssignEvery)
	}
	waiting := f.conversation("", "en")
	f.request(waiting, gridline.SkillRepair, 0)

	// A restart: the memory queue is empty again.
	restarted := &handoff.Desk{Store: f.st, Queue: memory.NewQueue(), Presence: f.p, Board: f.sb, Now: f.clock.Now}
	f.must(restarted.Recover(f.ctx))
	if pos, _, err := restarted.QueueStatus(f.ctx, waiting.ID); err != nil || pos != 1 {
		t.Fatalf("waiting conversation after Recover: %d, %v", pos, err)
	}
	if n, _ := restarted.Queue.Load(f.ctx, ann.ID); n != 2 {
		t.Fatalf("ann's load after Recover = %d, want 2", n)
	}
}

func TestDeskRunStopsWithItsContext(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- f.desk.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestDeskConcurrentRequestsAndClaims is the desk's race: customers ask for a
// person while agents come online and claim by hand, all at once. Every
// conversation ends with exactly one agent, and the store, the queue's loads
// and the capacities agree.
func TestDeskConcurrentRequestsAndClaims(t *testing.T) {
	f := newFixture(t)
	const customers, agents, capacity = 40, 8, 5
	var users []*gridline.User
	for i := 0; i < agents; i++ {
		users = append(users, f.user(fmt.Sprintf("Agent%d", i), gridline.RoleAgent, capacity, gridline.SkillGeneral))
	}
	var convs []*gridline.Conversation
	for i := 0; i < customers; i++ {
		convs = append(convs, f.conversation("", "en"))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, _, err := f.desk.RequestHuman(f.ctx, c.ID, gridline.SkillGeneral, 0); err != nil {
				t.Error(err)
			}
		}()
	}
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				if err := f.desk.Heartbeat(f.ctx, u, handoff.AgentOnline); err != nil {
					t.Error(err)
				}
			}
			for k := 0; k < capacity; k++ {
				if _, err := f.desk.Claim(f.ctx, u, ""); err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND && gridline.ErrorCode(err) != gridline.ECONFLICT {
					t.Error(err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	// Whatever is still waiting is claimed now.
	for _, u := range users {
		for {
			if _, err := f.desk.Claim(f.ctx, u, ""); err != nil {
				break
			}
		}
	}
	held := make(map[string]int)
	for _, c := range convs {
		got := f.conv(c.ID)
		if got.Status != gridline.StatusActive || got.HandlerID == "" || got.OwnerID != got.HandlerID {
			t.Errorf("%s ended %s with handler %q owner %q", c.ID, got.Status, got.HandlerID, got.OwnerID)
		}
		held[got.HandlerID]++
		joins := 0
		for _, m := range f.messages(c.ID) {
			if strings.HasSuffix(m.Text, "has joined the conversation.") {
				joins++
			}
		}
		if joins != 1 {
			t.Errorf("%s: %d agents joined", c.ID, joins)
		}
	}
	total := 0
	for _, u := range users {
		if held[u.ID] > capacity {
			t.Errorf("%s holds %d chats, capacity %d", u.Name, held[u.ID], capacity)
		}
		if f.load(u.ID) != held[u.ID] {
			t.Errorf("%s: load %d, holds %d", u.Name, f.load(u.ID), held[u.ID])
		}
		total += held[u.ID]
	}
	if total != customers {
		t.Fatalf("%d of %d conversations assigned", total, customers)
	}
}

// TestDeskGraceClockSurvivesRestarts is the restart loop of a scaled-out
// deployment: the desk is replaced (a replica restarting) every 20 s, each new
// one sweeping at once and then every SweepInterval. A vanished agent's chat
// still goes back within grace + 10 s of her last heartbeat, never before; and
// a handler no desk ever saw beat loses theirs within grace + 10 s of the first
// sweep that noticed them.
func TestDeskGraceClockSurvivesRestarts(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 2, gridline.SkillBilling)
	dan := f.user("Dan", gridline.RoleAgent, 2, gridline.SkillRepair) // takes a chat by hand, never online
	mine := f.conversation("", "en")
	f.request(mine, gridline.SkillBilling, 0)
	unseen := f.conversation("", "en")
	f.request(unseen, gridline.SkillRepair, 0)
	if _, err := f.desk.Claim(f.ctx, dan, unseen.ID); err != nil {
		t.Fatal(err)
	}
	if f.conv(mine.ID).HandlerID != ann.ID {
		t.Fatal("setup: ann should hold her chat")
	}
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline))
	lastBeat := f.clock.Now() // ann vanishes now
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var noticed time.Time
	returned := map[string]time.Time{}
	for restart := 0; restart < 8; restart++ {
		desk := &handoff.Desk{Store: f.st, Queue: f.q, Presence: f.p, Board: f.sb, Now: f.clock.Now, Logger: quiet}
		for tick := time.Duration(0); tick < 20*time.Second; tick += handoff.SweepInterval {
			f.must(desk.Sweep(f.ctx))
			if noticed.IsZero() {
				noticed = f.clock.Now()
			}
			for _, c := range []*gridline.Conversation{mine, unseen} {
				if _, done := returned[c.ID]; !done && f.conv(c.ID).Status == gridline.StatusQueued {
					returned[c.ID] = f.clock.Now()
				}
			}
			f.clock.Advance(handoff.SweepInterval)
		}
	}
	for _, tc := range []struct {
		name string
		conv *gridline.Conversation
		from time.Time
	}{{"ann's (vanished)", mine, lastBeat}, {"dan's (never seen)", unseen, noticed}} {
		at, ok := returned[tc.conv.ID]
		if !ok {
			t.Errorf("%s chat never went back to the queue across the restarts", tc.name)
			continue
		}
		if took := at.Sub(tc.from); took < handoff.DefaultGrace || took > handoff.DefaultGrace+10*time.Second {
			t.Errorf("%s chat went back %v after the clock started, want within [grace, grace+10s]", tc.name, took)
		}
	}
}

// TestDeskDisconnect: an agent whose console closes is offered nothing more at
// once, stays present as away for the reconnect grace, and is gone after it; a
// console that reconnects within it brings her back as she was.
func TestDeskDisconnect(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 3, gridline.SkillGeneral)
	f.must(f.desk.Disconnect(f.ctx, ann))
	p, err := f.p.Agent(f.ctx, ann.ID)
	if err != nil || p.Status != handoff.AgentAway {
		t.Fatalf("just after the console closed: %+v, %v; want away", p, err)
	}
	c := f.conversation("", "en")
	if pos, _ := f.request(c, "", 0); pos != 1 || f.conv(c.ID).HandlerID != "" {
		t.Fatalf("a chat was offered to an agent whose console closed (position %d)", pos)
	}
	// A reload: the console comes back within the grace and beats again.
	f.must(f.desk.Heartbeat(f.ctx, ann, handoff.AgentOnline))
	if got := f.conv(c.ID); got.HandlerID != ann.ID {
		t.Fatalf("back online, ann was not offered the waiting chat: %+v", got)
	}
	// A closed tab: gone after the reconnect grace, not the heartbeat's TTL.
	f.must(f.desk.Disconnect(f.ctx, ann))
	f.clock.Advance(handoff.DefaultReconnectGrace)
	if _, err := f.p.Agent(f.ctx, ann.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("%v after the console closed ann is still present: %v", handoff.DefaultReconnectGrace, err)
	}
	if got := f.conv(c.ID); got.HandlerID != ann.ID {
		t.Fatal("ann lost her chat at once; it is hers for the grace")
	}
}

// TestDeskPacesOffers: an agent just offered a chat is passed over for the next
// one, which goes to someone else with room; but a returning customer waits for
// their owner's next turn rather than go to a stranger.
func TestDeskPacesOffers(t *testing.T) {
	f := newFixture(t)
	ann := f.online("Ann", 5, gridline.SkillBilling)
	first, second := f.conversation("", "en"), f.conversation("", "en")
	f.request(first, gridline.SkillBilling, 0)
	bob := f.online("Bob", 2, gridline.SkillBilling)
	f.request(second, gridline.SkillBilling, 0)
	if f.conv(first.ID).HandlerID != ann.ID || f.conv(second.ID).HandlerID != bob.ID {
		t.Fatalf("handlers %q, %q; want ann then bob (ann was just offered one)", f.conv(first.ID).HandlerID, f.conv(second.ID).HandlerID)
	}
	// Ann's customer comes back while she is paced: it waits for her.
	back := f.conversation(first.CustomerID, "en")
	f.clock.Advance(handoff.DefaultAssignEvery)
	other := f.conversation("", "en")
	f.request(other, gridline.SkillBilling, 0) // ann's next offer, taken now
	f.request(back, gridline.SkillBilling, 0)
	if got := f.conv(back.ID); got.Status != gridline.StatusQueued || f.conv(other.ID).HandlerID != ann.ID {
		t.Fatalf("the returning customer went to %q rather than wait for the owner (bob has room)", got.HandlerID)
	}
	f.clock.Advance(handoff.DefaultAssignEvery)
	f.must(f.desk.Sweep(f.ctx))
	if got := f.conv(back.ID); got.HandlerID != ann.ID {
		t.Fatalf("after her pace, ann's customer went to %q", got.HandlerID)
	}
}
