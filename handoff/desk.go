package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// Timings of the desk.
const (
	// PresenceTTL is how long one heartbeat keeps an agent online; consoles beat
	// well inside it (every 10 seconds or so).
	PresenceTTL = 30 * time.Second
	// DefaultGrace is how long a vanished agent keeps their chats (Desk.Grace zero).
	DefaultGrace = 60 * time.Second
	// DefaultReconnectGrace is how long an agent whose last console closed stays
	// present, as away, for a reload or a reconnect (Desk.ReconnectGrace zero).
	DefaultReconnectGrace = 5 * time.Second
	// DefaultAssignEvery is the least time between two chats the desk offers one
	// agent (Desk.AssignEvery zero): about what it takes to read a new customer's
	// matter, so that signing in to a long queue does not bury anyone.
	DefaultAssignEvery = 10 * time.Second
	// SweepInterval is how often Run reaps vanished agents and refreshes the
	// waiting customers' positions (more often when Grace is short; see Run).
	SweepInterval = 5 * time.Second
	// DefaultHandleTime seeds the wait estimate until chats have been resolved.
	DefaultHandleTime = 5 * time.Minute
)

// EventAssigned is published on an agent's topic when a conversation becomes
// theirs (claimed, auto-assigned, transferred to them); Data: gridline.Conversation.
// A conversation leaving an agent is an EventStatus on their topic.
const EventAssigned = "assigned"

// Desk routes conversations between customers and agents: it queues requests for
// a person, assigns them (the owner first, then the least-loaded agent with the
// skill and room), records ownership, transfers and resolves, and gives a
// vanished agent's chats back to the queue. Its state lives in the Store, the
// Queue and Presence, so any number of replicas may run a Desk over shared ones;
// the Queue's atomic claims keep a chat from ever reaching two agents.
//
// Set the exported fields before first use and do not copy a Desk after it.
type Desk struct {
	Store    gridline.Store
	Queue    Queue
	Presence Presence
	Board    gridline.Switchboard
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Grace is how long an agent keeps their chats after their last heartbeat,
	// once no console of theirs beats any more; then the chats return to the
	// queue. The clock is the Presence's, shared by every replica and kept over
	// restarts. Zero means DefaultGrace.
	Grace time.Duration
	// ReconnectGrace is how long an agent whose console closed stays present,
	// as away (offered nothing), before they are gone; a console that reconnects
	// meanwhile beats again. Zero means DefaultReconnectGrace.
	ReconnectGrace time.Duration
	// AssignEvery is the least time between two chats the desk offers one agent
	// on its own (claims and transfers are not held back); the reservations are
	// the Presence's, shared by every replica. Zero means DefaultAssignEvery; a
	// negative value offers as fast as capacity allows.
	AssignEvery time.Duration
	// Logger receives what the desk cannot return (failed publishes, sweep
	// errors); nil means slog.Default().
	Logger *slog.Logger
	// Taken, when set, is told of every conversation an agent took (a claim or
	// an assignment) once it is recorded, with the owner set: the work orders
	// the bot opened in it become that owner's. It must not block for long.
	Taken func(ctx context.Context, conv *gridline.Conversation)

	mu     sync.Mutex
	handle time.Duration // moving average of AssignedAt to ResolvedAt
	seeded bool
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Desk) grace() time.Duration {
	if d.Grace > 0 {
		return d.Grace
	}
	return DefaultGrace
}

func (d *Desk) reconnectGrace() time.Duration {
	if d.ReconnectGrace > 0 {
		return d.ReconnectGrace
	}
	return DefaultReconnectGrace
}

func (d *Desk) assignEvery() time.Duration {
	switch {
	case d.AssignEvery < 0:
		return 0
	case d.AssignEvery == 0:
		return DefaultAssignEvery
	}
	return d.AssignEvery
}

// sweepEvery is SweepInterval, or a twelfth of Grace when that is shorter, so
// that a vanished agent's chats go back well within a twelfth of the grace.
func (d *Desk) sweepEvery() time.Duration {
	return max(min(SweepInterval, d.grace()/12), 10*time.Millisecond)
}

func (d *Desk) log() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// RequestHuman puts a conversation in the queue of skill ("" for general) with
// priority, offering it first to the owner of the customer's earlier matters,
// tells the customer where they stand and the agents that the queue changed,
// then assigns it at once if someone has room. It returns the position and the
// estimated wait, both zero when an agent took it at once. A conversation
// already queued stays at its place unless the priority rises. Returns
// ENOTFOUND, EINVALID (skill, priority), ECONFLICT (already with an agent).
func (d *Desk) RequestHuman(ctx context.Context, conversationID, skill string, priority int) (position, etaSeconds int, err error) {
	if skill == "" {
		skill = gridline.SkillGeneral
	}
	if !slices.Contains(gridline.Skills, skill) {
		return 0, 0, gridline.Errorf(gridline.EINVALID, "unknown skill %q", skill)
	}
	if priority > MaxPriority || priority < -MaxPriority {
		return 0, 0, gridline.Errorf(gridline.EINVALID, "priority %d is outside ±%d", priority, MaxPriority)
	}
	conv, err := d.Store.Conversation(ctx, conversationID)
	if err != nil {
		return 0, 0, err
	}
	if conv.Status == gridline.StatusActive {
		return 0, 0, gridline.Errorf(gridline.ECONFLICT, "conversation is already with an agent")
	}
	now := d.now()
	if conv.Status == gridline.StatusQueued && conv.QueuedAt != nil {
		_, err := d.Queue.Position(ctx, conv.ID)
		if err == nil && priority <= conv.Priority && skill == conv.Skill {
			return d.QueueStatus(ctx, conv.ID) // asked again: nothing changes
		} else if err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
			return 0, 0, err
		}
		priority = max(priority, conv.Priority) // keeps its place unless it rises
	} else {
		conv.QueuedAt = &now
	}
	conv.Status = gridline.StatusQueued
	conv.Skill = skill
	conv.Priority = priority
	conv.Urgent = conv.Urgent || priority >= gridline.PriorityUrgent
	conv.HandlerID = ""
	conv.ResolvedAt = nil
	owner := conv.OwnerID
	if owner == "" {
		if owner, err = d.previousOwner(ctx, conv.CustomerID); err != nil {
			return 0, 0, err
		}
	}
	if err := d.Store.UpdateConversation(ctx, conv); err != nil {
		return 0, 0, err
	}
	t := ticketFor(conv, *conv.QueuedAt, owner)
	if err := d.Queue.Enqueue(ctx, t); err != nil {
		return 0, 0, err
	}
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", t))
	d.refreshPositions(ctx, skill)
	if err := d.AutoAssign(ctx); err != nil {
		d.log().Warn("handoff: auto-assign after a request", "conversation", conv.ID, "err", err)
	}
	position, etaSeconds, err = d.QueueStatus(ctx, conv.ID)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return 0, 0, nil // an agent took it at once
	}
	return position, etaSeconds, err
}

// previousOwner is the owner of the customer's newest owned conversation, "" for
// a customer nobody has served yet (first-inquiry responsibility).
func (d *Desk) previousOwner(ctx context.Context, customerID string) (string, error) {
	if customerID == "" {
		return "", nil
	}
	convs, err := d.Store.ListConversations(ctx, gridline.ConversationFilter{CustomerID: customerID})
	if err != nil {
		return "", err
	}
	for _, c := range convs {
		if c.OwnerID != "" {
			return c.OwnerID, nil
		}
	}
	return "", nil
}

// QueueStatus returns where a waiting conversation stands and the estimated
// wait: the average time an agent spends on a chat, times the position, divided
// by the chats the online agents with the skill can hold at once. Returns
// ENOTFOUND when the conversation is not waiting.
func (d *Desk) QueueStatus(ctx context.Context, conversationID string) (position, etaSeconds int, err error) {
	position, err = d.Queue.Position(ctx, conversationID)
	if err != nil {
		return 0, 0, err
	}
	conv, err := d.Store.Conversation(ctx, conversationID)
	if err != nil {
		return 0, 0, err
	}
	slots, err := d.slots(ctx)
	if err != nil {
		return 0, 0, err
	}
	return position, estimateWait(d.handleTime(ctx), position, slots[conv.Skill]), nil
}

// estimateWait is the wait in whole seconds of the customer at position when
// slots chats are served at once and each takes handle. With nobody online it
// counts one slot: the figure then says how long the queue itself is.
func estimateWait(handle time.Duration, position, slots int) int {
	if position <= 0 {
		return 0
	}
	slots = max(slots, 1)
	return int(math.Ceil(handle.Seconds() * float64(position) / float64(slots)))
}

// slots counts, per skill, the chats online agents can hold at once.
func (d *Desk) slots(ctx context.Context) (map[string]int, error) {
	agents, err := d.Presence.Agents(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int)
	for _, a := range agents {
		if a.Status != AgentOnline {
			continue
		}
		for _, s := range a.Skills {
			out[s] += max(a.Capacity, 1)
		}
	}
	return out, nil
}

// handleTime is the moving average of how long agents keep a chat, seeded from
// the store's recently resolved conversations.
func (d *Desk) handleTime(ctx context.Context) time.Duration {
	d.mu.Lock()
	seeded, h := d.seeded, d.handle
	d.mu.Unlock()
	if seeded {
		return h
	}
	h = DefaultHandleTime
	convs, err := d.Store.ListConversations(ctx, gridline.ConversationFilter{Status: gridline.StatusResolved, Limit: 50})
	if err == nil {
		var sum time.Duration
		n := 0
		for _, c := range convs {
			if c.AssignedAt != nil && c.ResolvedAt != nil && c.ResolvedAt.After(*c.AssignedAt) {
				sum += c.ResolvedAt.Sub(*c.AssignedAt)
				n++
			}
		}
		if n > 0 {
			h = sum / time.Duration(n)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.seeded {
		d.seeded, d.handle = true, h
	}
	return d.handle
}

// recordHandleTime folds one resolved chat into the average (weight 1/5).
func (d *Desk) recordHandleTime(ctx context.Context, took time.Duration) {
	if took <= 0 {
		return
	}
	d.handleTime(ctx) // seed first
	d.mu.Lock()
	defer d.mu.Unlock()
	d.handle += (took - d.handle) / 5
}

// AutoAssign offers every waiting conversation, in serving order, to its owner
// when the owner is online with room, else to the least-loaded online agent with
// the skill and room, at most one chat per agent per AssignEvery. Claims go
// through Queue.ClaimConversation, so desks on several replicas may assign at
// once without giving a chat twice.
func (d *Desk) AutoAssign(ctx context.Context) error {
	tickets, err := d.Queue.List(ctx, "")
	if err != nil || len(tickets) == 0 {
		return err
	}
	all, err := d.Presence.Agents(ctx)
	if err != nil {
		return err
	}
	var agents []AgentPresence
	loads := make(map[string]int)
	for _, a := range all {
		if a.Status != AgentOnline {
			continue
		}
		n, err := d.Queue.Load(ctx, a.UserID)
		if err != nil {
			return err
		}
		agents = append(agents, a)
		loads[a.UserID] = n
	}
	users := make(map[string]*gridline.User)
	full := func(a *AgentPresence) { loads[a.UserID] = max(a.Capacity, 1) } // not picked again this round
	var errs []error
	for _, t := range tickets {
	offer:
		for {
			a := pickAgent(t, agents, loads)
			if a == nil {
				break
			}
			u, ok := users[a.UserID]
			if !ok {
				if u, err = d.Store.User(ctx, a.UserID); err != nil {
					errs = append(errs, err)
					full(a)
					continue
				}
				users[a.UserID] = u
			}
			if u.Disabled {
				full(a)
				continue
			}
			// Reserve the agent's next offer first, so that desks on other
			// replicas hold back at once. A take that then fails because another
			// desk took the ticket costs the agent one interval.
			paced, err := d.Presence.Pace(ctx, a.UserID, d.assignEvery())
			if err != nil {
				errs = append(errs, err)
				full(a)
				continue
			}
			if !paced {
				full(a)
				if a.UserID == t.OwnerID {
					break // the customer waits for their owner's next turn
				}
				continue // someone else with room
			}
			_, err = d.take(ctx, u, t.ConversationID, max(a.Capacity, 1))
			switch gridline.ErrorCode(err) {
			case "":
				loads[a.UserID]++
				if d.assignEvery() > 0 {
					full(a) // their next offer comes after the interval
				}
				break offer
			case gridline.ENOTFOUND: // another desk took it
				break offer
			case gridline.ECONFLICT:
				full(a) // fuller than we knew: try the next agent
			default:
				errs = append(errs, err)
				break offer
			}
		}
	}
	return errors.Join(errs...)
}

// pickAgent chooses who gets t: the owner if online with room (whatever their
// skills: the customer is theirs), else the online agent with the skill and room
// holding the fewest chats, the most free room breaking ties.
func pickAgent(t Ticket, agents []AgentPresence, loads map[string]int) *AgentPresence {
	var best *AgentPresence
	for i := range agents {
		a := &agents[i]
		free := max(a.Capacity, 1) - loads[a.UserID]
		if free <= 0 {
			continue
		}
		if t.OwnerID != "" && a.UserID == t.OwnerID {
			return a
		}
		if !slices.Contains(a.Skills, t.Skill) {
			continue
		}
		if best == nil || loads[a.UserID] < loads[best.UserID] ||
			(loads[a.UserID] == loads[best.UserID] && free > max(best.Capacity, 1)-loads[best.UserID]) {
			best = a
		}
	}
	return best
}

// Claim gives agent a waiting conversation: the named one (a manual pick) or,
// with "", the best one for the agent's skills (their own first). The agent
// becomes its handler, and its owner if it has none; the customer is told who
// joined. Returns ENOTFOUND when nothing (or not that one) is waiting, ECONFLICT
// when the agent is at capacity, EFORBIDDEN for a disabled user.
func (d *Desk) Claim(ctx context.Context, agent *gridline.User, conversationID string) (*gridline.Conversation, error) {
	if agent == nil || agent.Disabled {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "this account may not take chats")
	}
	return d.take(ctx, agent, conversationID, max(agent.Capacity, 1))
}

// take claims through the queue and then records the assignment; when recording
// fails the ticket goes back and the load comes off, so a failed store write
// loses no customer.
func (d *Desk) take(ctx context.Context, agent *gridline.User, conversationID string, capacity int) (*gridline.Conversation, error) {
	var (
		t   *Ticket
		err error
	)
	if conversationID == "" {
		t, err = d.Queue.Claim(ctx, agent.ID, agent.Skills, capacity)
	} else {
		t, err = d.Queue.ClaimConversation(ctx, agent.ID, conversationID, capacity)
	}
	if err != nil {
		return nil, err
	}
	conv, err := d.Store.Conversation(ctx, t.ConversationID)
	if err == nil && conv.Status != gridline.StatusQueued {
		// A stale ticket: the conversation was resolved or taken meanwhile.
		d.release(ctx, agent.ID)
		return nil, gridline.Errorf(gridline.ENOTFOUND, "conversation %s is no longer waiting", t.ConversationID)
	}
	if err == nil {
		now := d.now()
		conv.HandlerID = agent.ID
		if conv.OwnerID == "" {
			conv.OwnerID = agent.ID
		}
		conv.Status = gridline.StatusActive
		conv.AssignedAt = &now
		err = d.Store.UpdateConversation(ctx, conv)
	}
	if err != nil {
		if qerr := d.Queue.Enqueue(ctx, *t); qerr != nil {
			err = errors.Join(err, qerr)
		}
		d.release(ctx, agent.ID)
		return nil, err
	}
	d.say(ctx, conv, msgJoined, agent.Name)
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventAgentJoined, conv.ID, gridline.JoinedData{Agent: gridline.AgentRef{ID: agent.ID, Name: agent.Name}}))
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.AgentTopic(agent.ID), gridline.NewEvent(EventAssigned, conv.ID, conv))
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", nil))
	d.refreshPositions(ctx, t.Skill)
	if d.Taken != nil {
		d.Taken(ctx, conv)
	}
	return conv, nil
}

// Transfer hands an active conversation to another agent (online, with room) or
// back to a skill's queue. The handler changes, never the owner. A non-empty note
// is stored as a message for staff only (see gridline.IsStaffNote). Only the handler, a
// supervisor or an admin may transfer; anyone else gets ENOTFOUND. Returns
// EINVALID (no or two targets, unknown skill), ECONFLICT (not active, target
// offline or full).
func (d *Desk) Transfer(ctx context.Context, by *gridline.User, conversationID, toAgentID, toSkill, note string) error {
	conv, err := d.Store.Conversation(ctx, conversationID)
	if err != nil {
		return err
	}
	if !gridline.CanActOnConversation(by, conv) {
		return gridline.Errorf(gridline.ENOTFOUND, "conversation %s not found", conversationID)
	}
	if conv.Status != gridline.StatusActive {
		return gridline.Errorf(gridline.ECONFLICT, "only a conversation with an agent can be transferred")
	}
	if (toAgentID == "") == (toSkill == "") {
		return gridline.Errorf(gridline.EINVALID, "transfer to an agent or to a skill")
	}
	if toSkill != "" {
		return d.transferToSkill(ctx, by, conv, toSkill, note)
	}
	from := conv.HandlerID
	if toAgentID == from {
		return gridline.Errorf(gridline.EINVALID, "the conversation is with that agent already")
	}
	to, err := d.Store.User(ctx, toAgentID)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND || (err == nil && to.Disabled) {
		return gridline.Errorf(gridline.EINVALID, "no agent %s", toAgentID)
	} else if err != nil {
		return err
	}
	p, err := d.Presence.Agent(ctx, toAgentID)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND || (err == nil && p.Status != AgentOnline) {
		return gridline.Errorf(gridline.ECONFLICT, "%s is not online", to.Name)
	} else if err != nil {
		return err
	}
	// Reserve a slot first and give it back if that overfills: two transfers to
	// the same agent at once may both fail, but neither passes the capacity.
	if err := d.Queue.AddLoad(ctx, to.ID); err != nil {
		return err
	}
	if n, err := d.Queue.Load(ctx, to.ID); err != nil || n > max(to.Capacity, 1) {
		d.release(ctx, to.ID)
		if err != nil {
			return err
		}
		return gridline.Errorf(gridline.ECONFLICT, "%s has no room for another chat", to.Name)
	}
	now := d.now()
	conv.HandlerID = to.ID
	conv.AssignedAt = &now
	if err := d.Store.UpdateConversation(ctx, conv); err != nil {
		d.release(ctx, to.ID)
		return err
	}
	if from != "" {
		d.release(ctx, from)
	}
	d.note(ctx, by, conv, note)
	d.say(ctx, conv, msgJoined, to.Name)
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventAgentJoined, conv.ID, gridline.JoinedData{Agent: gridline.AgentRef{ID: to.ID, Name: to.Name}}))
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.AgentTopic(to.ID), gridline.NewEvent(EventAssigned, conv.ID, conv))
	if from != "" {
		d.publish(ctx, gridline.AgentTopic(from), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	}
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", nil))
	return nil
}

// transferToSkill puts an active conversation back in a queue. The ticket names
// no owner: the owner may be the agent who just passed it on.
func (d *Desk) transferToSkill(ctx context.Context, by *gridline.User, conv *gridline.Conversation, skill, note string) error {
	if !slices.Contains(gridline.Skills, skill) {
		return gridline.Errorf(gridline.EINVALID, "unknown skill %q", skill)
	}
	from := conv.HandlerID
	now := d.now()
	conv.Skill = skill
	conv.Status = gridline.StatusQueued
	conv.HandlerID = ""
	conv.QueuedAt = &now
	if err := d.Store.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	t := ticketFor(conv, now, "")
	if err := d.Queue.Enqueue(ctx, t); err != nil {
		return err
	}
	if from != "" {
		d.release(ctx, from)
	}
	d.note(ctx, by, conv, note)
	d.say(ctx, conv, msgTransferred, skillName(conv.Lang, skill))
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	if from != "" {
		d.publish(ctx, gridline.AgentTopic(from), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	}
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", t))
	d.refreshPositions(ctx, skill)
	if err := d.AutoAssign(ctx); err != nil {
		d.log().Warn("handoff: auto-assign after a transfer", "conversation", conv.ID, "err", err)
	}
	return nil
}

// Resolve closes a conversation: the handler, a supervisor or an admin may (a
// waiting one only a supervisor or admin); anyone else gets ENOTFOUND. The
// handler's slot frees up and goes to the next waiting customer. Resolving a
// resolved conversation does nothing.
func (d *Desk) Resolve(ctx context.Context, by *gridline.User, conversationID string) error {
	conv, err := d.Store.Conversation(ctx, conversationID)
	if err != nil {
		return err
	}
	if !gridline.CanActOnConversation(by, conv) {
		return gridline.Errorf(gridline.ENOTFOUND, "conversation %s not found", conversationID)
	}
	if conv.Status == gridline.StatusResolved {
		return nil
	}
	was := conv.Status
	now := d.now()
	conv.Status = gridline.StatusResolved
	conv.ResolvedAt = &now
	if err := d.Store.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	switch was {
	case gridline.StatusQueued:
		if err := d.Queue.Remove(ctx, conv.ID); err != nil {
			return err
		}
		d.refreshPositions(ctx, conv.Skill)
	case gridline.StatusActive:
		if conv.HandlerID != "" {
			d.release(ctx, conv.HandlerID)
			d.publish(ctx, gridline.AgentTopic(conv.HandlerID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
		}
		if conv.AssignedAt != nil {
			d.recordHandleTime(ctx, now.Sub(*conv.AssignedAt))
		}
	}
	d.say(ctx, conv, msgResolved)
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", nil))
	if err := d.AutoAssign(ctx); err != nil {
		d.log().Warn("handoff: auto-assign after resolving", "conversation", conv.ID, "err", err)
	}
	return nil
}

// Abandon takes a waiting conversation whose customer has gone — a caller who
// hung up on hold — out of its queue at once and closes it, so that no agent
// is offered a call nobody is on. The ticket leaves the queue first: a claim
// racing it either took the conversation already (then it is left alone) or
// finds no ticket. A conversation that is not waiting is left as it is.
func (d *Desk) Abandon(ctx context.Context, conversationID string) error {
	conv, err := d.Store.Conversation(ctx, conversationID)
	if err != nil {
		return err
	}
	if conv.Status != gridline.StatusQueued {
		return nil
	}
	if err := d.Queue.Remove(ctx, conv.ID); err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
		return err
	}
	if conv, err = d.Store.Conversation(ctx, conversationID); err != nil {
		return err
	}
	if conv.Status != gridline.StatusQueued {
		return nil
	}
	now := d.now()
	conv.Status, conv.ResolvedAt = gridline.StatusResolved, &now
	if err := d.Store.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	d.refreshPositions(ctx, conv.Skill)
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", nil))
	return nil
}

// Heartbeat keeps u's presence alive for PresenceTTL with status online or away
// ("" means online); offline leaves at once. An agent coming online is offered
// waiting conversations straight away. Returns EINVALID for another status,
// EFORBIDDEN for a disabled user.
func (d *Desk) Heartbeat(ctx context.Context, u *gridline.User, status string) error {
	if u == nil || u.Disabled {
		return gridline.Errorf(gridline.EFORBIDDEN, "this account may not take chats")
	}
	switch status {
	case "":
		status = AgentOnline
	case AgentOnline, AgentAway:
	case AgentOffline:
		return d.Presence.Leave(ctx, u.ID)
	default:
		return gridline.Errorf(gridline.EINVALID, "unknown status %q", status)
	}
	p := AgentPresence{UserID: u.ID, Status: status, Skills: u.Skills, Capacity: max(u.Capacity, 1)}
	if err := d.Presence.Heartbeat(ctx, p, PresenceTTL); err != nil {
		return err
	}
	if status == AgentOnline {
		if err := d.AutoAssign(ctx); err != nil {
			d.log().Warn("handoff: auto-assign after a heartbeat", "agent", u.ID, "err", err)
		}
	}
	return nil
}

// Disconnect is an agent's last console going away (a closed tab, a lost
// connection): from now on they are offered no new chats, and unless a console
// beats again within ReconnectGrace they are gone, rather than heartbeat's
// PresenceTTL later. Their chats stay theirs for Grace from now. A console that
// reconnects restores the status it sends. An agent not present (logged out,
// gone offline) stays absent.
func (d *Desk) Disconnect(ctx context.Context, u *gridline.User) error {
	if u == nil {
		return nil
	}
	p, err := d.Presence.Agent(ctx, u.ID)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	p.Status = AgentAway
	if err := d.Presence.Heartbeat(ctx, *p, d.reconnectGrace()); err != nil {
		return err
	}
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", nil))
	return nil
}

// Run sweeps every SweepInterval (a twelfth of Grace when that is shorter)
// until ctx is done (see Sweep), starting at once. It returns nil when ctx ends.
func (d *Desk) Run(ctx context.Context) error {
	ticker := time.NewTicker(d.sweepEvery())
	defer ticker.Stop()
	for {
		if err := d.Sweep(ctx); err != nil && ctx.Err() == nil {
			d.log().Warn("handoff: sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Sweep does one round of the desk's housekeeping: chats of agents not present
// whose last heartbeat is more than Grace ago go back to the head of their queue
// (same priority, ahead of everyone waiting with it), the customer is told, the
// waiting conversations are assigned where there is room, and every waiting
// customer gets a fresh position and estimate.
//
// "Last heartbeat" is the Presence's LastSeen, the same on every replica and
// over restarts; for a handler it never saw beat, the first sweep anywhere to
// notice them starts the clock.
func (d *Desk) Sweep(ctx context.Context) error {
	now := d.now()
	agents, err := d.Presence.Agents(ctx)
	if err != nil {
		return err
	}
	present := make(map[string]bool, len(agents))
	for _, a := range agents {
		present[a.UserID] = true
	}
	active, err := d.Store.ListConversations(ctx, gridline.ConversationFilter{Status: gridline.StatusActive, Limit: 100000})
	if err != nil {
		return err
	}
	byHandler := make(map[string][]*gridline.Conversation)
	for _, c := range active {
		if c.HandlerID != "" {
			byHandler[c.HandlerID] = append(byHandler[c.HandlerID], c)
		}
	}
	var errs []error
	for id, convs := range byHandler {
		if present[id] {
			continue
		}
		seen, err := d.Presence.LastSeen(ctx, id, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if now.Sub(seen) < d.grace() {
			continue
		}
		// Newest first: each goes in ahead of the head, so the oldest ends first.
		slices.SortFunc(convs, func(a, b *gridline.Conversation) int { return queuedAt(b).Compare(queuedAt(a)) })
		for _, c := range convs {
			if err := d.requeue(ctx, c.ID, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := d.AutoAssign(ctx); err != nil {
		errs = append(errs, err)
	}
	d.refreshPositions(ctx, "")
	return errors.Join(errs...)
}

func queuedAt(c *gridline.Conversation) time.Time {
	if c.QueuedAt != nil {
		return *c.QueuedAt
	}
	return c.CreatedAt
}

// requeue returns a vanished handler's conversation to the head of its queue.
// It re-reads the conversation first so that a chat another desk has already
// moved is left alone.
func (d *Desk) requeue(ctx context.Context, conversationID, handler string) error {
	conv, err := d.Store.Conversation(ctx, conversationID)
	if err != nil {
		return err
	}
	if conv.Status != gridline.StatusActive || conv.HandlerID != handler {
		return nil
	}
	if conv.Skill == "" {
		conv.Skill = gridline.SkillGeneral
	}
	at := queuedAt(conv)
	waiting, err := d.Queue.List(ctx, conv.Skill)
	if err != nil {
		return err
	}
	prio := clampPriority(conv.Priority)
	for _, t := range waiting {
		if t.Priority == prio {
			if !at.Before(t.EnqueuedAt) {
				at = t.EnqueuedAt.Add(-time.Millisecond)
			}
			break
		}
	}
	conv.Status = gridline.StatusQueued
	conv.HandlerID = ""
	if conv.QueuedAt == nil {
		conv.QueuedAt = &at
	}
	if err := d.Store.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	t := ticketFor(conv, at, conv.OwnerID)
	if err := d.Queue.Enqueue(ctx, t); err != nil {
		return err
	}
	d.release(ctx, handler)
	d.say(ctx, conv, msgRequeued)
	d.publish(ctx, gridline.ConversationTopic(conv.ID), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.AgentTopic(handler), gridline.NewEvent(gridline.EventStatus, conv.ID, conv))
	d.publish(ctx, gridline.TopicAgents, gridline.NewEvent(gridline.EventQueueChange, "", t))
	d.log().Info("handoff: returned a vanished agent's chat to the queue", "conversation", conv.ID, "agent", handler)
	return nil
}

// Recover rebuilds a queue that does not survive restarts (handoff/memory) from
// the store: every queued conversation missing from the queue is enqueued again
// at its original time, and every handler's load is set to their active chats.
// Call it once at start, before serving. With a shared queue (Redis) skip it:
// the queue outlives the process, and a replica recovering while another claims
// could enqueue a chat that was just taken.
func (d *Desk) Recover(ctx context.Context) error {
	queued, err := d.Store.ListConversations(ctx, gridline.ConversationFilter{Status: gridline.StatusQueued, Limit: 100000})
	if err != nil {
		return err
	}
	for _, c := range queued {
		if _, err := d.Queue.Position(ctx, c.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
			continue
		}
		if c.Skill == "" {
			c.Skill = gridline.SkillGeneral
		}
		owner := c.OwnerID
		if owner == "" {
			if owner, err = d.previousOwner(ctx, c.CustomerID); err != nil {
				return err
			}
		}
		if err := d.Queue.Enqueue(ctx, ticketFor(c, queuedAt(c), owner)); err != nil {
			return err
		}
	}
	active, err := d.Store.ListConversations(ctx, gridline.ConversationFilter{Status: gridline.StatusActive, Limit: 100000})
	if err != nil {
		return err
	}
	loads := make(map[string]int)
	for _, c := range active {
		if c.HandlerID != "" {
			loads[c.HandlerID]++
		}
	}
	for id, n := range loads {
		if err := d.Queue.SetLoad(ctx, id, n); err != nil {
			return err
		}
	}
	return nil
}

// refreshPositions sends every waiting customer of skill ("" for all skills)
// their position and estimate.
func (d *Desk) refreshPositions(ctx context.Context, skill string) {
	tickets, err := d.Queue.List(ctx, skill)
	if err != nil || len(tickets) == 0 {
		if err != nil {
			d.log().Warn("handoff: list the queue", "err", err)
		}
		return
	}
	slots, err := d.slots(ctx)
	if err != nil {
		d.log().Warn("handoff: list agents", "err", err)
		return
	}
	handle := d.handleTime(ctx)
	positions := make(map[string]int)
	for _, t := range tickets {
		positions[t.Skill]++
		pos := positions[t.Skill]
		frame := gridline.QueueData{Position: pos, ETASeconds: estimateWait(handle, pos, slots[t.Skill])}
		d.publish(ctx, gridline.ConversationTopic(t.ConversationID), gridline.NewEvent(gridline.EventQueue, t.ConversationID, frame))
	}
}

// ticketFor builds the queue ticket of a conversation.
func ticketFor(c *gridline.Conversation, at time.Time, owner string) Ticket {
	skill := c.Skill
	if skill == "" {
		skill = gridline.SkillGeneral
	}
	return Ticket{ConversationID: c.ID, CustomerID: c.CustomerID, Skill: skill,
		Priority: clampPriority(c.Priority), EnqueuedAt: at, OwnerID: owner}
}

func clampPriority(p int) int { return max(-MaxPriority, min(p, MaxPriority)) }

// release gives back one of an agent's slots; a failure only leaves the agent
// looking busier than they are until Recover or SetLoad, so it is logged.
func (d *Desk) release(ctx context.Context, agentID string) {
	if err := d.Queue.Release(ctx, agentID); err != nil {
		d.log().Warn("handoff: release a slot", "agent", agentID, "err", err)
	}
}

// publish sends an event, logging a failure: the store already holds the truth
// and every client resynchronises from it.
func (d *Desk) publish(ctx context.Context, topic string, ev gridline.Event) {
	if err := d.Board.Publish(ctx, topic, ev); err != nil {
		d.log().Warn("handoff: publish", "topic", topic, "type", ev.Type, "err", err)
	}
}

// say posts a system message to the customer in the conversation's language.
func (d *Desk) say(ctx context.Context, conv *gridline.Conversation, key string, args ...any) {
	m := &gridline.Message{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorSystem},
		Text: fmt.Sprintf(text(conv.Lang, key), args...)}
	if _, err := gridline.Post(ctx, d.Store, d.Board, m); err != nil {
		d.log().Warn("handoff: post a system message", "conversation", conv.ID, "err", err)
	}
}

// note stores a transfer note for staff only; see gridline.IsStaffNote.
func (d *Desk) note(ctx context.Context, by *gridline.User, conv *gridline.Conversation, note string) {
	note = strings.TrimSpace(note)
	if note == "" {
		return
	}
	m := &gridline.Message{ConversationID: conv.ID,
		Author: gridline.Author{Kind: gridline.AuthorSystem, ID: gridline.StaffNoteID, Name: by.Name}, Text: note}
	if _, err := gridline.Post(ctx, d.Store, d.Board, m); err != nil {
		d.log().Warn("handoff: post a transfer note", "conversation", conv.ID, "err", err)
	}
}
