package bot

import (
	"sync"
	"time"
)

// breaker is a circuit breaker in front of the LLM. After failures consecutive
// failures it opens and the bot answers extractively without calling the model
// for cooldown; then one probe is let through (half-open): its success closes the
// breaker, its failure opens it again. So a dead or slow endpoint costs one
// customer a few seconds per cool-down, not every customer every time.
type breaker struct {
	mu       sync.Mutex
	failures int
	cooldown time.Duration
	now      func() time.Time

	consecutive int
	openedAt    time.Time
	open        bool
	probing     bool
}

// Breaker states, as reported to logs and tests.
const (
	breakerClosed   = "closed"
	breakerOpen     = "open"
	breakerHalfOpen = "half-open"
)

// allow reports whether a call may go to the model now. In the half-open state
// only one caller at a time is allowed through; it must report with done.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true
	}
	if b.probing || b.now().Sub(b.openedAt) < b.cooldown {
		return false
	}
	b.probing = true
	return true
}

// done records the outcome of a call allow let through.
func (b *breaker) done(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if ok {
		b.consecutive = 0
		b.open = false
		return
	}
	b.consecutive++
	if b.open || b.consecutive >= b.failures {
		b.open = true
		b.openedAt = b.now()
	}
}

// release ends a call allow let through that says nothing about the model (the
// customer went away), leaving the breaker's state as it was.
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// state returns closed, open or half-open (open, cool-down over, a probe allowed).
func (b *breaker) state() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return breakerClosed
	case b.probing || b.now().Sub(b.openedAt) >= b.cooldown:
		return breakerHalfOpen
	}
	return breakerOpen
}
