// Package bottest is the contract every bot.FlowStore passes: the memory store
// in package bot and the shared one in handoff/redis run the same suite, so a
// customer's place in a guided flow means the same on one replica or many.
package bottest

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/internal/testclock"
)

// ttl is short so that stores on real time (Redis) expire quickly; long enough
// that a loaded machine still finds a fresh flow.
const ttl = 700 * time.Millisecond

// RunFlows checks storing, reading, deleting and expiring flows. open returns an
// empty FlowStore of its own that keeps a flow for ttl and may read the time
// from now (stores on the server's time expire by the real ttl instead).
func RunFlows(t *testing.T, open func(t *testing.T, ttl time.Duration, now func() time.Time) bot.FlowStore) {
	ctx := context.Background()
	report := bot.Flow{Name: bot.FlowFault, Step: "details", Address: "12 Elm Street, Springfield", Phone: "13800138000",
		Detail: "只有我家 / only my home", Attempts: 2, Offered: map[string]int64{"meter-running-fast": 7, "pay-a-bill": 12},
		Next: []string{"pay-a-bill"}, Topic: "电表走得快", Article: "meter-running-fast"}

	t.Run("NoneUntilSet", func(t *testing.T) {
		s := open(t, time.Hour, (&testclock.Clock{}).Now)
		got, err := s.Flow(ctx, "conv-1")
		if err != nil || !got.Empty() || got.Step != "" {
			t.Fatalf("Flow of a new conversation = %+v, %v; want the zero flow", got, err)
		}
	})

	t.Run("EveryFieldSurvives", func(t *testing.T) {
		s := open(t, time.Hour, (&testclock.Clock{}).Now)
		if err := s.SetFlow(ctx, "conv-1", report); err != nil {
			t.Fatal(err)
		}
		got, err := s.Flow(ctx, "conv-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != report.Name || got.Step != report.Step || got.Address != report.Address || got.Phone != report.Phone ||
			got.Detail != report.Detail || got.Attempts != report.Attempts || !maps.Equal(got.Offered, report.Offered) ||
			!slices.Equal(got.Next, report.Next) || got.Topic != report.Topic || got.Article != report.Article {
			t.Fatalf("Flow = %+v, want %+v", got, report)
		}
		got.Offered["other"] = 99
		again, _ := s.Flow(ctx, "conv-1")
		if _, leaked := again.Offered["other"]; leaked {
			t.Fatal("changing a returned flow changed the stored one")
		}
		if other, _ := s.Flow(ctx, "conv-2"); !other.Empty() {
			t.Fatalf("another conversation sees %+v", other)
		}
	})

	t.Run("OfferedAloneIsKept", func(t *testing.T) {
		s := open(t, time.Hour, (&testclock.Clock{}).Now)
		if err := s.SetFlow(ctx, "conv-1", bot.Flow{Offered: map[string]int64{"a": 1}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Flow(ctx, "conv-1"); got.Offered["a"] != 1 {
			t.Fatalf("offered articles outside a flow were not kept: %+v", got)
		}
	})

	t.Run("ReplaceAndDelete", func(t *testing.T) {
		s := open(t, time.Hour, (&testclock.Clock{}).Now)
		if err := s.SetFlow(ctx, "conv-1", report); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFlow(ctx, "conv-1", bot.Flow{Name: bot.FlowOutage, Step: "ask"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Flow(ctx, "conv-1"); got.Name != bot.FlowOutage || got.Address != "" || len(got.Offered) != 0 {
			t.Fatalf("the newer flow did not replace the older: %+v", got)
		}
		if err := s.SetFlow(ctx, "conv-1", bot.Flow{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Flow(ctx, "conv-1"); !got.Empty() {
			t.Fatalf("the zero flow did not delete: %+v", got)
		}
		if err := s.SetFlow(ctx, "never-here", bot.Flow{}); err != nil {
			t.Fatalf("deleting an absent flow: %v", err)
		}
	})

	t.Run("StatelessAskKeepsNothing", func(t *testing.T) {
		s := open(t, time.Hour, (&testclock.Clock{}).Now)
		if err := s.SetFlow(ctx, "", report); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Flow(ctx, ""); err != nil || !got.Empty() {
			t.Fatalf("Flow(\"\") = %+v, %v", got, err)
		}
	})

	t.Run("UntouchedFlowExpires", func(t *testing.T) {
		// Real time for every store (the clock is real time unless jumped), so
		// that a store on the server's clock is held to the same: the assertions
		// on what must still be there check how much time really passed.
		s := open(t, ttl, (&testclock.Clock{}).Now)
		if err := s.SetFlow(ctx, "walked-away", report); err != nil {
			t.Fatal(err)
		}
		set := time.Now()
		if err := s.SetFlow(ctx, "still-typing", report); err != nil {
			t.Fatal(err)
		}
		time.Sleep(ttl / 2)
		if got, _ := s.Flow(ctx, "walked-away"); got.Empty() && time.Since(set) < ttl {
			t.Fatal("a flow expired before its time")
		}
		if err := s.SetFlow(ctx, "still-typing", report); err != nil { // touched: its time starts again
			t.Fatal(err)
		}
		touched := time.Now()
		eventually(t, "the untouched flow expires", func() bool {
			got, err := s.Flow(ctx, "walked-away")
			if err != nil {
				t.Fatal(err)
			}
			return got.Empty()
		})
		if got, _ := s.Flow(ctx, "still-typing"); got.Empty() && time.Since(touched) < ttl {
			t.Fatal("a touched flow expired with the untouched one")
		}
	})
}

// eventually polls cond for a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
