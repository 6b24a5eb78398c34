// Package memory implements the handoff seams — Switchboard, Queue and Presence —
// inside one process. It is the embedded default: one replica, no Redis. Every
// type passes the same contract suite (handoff/handofftest) as handoff/redis, so
// moving to Redis changes wiring, not behaviour.
package memory

import (
	"context"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/internal/fanout"
)

// Switchboard fans events out to subscribers in this process; each subscriber
// may fall fanout.Buffer (128) events behind before it loses some. Use it while one
// replica serves everyone; once two replicas share the work, a customer's socket
// and the agent's socket may sit in different processes, and only
// handoff/redis.Switchboard carries events between them.
type Switchboard struct {
	hub fanout.Hub
}

var _ gridline.Switchboard = (*Switchboard)(nil)

// NewSwitchboard returns an empty, open switchboard.
func NewSwitchboard() *Switchboard {
	return &Switchboard{}
}

// Publish delivers ev to every subscriber of topic that has room; a subscriber
// whose buffer is full misses it. Publish never blocks on a subscriber.
func (s *Switchboard) Publish(ctx context.Context, topic string, ev gridline.Event) error {
	return s.hub.Deliver(topic, ev)
}

// Subscribe registers a subscriber; it is live when Subscribe returns.
func (s *Switchboard) Subscribe(ctx context.Context, topic string) (gridline.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, _, err := s.hub.Join(topic)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Ping fails only once the switchboard is closed.
func (s *Switchboard) Ping(ctx context.Context) error {
	if s.hub.Closed() {
		return gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
	}
	return nil
}

// Close ends every subscription (their channels close) and refuses new ones.
func (s *Switchboard) Close() error {
	s.hub.Close()
	return nil
}
