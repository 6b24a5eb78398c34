package conversation

import (
	"context"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// Lease grants one holder at a time a named right for a while: here, running
// one conversation's bot turns, so that a customer who reconnects to another
// replica mid-turn still gets their answers one at a time and in order. A holder
// that dies loses the lease when its ttl runs out. MemoryLease implements it in
// process; handoff/redis.Lease over Redis for several replicas;
// conversation/conversationtest.RunLease is the contract both pass.
type Lease interface {
	// Acquire takes key for ttl when nobody holds it and returns the holder's
	// token; it returns "" (and no error) while someone else holds it.
	Acquire(ctx context.Context, key string, ttl time.Duration) (token string, err error)
	// Extend renews token's hold on key for ttl from now. It reports false when
	// token no longer holds key (the lease lapsed, and maybe another took it).
	Extend(ctx context.Context, key, token string, ttl time.Duration) (bool, error)
	// Release gives key up if token still holds it; releasing a lease that has
	// lapsed or passed to another holder does nothing.
	Release(ctx context.Context, key, token string) error
}

var _ Lease = (*MemoryLease)(nil)

// MemoryLease is a Lease in one process's memory: a map of holders under a
// mutex. It orders turns among the sockets of one replica only; switch to the
// Redis lease as soon as more than one replica serves customers.
type MemoryLease struct {
	now func() time.Time

	mu   sync.Mutex
	held map[string]memoryHold
}

type memoryHold struct {
	token   string
	expires time.Time
}

// NewMemoryLease returns an empty lease table; now is the clock (nil: time.Now).
func NewMemoryLease(now func() time.Time) *MemoryLease {
	if now == nil {
		now = time.Now
	}
	return &MemoryLease{now: now, held: make(map[string]memoryHold)}
}

// Acquire implements Lease.
func (l *MemoryLease) Acquire(_ context.Context, key string, ttl time.Duration) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if h, ok := l.held[key]; ok && now.Before(h.expires) {
		return "", nil
	}
	token := gridline.NewID()
	l.held[key] = memoryHold{token: token, expires: now.Add(ttl)}
	return token, nil
}

// Extend implements Lease.
func (l *MemoryLease) Extend(_ context.Context, key, token string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	h, ok := l.held[key]
	if !ok || h.token != token || !now.Before(h.expires) {
		return false, nil
	}
	l.held[key] = memoryHold{token: token, expires: now.Add(ttl)}
	return true, nil
}

// Release implements Lease.
func (l *MemoryLease) Release(_ context.Context, key, token string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.held[key]; ok && h.token == token {
		delete(l.held, key)
	}
	return nil
}
