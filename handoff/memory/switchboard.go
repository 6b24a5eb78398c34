// Package memory implements the handoff seams — Switchboard, Queue and Presence —
// inside one process. It is the embedded default: one replica, no Redis. Every
// type passes the same contract suite (handoff/handofftest) as handoff/redis, so
// moving to Redis changes wiring, not behaviour.
package memory

import (
	"context"
	"sync"

	"github.com/gridline/gridline"
)

// SubscriberBuffer is how many events a subscriber may fall behind before it
// starts losing them. Losing is safe (receivers refill from the store by seq);
// blocking the publisher would let one stalled browser tab stall a conversation.
const SubscriberBuffer = 128

// Switchboard fans events out to subscribers in this process. Use it while one
// replica serves everyone; once two replicas share the work, a customer's socket
// and the agent's socket may sit in different processes, and only
// handoff/redis.Switchboard carries events between them.
type Switchboard struct {
	mu     sync.RWMutex
	topics map[string]map[*subscription]struct{}
	closed bool
}

var _ gridline.Switchboard = (*Switchboard)(nil)

// NewSwitchboard returns an empty, open switchboard.
func NewSwitchboard() *Switchboard {
	return &Switchboard{topics: make(map[string]map[*subscription]struct{})}
}

// Publish delivers ev to every subscriber of topic that has room; a subscriber
// whose buffer is full misses it. Publish never blocks on a subscriber.
func (s *Switchboard) Publish(ctx context.Context, topic string, ev gridline.Event) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
	}
	for sub := range s.topics[topic] {
		select {
		case sub.ch <- ev:
		default: // a slow subscriber drops; it refills from the store by seq
		}
	}
	return nil
}

// Subscribe registers a subscriber; it is live when Subscribe returns.
func (s *Switchboard) Subscribe(ctx context.Context, topic string) (gridline.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
	}
	sub := &subscription{board: s, topic: topic, ch: make(chan gridline.Event, SubscriberBuffer)}
	subs := s.topics[topic]
	if subs == nil {
		subs = make(map[*subscription]struct{})
		s.topics[topic] = subs
	}
	subs[sub] = struct{}{}
	return sub, nil
}

// Ping fails only once the switchboard is closed.
func (s *Switchboard) Ping(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
	}
	return nil
}

// Close ends every subscription (their channels close) and refuses new ones.
func (s *Switchboard) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, subs := range s.topics {
		for sub := range subs {
			sub.closeLocked()
		}
	}
	s.topics = nil
	return nil
}

// subscription is one subscriber's bounded mailbox. Its channel is closed only
// under the switchboard's write lock, so Publish (under the read lock) never sends
// on a closed channel.
type subscription struct {
	board  *Switchboard
	topic  string
	ch     chan gridline.Event
	closed bool // guarded by board.mu
}

func (sub *subscription) Events() <-chan gridline.Event { return sub.ch }

func (sub *subscription) Close() error {
	s := sub.board
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.closed {
		return nil
	}
	if subs := s.topics[sub.topic]; subs != nil {
		delete(subs, sub)
		if len(subs) == 0 {
			delete(s.topics, sub.topic)
		}
	}
	sub.closeLocked()
	return nil
}

func (sub *subscription) closeLocked() {
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
}
