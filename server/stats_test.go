package server

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/store"
)

func TestComputeStats(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(Config{Store: st, Board: memory.NewSwitchboard()})

	cust := &gridline.Customer{Lang: gridline.LangEN}
	if err := st.CreateCustomer(ctx, cust); err != nil {
		t.Fatal(err)
	}
	at := func(min int) *time.Time { v := time.Date(2026, 11, 27, 9, min, 0, 0, time.UTC); return &v }
	convs := []struct {
		c        gridline.Conversation
		messages int
	}{
		{gridline.Conversation{Status: gridline.StatusBot}, 1},      // greeted, never wrote: not counted for the bot
		{gridline.Conversation{Status: gridline.StatusBot}, 3},      // the bot answered
		{gridline.Conversation{Status: gridline.StatusResolved}, 3}, // the bot answered, closed
		{gridline.Conversation{Status: gridline.StatusQueued, QueuedAt: at(0)}, 3},
		{gridline.Conversation{Status: gridline.StatusResolved, OwnerID: "a", HandlerID: "a", QueuedAt: at(0), AssignedAt: at(2), ResolvedAt: at(9), Rating: 5}, 5},
		{gridline.Conversation{Status: gridline.StatusActive, OwnerID: "b", HandlerID: "b", QueuedAt: at(10), AssignedAt: at(11)}, 4},
		{gridline.Conversation{Status: gridline.StatusResolved, OwnerID: "b", HandlerID: "b", QueuedAt: at(20), AssignedAt: at(20), ResolvedAt: at(30), Rating: 2}, 4},
	}
	for i := range convs {
		c := convs[i].c
		c.CustomerID, c.Lang = cust.ID, gridline.LangEN
		want := c
		if err := st.CreateConversation(ctx, &c); err != nil {
			t.Fatal(err)
		}
		want.ID, want.CreatedAt = c.ID, c.CreatedAt
		if err := st.UpdateConversation(ctx, &want); err != nil {
			t.Fatal(err)
		}
		for j := range convs[i].messages {
			if _, err := st.AppendMessage(ctx, &gridline.Message{ConversationID: c.ID, Text: "x",
				Author: gridline.Author{Kind: []gridline.AuthorKind{gridline.AuthorBot, gridline.AuthorCustomer}[min(j, 1)]}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.CreateRequest(ctx, &gridline.Request{Kind: gridline.RequestCallback, Phone: "12345", Text: "call me"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"weather tomorrow", "weather tomorrow", "capital of france"} {
		if err := st.RecordUnanswered(ctx, q, gridline.LangEN, "fallback"); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.computeStats(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Conversations: 7, Handoffs: 4, BotResolvedRate: 0.333, AvgWaitSeconds: 60, // (120+60+0)/3
		AvgRating: 3.5, Ratings: 2, OpenRequests: 1, Unanswered: 2}
	if *got != want {
		t.Errorf("stats\n got %+v\nwant %+v", *got, want)
	}

	later, err := s.computeStats(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if later.Conversations != 0 || later.Handoffs != 0 || later.OpenRequests != 1 {
		t.Errorf("stats since an hour from now: %+v", later)
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		sum  float64
		n    int
		want float64
	}{{0, 0, 0}, {5, 0, 0}, {1, 3, 0.333}, {2, 3, 0.667}, {9, 2, 4.5}}
	for _, tt := range tests {
		if got := ratio(tt.sum, tt.n); got != tt.want {
			t.Errorf("ratio(%v, %d) = %v, want %v", tt.sum, tt.n, got, tt.want)
		}
	}
}

// BenchmarkStats measures GET /stats's computation over stores of growing size:
// the store counts in one SQL pass (a scan, so it still grows linearly).
func BenchmarkStats(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			st, err := store.Open(ctx, filepath.Join(b.TempDir(), "db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			cust := &gridline.Customer{Lang: gridline.LangEN}
			if err := st.CreateCustomer(ctx, cust); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				c := &gridline.Conversation{CustomerID: cust.ID, Lang: gridline.LangEN, Status: gridline.StatusResolved, Rating: 1 + i%5}
				if err := st.CreateConversation(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			s := New(Config{Store: st, Board: memory.NewSwitchboard()})
			b.ResetTimer()
			for range b.N {
				if _, err := s.computeStats(ctx, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
