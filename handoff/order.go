package handoff

import (
	"cmp"
	"strings"

	"github.com/gridline/gridline"
)

// MaxPriority bounds a ticket's priority to [-MaxPriority, MaxPriority]. The bound
// lets the Redis queue pack priority and enqueue time into one sorted-set score
// without losing precision; the memory queue enforces the same bound so that both
// behave alike.
const MaxPriority = 99

// ValidTicket returns EINVALID when t cannot be queued: no conversation, no skill,
// or a priority outside the bound. Both queue implementations call it, so a bad
// ticket fails the same way in memory and in Redis.
func ValidTicket(t Ticket) error {
	switch {
	case t.ConversationID == "":
		return gridline.Errorf(gridline.EINVALID, "ticket has no conversation")
	case t.Skill == "":
		return gridline.Errorf(gridline.EINVALID, "ticket %s has no skill", t.ConversationID)
	case t.Priority > MaxPriority || t.Priority < -MaxPriority:
		return gridline.Errorf(gridline.EINVALID, "priority %d is outside ±%d", t.Priority, MaxPriority)
	}
	return nil
}

// CompareServing orders tickets for serving, in the form slices.SortFunc takes:
// higher priority first, then earlier enqueue time at millisecond precision, then
// conversation id. The tie breaks are those of a Redis sorted set (equal scores
// order by member), so the memory and Redis queues agree on every order a test
// can observe.
func CompareServing(a, b Ticket) int {
	if a.Priority != b.Priority {
		return cmp.Compare(b.Priority, a.Priority)
	}
	if c := cmp.Compare(a.EnqueuedAt.UnixMilli(), b.EnqueuedAt.UnixMilli()); c != 0 {
		return c
	}
	return strings.Compare(a.ConversationID, b.ConversationID)
}

// ServesBefore reports whether a is served before b (CompareServing).
func ServesBefore(a, b Ticket) bool { return CompareServing(a, b) < 0 }

// ClaimsBefore is the order in which agentID is offered tickets: higher priority
// first; within equal priority the agent's own tickets (first-inquiry
// responsibility) first; then ServesBefore.
func ClaimsBefore(a, b Ticket, agentID string) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	ao, bo := agentID != "" && a.OwnerID == agentID, agentID != "" && b.OwnerID == agentID
	if ao != bo {
		return ao
	}
	return ServesBefore(a, b)
}
