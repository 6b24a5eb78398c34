package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/internal/fanout"
)

// A topic's Redis pub/sub channel is the deployment's prefix followed by the
// topic (with DefaultPrefix, "gridline:conv:…", as before prefixes applied to
// channels). Pub/sub channels are global to a Redis server — not per database —
// so every replica of one deployment must share the prefix and two deployments
// sharing a Redis must not: the same GRIDLINE_REDIS_PREFIX that separates their
// keys separates their channels.

// keepalive is how long the reader waits on a quiet connection before it pings,
// so a dead connection is noticed and go-redis reconnects and resubscribes.
const keepalive = 30 * time.Second

// Switchboard carries events between replicas over Redis pub/sub. It holds one
// PubSub connection however many subscribers it has: a topic's Redis channel is
// subscribed when its first local subscriber arrives and unsubscribed when its
// last one leaves, and one reader goroutine fans messages out to local
// subscribers. Published events come back through Redis to this replica's
// subscribers too, so every subscriber sees one order per topic. While the
// connection is down events are lost (subscribers refill from the store by seq),
// and a subscriber that falls fanout.Buffer (128) events behind loses some rather
// than hold up the reader.
type Switchboard struct {
	client *goredis.Client
	origin string
	prefix string // of every channel name
	ps     *goredis.PubSub
	cancel context.CancelFunc
	done   chan struct{}
	nonce  atomic.Uint64

	// wire serialises SUBSCRIBE, UNSUBSCRIBE and barrier PINGs so that the order
	// they reach Redis is the order of the decisions made under it. It is taken
	// before the hub's lock, never after.
	wire sync.Mutex

	// hub holds the local subscribers by Redis channel; a channel is subscribed
	// while it has one.
	hub fanout.Hub

	mu    sync.Mutex // guards pings
	pings map[string]chan struct{}
}

var _ gridline.Switchboard = (*Switchboard)(nil)

// NewSwitchboard starts a switchboard on client whose channels are under
// DefaultPrefix; see NewPrefixedSwitchboard.
func NewSwitchboard(client *goredis.Client, origin string) *Switchboard {
	return NewPrefixedSwitchboard(client, "", origin)
}

// NewPrefixedSwitchboard starts a switchboard on client whose channels start
// with prefix (DefaultPrefix when ""): the deployment's GRIDLINE_REDIS_PREFIX, as
// given to NewQueue and NewPresence. origin names this replica; it is stamped on
// published events that carry none, so a replica may recognise its own. Close
// stops the reader and releases the connection.
func NewPrefixedSwitchboard(client *goredis.Client, prefix, origin string) *Switchboard {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Switchboard{
		client: client,
		origin: origin,
		prefix: prefixOr(prefix),
		ps:     client.Subscribe(ctx),
		cancel: cancel,
		done:   make(chan struct{}),
		pings:  make(map[string]chan struct{}),
	}
	go s.read(ctx)
	return s
}

// Publish sends ev to every subscriber of topic on every replica.
func (s *Switchboard) Publish(ctx context.Context, topic string, ev gridline.Event) error {
	if ev.Origin == "" {
		ev.Origin = s.origin
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("redis: publish: %w", err)
	}
	if err := s.client.Publish(ctx, s.prefix+topic, data).Err(); err != nil {
		return fmt.Errorf("redis: publish: %w", err)
	}
	return nil
}

// Subscribe returns once Redis has confirmed the channel's subscription: after
// SUBSCRIBE (when this is the topic's first local subscriber) it sends a PING
// with a fresh payload on the same connection and waits for that PONG, which
// Redis answers only after every command before it.
func (s *Switchboard) Subscribe(ctx context.Context, topic string) (gridline.Subscription, error) {
	channel := s.prefix + topic
	nonce := "gridline-barrier-" + strconv.FormatUint(s.nonce.Add(1), 10)
	pong := make(chan struct{})

	s.wire.Lock()
	m, first, err := s.hub.Join(channel)
	if err != nil {
		s.wire.Unlock()
		return nil, err
	}
	sub := &subscription{Mailbox: m, board: s}
	s.mu.Lock()
	s.pings[nonce] = pong
	s.mu.Unlock()
	if first {
		err = s.ps.Subscribe(ctx, channel)
	}
	if err == nil {
		err = s.ps.Ping(ctx, nonce)
	}
	s.wire.Unlock()

	if err == nil {
		select {
		case <-pong:
			return sub, nil
		case <-ctx.Done():
			err = ctx.Err()
		case <-s.done:
			err = gridline.Errorf(gridline.EUNAVAILABLE, "switchboard is closed")
		}
	}
	s.mu.Lock()
	delete(s.pings, nonce)
	s.mu.Unlock()
	sub.Close()
	return nil, fmt.Errorf("redis: subscribe %s: %w", topic, err)
}

// Ping reports whether Redis answers.
func (s *Switchboard) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close stops the reader, closes the PubSub connection and every subscription.
// The client stays open; its owner closes it.
func (s *Switchboard) Close() error {
	s.wire.Lock()
	if !s.hub.Close() {
		s.wire.Unlock()
		return nil
	}
	s.cancel()
	err := s.ps.Close()
	s.wire.Unlock()
	<-s.done
	if err != nil {
		return fmt.Errorf("redis: close pubsub: %w", err)
	}
	return nil
}

// read is the one goroutine that reads the PubSub connection; Close stops it.
func (s *Switchboard) read(ctx context.Context) {
	defer close(s.done)
	backoff := 50 * time.Millisecond
	for {
		msg, err := s.ps.ReceiveTimeout(ctx, keepalive)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Quiet connection: a ping proves it alive or makes go-redis reconnect.
				s.wire.Lock()
				_ = s.ps.Ping(ctx)
				s.wire.Unlock()
				continue
			}
			slog.Warn("redis switchboard: receive failed; reconnecting", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *goredis.Message:
			s.deliver(m)
		case *goredis.Pong:
			s.mu.Lock()
			if ch, ok := s.pings[m.Payload]; ok {
				delete(s.pings, m.Payload)
				close(ch)
			}
			s.mu.Unlock()
		}
	}
}

// deliver hands a message to every local subscriber of its channel that has
// room; the others miss it.
func (s *Switchboard) deliver(m *goredis.Message) {
	var ev gridline.Event
	if err := json.Unmarshal([]byte(m.Payload), &ev); err != nil {
		slog.Warn("redis switchboard: dropping a malformed event", "channel", m.Channel, "err", err)
		return
	}
	_ = s.hub.Deliver(m.Channel, ev) // closed: Close is stopping the reader
}

// subscription is one local subscriber: its mailbox, and the switchboard that
// unsubscribes the Redis channel when the channel's last subscriber leaves.
type subscription struct {
	*fanout.Mailbox
	board *Switchboard
}

// Close ends the subscription; the last subscriber of a topic unsubscribes the
// Redis channel.
func (sub *subscription) Close() error {
	s := sub.board
	s.wire.Lock()
	defer s.wire.Unlock()
	if sub.Leave() {
		// A failed UNSUBSCRIBE only costs unwanted traffic, which deliver drops.
		if err := s.ps.Unsubscribe(context.Background(), sub.Topic()); err != nil {
			return fmt.Errorf("redis: unsubscribe: %w", err)
		}
	}
	return nil
}
