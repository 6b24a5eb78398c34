package workorder

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

func TestApply(t *testing.T) {
	cal := testCalendar(t)
	p := DefaultPolicy()
	owner := &gridline.User{ID: "owner", Role: gridline.RoleAgent}
	handler := &gridline.User{ID: "handler", Role: gridline.RoleAgent}
	super := &gridline.User{ID: "super", Role: gridline.RoleSupervisor}
	yes, no := true, false
	at := cst(t, "2026-09-28 10:00")
	for _, tt := range []struct {
		name, typ, status string
		actor             Actor
		a                 Action
		want              string // status after, or an error code
	}{
		{"dispatch", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: owner}, Action{Name: ActionDispatch, Department: "crew 3"}, gridline.WorkOrderDispatched},
		{"dispatch needs a destination", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: owner}, Action{Name: ActionDispatch}, gridline.EINVALID},
		{"re-dispatch", gridline.WorkOrderRepair, gridline.WorkOrderDispatched, Actor{User: owner}, Action{Name: ActionDispatch, Note: "crew 4"}, gridline.WorkOrderDispatched},
		{"arrive", gridline.WorkOrderRepair, gridline.WorkOrderDispatched, Actor{User: handler}, Action{Name: ActionArrive}, gridline.WorkOrderOnSite},
		{"arrive before dispatch", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: handler}, Action{Name: ActionArrive}, gridline.ECONFLICT},
		{"no on-site step for complaints", gridline.WorkOrderComplaint, gridline.WorkOrderDispatched, Actor{User: handler}, Action{Name: ActionArrive}, gridline.ECONFLICT},
		{"repair handled only on site", gridline.WorkOrderRepair, gridline.WorkOrderDispatched, Actor{User: handler}, Action{Name: ActionHandle}, gridline.ECONFLICT},
		{"repair handled on site", gridline.WorkOrderRepair, gridline.WorkOrderOnSite, Actor{User: handler}, Action{Name: ActionHandle}, gridline.WorkOrderHandled},
		{"consultation answered at once", gridline.WorkOrderConsultation, gridline.WorkOrderAccepted, Actor{User: owner}, Action{Name: ActionHandle}, gridline.WorkOrderHandled},
		{"satisfied", gridline.WorkOrderRepair, gridline.WorkOrderHandled, Actor{User: owner}, Action{Name: ActionFollowUp, Satisfied: &yes}, gridline.WorkOrderFollowedUp},
		{"dissatisfied reopens", gridline.WorkOrderRepair, gridline.WorkOrderHandled, Actor{User: owner}, Action{Name: ActionFollowUp, Satisfied: &no}, gridline.WorkOrderAccepted},
		{"not reached once", gridline.WorkOrderRepair, gridline.WorkOrderHandled, Actor{User: owner}, Action{Name: ActionFollowUp}, gridline.WorkOrderHandled},
		{"follow-up before handling", gridline.WorkOrderRepair, gridline.WorkOrderOnSite, Actor{User: owner}, Action{Name: ActionFollowUp, Satisfied: &yes}, gridline.ECONFLICT},
		{"close after follow-up", gridline.WorkOrderRepair, gridline.WorkOrderFollowedUp, Actor{User: owner}, Action{Name: ActionClose}, gridline.WorkOrderClosed},
		{"close before follow-up", gridline.WorkOrderRepair, gridline.WorkOrderHandled, Actor{User: owner}, Action{Name: ActionClose}, gridline.ECONFLICT},
		{"praise needs no follow-up", gridline.WorkOrderPraise, gridline.WorkOrderHandled, Actor{User: owner}, Action{Name: ActionClose}, gridline.WorkOrderClosed},
		{"the handler may not close", gridline.WorkOrderRepair, gridline.WorkOrderFollowedUp, Actor{User: handler}, Action{Name: ActionClose}, gridline.EFORBIDDEN},
		{"a supervisor may close", gridline.WorkOrderRepair, gridline.WorkOrderFollowedUp, Actor{User: super}, Action{Name: ActionClose}, gridline.WorkOrderClosed},
		{"nothing happens to a closed order", gridline.WorkOrderRepair, gridline.WorkOrderClosed, Actor{User: owner}, Action{Name: ActionDispatch, Note: "x"}, gridline.ECONFLICT},
		{"reopen a closed order", gridline.WorkOrderRepair, gridline.WorkOrderClosed, Actor{User: super}, Action{Name: ActionReopen}, gridline.WorkOrderAccepted},
		{"reopen an accepted order", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: owner}, Action{Name: ActionReopen}, gridline.ECONFLICT},
		{"customer reminder", gridline.WorkOrderRepair, gridline.WorkOrderDispatched, Actor{CustomerID: "cu"}, Action{Name: ActionRemind}, gridline.WorkOrderDispatched},
		{"someone else's reminder", gridline.WorkOrderRepair, gridline.WorkOrderDispatched, Actor{CustomerID: "other"}, Action{Name: ActionRemind}, gridline.ENOTFOUND},
		{"customers only remind", gridline.WorkOrderRepair, gridline.WorkOrderHandled, Actor{CustomerID: "cu"}, Action{Name: ActionClose}, gridline.EFORBIDDEN},
		{"cascade only from the system", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: super}, Action{Name: ActionHandle, Cascade: true}, gridline.EFORBIDDEN},
		{"the master's handling reaches a child wherever it is", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{System: true}, Action{Name: ActionHandle, Cascade: true}, gridline.WorkOrderHandled},
		{"the master's close closes a child", gridline.WorkOrderRepair, gridline.WorkOrderHandled, Actor{System: true}, Action{Name: ActionClose, Cascade: true, FollowUp: gridline.FollowUpSatisfied}, gridline.WorkOrderClosed},
		{"split outside an incident", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: owner}, Action{Name: ActionSplit}, gridline.ECONFLICT},
		{"unknown action", gridline.WorkOrderRepair, gridline.WorkOrderAccepted, Actor{User: owner}, Action{Name: "teleport"}, gridline.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wo := &gridline.WorkOrder{ID: "wo", Number: "GD20260928-000001", Type: tt.typ, Status: tt.status, OwnerID: "owner",
				HandlerID: "handler", CustomerID: "cu", AreaClass: gridline.AreaUrban, CreatedAt: at.Add(-time.Hour)}
			before := *wo
			entry, err := Apply(p, cal, wo, tt.actor, tt.a, at)
			if err != nil {
				if code := gridline.ErrorCode(err); code != tt.want {
					t.Fatalf("error %v, want %s", err, tt.want)
				}
				if wo.Status != before.Status || wo.Version != before.Version || wo.Reminders != before.Reminders {
					t.Errorf("a refused action changed the order: %+v", wo)
				}
				return
			}
			if wo.Status != tt.want || entry.Status != tt.want || entry.Action != tt.a.Name || !entry.At.Equal(at) {
				t.Errorf("status %s, entry %+v; want %s", wo.Status, entry, tt.want)
			}
		})
	}
}

// TestFollowUpAndReminders: three unanswered calls close the follow-up as
// unreachable; a dissatisfied one reopens to the owner with the answer clock
// restarted; a customer reminds once an hour, each reminder counted.
func TestFollowUpAndReminders(t *testing.T) {
	cal := testCalendar(t)
	p := DefaultPolicy()
	owner := Actor{User: &gridline.User{ID: "owner", Role: gridline.RoleAgent}}
	at := cst(t, "2026-09-28 10:00")
	wo := &gridline.WorkOrder{Number: "GD1", Type: gridline.WorkOrderComplaint, Status: gridline.WorkOrderHandled,
		OwnerID: "owner", HandlerID: "crew", CustomerID: "cu", AreaClass: gridline.AreaUrban}
	startClocks(cal, p.For(wo.Type, ""), wo, FromAccepted, at.Add(-24*time.Hour))
	meet(wo, ActionHandle, at)
	for i := 1; i <= 3; i++ {
		if _, err := Apply(p, cal, wo, owner, Action{Name: ActionFollowUp}, at); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: gridline.WorkOrderFollowedUp, false: gridline.WorkOrderHandled}[i == 3]; wo.Status != want {
			t.Fatalf("after %d unanswered calls: %s, want %s", i, wo.Status, want)
		}
	}
	if wo.FollowUp != gridline.FollowUpUnreachable {
		t.Errorf("follow-up = %q", wo.FollowUp)
	}

	wo.Status = gridline.WorkOrderHandled
	no := false
	later := at.Add(2 * time.Hour)
	if _, err := Apply(p, cal, wo, owner, Action{Name: ActionFollowUp, Satisfied: &no}, later); err != nil {
		t.Fatal(err)
	}
	ans := wo.Deadline(gridline.DeadlineAnswer)
	if wo.Status != gridline.WorkOrderAccepted || wo.Reopened != 1 || wo.HandlerID != "owner" || ans.MetAt != nil ||
		!ans.StartAt.Equal(later) || wo.Deadline(gridline.DeadlineContact).MetAt == nil {
		t.Errorf("after a dissatisfied follow-up: %+v", wo)
	}

	cust := Actor{CustomerID: "cu"}
	if _, err := Apply(p, cal, wo, cust, Action{Name: ActionRemind}, at); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(p, cal, wo, cust, Action{Name: ActionRemind}, at.Add(59*time.Minute))
	if gridline.ErrorCode(err) != gridline.ERATELIMITED {
		t.Errorf("a second reminder within the hour: %v", err)
	}
	if _, err := Apply(p, cal, wo, owner, Action{Name: ActionRemind}, at.Add(59*time.Minute)); err != nil {
		t.Errorf("staff reminders are not capped: %v", err)
	}
	if _, err := Apply(p, cal, wo, cust, Action{Name: ActionRemind}, at.Add(time.Hour)); err != nil {
		t.Errorf("a reminder an hour later: %v", err)
	}
	if wo.Reminders != 3 || !wo.Urgent {
		t.Errorf("reminders %d, urgent %v", wo.Reminders, wo.Urgent)
	}
}

func TestIncidentKey(t *testing.T) {
	for _, tt := range []struct{ zone, address, want string }{
		{"T-0451", "anything", "zone:T-0451"},
		{"", "北京市朝阳区建国路88号院3号楼", "addr:北京市朝阳区建国路88号"},
		{"", "北京市 朝阳区，建国路88号院5号楼", "addr:北京市朝阳区建国路88号"},
		{"", "12 Elm St, Springfield", "addr:12elmstsprin"},
		{"", "朝阳区", ""},
	} {
		if got := IncidentKey(tt.zone, tt.address, 12); got != tt.want {
			t.Errorf("IncidentKey(%q, %q) = %q, want %q", tt.zone, tt.address, got, tt.want)
		}
	}
}
