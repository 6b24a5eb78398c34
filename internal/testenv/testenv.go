// Package testenv gives a test the shapes Gridline runs in, each with state of
// the test's own, the way upspin's testenv does: the embedded one (a SQLite file
// in the test's temporary folder and the in-process handoff) and the scale-out
// one (PostgreSQL on a schema of the test's own, Redis under a key prefix of the
// test's own). The scale-out shape skips the test when GRIDLINE_TEST_POSTGRES_URL
// or GRIDLINE_TEST_REDIS_URL is unset; .ci/run always sets both, so in CI every
// shape runs. Because nothing is shared between tests, tests that use it may run
// in parallel. It is a test helper; only _test.go files import it.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/memory"
	hredis "github.com/gridline/gridline/handoff/redis"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/store/storetest"
)

// RedisEnv names the variable that points the Redis suites at a server.
const RedisEnv = "GRIDLINE_TEST_REDIS_URL"

// Setup is one shape with state of the test's own. Its URLs are what
// `gridline serve` is configured with; Store and Handoff open the parts the way
// the server wires them, for tests below the whole program.
type Setup struct {
	// DatabaseURL is a SQLite path or a postgres:// URL.
	DatabaseURL string
	// RedisURL is empty for the in-process handoff.
	RedisURL string
	// RedisPrefix namespaces the test's Redis keys; they are deleted when it ends.
	RedisPrefix string

	once   sync.Once
	memory Handoff // the embedded shape's one in-process handoff
}

// Handoff is the switchboard, queue and presence of one replica.
type Handoff struct {
	Board    gridline.Switchboard
	Queue    handoff.Queue
	Presence handoff.Presence
}

// Embedded is the default shape: a fresh SQLite file and the in-process handoff.
func Embedded(tb testing.TB) *Setup {
	return &Setup{DatabaseURL: filepath.Join(tb.TempDir(), "gridline.db")}
}

// ScaleOut is the shape behind a load balancer: PostgreSQL on a schema of the
// test's own and Redis under a prefix of the test's own. It skips the test when
// either service is not configured.
func ScaleOut(tb testing.TB) *Setup {
	tb.Helper()
	client := RedisClient(tb)
	return &Setup{DatabaseURL: storetest.PostgresURL(tb),
		RedisURL: os.Getenv(RedisEnv), RedisPrefix: RedisPrefix(tb, client)}
}

// A Shape opens a Setup of one shape for each test that asks.
type Shape struct {
	Name string // for subtest names
	Open func(testing.TB) *Setup
}

// Shapes lists every shape, for tests that run one body in each.
func Shapes() []Shape {
	return []Shape{{"embedded", Embedded}, {"scale-out", ScaleOut}}
}

// Store opens the setup's database (migrated), closed when the test ends. Each
// call is another connection to the same data, as another replica has.
func (s *Setup) Store(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), s.DatabaseURL)
	if err != nil {
		tb.Fatalf("testenv: open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Handoff returns the handoff of a replica named node. In the embedded shape
// there is one process, so every call returns the same in-process parts; in the
// scale-out shape each call is a replica of its own with its own Redis client,
// all under the setup's prefix.
func (s *Setup) Handoff(tb testing.TB, node string) Handoff {
	tb.Helper()
	if s.RedisURL == "" {
		s.once.Do(func() {
			board := memory.NewSwitchboard()
			tb.Cleanup(func() { board.Close() })
			s.memory = Handoff{Board: board, Queue: memory.NewQueue(), Presence: memory.NewPresence(nil)}
		})
		return s.memory
	}
	client := RedisClient(tb)
	board := hredis.NewSwitchboard(client, node)
	tb.Cleanup(func() { board.Close() })
	return Handoff{Board: board, Queue: hredis.NewQueue(client, s.RedisPrefix), Presence: hredis.NewPresence(client, s.RedisPrefix)}
}

// RedisClient connects to $GRIDLINE_TEST_REDIS_URL, closed when the test ends.
// It skips the test when the variable is unset and fails it when the server
// does not answer.
func RedisClient(tb testing.TB) *goredis.Client {
	tb.Helper()
	url := os.Getenv(RedisEnv)
	if url == "" {
		tb.Skip(RedisEnv + " is not set; skipping the Redis suite (CI sets it)")
	}
	client, err := hredis.Open(url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		tb.Fatalf("Redis at %s does not answer: %v", url, err)
	}
	return client
}

// RedisPrefix returns a key prefix no other test uses and deletes its keys when
// the test ends.
func RedisPrefix(tb testing.TB, client *goredis.Client) string {
	tb.Helper()
	prefix := "gridlinetest:" + gridline.NewID() + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("testenv: Redis cleanup scan: %v", err)
		}
		if len(keys) > 0 {
			if err := client.Del(ctx, keys...).Err(); err != nil {
				tb.Errorf("testenv: Redis cleanup: %v", err)
			}
		}
	})
	return prefix
}
