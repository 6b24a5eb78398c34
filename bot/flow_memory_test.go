package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/bot/bottest"
)

func TestMemoryFlows(t *testing.T) {
	bottest.RunFlows(t, func(t *testing.T, ttl time.Duration, now func() time.Time) bot.FlowStore {
		return bot.NewMemoryFlows(0, ttl, now)
	})
}

// TestMemoryFlowsBounded: the memory store holds at most its bound, dropping the
// least recently used first, and cleans expired flows out as it goes.
func TestMemoryFlowsBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	s := bot.NewMemoryFlows(10, time.Minute, func() time.Time { return now })
	get := func(id string) bot.Flow {
		f, err := s.Flow(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for i := range 100 {
		if err := s.SetFlow(ctx, string(rune('A'+i)), bot.Flow{Name: bot.FlowFault}); err != nil {
			t.Fatal(err)
		}
	}
	if s.Len() != 10 {
		t.Fatalf("held %d flows, want at most 10", s.Len())
	}
	if get("A").Name != "" || get(string(rune('A'+99))).Name != bot.FlowFault {
		t.Fatal("the least recently used flow must go first")
	}
	now = now.Add(2 * time.Minute)
	if get(string(rune('A'+99))).Name != "" {
		t.Fatal("an expired flow was returned")
	}
	_ = s.SetFlow(ctx, "new", bot.Flow{Name: bot.FlowOutage})
	if s.Len() != 1 {
		t.Fatalf("expired flows kept: %d", s.Len())
	}
}
