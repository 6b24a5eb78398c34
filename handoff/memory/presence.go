package memory

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// Presence remembers agents' heartbeats in this process, each until its time to
// live runs out. Like the other memory types it serves one replica: an agent's
// console may heartbeat to any replica once there are several, and only
// handoff/redis.Presence is seen by all of them.
type Presence struct {
	now    func() time.Time
	mu     sync.Mutex
	agents map[string]presenceEntry
	seen   map[string]time.Time // last heartbeat (or first notice) per agent
	paced  map[string]time.Time // end of each agent's standing reservation
}

type presenceEntry struct {
	p       handoff.AgentPresence
	expires time.Time
}

var _ handoff.Presence = (*Presence)(nil)

// NewPresence returns an empty Presence that reads time from now (time.Now when
// nil), so that tests can move the clock instead of sleeping.
func NewPresence(now func() time.Time) *Presence {
	if now == nil {
		now = time.Now
	}
	return &Presence{now: now, agents: make(map[string]presenceEntry),
		seen: make(map[string]time.Time), paced: make(map[string]time.Time)}
}

// Heartbeat records p as seen now until ttl passes.
func (m *Presence) Heartbeat(ctx context.Context, p handoff.AgentPresence, ttl time.Duration) error {
	if p.UserID == "" {
		return gridline.Errorf(gridline.EINVALID, "presence has no user")
	}
	if ttl <= 0 {
		return gridline.Errorf(gridline.EINVALID, "presence ttl must be positive")
	}
	now := m.now()
	p.SeenAt = now
	p.Skills = slices.Clone(p.Skills)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.agents[p.UserID] = presenceEntry{p: p, expires: now.Add(ttl)}
	m.seen[p.UserID] = now
	m.forgetLocked(now)
	return nil
}

// forgetLocked drops the records older than LastSeenTTL and the spent
// reservations, so that the maps hold only the staff of the last day.
func (m *Presence) forgetLocked(now time.Time) {
	for id, at := range m.seen {
		if now.Sub(at) > handoff.LastSeenTTL {
			delete(m.seen, id)
		}
	}
	for id, until := range m.paced {
		if !until.After(now) {
			delete(m.paced, id)
		}
	}
}

// LastSeen returns the agent's last heartbeat, or records noticed for an agent
// with no record and returns it.
func (m *Presence) LastSeen(ctx context.Context, userID string, noticed time.Time) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at, ok := m.seen[userID]; ok && m.now().Sub(at) <= handoff.LastSeenTTL {
		return at, nil
	}
	m.seen[userID] = noticed
	return noticed, nil
}

// Pace reserves the agent's next offered chat for every, unless one stands.
func (m *Presence) Pace(ctx context.Context, userID string, every time.Duration) (bool, error) {
	if every <= 0 {
		return true, nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.paced[userID]; ok && until.After(now) {
		return false, nil
	}
	m.paced[userID] = now.Add(every)
	return true, nil
}

// Leave forgets the agent.
func (m *Presence) Leave(ctx context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.agents, userID)
	return nil
}

// Agents returns the live agents ordered by user id, dropping lapsed ones.
func (m *Presence) Agents(ctx context.Context) ([]handoff.AgentPresence, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]handoff.AgentPresence, 0, len(m.agents))
	for id, e := range m.agents {
		if !e.expires.After(now) {
			delete(m.agents, id)
			continue
		}
		p := e.p
		p.Skills = slices.Clone(p.Skills)
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b handoff.AgentPresence) int { return strings.Compare(a.UserID, b.UserID) })
	return out, nil
}

// Agent returns one live agent; ENOTFOUND once the heartbeat lapsed.
func (m *Presence) Agent(ctx context.Context, userID string) (*handoff.AgentPresence, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.agents[userID]
	if !ok || !e.expires.After(now) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "agent %s is not online", userID)
	}
	p := e.p
	p.Skills = slices.Clone(p.Skills)
	return &p, nil
}
