package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/conversation"
)

// Key layout under the prefix p:
//
//	p lease:<key>   string: the holder's token, expiring with the lease (PX)

var _ conversation.Lease = (*Lease)(nil)

// Lease implements conversation.Lease over Redis, so that one replica at a time
// runs a conversation's bot turns whichever replica holds the customer's socket.
// Acquire is SET NX PX; Extend and Release compare the token first in a script,
// so a holder whose lease lapsed never renews or frees its successor's.
type Lease struct {
	rdb    *goredis.Client
	prefix string
}

// NewLease returns a lease table on rdb under prefix ("" for DefaultPrefix).
func NewLease(rdb *goredis.Client, prefix string) *Lease {
	return &Lease{rdb: rdb, prefix: prefixOr(prefix)}
}

func (l *Lease) key(k string) string { return l.prefix + "lease:" + k }

// Acquire implements conversation.Lease.
func (l *Lease) Acquire(ctx context.Context, key string, ttl time.Duration) (string, error) {
	token := gridline.NewID()
	ok, err := l.rdb.SetNX(ctx, l.key(key), token, ttl).Result()
	if err != nil {
		return "", fmt.Errorf("redis: acquire lease: %w", err)
	}
	if !ok {
		return "", nil
	}
	return token, nil
}

// leaseExtendScript renews KEYS[1] for ARGV[2] ms if it still holds the token ARGV[1].
var leaseExtendScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

// leaseReleaseScript deletes KEYS[1] if it still holds the token ARGV[1].
var leaseReleaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Extend implements conversation.Lease.
func (l *Lease) Extend(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	n, err := leaseExtendScript.Run(ctx, l.rdb, []string{l.key(key)}, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redis: extend lease: %w", err)
	}
	return n == 1, nil
}

// Release implements conversation.Lease.
func (l *Lease) Release(ctx context.Context, key, token string) error {
	if err := leaseReleaseScript.Run(ctx, l.rdb, []string{l.key(key)}, token).Err(); err != nil {
		return fmt.Errorf("redis: release lease: %w", err)
	}
	return nil
}
