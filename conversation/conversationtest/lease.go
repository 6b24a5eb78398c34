// Package conversationtest is the contract suite of the conversation package's
// seams: every Lease implementation (in memory, over Redis) runs RunLease.
package conversationtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/conversation"
)

// RunLease checks a Lease. open returns a fresh, empty lease and a function that
// lets ttl-bound time pass: a test clock's Advance for the memory lease, a sleep
// for Redis (keep ttls short there).
func RunLease(t *testing.T, open func(t *testing.T) (lease conversation.Lease, pass func(time.Duration))) {
	ctx := context.Background()
	// Long enough that a busy machine does not stall past it between two calls.
	const ttl = time.Second

	t.Run("OneHolderAtATime", func(t *testing.T) {
		l, _ := open(t)
		key := "turns:" + gridline.NewID()
		a, err := l.Acquire(ctx, key, ttl)
		if err != nil || a == "" {
			t.Fatalf("acquire a free lease: %q, %v", a, err)
		}
		if b, err := l.Acquire(ctx, key, ttl); err != nil || b != "" {
			t.Fatalf("acquire a held lease: %q, %v; want \"\"", b, err)
		}
		if other, err := l.Acquire(ctx, key+"-other", ttl); err != nil || other == "" {
			t.Fatalf("another key is its own lease: %q, %v", other, err)
		}
		if err := l.Release(ctx, key, "not-the-token"); err != nil {
			t.Fatal(err)
		}
		if b, _ := l.Acquire(ctx, key, ttl); b != "" {
			t.Fatal("a release with the wrong token freed the lease")
		}
		if err := l.Release(ctx, key, a); err != nil {
			t.Fatal(err)
		}
		b, err := l.Acquire(ctx, key, ttl)
		if err != nil || b == "" || b == a {
			t.Fatalf("acquire after release: %q (first %q), %v", b, a, err)
		}
	})

	t.Run("ExtendKeepsIt", func(t *testing.T) {
		l, pass := open(t)
		// With a lease that keeps real time (Redis), a busy machine may stall
		// past the ttl between two calls; such a round proves nothing either
		// way, so it is tried again rather than failed.
		for round := 1; ; round++ {
			key := "turns:" + gridline.NewID()
			start := time.Now()
			a, _ := l.Acquire(ctx, key, ttl)
			if ok, err := l.Extend(ctx, key, "not-the-token", ttl); err != nil || ok {
				t.Fatalf("extend with the wrong token: %v, %v", ok, err)
			}
			pass(ttl * 3 / 4)
			ok, err := l.Extend(ctx, key, a, ttl)
			extended := time.Now()
			if stalled := extended.Sub(start) >= ttl; stalled && round < 5 {
				continue
			}
			if err != nil || !ok {
				t.Fatalf("extend while held: %v, %v", ok, err)
			}
			pass(ttl * 3 / 4) // past the first ttl, inside the extended one
			b, _ := l.Acquire(ctx, key, ttl)
			if stalled := time.Since(extended) >= ttl; stalled && round < 5 {
				continue
			}
			if b != "" {
				t.Fatal("an extended lease lapsed at its first ttl")
			}
			return
		}
	})

	t.Run("LapsesAfterTTL", func(t *testing.T) {
		l, pass := open(t)
		key := "turns:" + gridline.NewID()
		a, _ := l.Acquire(ctx, key, ttl)
		pass(ttl * 2)
		b, err := l.Acquire(ctx, key, ttl)
		if err != nil || b == "" {
			t.Fatalf("acquire a lapsed lease: %q, %v", b, err)
		}
		if ok, _ := l.Extend(ctx, key, a, ttl); ok {
			t.Fatal("the lapsed holder extended the new holder's lease")
		}
		if err := l.Release(ctx, key, a); err != nil {
			t.Fatal(err)
		}
		if c, _ := l.Acquire(ctx, key, ttl); c != "" {
			t.Fatal("the lapsed holder's release freed the new holder's lease")
		}
	})

	t.Run("ConcurrentAcquireHasOneWinner", func(t *testing.T) {
		l, _ := open(t)
		key := "turns:" + gridline.NewID()
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := l.Acquire(ctx, key, 5*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if tok != "" {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d holders at once, want 1", wins)
		}
	})
}
