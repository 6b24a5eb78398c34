package handoff_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline/handoff"
)

// TestServingOrder checks the order both queues serve in: priority, then
// enqueue time to the millisecond, then conversation id, and that ServesBefore
// and CompareServing never disagree.
func TestServingOrder(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tickets := []handoff.Ticket{
		{ConversationID: "late", Priority: 0, EnqueuedAt: t0.Add(time.Second)},
		{ConversationID: "b-same-ms", Priority: 0, EnqueuedAt: t0.Add(300 * time.Microsecond)},
		{ConversationID: "a-same-ms", Priority: 0, EnqueuedAt: t0.Add(700 * time.Microsecond)},
		{ConversationID: "urgent", Priority: 10, EnqueuedAt: t0.Add(time.Hour)},
		{ConversationID: "low", Priority: -5, EnqueuedAt: t0},
	}
	slices.SortFunc(tickets, handoff.CompareServing)
	var got []string
	for _, tk := range tickets {
		got = append(got, tk.ConversationID)
	}
	want := []string{"urgent", "a-same-ms", "b-same-ms", "late", "low"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for _, a := range tickets {
		for _, b := range tickets {
			if handoff.ServesBefore(a, b) != (handoff.CompareServing(a, b) < 0) {
				t.Errorf("ServesBefore(%s, %s) disagrees with CompareServing", a.ConversationID, b.ConversationID)
			}
		}
	}
}
