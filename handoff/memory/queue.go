package memory

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// Queue holds waiting conversations in this process, one sorted slice per skill,
// with agents' loads beside them under one mutex: a claim checks the load, takes
// the ticket and counts it in one critical section, so no ticket goes to two
// agents. It forgets everything on restart (the desk re-enqueues from the store).
// Switch to handoff/redis.Queue when more than one replica takes claims.
type Queue struct {
	mu      sync.Mutex
	tickets map[string]handoff.Ticket   // by conversation id
	skills  map[string][]handoff.Ticket // per skill, in serving order
	loads   map[string]int              // per agent
}

var _ handoff.Queue = (*Queue)(nil)

// NewQueue returns an empty queue.
func NewQueue() *Queue {
	return &Queue{
		tickets: make(map[string]handoff.Ticket),
		skills:  make(map[string][]handoff.Ticket),
		loads:   make(map[string]int),
	}
}

// Enqueue adds t, or moves it if the conversation is already queued.
func (q *Queue) Enqueue(ctx context.Context, t handoff.Ticket) error {
	if err := handoff.ValidTicket(t); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeLocked(t.ConversationID)
	list := q.skills[t.Skill]
	i := sort.Search(len(list), func(i int) bool { return !handoff.ServesBefore(list[i], t) })
	q.skills[t.Skill] = slices.Insert(list, i, t)
	q.tickets[t.ConversationID] = t
	return nil
}

// Remove takes the conversation out of its queue, if it is queued.
func (q *Queue) Remove(ctx context.Context, conversationID string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeLocked(conversationID)
	return nil
}

// removeLocked deletes a ticket from both indexes and returns it.
func (q *Queue) removeLocked(id string) (handoff.Ticket, bool) {
	t, ok := q.tickets[id]
	if !ok {
		return t, false
	}
	delete(q.tickets, id)
	list := q.skills[t.Skill]
	if i := q.indexLocked(t); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(q.skills, t.Skill)
	} else {
		q.skills[t.Skill] = list
	}
	return t, true
}

// indexLocked finds t in its skill's slice by binary search on the serving order.
func (q *Queue) indexLocked(t handoff.Ticket) int {
	list := q.skills[t.Skill]
	i := sort.Search(len(list), func(i int) bool { return !handoff.ServesBefore(list[i], t) })
	if i < len(list) && list[i].ConversationID == t.ConversationID {
		return i
	}
	return -1
}

// Position returns the 1-based place of the conversation in its skill's queue.
func (q *Queue) Position(ctx context.Context, conversationID string) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ok := q.tickets[conversationID]
	if !ok {
		return 0, gridline.Errorf(gridline.ENOTFOUND, "conversation %s is not queued", conversationID)
	}
	return q.indexLocked(t) + 1, nil
}

// List returns copies of the tickets of one skill, or of all skills, in serving order.
func (q *Queue) List(ctx context.Context, skill string) ([]handoff.Ticket, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if skill != "" {
		return slices.Clone(q.skills[skill]), nil
	}
	all := make([]handoff.Ticket, 0, len(q.tickets))
	for _, t := range q.tickets {
		all = append(all, t)
	}
	slices.SortFunc(all, handoff.CompareServing)
	return all, nil
}

// Claim gives agentID the best ticket across skills, if the agent has room.
func (q *Queue) Claim(ctx context.Context, agentID string, skills []string, capacity int) (*handoff.Ticket, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loads[agentID] >= capacity {
		return nil, gridline.Errorf(gridline.ECONFLICT, "agent %s is at capacity %d", agentID, capacity)
	}
	var best *handoff.Ticket
	for _, skill := range skills {
		list := q.skills[skill]
		if len(list) == 0 {
			continue
		}
		cand := list[0]
		// Within the head's priority, the agent's own ticket comes first.
		for _, t := range list {
			if t.Priority != cand.Priority {
				break
			}
			if t.OwnerID == agentID && agentID != "" {
				cand = t
				break
			}
		}
		if best == nil || handoff.ClaimsBefore(cand, *best, agentID) {
			c := cand
			best = &c
		}
	}
	if best == nil {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "no conversation is waiting for %v", skills)
	}
	q.removeLocked(best.ConversationID)
	q.loads[agentID]++
	return best, nil
}

// ClaimConversation gives agentID one named conversation, if it is still queued
// and the agent has room.
func (q *Queue) ClaimConversation(ctx context.Context, agentID, conversationID string, capacity int) (*handoff.Ticket, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loads[agentID] >= capacity {
		return nil, gridline.Errorf(gridline.ECONFLICT, "agent %s is at capacity %d", agentID, capacity)
	}
	t, ok := q.removeLocked(conversationID)
	if !ok {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "conversation %s is not queued", conversationID)
	}
	q.loads[agentID]++
	return &t, nil
}

// Release takes one from the agent's load, never below zero.
func (q *Queue) Release(ctx context.Context, agentID string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loads[agentID] > 1 {
		q.loads[agentID]--
	} else {
		delete(q.loads, agentID)
	}
	return nil
}

// AddLoad adds one to the agent's load.
func (q *Queue) AddLoad(ctx context.Context, agentID string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.loads[agentID]++
	return nil
}

// Load returns the agent's number of chats.
func (q *Queue) Load(ctx context.Context, agentID string) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.loads[agentID], nil
}

// SetLoad sets the agent's load; negative counts as zero.
func (q *Queue) SetLoad(ctx context.Context, agentID string, n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n <= 0 {
		delete(q.loads, agentID)
	} else {
		q.loads[agentID] = n
	}
	return nil
}
