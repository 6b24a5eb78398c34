package workorder

import (
	"slices"
	"time"

	"github.com/gridline/gridline"
)

// metBy names the actions that keep each kind of promise. It is fixed, not
// policy: what "on site" means does not change with the deadline's length.
var metBy = map[string][]string{
	gridline.DeadlineOnSite:    {ActionArrive},
	gridline.DeadlineRestore:   {ActionHandle},
	gridline.DeadlineReconnect: {ActionHandle},
	gridline.DeadlineContact:   {ActionContact, ActionHandle},
	gridline.DeadlineAnswer:    {ActionHandle},
}

// NewDeadline is the deadline of rule r for an order of the given area and
// supply class whose clock starts at start. It warns at 80 % of its time.
func NewDeadline(cal *Calendar, r DeadlineRule, area, supply string, start time.Time) gridline.Deadline {
	due := cal.Add(start, r.SpanFor(area, supply))
	return gridline.Deadline{Kind: r.Kind, StartAt: start, WarnAt: start.Add(due.Sub(start) * 8 / 10), DueAt: due}
}

// startClocks sets the deadlines of tp whose clock starts at from, started at
// at, replacing any of the same kind.
func startClocks(cal *Calendar, tp TypePolicy, wo *gridline.WorkOrder, from string, at time.Time) {
	for _, r := range tp.Deadlines {
		if r.From == from {
			setDeadline(wo, NewDeadline(cal, r, wo.AreaClass, wo.Supply, at))
		}
	}
}

func setDeadline(wo *gridline.WorkOrder, d gridline.Deadline) {
	if old := wo.Deadline(d.Kind); old != nil {
		*old = d
		return
	}
	wo.Deadlines = append(wo.Deadlines, d)
}

// meet marks the pending deadlines that action keeps as met at at.
func meet(wo *gridline.WorkOrder, action string, at time.Time) {
	for i := range wo.Deadlines {
		d := &wo.Deadlines[i]
		if d.MetAt == nil && slices.Contains(metBy[d.Kind], action) {
			t := at
			d.MetAt = &t
		}
	}
}

// restartedOnReopen are the promises a reopened order makes again: it must be
// handled again, but the crew did come and the customer was contacted.
var restartedOnReopen = []string{gridline.DeadlineRestore, gridline.DeadlineReconnect, gridline.DeadlineAnswer}

// restartClocks runs the promises of restartedOnReopen again from at: answer
// and reconnection clocks restart, and the restore clock waits for the crew's
// next arrival.
func restartClocks(cal *Calendar, tp TypePolicy, wo *gridline.WorkOrder, at time.Time) {
	for _, r := range tp.Deadlines {
		if !slices.Contains(restartedOnReopen, r.Kind) {
			continue
		}
		if r.From == FromArrival {
			wo.Deadlines = slices.DeleteFunc(wo.Deadlines, func(d gridline.Deadline) bool { return d.Kind == r.Kind })
			continue
		}
		setDeadline(wo, NewDeadline(cal, r, wo.AreaClass, wo.Supply, at))
	}
}
