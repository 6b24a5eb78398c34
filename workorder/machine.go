package workorder

import (
	"slices"
	"time"

	"github.com/gridline/gridline"
)

// Actions on an order: the names of POST /api/v1/workorders/:id/events and of
// its timeline entries.
const (
	ActionCreate   = "create"
	ActionDispatch = "dispatch"  // to a crew or department (or a user), with a note
	ActionArrive   = "arrive"    // the crew is on site (types with an on-site step)
	ActionHandle   = "handle"    // the matter is dealt with; the note is the result
	ActionFollowUp = "follow_up" // the follow-up call (回访): satisfied, dissatisfied or not reached
	ActionClose    = "close"
	ActionReopen   = "reopen"
	ActionRemind   = "remind"  // 催办
	ActionContact  = "contact" // the customer was called back (keeps the contact promise)
	ActionMerge    = "merge"   // under an incident's master order
	ActionSplit    = "split"   // out of its incident
)

// Actions lists the actions a caller may send, in the order a console offers them.
var Actions = []string{ActionDispatch, ActionArrive, ActionHandle, ActionFollowUp, ActionClose, ActionReopen,
	ActionRemind, ActionContact, ActionMerge, ActionSplit}

// ReminderInterval is how often a customer may remind about one order.
const ReminderInterval = time.Hour

// Actor is who acts on an order: a member of staff, a customer through the
// widget, or Gridline itself (the bot, or an incident's master passing a change
// to its children).
type Actor struct {
	User       *gridline.User
	CustomerID string
	System     bool
}

// id is how the actor is written in the timeline.
func (a Actor) id() string {
	switch {
	case a.User != nil:
		return a.User.ID
	case a.CustomerID != "":
		return "customer"
	}
	return "system"
}

// Action is one step someone takes on an order.
type Action struct {
	Name string
	Note string
	// Satisfied is the follow-up's answer; nil means the customer was not reached.
	Satisfied *bool
	// HandlerID and Department say who an order is dispatched to.
	HandlerID, Department string
	// MasterID is the incident's master order (merge); the service checks it.
	MasterID string
	// Cascade marks a change the incident's master passes to a child: the child
	// follows the master's status from wherever it stands. FollowUp is then the
	// master's follow-up result, inherited by a child that has none.
	Cascade  bool
	FollowUp string
}

// Apply takes action a by actor at time at on wo under the policy and calendar,
// and returns the timeline entry to append. On error wo is unchanged. Errors:
// ECONFLICT naming the current status when the status does not allow the
// action; EFORBIDDEN when the actor may not take it; ERATELIMITED for a
// customer's second reminder within the hour; EINVALID for a missing argument.
func Apply(p *Policy, cal *Calendar, wo *gridline.WorkOrder, actor Actor, a Action, at time.Time) (gridline.TimelineEntry, error) {
	next := *wo
	next.Deadlines = slices.Clone(wo.Deadlines)
	tp := p.For(wo.Type, wo.Subtype)
	note := a.Note
	illegal := func() error {
		return gridline.Errorf(gridline.ECONFLICT, "work order %s is %s; it cannot take %q now", wo.Number, wo.Status, a.Name)
	}
	if a.Cascade && !actor.System {
		return gridline.TimelineEntry{}, gridline.Errorf(gridline.EFORBIDDEN, "only an incident's master passes changes on")
	}
	if actor.User == nil && !actor.System && a.Name != ActionRemind {
		return gridline.TimelineEntry{}, gridline.Errorf(gridline.EFORBIDDEN, "customers may only send reminders")
	}
	if !wo.Open() && a.Name != ActionReopen {
		return gridline.TimelineEntry{}, illegal()
	}
	is := func(statuses ...string) bool { return a.Cascade || slices.Contains(statuses, wo.Status) }

	switch a.Name {
	case ActionDispatch:
		if !is(gridline.WorkOrderAccepted, gridline.WorkOrderDispatched) {
			return gridline.TimelineEntry{}, illegal()
		}
		if a.HandlerID == "" && a.Department == "" && a.Note == "" && !a.Cascade {
			return gridline.TimelineEntry{}, &gridline.Error{Code: gridline.EINVALID, Message: "say where the order goes",
				Fields: map[string]string{"department": "a department, a handler or a note is required"}}
		}
		if a.HandlerID != "" {
			next.HandlerID = a.HandlerID
		}
		if a.Department != "" {
			next.Department = a.Department
		}
		next.Status = gridline.WorkOrderDispatched
	case ActionArrive:
		if !tp.OnSite || !is(gridline.WorkOrderDispatched) {
			return gridline.TimelineEntry{}, illegal()
		}
		next.Status = gridline.WorkOrderOnSite
		startClocks(cal, tp, &next, FromArrival, at)
	case ActionHandle:
		if tp.OnSite && !is(gridline.WorkOrderOnSite) ||
			!tp.OnSite && !is(gridline.WorkOrderAccepted, gridline.WorkOrderDispatched) {
			return gridline.TimelineEntry{}, illegal()
		}
		next.Status = gridline.WorkOrderHandled
		next.FollowUpTries, next.FollowUp = 0, ""
	case ActionFollowUp:
		if wo.Status != gridline.WorkOrderHandled {
			return gridline.TimelineEntry{}, illegal()
		}
		switch {
		case a.Satisfied == nil:
			next.FollowUpTries++
			if next.FollowUpTries < p.followUpTries() {
				note = joinNote("not reached", a.Note)
				break
			}
			next.FollowUp, next.Status = gridline.FollowUpUnreachable, gridline.WorkOrderFollowedUp
			note = joinNote("not reached after the last try", a.Note)
		case *a.Satisfied:
			next.FollowUp, next.Status = gridline.FollowUpSatisfied, gridline.WorkOrderFollowedUp
			note = joinNote(gridline.FollowUpSatisfied, a.Note)
		default:
			// Dissatisfied: back to its owner, counted, its handling promises restarted.
			next.FollowUp = gridline.FollowUpDissatisfied
			reopen(cal, tp, &next, at)
			note = joinNote(gridline.FollowUpDissatisfied+"; reopened", a.Note)
		}
	case ActionClose:
		if !actor.System && !gridline.MayCloseWorkOrder(actor.User, wo) {
			return gridline.TimelineEntry{}, gridline.Errorf(gridline.EFORBIDDEN, "only the order's owner or a supervisor may close it")
		}
		switch {
		case a.Cascade:
			if next.FollowUp == "" {
				next.FollowUp = a.FollowUp
			}
		case wo.Status == gridline.WorkOrderFollowedUp:
		case wo.Status == gridline.WorkOrderHandled && !tp.FollowUp:
		default:
			return gridline.TimelineEntry{}, illegal()
		}
		next.Status = gridline.WorkOrderClosed
		t := at
		next.ClosedAt = &t
	case ActionReopen:
		if !actor.System && !gridline.MayCloseWorkOrder(actor.User, wo) {
			return gridline.TimelineEntry{}, gridline.Errorf(gridline.EFORBIDDEN, "only the order's owner or a supervisor may reopen it")
		}
		if !slices.Contains([]string{gridline.WorkOrderHandled, gridline.WorkOrderFollowedUp, gridline.WorkOrderClosed}, wo.Status) {
			return gridline.TimelineEntry{}, illegal()
		}
		reopen(cal, tp, &next, at)
		next.ClosedAt = nil
	case ActionRemind:
		if actor.User == nil && !actor.System {
			if actor.CustomerID == "" || actor.CustomerID != wo.CustomerID {
				return gridline.TimelineEntry{}, gridline.Errorf(gridline.ENOTFOUND, "work order %q not found", wo.ID)
			}
			if last := wo.CustomerRemindedAt; last != nil && at.Sub(*last) < ReminderInterval {
				return gridline.TimelineEntry{}, gridline.Errorf(gridline.ERATELIMITED,
					"you reminded us about %s at %s; you may remind again after %s", wo.Number,
					last.In(cal.Location()).Format("15:04"), last.Add(ReminderInterval).In(cal.Location()).Format("15:04"))
			}
			t := at
			next.CustomerRemindedAt = &t
		}
		next.Reminders++
		next.Urgent = true
	case ActionContact:
	case ActionMerge:
		if a.MasterID == "" || a.MasterID == wo.ID {
			return gridline.TimelineEntry{}, &gridline.Error{Code: gridline.EINVALID, Message: "name the master order",
				Fields: map[string]string{"master_id": "is required and must be another order"}}
		}
		next.MasterID = a.MasterID
	case ActionSplit:
		if wo.MasterID == "" {
			return gridline.TimelineEntry{}, gridline.Errorf(gridline.ECONFLICT, "work order %s is in no incident", wo.Number)
		}
		next.MasterID = ""
	default:
		return gridline.TimelineEntry{}, &gridline.Error{Code: gridline.EINVALID, Message: "unknown action",
			Fields: map[string]string{"action": "is not a work-order action"}}
	}
	meet(&next, a.Name, at)
	next.UpdatedAt = at
	*wo = next
	return gridline.TimelineEntry{At: at, By: actor.id(), Action: a.Name, Status: next.Status, Note: note}, nil
}

// reopen sends the order back to its owner as accepted, counted, with the
// promises that handling keeps running again.
func reopen(cal *Calendar, tp TypePolicy, wo *gridline.WorkOrder, at time.Time) {
	wo.Status = gridline.WorkOrderAccepted
	wo.Reopened++
	wo.HandlerID = wo.OwnerID
	wo.FollowUpTries = 0
	restartClocks(cal, tp, wo, at)
}

func joinNote(what, note string) string {
	if note == "" {
		return what
	}
	return what + ": " + note
}
