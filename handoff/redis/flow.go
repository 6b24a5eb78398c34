package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline/bot"
)

// Flows keeps each conversation's bot flow in a key that Redis expires (p
// flow:<conversation id>, JSON, PX ttl), so every replica reads the same one: a
// customer who reconnects to another replica in the middle of a fault report
// carries on where they were. Each write starts the time to live again.
type Flows struct {
	client *goredis.Client
	prefix string
	ttl    time.Duration
}

var _ bot.FlowStore = (*Flows)(nil)

// NewFlows returns a Flows whose keys start with prefix (DefaultPrefix when "")
// and live for ttl after their last write (bot.DefaultFlowTTL when zero).
func NewFlows(client *goredis.Client, prefix string, ttl time.Duration) *Flows {
	if ttl <= 0 {
		ttl = bot.DefaultFlowTTL
	}
	return &Flows{client: client, prefix: prefixOr(prefix), ttl: ttl}
}

func (r *Flows) key(conversationID string) string { return r.prefix + "flow:" + conversationID }

// Flow returns the conversation's flow; the zero Flow when there is none or its
// key expired.
func (r *Flows) Flow(ctx context.Context, conversationID string) (bot.Flow, error) {
	if conversationID == "" {
		return bot.Flow{}, nil
	}
	data, err := r.client.Get(ctx, r.key(conversationID)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return bot.Flow{}, nil
	} else if err != nil {
		return bot.Flow{}, fmt.Errorf("redis: flow: %w", err)
	}
	var f bot.Flow
	if err := json.Unmarshal(data, &f); err != nil {
		return bot.Flow{}, fmt.Errorf("redis: flow: %w", err)
	}
	return f, nil
}

// SetFlow stores f for ttl; an empty f deletes the key.
func (r *Flows) SetFlow(ctx context.Context, conversationID string, f bot.Flow) error {
	if conversationID == "" {
		return nil
	}
	if f.Empty() {
		if err := r.client.Del(ctx, r.key(conversationID)).Err(); err != nil {
			return fmt.Errorf("redis: delete flow: %w", err)
		}
		return nil
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("redis: set flow: %w", err)
	}
	if err := r.client.Set(ctx, r.key(conversationID), data, r.ttl).Err(); err != nil {
		return fmt.Errorf("redis: set flow: %w", err)
	}
	return nil
}
