package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/redis"
)

// TestSwitchboardPrefixesKeepDeploymentsApart runs two deployments side by side
// on one real Redis, each under its own GRIDLINE_REDIS_PREFIX, subscribed to the
// same topic: each hears its own events only, and every channel Redis holds for
// them starts with its deployment's prefix. Before channels honoured the prefix,
// both subscribed to "gridline:<topic>" and each heard the other.
func TestSwitchboardPrefixesKeepDeploymentsApart(t *testing.T) {
	client := testClient(t)
	ctx := context.Background()
	pa, pb := "gridlinetest:"+gridline.NewID()+":", "gridlinetest:"+gridline.NewID()+":"
	a := redis.NewPrefixedSwitchboard(client, pa, "deployment-a")
	b := redis.NewPrefixedSwitchboard(testClient(t), pb, "deployment-b")
	t.Cleanup(func() { a.Close(); b.Close() })
	topic := gridline.ConversationTopic(gridline.NewID())
	subA, err := a.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer subA.Close()
	subB, err := b.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer subB.Close()

	for _, p := range []string{pa, pb} {
		chans, err := client.PubSubChannels(ctx, p+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(chans) != 1 || chans[0] != p+topic {
			t.Fatalf("channels under %q = %v, want [%s]", p, chans, p+topic)
		}
	}
	if chans, _ := client.PubSubChannels(ctx, redis.DefaultPrefix+topic).Result(); len(chans) != 0 {
		t.Fatalf("a prefixed deployment subscribed the default channel %v", chans)
	}

	if err := a.Publish(ctx, topic, gridline.Event{Type: gridline.EventMessage, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, topic, gridline.Event{Type: gridline.EventMessage, Seq: 2}); err != nil {
		t.Fatal(err)
	}
	expect := func(name string, sub gridline.Subscription, seq int64, origin string) {
		t.Helper()
		select {
		case ev := <-sub.Events():
			if ev.Seq != seq || ev.Origin != origin {
				t.Fatalf("%s heard %+v, want seq %d from %s", name, ev, seq, origin)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s never heard its own deployment's event", name)
		}
		// The other deployment's event was published before this one arrived;
		// had it crossed over it would be here within moments.
		select {
		case ev := <-sub.Events():
			t.Fatalf("%s heard the other deployment: %+v", name, ev)
		case <-time.After(200 * time.Millisecond):
		}
	}
	expect("deployment a", subA, 1, "deployment-a")
	expect("deployment b", subB, 2, "deployment-b")
}
