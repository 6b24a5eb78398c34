package conversation_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/conversation/conversationtest"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestMemoryLeaseContract(t *testing.T) {
	conversationtest.RunLease(t, func(t *testing.T) (conversation.Lease, func(time.Duration)) {
		c := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
		return conversation.NewMemoryLease(c.Now), c.Advance
	})
}
