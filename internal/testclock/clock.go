// Package testclock is the one clock tests hand to code that reads the time, so
// that a test moves time on instead of sleeping. It imports nothing of
// Gridline, so that any package's tests, and the contract suites, may use it
// without an import cycle.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source that a test moves with Advance. A Clock made by At
// stands still between moves. The zero Clock follows real time plus whatever
// Advance added: for contract suites whose implementations also keep time on a
// server (Redis expiries) that no test can stop, so that a jump is seen at
// once by those that read the clock and after the real wait by the others.
// It is safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	at   time.Time // zero: real time
	skew time.Duration
}

// At returns a clock stopped at t.
func At(t time.Time) *Clock { return &Clock{at: t} }

// Now is the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now().Add(c.skew)
	}
	return c.at.Add(c.skew)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew += d
}
