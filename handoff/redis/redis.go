// Package redis implements the handoff seams over Redis (go-redis v9) so that
// several gridline replicas share one set of queues, one view of who is online,
// and one fan-out of live events: a customer connected to one replica and an
// agent connected to another talk as if they shared a process. It passes the
// same contract suite (handoff/handofftest) as handoff/memory.
//
// Every key lives under a prefix ("gridline:" by default). The queue's scripts
// build key names inside Lua, so the package targets a standalone Redis (or a
// Sentinel-managed primary), not Redis Cluster.
package redis

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
)

// DefaultPrefix is the key prefix used when a constructor is given "".
const DefaultPrefix = "gridline:"

// Open returns a client for a redis:// or rediss:// URL such as the value of
// GRIDLINE_REDIS_URL ("redis://:password@host:6379/0"). It does not dial: the
// first command does, and /readyz reports a Redis that does not answer.
func Open(url string) (*goredis.Client, error) {
	if url == "" {
		return nil, gridline.Errorf(gridline.EINVALID, "no Redis URL given")
	}
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse url: %w", err)
	}
	return goredis.NewClient(opt), nil
}

func prefixOr(prefix string) string {
	if prefix == "" {
		return DefaultPrefix
	}
	return prefix
}
