// Package fanout is the local half of every switchboard: the subscribers of one
// process, each with a bounded mailbox, grouped by topic. handoff/memory hands
// published events to it directly; handoff/redis hands it what its one pub/sub
// connection reads. Keeping it in one place keeps the rules the contract suite
// checks (a slow subscriber loses events rather than stalling the publisher; a
// closed subscription's channel closes exactly once) the same in both.
package fanout

import (
	"sync"

	"github.com/gridline/gridline"
)

// Buffer is how many events a subscriber may fall behind before it starts losing
// them. Losing is safe (receivers refill from the store by seq); blocking the
// publisher would let one stalled browser tab stall a conversation.
const Buffer = 128

// Hub holds the mailboxes of one process by topic. Its zero value is an open,
// empty hub. A mailbox's channel is closed only under the hub's write lock, so
// Deliver (under the read lock) never sends on a closed channel.
type Hub struct {
	mu     sync.RWMutex
	topics map[string]map[*Mailbox]struct{}
	closed bool
}

// Join adds a mailbox for topic. first reports that the topic had none before
// (a Redis switchboard then subscribes its channel). It returns EUNAVAILABLE
// once the hub is closed.
func (h *Hub) Join(topic string) (m *Mailbox, first bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false, gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
	}
	if h.topics == nil {
		h.topics = make(map[string]map[*Mailbox]struct{})
	}
	subs := h.topics[topic]
	first = subs == nil
	if first {
		subs = make(map[*Mailbox]struct{})
		h.topics[topic] = subs
	}
	m = &Mailbox{hub: h, topic: topic, ch: make(chan gridline.Event, Buffer)}
	subs[m] = struct{}{}
	return m, first, nil
}

// Deliver hands ev to every mailbox of topic that has room; a full one misses
// it. Deliver never blocks on a subscriber. It returns EUNAVAILABLE once the hub
// is closed.
func (h *Hub) Deliver(topic string, ev gridline.Event) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
	}
	for m := range h.topics[topic] {
		select {
		case m.ch <- ev:
		default: // a slow subscriber drops; it refills from the store by seq
		}
	}
	return nil
}

// Closed reports whether Close has been called.
func (h *Hub) Closed() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.closed
}

// Close closes every mailbox's channel and refuses new ones. It reports whether
// this call closed the hub (false when it was closed already).
func (h *Hub) Close() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.closed = true
	for _, subs := range h.topics {
		for m := range subs {
			m.closeLocked()
		}
	}
	h.topics = nil
	return true
}

// Mailbox is one subscriber's bounded queue of events. It satisfies
// gridline.Subscription; a switchboard that must release something when a
// topic's last subscriber leaves wraps it and calls Leave instead of Close.
type Mailbox struct {
	hub    *Hub
	topic  string
	ch     chan gridline.Event
	closed bool // guarded by hub.mu
}

var _ gridline.Subscription = (*Mailbox)(nil)

// Events returns the mailbox's channel; it closes when the mailbox leaves or the
// hub closes.
func (m *Mailbox) Events() <-chan gridline.Event { return m.ch }

// Topic is the topic the mailbox joined.
func (m *Mailbox) Topic() string { return m.topic }

// Close leaves the hub; a second Close does nothing.
func (m *Mailbox) Close() error {
	m.Leave()
	return nil
}

// Leave removes the mailbox from its hub and closes its channel. last reports
// that it was its topic's last mailbox and the hub is still open, so the caller
// may release the topic; a second Leave reports false.
func (m *Mailbox) Leave() (last bool) {
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.closed {
		return false
	}
	if subs := h.topics[m.topic]; subs != nil {
		delete(subs, m)
		if len(subs) == 0 {
			delete(h.topics, m.topic)
			last = true
		}
	}
	m.closeLocked()
	return last && !h.closed
}

func (m *Mailbox) closeLocked() {
	if !m.closed {
		m.closed = true
		close(m.ch)
	}
}
