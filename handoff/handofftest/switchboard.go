// Package handofftest is the contract every implementation of the handoff seams
// passes: handoff/memory everywhere, handoff/redis when a Redis is configured.
// Each Run function takes a factory and runs one body of subtests against it, so
// a behaviour the desk relies on cannot differ between one replica and many.
package handofftest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// wait bounds how long a test waits for an event that must arrive.
const wait = 5 * time.Second

// RunSwitchboard checks delivery, fan-out, isolation between topics, ordering,
// unsubscribing, that a stalled subscriber never blocks a publisher, and Close.
// open returns a fresh switchboard; the suite closes it. Topics are random, so
// the suite may share a Redis with other tests.
func RunSwitchboard(t *testing.T, open func(t *testing.T) gridline.Switchboard) {
	t.Run("DeliversAfterSubscribeReturns", func(t *testing.T) {
		sb := openBoard(t, open)
		topic := randomTopic()
		sub := subscribe(t, sb, topic)
		want := gridline.Event{Type: gridline.EventMessage, ConversationID: "c1", Seq: 7, Data: json.RawMessage(`{"text":"停电了"}`)}
		if err := sb.Publish(context.Background(), topic, want); err != nil {
			t.Fatal(err)
		}
		got := receive(t, sub)
		if got.Type != want.Type || got.ConversationID != want.ConversationID || got.Seq != want.Seq || string(got.Data) != string(want.Data) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("FansOutAndIsolatesTopics", func(t *testing.T) {
		sb := openBoard(t, open)
		a, b := randomTopic(), randomTopic()
		a1, a2, b1 := subscribe(t, sb, a), subscribe(t, sb, a), subscribe(t, sb, b)
		ctx := context.Background()
		if err := sb.Publish(ctx, a, gridline.Event{Type: "x", Seq: 1}); err != nil {
			t.Fatal(err)
		}
		if err := sb.Publish(ctx, b, gridline.Event{Type: "y", Seq: 2}); err != nil {
			t.Fatal(err)
		}
		if ev := receive(t, a1); ev.Type != "x" {
			t.Fatalf("first subscriber of a got %+v", ev)
		}
		if ev := receive(t, a2); ev.Type != "x" {
			t.Fatalf("second subscriber of a got %+v", ev)
		}
		if ev := receive(t, b1); ev.Type != "y" {
			t.Fatalf("subscriber of b got %+v (an event of a leaked)", ev)
		}
		assertQuiet(t, a1, a2, b1)
	})

	t.Run("KeepsOrderPerTopic", func(t *testing.T) {
		sb := openBoard(t, open)
		topic := randomTopic()
		sub := subscribe(t, sb, topic)
		const n = 100
		for i := 1; i <= n; i++ {
			if err := sb.Publish(context.Background(), topic, gridline.Event{Type: "message", Seq: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 1; i <= n; i++ {
			if ev := receive(t, sub); ev.Seq != int64(i) {
				t.Fatalf("event %d has seq %d", i, ev.Seq)
			}
		}
	})

	t.Run("CloseOneKeepsTheOthers", func(t *testing.T) {
		sb := openBoard(t, open)
		topic := randomTopic()
		first, second := subscribe(t, sb, topic), subscribe(t, sb, topic)
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		if err := first.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, ok := <-drain(first); ok {
			t.Fatal("a closed subscription's channel is still open")
		}
		if err := sb.Publish(context.Background(), topic, gridline.Event{Type: "after"}); err != nil {
			t.Fatal(err)
		}
		if ev := receive(t, second); ev.Type != "after" {
			t.Fatalf("remaining subscriber got %+v", ev)
		}
		// Unsubscribing the last one and subscribing again must be live at once.
		if err := second.Close(); err != nil {
			t.Fatal(err)
		}
		third := subscribe(t, sb, topic)
		if err := sb.Publish(context.Background(), topic, gridline.Event{Type: "again"}); err != nil {
			t.Fatal(err)
		}
		if ev := receive(t, third); ev.Type != "again" {
			t.Fatalf("resubscribed got %+v", ev)
		}
	})

	t.Run("StalledSubscriberNeverBlocksPublisher", func(t *testing.T) {
		sb := openBoard(t, open)
		topic := randomTopic()
		stalled := subscribe(t, sb, topic) // never read
		_ = stalled
		live := subscribe(t, sb, topic)
		const n = 3000
		done := make(chan error, 1)
		go func() {
			for i := 1; i <= n; i++ {
				if err := sb.Publish(context.Background(), topic, gridline.Event{Type: "message", Seq: int64(i)}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		// The live subscriber keeps reading while the stalled one's buffer fills.
		stop := make(chan struct{})
		var readers sync.WaitGroup
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				case <-live.Events():
				}
			}
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(4 * wait):
			t.Fatal("publisher blocked behind a stalled subscriber")
		}
		close(stop)
		readers.Wait()
		// The live subscriber still receives: a marker published now (again, in
		// case it was dropped while the live buffer was full) must arrive.
		deadline := time.Now().Add(4 * wait)
		for {
			if err := sb.Publish(context.Background(), topic, gridline.Event{Type: "end"}); err != nil {
				t.Fatal(err)
			}
			ev, ok := receiveWithin(live, 100*time.Millisecond)
			for ok && ev.Type != "end" {
				ev, ok = receiveWithin(live, 100*time.Millisecond)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the live subscriber stopped receiving")
			}
		}
	})

	t.Run("ConcurrentSubscribePublishClose", func(t *testing.T) {
		sb := openBoard(t, open)
		topic := randomTopic()
		ctx := context.Background()
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					sub, err := sb.Subscribe(ctx, topic)
					if err != nil {
						t.Error(err)
						return
					}
					if err := sb.Publish(ctx, topic, gridline.Event{Type: "churn"}); err != nil {
						t.Error(err)
					}
					// The subscriber's own event must reach it: it was live.
					if ev, ok := receiveWithin(sub, wait); !ok || ev.Type != "churn" {
						t.Errorf("churning subscriber missed its event: %+v %v", ev, ok)
					}
					if err := sub.Close(); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	})

	t.Run("PingAndClose", func(t *testing.T) {
		sb := open(t)
		if err := sb.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		sub := subscribe(t, sb, randomTopic())
		if err := sb.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case _, ok := <-drain(sub):
			if ok {
				t.Fatal("subscription still delivering after the switchboard closed")
			}
		case <-time.After(wait):
			t.Fatal("Close did not close the subscriptions")
		}
		if err := sub.Close(); err != nil {
			t.Fatalf("Close after switchboard Close: %v", err)
		}
		if _, err := sb.Subscribe(context.Background(), randomTopic()); err == nil {
			t.Fatal("Subscribe after Close succeeded")
		}
	})
}

func openBoard(t *testing.T, open func(t *testing.T) gridline.Switchboard) gridline.Switchboard {
	t.Helper()
	sb := open(t)
	t.Cleanup(func() { sb.Close() })
	return sb
}

func subscribe(t *testing.T, sb gridline.Switchboard, topic string) gridline.Subscription {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	sub, err := sb.Subscribe(ctx, topic)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", topic, err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

func receive(t *testing.T, sub gridline.Subscription) gridline.Event {
	t.Helper()
	ev, ok := receiveWithin(sub, wait)
	if !ok {
		t.Fatal("no event arrived")
	}
	return ev
}

func receiveWithin(sub gridline.Subscription, d time.Duration) (gridline.Event, bool) {
	select {
	case ev, ok := <-sub.Events():
		return ev, ok
	case <-time.After(d):
		return gridline.Event{}, false
	}
}

// assertQuiet fails if any subscription receives something within a short while.
func assertQuiet(t *testing.T, subs ...gridline.Subscription) {
	t.Helper()
	time.Sleep(100 * time.Millisecond)
	for _, sub := range subs {
		select {
		case ev := <-sub.Events():
			t.Fatalf("unexpected event %+v", ev)
		default:
		}
	}
}

// drain discards buffered events and returns a channel that yields the
// subscription's final state: closed (ok false) or still open (ok true).
func drain(sub gridline.Subscription) <-chan gridline.Event {
	out := make(chan gridline.Event, 1)
	go func() {
		for {
			select {
			case ev, ok := <-sub.Events():
				if !ok {
					close(out)
					return
				}
				_ = ev
			case <-time.After(wait):
				out <- gridline.Event{}
				return
			}
		}
	}()
	return out
}

func randomTopic() string { return fmt.Sprintf("test:%s", gridline.NewID()) }
