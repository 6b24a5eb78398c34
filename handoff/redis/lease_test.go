package redis_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/conversation/conversationtest"
	"github.com/gridline/gridline/handoff/redis"
)

func TestLeaseContract(t *testing.T) {
	client := testClient(t)
	conversationtest.RunLease(t, func(t *testing.T) (conversation.Lease, func(time.Duration)) {
		return redis.NewLease(client, testPrefix(t, client)), time.Sleep
	})
}
