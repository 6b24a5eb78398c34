package bot

import (
	"container/list"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// flow is where a conversation stands in a guided flow, if anywhere.
type flow struct {
	Name     string // flowOutage, flowFault or "" (none)
	Step     string
	Address  string
	Phone    string
	Detail   string
	Attempts int // failed tries at the current step
	// Offered maps the slugs of articles last offered as suggestions to the
	// articles themselves, so that pressing one answers from exactly that article.
	Offered map[string]*gridline.Article
}

// Flow names.
const (
	flowOutage = "outage"
	flowFault  = "fault"
)

// flows keeps each conversation's flow in a bounded map with expiry: at most max
// entries (the least recently used are dropped first) and none older than ttl.
// A customer who walks away mid-form costs memory only until then. It is safe for
// concurrent use.
type flows struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front: most recently used; values are *flowEntry
	byID  map[string]*list.Element
}

type flowEntry struct {
	id   string
	f    flow
	seen time.Time
}

func newFlows(max int, ttl time.Duration, now func() time.Time) *flows {
	return &flows{max: max, ttl: ttl, now: now, order: list.New(), byID: map[string]*list.Element{}}
}

// get returns the conversation's flow; the zero flow when there is none, it has
// expired, or id is empty (a stateless ask).
func (s *flows) get(id string) flow {
	if id == "" {
		return flow{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byID[id]
	if !ok {
		return flow{}
	}
	e := el.Value.(*flowEntry)
	if s.now().Sub(e.seen) > s.ttl {
		s.order.Remove(el)
		delete(s.byID, id)
		return flow{}
	}
	return e.f
}

// put stores f for the conversation; the zero flow deletes it. Stateless asks
// (empty id) are never stored.
func (s *flows) put(id string, f flow) {
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byID[id]; ok {
		if f.empty() {
			s.order.Remove(el)
			delete(s.byID, id)
			return
		}
		e := el.Value.(*flowEntry)
		e.f, e.seen = f, s.now()
		s.order.MoveToFront(el)
		return
	}
	if f.empty() {
		return
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
}

func (s *flows) evict(el *list.Element) {
	s.order.Remove(el)
	delete(s.byID, el.Value.(*flowEntry).id)
}

// len returns how many conversations have a flow held.
func (s *flows) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

func (f flow) empty() bool { return f.Name == "" && len(f.Offered) == 0 }
