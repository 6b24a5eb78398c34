package redis_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/bot/bottest"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/handofftest"
	"github.com/gridline/gridline/handoff/redis"
	"github.com/gridline/gridline/internal/testenv"
)

// testClient and testPrefix are the one Redis test setup (testenv's), under
// the names this package's tests call it by: a client of the test's own that
// skips when GRIDLINE_TEST_REDIS_URL is unset, and a key prefix of the test's own.
var (
	testClient = testenv.RedisClient
	testPrefix = testenv.RedisPrefix
)

func TestSwitchboard(t *testing.T) {
	client := testClient(t)
	handofftest.RunSwitchboard(t, func(t *testing.T) gridline.Switchboard {
		return redis.NewSwitchboard(client, "test-"+gridline.NewID())
	})
}

func TestQueue(t *testing.T) {
	client := testClient(t)
	handofftest.RunQueue(t, func(t *testing.T) handoff.Queue {
		return redis.NewQueue(client, testPrefix(t, client))
	})
}

func TestPresence(t *testing.T) {
	client := testClient(t)
	handofftest.RunPresence(t, func(t *testing.T, now func() time.Time) handoff.Presence {
		return redis.NewPresence(client, testPrefix(t, client))
	})
}

func TestFlows(t *testing.T) {
	client := testClient(t)
	bottest.RunFlows(t, func(t *testing.T, ttl time.Duration, now func() time.Time) bot.FlowStore {
		return redis.NewFlows(client, testPrefix(t, client), ttl)
	})
}

// TestSwitchboardAcrossReplicas is the scale-out promise: an event published on
// one replica's switchboard reaches a subscriber on another, with the publisher's
// origin stamped on it.
func TestSwitchboardAcrossReplicas(t *testing.T) {
	client := testClient(t)
	other := testClient(t) // a second replica has its own client
	a, b := redis.NewSwitchboard(client, "replica-a"), redis.NewSwitchboard(other, "replica-b")
	t.Cleanup(func() { a.Close(); b.Close() })
	ctx := context.Background()
	topic := gridline.ConversationTopic(gridline.NewID())
	sub, err := b.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := a.Publish(ctx, topic, gridline.Event{Type: gridline.EventMessage, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.Events():
		if ev.Origin != "replica-a" || ev.Seq != 1 {
			t.Fatalf("got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other replica never received the event")
	}
}

// TestSwitchboardSharesOneConnection checks that many subscribers cost one
// PubSub connection, not one each.
func TestSwitchboardSharesOneConnection(t *testing.T) {
	// A client of its own, named, so that other tests' connections do not count.
	client, name := namedClient(t)
	sb := redis.NewSwitchboard(client, "conns")
	t.Cleanup(func() { sb.Close() })
	ctx := context.Background()
	var subs []gridline.Subscription
	for i := 0; i < 50; i++ {
		sub, err := sb.Subscribe(ctx, gridline.ConversationTopic(gridline.NewID()))
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	if n := countPubSubClients(t, client, name); n != 1 {
		t.Fatalf("50 subscriptions hold %d pub/sub connections, want 1", n)
	}
	for _, sub := range subs {
		sub.Close()
	}
}

// countPubSubClients counts the connections called name that are subscribed.
func countPubSubClients(t *testing.T, client *goredis.Client, name string) int {
	t.Helper()
	list, err := client.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if slices.Contains(fields, "name="+name) && !slices.Contains(fields, "sub=0") {
			n++
		}
	}
	return n
}

// namedClient returns a client of its own whose connections carry a unique
// name, so a test can find (or kill) exactly its connections in CLIENT LIST.
func namedClient(t *testing.T) (*goredis.Client, string) {
	t.Helper()
	name := "gridlinetest-" + gridline.NewID()
	opt := testClient(t).Options()
	opt.ClientName = name
	client := goredis.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	return client, name
}

// TestSwitchboardSurvivesAReconnect kills the switchboard's pub/sub connection:
// the existing subscription resumes once go-redis has reconnected and
// resubscribed, and new subscriptions work.
func TestSwitchboardSurvivesAReconnect(t *testing.T) {
	client, name := namedClient(t)
	sb := redis.NewSwitchboard(client, "reconnect")
	t.Cleanup(func() { sb.Close() })
	ctx := context.Background()
	topic := gridline.ConversationTopic(gridline.NewID())
	sub, err := sb.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	list, err := client.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if !slices.Contains(fields, "name="+name) || slices.Contains(fields, "sub=0") {
			continue
		}
		for _, f := range fields {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := client.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatal(err)
				}
				killed++
			}
		}
	}
	if killed != 1 {
		t.Fatalf("killed %d pub/sub connections, want 1", killed)
	}

	resumed := func() bool {
		if err := sb.Publish(ctx, topic, gridline.Event{Type: "after-reconnect"}); err != nil {
			t.Fatal(err)
		}
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatal("subscription closed by a reconnect")
			}
			return ev.Type == "after-reconnect"
		case <-time.After(200 * time.Millisecond):
			return false
		}
	}
	for deadline := time.Now().Add(10 * time.Second); !resumed(); {
		if time.Now().After(deadline) {
			t.Fatal("the subscription never resumed after the connection was killed")
		}
	}
	other, err := sb.Subscribe(ctx, gridline.ConversationTopic(gridline.NewID()))
	if err != nil {
		t.Fatalf("Subscribe after a reconnect: %v", err)
	}
	other.Close()
}

// TestClaimSkipsAnOrphanedIndexEntry: a queue entry whose ticket is gone (as an
// evicting maxmemory policy could leave) must not block the queue behind it.
func TestClaimSkipsAnOrphanedIndexEntry(t *testing.T) {
	client := testClient(t)
	prefix := testPrefix(t, client)
	q := redis.NewQueue(client, prefix)
	ctx := context.Background()
	base := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for i, id := range []string{"orphan", "next"} {
		if err := q.Enqueue(ctx, handoff.Ticket{ConversationID: id, Skill: gridline.SkillRepair, EnqueuedAt: base.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.HDel(ctx, prefix+"tickets", "orphan").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := q.Claim(ctx, "ann", []string{gridline.SkillRepair}, 5)
	if err != nil || got.ConversationID != "next" {
		t.Fatalf("Claim = %+v, %v; want next", got, err)
	}
	if n, _ := q.Load(ctx, "ann"); n != 1 {
		t.Fatalf("load %d", n)
	}
}
