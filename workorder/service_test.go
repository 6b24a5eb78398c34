package workorder_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/internal/testclock"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/workorder"
)

type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.DB
	board gridline.Switchboard
	clock *testclock.Clock
	svc   *workorder.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	board := memory.NewSwitchboard()
	t.Cleanup(func() { board.Close() })
	clk := testclock.At(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)) // 09:00 in Beijing
	e := &env{t: t, ctx: t.Context(), st: st, board: board, clock: clk}
	e.svc = e.replica()
	return e
}

// replica is another Gridline process on the same store and switchboard.
func (e *env) replica() *workorder.Service {
	return &workorder.Service{Store: e.st, Board: e.board, Now: e.clock.Now}
}

// listen collects the work-order notices of a topic.
func (e *env) listen(topic string) func() []gridline.WorkOrderNotice {
	e.t.Helper()
	sub, err := e.board.Subscribe(e.ctx, topic)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { sub.Close() })
	var got []gridline.WorkOrderNotice
	return func() []gridline.WorkOrderNotice {
		for {
			select {
			case ev := <-sub.Events():
				if ev.Type != gridline.EventWorkOrder {
					continue
				}
				var n gridline.WorkOrderNotice
				if err := json.Unmarshal(ev.Data, &n); err != nil {
					e.t.Fatal(err)
				}
				got = append(got, n)
			case <-time.After(50 * time.Millisecond):
				return got
			}
		}
	}
}

func (e *env) act(actor workorder.Actor, wo *gridline.WorkOrder, a workorder.Action) *gridline.WorkOrder {
	e.t.Helper()
	got, err := e.svc.Act(e.ctx, actor, wo.ID, a, 0)
	if err != nil {
		e.t.Fatalf("%s on %s: %v", a.Name, wo.Status, err)
	}
	return got
}

var (
	ann   = &gridline.User{ID: "ann", Role: gridline.RoleAgent}
	bob   = &gridline.User{ID: "bob", Role: gridline.RoleAgent}
	chief = &gridline.User{ID: "chief", Role: gridline.RoleSupervisor}
)

// TestRepairLifecycle: an urban fault report is due on site in 45 minutes, goes
// through dispatch, arrival (restore due 3 h later), handling, a dissatisfied
// follow-up that reopens it to its owner, a satisfied one, and closing; the
// customer's conversation hears every change. A breach found by two replicas
// sweeping at once is announced once.
func TestRepairLifecycle(t *testing.T) {
	e := newEnv(t)
	customer := e.listen(gridline.ConversationTopic("conv-1"))
	owner := e.listen(gridline.AgentTopic("ann"))
	yes, no := true, false

	wo, err := e.svc.Create(e.ctx, workorder.Actor{User: ann}, workorder.NewOrder{Type: gridline.WorkOrderRepair,
		CustomerID: "cu-1", ConversationID: "conv-1", Phone: "13800000000", Address: "北京市朝阳区建国路88号", Description: "no power"})
	if err != nil {
		t.Fatal(err)
	}
	if wo.Number != "GD20261201-000001" || wo.OwnerID != "ann" || wo.AreaClass != gridline.AreaUrban || wo.Status != gridline.WorkOrderAccepted {
		t.Fatalf("created %+v", wo)
	}
	onSite := wo.Deadline(gridline.DeadlineOnSite)
	if onSite == nil || !onSite.DueAt.Equal(e.clock.Now().Add(45*time.Minute)) {
		t.Fatalf("on-site deadline %+v, want 45 minutes from now", onSite)
	}

	boss := workorder.Actor{User: ann}
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionDispatch, Department: "crew 3", HandlerID: "bob"})
	e.clock.Advance(30 * time.Minute)
	wo = e.act(workorder.Actor{User: bob}, wo, workorder.Action{Name: workorder.ActionArrive})
	if d := wo.Deadline(gridline.DeadlineOnSite); d.MetAt == nil || d.Breached {
		t.Errorf("arrival within 45 minutes: %+v", d)
	}
	restore := wo.Deadline(gridline.DeadlineRestore)
	if restore == nil || !restore.DueAt.Equal(e.clock.Now().Add(3*time.Hour)) {
		t.Fatalf("restore deadline %+v, want 3 h after arrival", restore)
	}
	wo = e.act(workorder.Actor{User: bob}, wo, workorder.Action{Name: workorder.ActionHandle, Note: "fuse replaced"})
	if _, err := e.svc.Act(e.ctx, workorder.Actor{User: ann}, wo.ID, workorder.Action{Name: workorder.ActionClose}, 0); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Errorf("closing before the follow-up: %v, want ECONFLICT", err)
	}
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionFollowUp, Satisfied: &no, Note: "flickers still"})
	if wo.Status != gridline.WorkOrderAccepted || wo.Reopened != 1 || wo.HandlerID != "ann" {
		t.Fatalf("a dissatisfied follow-up: %+v", wo)
	}
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionDispatch, Department: "crew 3", HandlerID: "bob"})
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionArrive})
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionHandle})
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionFollowUp, Satisfied: &yes})
	if _, err := e.svc.Act(e.ctx, workorder.Actor{User: bob}, wo.ID, workorder.Action{Name: workorder.ActionClose}, 0); gridline.ErrorCode(err) != gridline.EFORBIDDEN {
		t.Errorf("the handler closing: %v, want EFORBIDDEN", err)
	}
	wo = e.act(boss, wo, workorder.Action{Name: workorder.ActionClose})
	if wo.Status != gridline.WorkOrderClosed || wo.ClosedAt == nil || wo.FollowUp != gridline.FollowUpSatisfied {
		t.Fatalf("closed %+v", wo)
	}
	got, err := e.st.WorkOrder(e.ctx, wo.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range got.Timeline {
		actions = append(actions, en.Action)
	}
	want := []string{"create", "dispatch", "arrive", "handle", "follow_up", "dispatch", "arrive", "handle", "follow_up", "close"}
	if len(actions) != len(want) {
		t.Fatalf("timeline %v, want %v", actions, want)
	}
	var statuses []string
	for _, n := range customer() {
		statuses = append(statuses, n.Order.Status)
	}
	if len(statuses) != len(want) || statuses[4] != gridline.WorkOrderAccepted || statuses[9] != gridline.WorkOrderClosed {
		t.Errorf("the customer saw %v", statuses)
	}
	if n := len(owner()); n != len(want) {
		t.Errorf("the owner's console got %d notices, want %d", n, len(want))
	}

	// A second order breaches with nobody on site: two replicas sweep at once.
	late, err := e.svc.Create(e.ctx, workorder.Actor{User: ann}, workorder.NewOrder{Type: gridline.WorkOrderRepair, Description: "sparks"})
	if err != nil {
		t.Fatal(err)
	}
	if late.Number != "GD20261201-000002" {
		t.Errorf("second number %s", late.Number)
	}
	e.clock.Advance(37 * time.Minute) // past 80 %
	other := e.replica()
	sweepBoth := func() {
		var wg sync.WaitGroup
		for _, s := range []*workorder.Service{e.svc, other} {
			wg.Go(func() {
				if _, err := s.Sweep(e.ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	sweepBoth()
	e.clock.Advance(9 * time.Minute) // past due
	sweepBoth()
	sweepBoth()
	var kinds []string
	for _, n := range owner() {
		if n.Order.ID == late.ID && n.Kind != gridline.NoticeChanged {
			kinds = append(kinds, n.Kind+"/"+n.Deadline)
		}
	}
	if len(kinds) != 2 || kinds[0] != "warning/on_site" || kinds[1] != "breach/on_site" {
		t.Errorf("the owner got %v, want one warning and one breach", kinds)
	}
	a, b := e.svc.Counts(), other.Counts()
	if a.Breaches+b.Breaches != 1 || a.Warnings+b.Warnings != 1 {
		t.Errorf("counted %+v and %+v, want one warning and one breach in all", a, b)
	}
	overdueAt := e.clock.Now()
	board, err := e.svc.List(e.ctx, chief, gridline.WorkOrderFilter{OverdueAt: &overdueAt})
	if err != nil || len(board) != 1 || board[0].ID != late.ID {
		t.Errorf("overdue board %v, %v", board, err)
	}
}

// TestConcurrentActions: two agents acting on one order at once — one wins,
// the other is told the order changed.
func TestConcurrentActions(t *testing.T) {
	e := newEnv(t)
	wo, err := e.svc.Create(e.ctx, workorder.Actor{User: chief}, workorder.NewOrder{Type: gridline.WorkOrderComplaint, Description: "rude"})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.replica().Act(e.ctx, workorder.Actor{User: chief}, wo.ID,
				workorder.Action{Name: workorder.ActionDispatch, Department: "office"}, wo.Version)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch gridline.ErrorCode(err) {
		case "":
			ok++
		case gridline.ECONFLICT:
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent actions won, want 1", ok, len(errs))
	}
	// An agent who neither owns nor handles it cannot see it at all.
	if _, err := e.svc.Get(e.ctx, workorder.Actor{User: bob}, wo.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("a stranger's view: %v", err)
	}
}

// TestIncidents: repair reports of one address prefix within the window join
// the first as children; the master's changes reach every child's
// conversation; closing it closes them; merging and splitting by hand.
func TestIncidents(t *testing.T) {
	e := newEnv(t)
	actor := workorder.Actor{System: true}
	report := func(conv, address string) *gridline.WorkOrder {
		t.Helper()
		wo, err := e.svc.Create(e.ctx, actor, workorder.NewOrder{Type: gridline.WorkOrderRepair, ConversationID: conv, Address: address, Description: "dark"})
		if err != nil {
			t.Fatal(err)
		}
		return wo
	}
	master := report("c1", "北京市朝阳区建国路88号院3号楼")
	e.clock.Advance(30 * time.Minute)
	child := report("c2", "北京市朝阳区建国路88号院5号楼 2单元")
	elsewhere := report("c3", "上海市浦东新区世纪大道100号")
	if master.MasterID != "" || child.MasterID != master.ID || elsewhere.MasterID != "" {
		t.Fatalf("masters: %q %q %q", master.MasterID, child.MasterID, elsewhere.MasterID)
	}
	e.clock.Advance(2 * time.Hour)
	afterWindow := report("c4", "北京市朝阳区建国路88号院9号楼")
	if afterWindow.MasterID != "" {
		t.Errorf("a report after the window joined the incident")
	}

	reporter := e.listen(gridline.ConversationTopic("c2"))
	sup := workorder.Actor{User: chief}
	e.act(sup, master, workorder.Action{Name: workorder.ActionDispatch, Department: "crew 1"})
	e.act(sup, master, workorder.Action{Name: workorder.ActionArrive})
	heard := reporter()
	if len(heard) != 2 || heard[1].Order.Status != gridline.WorkOrderOnSite || heard[1].MasterID != master.ID {
		t.Fatalf("the second reporter heard %+v", heard)
	}

	// Merge by hand, split again.
	if _, err := e.svc.Act(e.ctx, sup, master.ID, workorder.Action{Name: workorder.ActionMerge, MasterID: elsewhere.ID}, 0); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Errorf("merging a master with children: %v, want ECONFLICT", err)
	}
	byHand := e.listen(gridline.ConversationTopic("c4"))
	merged := e.act(sup, afterWindow, workorder.Action{Name: workorder.ActionMerge, MasterID: master.ID})
	if merged.MasterID != master.ID {
		t.Errorf("merge: %+v", merged)
	}
	split := e.act(sup, elsewhere, workorder.Action{Name: workorder.ActionMerge, MasterID: master.ID})
	split = e.act(sup, split, workorder.Action{Name: workorder.ActionSplit})
	if split.MasterID != "" {
		t.Errorf("split: %+v", split)
	}

	yes := true
	e.act(sup, master, workorder.Action{Name: workorder.ActionHandle})
	e.act(sup, master, workorder.Action{Name: workorder.ActionFollowUp, Satisfied: &yes})
	e.act(sup, master, workorder.Action{Name: workorder.ActionClose})
	for _, id := range []string{child.ID, afterWindow.ID} {
		got, err := e.st.WorkOrder(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != gridline.WorkOrderClosed || got.FollowUp != gridline.FollowUpSatisfied {
			t.Errorf("child %s after the master closed: %s, follow-up %q", got.Number, got.Status, got.FollowUp)
		}
	}
	if got, _ := e.st.WorkOrder(e.ctx, elsewhere.ID); got.Status == gridline.WorkOrderClosed {
		t.Error("a split order closed with its former master")
	}
	if last := reporter(); last[len(last)-1].Order.Status != gridline.WorkOrderClosed {
		t.Errorf("the reporter did not hear of the close: %+v", last)
	}
	// The report merged by hand heard every status of its master since, each
	// marked as the master's.
	var statuses []string
	for _, n := range byHand() {
		if n.MasterID == master.ID && n.Action != workorder.ActionMerge {
			statuses = append(statuses, n.Order.Status)
		}
	}
	if want := []string{gridline.WorkOrderHandled, gridline.WorkOrderClosed}; !slices.Equal(statuses, want) {
		t.Errorf("the report merged by hand heard %v of its master, want %v", statuses, want)
	}
}

// TestNoticesFollowTheCustomer: a change of an order reaches the conversation
// that raised it and the customer's current open one; an order staff opened
// from a letter, with no chat, reaches the open chat too; a customer whose
// newest chat is closed is in none.
func TestNoticesFollowTheCustomer(t *testing.T) {
	e := newEnv(t)
	e.svc.Conversations = e.st
	cust := &gridline.Customer{Identifier: "web-42"}
	if err := e.st.CreateCustomer(e.ctx, cust); err != nil {
		t.Fatal(err)
	}
	chat := func(id string, status gridline.ConversationStatus, age time.Duration) {
		t.Helper()
		c := &gridline.Conversation{ID: id, CustomerID: cust.ID, Status: status, Lang: "en", CreatedAt: e.clock.Now().Add(-age)}
		if err := e.st.CreateConversation(e.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	chat("monday", gridline.StatusResolved, 48*time.Hour)
	raised, err := e.svc.Create(e.ctx, workorder.Actor{System: true}, workorder.NewOrder{Type: gridline.WorkOrderRepair,
		ConversationID: "monday", Address: "7 Pine Road", Description: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	letter, err := e.svc.Create(e.ctx, workorder.Actor{User: ann}, workorder.NewOrder{Type: gridline.WorkOrderComplaint,
		CustomerID: cust.ID, Description: "by letter: the bill is wrong"})
	if err != nil {
		t.Fatal(err)
	}
	chat("wednesday", gridline.StatusBot, time.Hour)
	monday, wednesday := e.listen(gridline.ConversationTopic("monday")), e.listen(gridline.ConversationTopic("wednesday"))

	e.act(workorder.Actor{User: chief}, raised, workorder.Action{Name: workorder.ActionDispatch, Department: "crew 1"})
	e.act(workorder.Actor{User: ann}, letter, workorder.Action{Name: workorder.ActionContact, Note: "called"})
	heard := wednesday()
	if len(heard) != 2 || heard[0].Order.ID != raised.ID || heard[0].Order.Status != gridline.WorkOrderDispatched ||
		heard[1].Order.ID != letter.ID {
		t.Fatalf("the customer's open chat heard %+v", heard)
	}
	if got := monday(); len(got) != 1 || got[0].Order.ID != raised.ID {
		t.Errorf("the chat that raised the order heard %+v", got)
	}

	// Wednesday's chat closes: nobody is there to tell but the raising chat.
	conv, err := e.st.Conversation(e.ctx, "wednesday")
	if err != nil {
		t.Fatal(err)
	}
	conv.Status = gridline.StatusResolved
	if err := e.st.UpdateConversation(e.ctx, conv); err != nil {
		t.Fatal(err)
	}
	e.act(workorder.Actor{User: chief}, raised, workorder.Action{Name: workorder.ActionArrive})
	if got := wednesday(); len(got) != 2 { // what it heard before, no more
		t.Errorf("a closed chat heard %+v", got[2:])
	}
	if got := monday(); len(got) != 2 {
		t.Errorf("the raising chat heard %d notices, want 2", len(got))
	}
}
