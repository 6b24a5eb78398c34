package bot

import (
	"container/list"
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryFlows keeps each conversation's flow in this process, in a bounded map
// with expiry: at most max entries (the least recently used are dropped first)
// and none untouched for longer than ttl. It is the default and serves one
// replica; once several replicas share the sockets, use handoff/redis.Flows, or
// a customer who reconnects to another replica mid-form starts over. It is safe
// for concurrent use.
type MemoryFlows struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front: most recently used; values are *flowEntry
	byID  map[string]*list.Element
}

var _ FlowStore = (*MemoryFlows)(nil)

type flowEntry struct {
	id   string
	f    Flow
	seen time.Time
}

// NewMemoryFlows returns an empty store of at most max flows (zero means
// 10,000) kept for ttl each (zero means DefaultFlowTTL), reading time from now
// (time.Now when nil) so that tests can expire flows without sleeping.
func NewMemoryFlows(max int, ttl time.Duration, now func() time.Time) *MemoryFlows {
	if max <= 0 {
		max = 10000
	}
	if ttl <= 0 {
		ttl = DefaultFlowTTL
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryFlows{max: max, ttl: ttl, now: now, order: list.New(), byID: map[string]*list.Element{}}
}

// Flow returns the conversation's flow; the zero Flow when there is none, it
// has expired, or id is empty.
func (s *MemoryFlows) Flow(ctx context.Context, id string) (Flow, error) {
	if id == "" {
		return Flow{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byID[id]
	if !ok {
		return Flow{}, nil
	}
	e := el.Value.(*flowEntry)
	if s.now().Sub(e.seen) > s.ttl {
		s.evict(el)
		return Flow{}, nil
	}
	f := e.f
	f.Offered = maps.Clone(f.Offered)
	f.Next = slices.Clone(f.Next)
	return f, nil
}

// SetFlow stores f for the conversation; an empty f deletes it. Stateless asks
// (empty id) are never stored.
func (s *MemoryFlows) SetFlow(ctx context.Context, id string, f Flow) error {
	if id == "" {
		return nil
	}
	f.Offered = maps.Clone(f.Offered)
	f.Next = slices.Clone(f.Next)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byID[id]; ok {
		if f.Empty() {
			s.evict(el)
			return nil
		}
		e := el.Value.(*flowEntry)
		e.f, e.seen = f, s.now()
		s.order.MoveToFront(el)
		return nil
	}
	if f.Empty() {
		return nil
	}
	s.byID[id] = s.order.PushFront(&flowEntry{id: id, f: f, seen: s.now()})
	for s.order.Len() > s.max {
		s.evict(s.order.Back())
	}
	// Drop expired entries from the cold end while they are there; each put does
	// a little of the cleaning, so no goroutine is needed.
	for el := s.order.Back(); el != nil && s.now().Sub(el.Value.(*flowEntry).seen) > s.ttl; el = s.order.Back() {
		s.evict(el)
	}
	return nil
}

func (s *MemoryFlows) evict(el *list.Element) {
	s.order.Remove(el)
	delete(s.byID, el.Value.(*flowEntry).id)
}

// Len returns how many conversations have a flow held.
func (s *MemoryFlows) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}
