package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// indexSlack is how long after its expiry an id may linger in the presence
// index; the key's own TTL, not the index, decides who is visible, so the index
// only needs trimming now and then and may tolerate replicas' clock skew.
const indexSlack = time.Minute

// Presence keeps each agent's heartbeat in a key that Redis expires (p
// presence:<id>, JSON, PX ttl) and lists agents through a sorted set of ids by
// expiry (p presence). A lapsed agent disappears the moment its key expires,
// on every replica at once, whatever the replicas' clocks say. SeenAt is the
// heartbeating replica's clock; the time to live is Redis's. When each agent
// was last seen lives on in p seen:<id> (Unix milliseconds, PX LastSeenTTL),
// and a standing pace reservation in p pace:<id> (PX every).
type Presence struct {
	client *goredis.Client
	prefix string
}

var _ handoff.Presence = (*Presence)(nil)

// NewPresence returns a Presence whose keys start with prefix (DefaultPrefix
// when "").
func NewPresence(client *goredis.Client, prefix string) *Presence {
	return &Presence{client: client, prefix: prefixOr(prefix)}
}

func (r *Presence) key(userID string) string { return r.prefix + "presence:" + userID }

func (r *Presence) seenKey(userID string) string { return r.prefix + "seen:" + userID }

// Heartbeat stores p, seen now, for ttl (millisecond precision).
func (r *Presence) Heartbeat(ctx context.Context, p handoff.AgentPresence, ttl time.Duration) error {
	if p.UserID == "" {
		return gridline.Errorf(gridline.EINVALID, "presence has no user")
	}
	if ttl < time.Millisecond {
		return gridline.Errorf(gridline.EINVALID, "presence ttl must be at least a millisecond")
	}
	now := time.Now()
	p.SeenAt = now
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redis: heartbeat: %w", err)
	}
	_, err = r.client.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
		pipe.Set(ctx, r.key(p.UserID), data, ttl)
		pipe.ZAdd(ctx, r.prefix+"presence", goredis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: p.UserID})
		pipe.Set(ctx, r.seenKey(p.UserID), now.UnixMilli(), handoff.LastSeenTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: heartbeat: %w", err)
	}
	return nil
}

// Leave forgets the agent at once.
func (r *Presence) Leave(ctx context.Context, userID string) error {
	_, err := r.client.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
		pipe.Del(ctx, r.key(userID))
		pipe.ZRem(ctx, r.prefix+"presence", userID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: leave: %w", err)
	}
	return nil
}

// Agents returns every agent whose key has not expired, ordered by user id.
func (r *Presence) Agents(ctx context.Context) ([]handoff.AgentPresence, error) {
	index := r.prefix + "presence"
	stale := strconv.FormatInt(time.Now().Add(-indexSlack).UnixMilli(), 10)
	if err := r.client.ZRemRangeByScore(ctx, index, "-inf", "("+stale).Err(); err != nil {
		return nil, fmt.Errorf("redis: agents: %w", err)
	}
	ids, err := r.client.ZRange(ctx, index, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: agents: %w", err)
	}
	out := make([]handoff.AgentPresence, 0, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		keys := make([]string, len(chunk))
		for i, id := range chunk {
			keys[i] = r.key(id)
		}
		vals, err := r.client.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, fmt.Errorf("redis: agents: %w", err)
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue // lapsed
			}
			var p handoff.AgentPresence
			if err := json.Unmarshal([]byte(s), &p); err != nil {
				return nil, fmt.Errorf("redis: agents: %w", err)
			}
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b handoff.AgentPresence) int { return strings.Compare(a.UserID, b.UserID) })
	return out, nil
}

// Agent returns one live agent; ENOTFOUND once the key expired.
func (r *Presence) Agent(ctx context.Context, userID string) (*handoff.AgentPresence, error) {
	s, err := r.client.Get(ctx, r.key(userID)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "agent %s is not online", userID)
	} else if err != nil {
		return nil, fmt.Errorf("redis: agent: %w", err)
	}
	var p handoff.AgentPresence
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("redis: agent: %w", err)
	}
	return &p, nil
}

// LastSeen returns the agent's last heartbeat, or records noticed for an agent
// with no record (SET NX, so the first replica to notice wins) and returns what
// is recorded.
func (r *Presence) LastSeen(ctx context.Context, userID string, noticed time.Time) (time.Time, error) {
	var get *goredis.StringCmd
	_, err := r.client.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
		pipe.SetNX(ctx, r.seenKey(userID), noticed.UnixMilli(), handoff.LastSeenTTL)
		get = pipe.Get(ctx, r.seenKey(userID))
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("redis: last seen: %w", err)
	}
	ms, err := get.Int64()
	if err != nil {
		return time.Time{}, fmt.Errorf("redis: last seen: %w", err)
	}
	return time.UnixMilli(ms), nil
}

// Pace reserves the agent's next offered chat for every (SET NX PX), unless
// one stands.
func (r *Presence) Pace(ctx context.Context, userID string, every time.Duration) (bool, error) {
	if every < time.Millisecond {
		return true, nil
	}
	ok, err := r.client.SetNX(ctx, r.prefix+"pace:"+userID, 1, every).Result()
	if err != nil {
		return false, fmt.Errorf("redis: pace: %w", err)
	}
	return ok, nil
}
