package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunWorkOrders runs the gridline.WorkOrderStore contract, as Run does.
func RunWorkOrders(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"WorkOrderNumbers", testWorkOrderNumbers},
		{"WorkOrderRoundTrip", testWorkOrderRoundTrip},
		{"WorkOrderList", testWorkOrderList},
		{"WorkOrderUpdate", testWorkOrderUpdate},
		{"WorkOrderDeadlineMarks", testWorkOrderDeadlineMarks},
		{"WorkOrderIncident", testWorkOrderIncident},
	})
}

// woBase is a fixed instant all work-order tests count from, at the stored
// precision, so that times compare equal after a round trip.
var woBase = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

// newWorkOrder stores an accepted order numbered n of the test day, created
// at woBase plus offset, with one deadline due due after creation.
func newWorkOrder(t *testing.T, st gridline.Store, n int64, offset, due time.Duration, mod func(*gridline.WorkOrder)) *gridline.WorkOrder {
	t.Helper()
	created := woBase.Add(offset)
	wo := &gridline.WorkOrder{Number: gridline.WorkOrderNumber("20261201", n), Type: gridline.WorkOrderRepair,
		Status: gridline.WorkOrderAccepted, AreaClass: gridline.AreaUrban, Description: fmt.Sprintf("order %d", n),
		CreatedAt: created, UpdatedAt: created,
		Deadlines: []gridline.Deadline{{Kind: gridline.DeadlineOnSite, StartAt: created, WarnAt: created.Add(due * 8 / 10), DueAt: created.Add(due)}},
		Timeline:  []gridline.TimelineEntry{{At: created, By: "agent-1", Action: "create", Status: gridline.WorkOrderAccepted}}}
	if mod != nil {
		mod(wo)
	}
	must(t, st.CreateWorkOrder(ctx(t), wo))
	return wo
}

func woNumbers(wos []*gridline.WorkOrder) []string {
	out := []string{}
	for _, wo := range wos {
		out = append(out, wo.Number)
	}
	return out
}

// testWorkOrderNumbers: the day's counter never hands one number out twice,
// even to many writers at once, and a taken number is ECONFLICT.
func testWorkOrderNumbers(t *testing.T, st gridline.Store) {
	c := ctx(t)
	const writers = 20
	got := make([]int64, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			n, err := st.NextWorkOrderSeq(c, "20261201")
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = n
		})
	}
	wg.Wait()
	slices.Sort(got)
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("concurrent sequence numbers %v, want 1..%d once each", got, writers)
		}
	}
	if n, err := st.NextWorkOrderSeq(c, "20261202"); err != nil || n != 1 {
		t.Errorf("a new day starts at %d, %v; want 1", n, err)
	}
	newWorkOrder(t, st, 7, 0, time.Hour, nil)
	dup := &gridline.WorkOrder{Number: gridline.WorkOrderNumber("20261201", 7), Type: gridline.WorkOrderRepair,
		Status: gridline.WorkOrderAccepted, AreaClass: gridline.AreaUrban}
	wantCode(t, st.CreateWorkOrder(c, dup), gridline.ECONFLICT)
}

func testWorkOrderRoundTrip(t *testing.T, st gridline.Store) {
	c := ctx(t)
	reminded := woBase.Add(time.Minute)
	wo := newWorkOrder(t, st, 1, 0, 45*time.Minute, func(wo *gridline.WorkOrder) {
		wo.Subtype, wo.CustomerID, wo.AccountNo, wo.ConversationID = "", "cu-1", "0101234567", "conv-1"
		wo.Phone, wo.Address, wo.AreaClass, wo.OwnerID, wo.HandlerID = "13800000000", "北京市朝阳区建国路88号", gridline.AreaRural, "agent-1", "agent-2"
		wo.Department, wo.Urgent, wo.Reminders, wo.CustomerRemindedAt, wo.MasterID, wo.IncidentKey = "crew 3", true, 2, &reminded, "m-1", "addr:x"
	})
	if wo.ID == "" || wo.Version != 1 {
		t.Fatalf("CreateWorkOrder: id %q version %d", wo.ID, wo.Version)
	}
	got, err := st.WorkOrder(c, wo.ID)
	must(t, err)
	if got.Number != wo.Number || got.Address != wo.Address || got.AreaClass != gridline.AreaRural || !got.Urgent ||
		got.Reminders != 2 || got.CustomerRemindedAt == nil || !got.CustomerRemindedAt.Equal(reminded) ||
		got.HandlerID != "agent-2" || got.OwnerID != "agent-1" || got.Department != "crew 3" || got.MasterID != "m-1" ||
		got.IncidentKey != "addr:x" || got.Version != 1 || !got.CreatedAt.Equal(wo.CreatedAt) || got.ConversationID != "conv-1" {
		t.Errorf("WorkOrder = %+v, want %+v", got, wo)
	}
	if len(got.Deadlines) != 1 || !got.Deadlines[0].DueAt.Equal(woBase.Add(45*time.Minute)) || got.Deadlines[0].MetAt != nil {
		t.Errorf("deadlines = %+v", got.Deadlines)
	}
	if len(got.Timeline) != 1 || got.Timeline[0].By != "agent-1" || got.Timeline[0].Action != "create" {
		t.Errorf("timeline = %+v", got.Timeline)
	}
	byNumber, err := st.WorkOrderByNumber(c, wo.Number)
	must(t, err)
	if byNumber.ID != wo.ID {
		t.Errorf("WorkOrderByNumber = %s", byNumber.ID)
	}
	_, err = st.WorkOrder(c, "missing")
	wantCode(t, err, gridline.ENOTFOUND)
	_, err = st.WorkOrderByNumber(c, "GD20000101-000001")
	wantCode(t, err, gridline.ENOTFOUND)
}

func testWorkOrderList(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := newWorkOrder(t, st, 1, 0, 10*time.Minute, func(wo *gridline.WorkOrder) { wo.OwnerID, wo.Phone = "ann", "13800000001" })
	b := newWorkOrder(t, st, 2, time.Minute, 5*time.Minute, func(wo *gridline.WorkOrder) {
		wo.OwnerID, wo.HandlerID, wo.Type, wo.Address = "ann", "bob", gridline.WorkOrderComplaint, "建国路 100% 真"
	})
	cc := newWorkOrder(t, st, 3, 2*time.Minute, 48*time.Hour, func(wo *gridline.WorkOrder) {
		wo.OwnerID, wo.CustomerID, wo.Description = "bob", "cu-9", "my meter spins_fast"
	})
	d := newWorkOrder(t, st, 4, 3*time.Minute, time.Minute, func(wo *gridline.WorkOrder) {
		wo.OwnerID, wo.Status, wo.MasterID = "cat", gridline.WorkOrderClosed, a.ID
		closed := wo.CreatedAt
		wo.ClosedAt = &closed
	})
	overdueAt := woBase.Add(time.Hour)
	for _, tt := range []struct {
		name string
		f    gridline.WorkOrderFilter
		want []*gridline.WorkOrder
	}{
		{"all, newest first", gridline.WorkOrderFilter{}, []*gridline.WorkOrder{d, cc, b, a}},
		{"status", gridline.WorkOrderFilter{Status: gridline.WorkOrderClosed}, []*gridline.WorkOrder{d}},
		{"open", gridline.WorkOrderFilter{Open: true}, []*gridline.WorkOrder{cc, b, a}},
		{"type", gridline.WorkOrderFilter{Type: gridline.WorkOrderComplaint}, []*gridline.WorkOrder{b}},
		{"owner", gridline.WorkOrderFilter{OwnerID: "ann"}, []*gridline.WorkOrder{b, a}},
		{"visible to an owner or handler", gridline.WorkOrderFilter{VisibleTo: "bob"}, []*gridline.WorkOrder{cc, b}},
		{"customer", gridline.WorkOrderFilter{CustomerID: "cu-9"}, []*gridline.WorkOrder{cc}},
		{"incident children", gridline.WorkOrderFilter{MasterID: a.ID}, []*gridline.WorkOrder{d}},
		{"overdue, most overdue first, closed never", gridline.WorkOrderFilter{OverdueAt: &overdueAt}, []*gridline.WorkOrder{b, a}},
		{"q number", gridline.WorkOrderFilter{Query: cc.Number}, []*gridline.WorkOrder{cc}},
		{"q phone", gridline.WorkOrderFilter{Query: "13800000001"}, []*gridline.WorkOrder{a}},
		{"q address with a literal %", gridline.WorkOrderFilter{Query: "100%"}, []*gridline.WorkOrder{b}},
		{"q description with a literal _", gridline.WorkOrderFilter{Query: "spins_fast"}, []*gridline.WorkOrder{cc}},
		{"q _ is no wildcard", gridline.WorkOrderFilter{Query: "spins_f_st"}, nil},
		{"limit", gridline.WorkOrderFilter{Limit: 2}, []*gridline.WorkOrder{d, cc}},
		{"before", gridline.WorkOrderFilter{Before: &cc.CreatedAt}, []*gridline.WorkOrder{b, a}},
	} {
		got, err := st.ListWorkOrders(c, tt.f)
		must(t, err)
		if !slices.Equal(woNumbers(got), woNumbers(tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, woNumbers(got), woNumbers(tt.want))
		}
	}
	got, err := st.ListWorkOrders(c, gridline.WorkOrderFilter{OwnerID: "bob"})
	must(t, err)
	if len(got) != 1 || len(got[0].Deadlines) != 1 || len(got[0].Timeline) != 0 {
		t.Errorf("a listed order has its deadlines and no timeline: %+v", got)
	}
	// Open orders nobody owns yet are every agent's to see; closed ones are not.
	pool := newWorkOrder(t, st, 5, 4*time.Minute, time.Hour, func(wo *gridline.WorkOrder) { wo.ConversationID = "conv-5" })
	newWorkOrder(t, st, 6, 5*time.Minute, time.Hour, func(wo *gridline.WorkOrder) {
		wo.Status = gridline.WorkOrderClosed
		closed := wo.CreatedAt
		wo.ClosedAt = &closed
	})
	got, err = st.ListWorkOrders(c, gridline.WorkOrderFilter{VisibleTo: "bob"})
	must(t, err)
	if !slices.Equal(woNumbers(got), woNumbers([]*gridline.WorkOrder{pool, cc, b})) {
		t.Errorf("visible to bob with an unowned order: %v", woNumbers(got))
	}
	got, err = st.ListWorkOrders(c, gridline.WorkOrderFilter{ConversationID: "conv-5"})
	must(t, err)
	if !slices.Equal(woNumbers(got), woNumbers([]*gridline.WorkOrder{pool})) {
		t.Errorf("by conversation: %v", woNumbers(got))
	}
}

// testWorkOrderUpdate: an update wins only against the version it read; the
// timeline grows; the sweep's marks outlive an update unless the due time moves.
func testWorkOrderUpdate(t *testing.T, st gridline.Store) {
	c := ctx(t)
	wo := newWorkOrder(t, st, 1, 0, 45*time.Minute, nil)
	won, err := st.MarkDeadline(c, wo.ID, gridline.DeadlineOnSite, wo.Deadlines[0].DueAt, gridline.MarkWarned)
	must(t, err)
	if !won {
		t.Fatal("first warning mark did not win")
	}

	first, err := st.WorkOrder(c, wo.ID)
	must(t, err)
	second, err := st.WorkOrder(c, wo.ID)
	must(t, err)

	first.Status, first.HandlerID, first.Department = gridline.WorkOrderDispatched, "crew", "crew 3"
	first.UpdatedAt = woBase.Add(time.Minute)
	first.Deadlines = append(first.Deadlines, gridline.Deadline{Kind: gridline.DeadlineContact, StartAt: woBase,
		WarnAt: woBase.Add(time.Hour), DueAt: woBase.Add(2 * time.Hour)})
	must(t, st.UpdateWorkOrder(c, first, 1, gridline.TimelineEntry{At: first.UpdatedAt, By: "agent-1", Action: "dispatch",
		Status: gridline.WorkOrderDispatched, Note: "crew 3"}))
	if first.Version != 2 {
		t.Errorf("version after update = %d, want 2", first.Version)
	}
	if d := first.Deadline(gridline.DeadlineOnSite); d == nil || !d.Warned {
		t.Errorf("the sweep's warning mark was lost by an update: %+v", first.Deadlines)
	}

	second.Status = gridline.WorkOrderHandled
	wantCode(t, st.UpdateWorkOrder(c, second, 1, gridline.TimelineEntry{At: woBase, By: "agent-2", Action: "handle"}), gridline.ECONFLICT)
	missing := *first
	missing.ID = "missing"
	wantCode(t, st.UpdateWorkOrder(c, &missing, 2), gridline.ENOTFOUND)

	got, err := st.WorkOrder(c, wo.ID)
	must(t, err)
	if got.Status != gridline.WorkOrderDispatched || got.Department != "crew 3" || got.Version != 2 || len(got.Timeline) != 2 ||
		got.Timeline[1].Action != "dispatch" || got.Timeline[1].Note != "crew 3" || len(got.Deadlines) != 2 {
		t.Fatalf("after one winning and one losing update: %+v", got)
	}

	// Meeting one deadline, moving the other: the moved one starts unwarned;
	// dropping one deletes it.
	met := woBase.Add(30 * time.Minute)
	got.Deadline(gridline.DeadlineOnSite).MetAt = &met
	got.Deadline(gridline.DeadlineContact).DueAt = woBase.Add(3 * time.Hour)
	_, err = st.MarkDeadline(c, wo.ID, gridline.DeadlineContact, woBase.Add(2*time.Hour), gridline.MarkBreached)
	must(t, err)
	must(t, st.UpdateWorkOrder(c, got, 2))
	if d := got.Deadline(gridline.DeadlineContact); d == nil || d.Warned || d.Breached || !d.DueAt.Equal(woBase.Add(3*time.Hour)) {
		t.Errorf("a moved deadline kept its old marks: %+v", d)
	}
	if d := got.Deadline(gridline.DeadlineOnSite); d == nil || d.MetAt == nil || !d.MetAt.Equal(met) || !d.Warned {
		t.Errorf("met deadline = %+v", d)
	}
	got.Deadlines = got.Deadlines[:0]
	must(t, st.UpdateWorkOrder(c, got, 3))
	if got, _ := st.WorkOrder(c, wo.ID); len(got.Deadlines) != 0 {
		t.Errorf("dropped deadlines are still stored: %+v", got.Deadlines)
	}
}

// testWorkOrderDeadlineMarks: the due query finds deadlines past their warning
// point or due time; of many markers one wins; marked, met and closed orders'
// deadlines are not due again.
func testWorkOrderDeadlineMarks(t *testing.T, st gridline.Store) {
	c := ctx(t)
	late := newWorkOrder(t, st, 1, 0, 10*time.Minute, func(wo *gridline.WorkOrder) { wo.OwnerID, wo.HandlerID = "ann", "bob" })
	warn := newWorkOrder(t, st, 2, 0, 100*time.Minute, nil)
	newWorkOrder(t, st, 3, 0, 10*time.Hour, nil) // not yet
	newWorkOrder(t, st, 4, 0, time.Minute, func(wo *gridline.WorkOrder) {
		met := woBase
		wo.Deadlines[0].MetAt = &met
	})
	newWorkOrder(t, st, 5, 0, time.Minute, func(wo *gridline.WorkOrder) { wo.Status = gridline.WorkOrderClosed })
	now := woBase.Add(90 * time.Minute)

	due, err := st.DueDeadlines(c, now, 100)
	must(t, err)
	if len(due) != 2 || due[0].OrderID != late.ID || due[1].OrderID != warn.ID {
		t.Fatalf("due deadlines %+v, want the late then the warned order", due)
	}
	if d := due[0]; d.Number != late.Number || d.OwnerID != "ann" || d.HandlerID != "bob" || d.Kind != gridline.DeadlineOnSite ||
		!d.DueAt.Equal(woBase.Add(10*time.Minute)) || d.Warned || d.Breached {
		t.Errorf("due deadline = %+v", d)
	}

	wins := make(chan bool, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			won, err := st.MarkDeadline(c, late.ID, gridline.DeadlineOnSite, due[0].DueAt, gridline.MarkBreached)
			if err != nil {
				t.Error(err)
			}
			wins <- won
		})
	}
	wg.Wait()
	close(wins)
	n := 0
	for won := range wins {
		if won {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of 10 concurrent breach marks won, want exactly 1", n)
	}
	won, err := st.MarkDeadline(c, late.ID, gridline.DeadlineOnSite, due[0].DueAt, gridline.MarkWarned)
	must(t, err)
	if won {
		t.Error("a breached deadline was warned after")
	}
	won, err = st.MarkDeadline(c, warn.ID, gridline.DeadlineOnSite, woBase, gridline.MarkWarned)
	must(t, err)
	if won {
		t.Error("a mark for another due time won")
	}
	won, err = st.MarkDeadline(c, warn.ID, gridline.DeadlineOnSite, due[1].DueAt, gridline.MarkWarned)
	must(t, err)
	if !won {
		t.Error("the warning mark did not win")
	}
	due, err = st.DueDeadlines(c, now, 100)
	must(t, err)
	if len(due) != 0 {
		t.Errorf("marked deadlines are due again: %+v", due)
	}
	// Past due, the warned one is due again, as a breach.
	due, err = st.DueDeadlines(c, woBase.Add(101*time.Minute), 100)
	must(t, err)
	if len(due) != 1 || due[0].OrderID != warn.ID || !due[0].Warned {
		t.Errorf("due after the warning's due time: %+v", due)
	}
	_, err = st.MarkDeadline(c, warn.ID, gridline.DeadlineOnSite, due[0].DueAt, "late")
	wantCode(t, err, gridline.EINVALID)
}

func testWorkOrderIncident(t *testing.T, st gridline.Store) {
	c := ctx(t)
	key := func(k string) func(*gridline.WorkOrder) { return func(wo *gridline.WorkOrder) { wo.IncidentKey = k } }
	newWorkOrder(t, st, 1, 0, time.Hour, key("addr:old")) // outside the window below
	first := newWorkOrder(t, st, 2, time.Hour, time.Hour, key("addr:a"))
	newWorkOrder(t, st, 3, 2*time.Hour, time.Hour, func(wo *gridline.WorkOrder) { wo.IncidentKey, wo.MasterID = "addr:a", first.ID })
	newWorkOrder(t, st, 4, 2*time.Hour, time.Hour, func(wo *gridline.WorkOrder) {
		wo.IncidentKey, wo.Type = "addr:b", gridline.WorkOrderComplaint
	})
	since := woBase.Add(30 * time.Minute)
	m, err := st.IncidentMaster(c, "addr:a", since)
	must(t, err)
	if m.ID != first.ID {
		t.Errorf("IncidentMaster = %s, want %s", m.Number, first.Number)
	}
	for _, k := range []string{"addr:old", "addr:b", "addr:none"} {
		_, err = st.IncidentMaster(c, k, since)
		wantCode(t, err, gridline.ENOTFOUND)
	}
}
