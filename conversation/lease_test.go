package conversation_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/conversation/conversationtest"
	"github.com/gridline/gridline/internal/testclock"
)

func TestMemoryLeaseContract(t *testing.T) {
	conversationtest.RunLease(t, func(t *testing.T) (conversation.Lease, func(time.Duration)) {
		c := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		return conversation.NewMemoryLease(c.Now), c.Advance
	})
}
