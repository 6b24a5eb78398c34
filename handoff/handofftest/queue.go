package handofftest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// base is the enqueue time the queue tests count from; a fixed instant keeps the
// expected orders readable.
var base = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// RunQueue checks serving order, updates in place, removal, positions, claims
// (skills, owner first, capacity), manual picks, loads, and THE RACE: many agents
// claiming at once never share a ticket, never lose one, and never exceed their
// capacity. open returns an empty queue of its own.
func RunQueue(t *testing.T, open func(t *testing.T) handoff.Queue) {
	ctx := context.Background()

	t.Run("ServingOrder", func(t *testing.T) {
		q := open(t)
		enqueue(t, q,
			ticket("late", "billing", 0, 3),
			ticket("early", "billing", 0, 1),
			ticket("urgent", "billing", gridline.PriorityUrgent, 9),
			ticket("vulnerable", "billing", gridline.PriorityVulnerable, 5),
			ticket("low", "billing", -1, 0),
			ticket("other", "repair", 0, 0),
		)
		assertOrder(t, q, "billing", "urgent", "vulnerable", "early", "late", "low")
		assertOrder(t, q, "repair", "other")
		assertOrder(t, q, "", "urgent", "vulnerable", "other", "early", "late", "low")
		for want, id := range []string{"urgent", "vulnerable", "early", "late", "low"} {
			if got, err := q.Position(ctx, id); err != nil || got != want+1 {
				t.Errorf("Position(%s) = %d, %v; want %d", id, got, err, want+1)
			}
		}
		if got, err := q.Position(ctx, "other"); err != nil || got != 1 {
			t.Errorf("Position(other) = %d, %v; want 1 in its own skill", got, err)
		}
	})

	t.Run("SameMillisecondOrdersByConversationID", func(t *testing.T) {
		q := open(t)
		b, a := ticket("b", "general", 0, 7), ticket("a", "general", 0, 7)
		b.EnqueuedAt = b.EnqueuedAt.Add(100 * time.Microsecond) // later, but within the millisecond
		enqueue(t, q, b, a)
		assertOrder(t, q, "general", "a", "b")
		if got, err := q.Claim(ctx, "ann", []string{"general"}, 5); err != nil || got.ConversationID != "a" {
			t.Fatalf("Claim = %v, %v; want a", got, err)
		}
	})

	t.Run("KeepsTicketFields", func(t *testing.T) {
		q := open(t)
		want := handoff.Ticket{ConversationID: "c", CustomerID: "cust", Skill: "repair", Priority: 5, EnqueuedAt: base.Add(1234 * time.Millisecond), OwnerID: "owner"}
		enqueue(t, q, want)
		got, err := q.List(ctx, "repair")
		if err != nil || len(got) != 1 {
			t.Fatalf("List = %v, %v", got, err)
		}
		assertTicket(t, got[0], want)
	})

	t.Run("EnqueueAgainMovesInPlace", func(t *testing.T) {
		q := open(t)
		enqueue(t, q, ticket("a", "billing", 0, 1), ticket("b", "billing", 0, 2), ticket("c", "billing", 0, 3))
		enqueue(t, q, ticket("c", "billing", gridline.PriorityUrgent, 3))
		assertOrder(t, q, "billing", "c", "a", "b")
		enqueue(t, q, ticket("a", "repair", 0, 1)) // a skill change
		assertOrder(t, q, "billing", "c", "b")
		assertOrder(t, q, "repair", "a")
		all, _ := q.List(ctx, "")
		if len(all) != 3 {
			t.Fatalf("List(all) has %d tickets after updates, want 3", len(all))
		}
	})

	t.Run("RejectsInvalidTickets", func(t *testing.T) {
		q := open(t)
		for _, bad := range []handoff.Ticket{
			{Skill: "billing"},
			{ConversationID: "x"},
			{ConversationID: "x", Skill: "billing", Priority: handoff.MaxPriority + 1},
			{ConversationID: "x", Skill: "billing", Priority: -handoff.MaxPriority - 1},
		} {
			if err := q.Enqueue(ctx, bad); gridline.ErrorCode(err) != gridline.EINVALID {
				t.Errorf("Enqueue(%+v) = %v, want EINVALID", bad, err)
			}
		}
		if err := q.Enqueue(ctx, ticket("edge", "billing", handoff.MaxPriority, 0)); err != nil {
			t.Errorf("Enqueue at MaxPriority: %v", err)
		}
		if err := q.Enqueue(ctx, ticket("edge2", "billing", -handoff.MaxPriority, 0)); err != nil {
			t.Errorf("Enqueue at -MaxPriority: %v", err)
		}
		assertOrder(t, q, "billing", "edge", "edge2")
	})

	t.Run("Remove", func(t *testing.T) {
		q := open(t)
		enqueue(t, q, ticket("a", "billing", 0, 1), ticket("b", "billing", 0, 2))
		if err := q.Remove(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := q.Remove(ctx, "never-queued"); err != nil {
			t.Fatalf("Remove of an unqueued conversation: %v", err)
		}
		if _, err := q.Position(ctx, "a"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
			t.Fatalf("Position after Remove = %v, want ENOTFOUND", err)
		}
		if p, err := q.Position(ctx, "b"); err != nil || p != 1 {
			t.Fatalf("Position(b) = %d, %v; want 1", p, err)
		}
	})

	t.Run("ClaimTakesBestAcrossTheAgentsSkills", func(t *testing.T) {
		q := open(t)
		enqueue(t, q,
			ticket("billing-old", "billing", 0, 1),
			ticket("repair-urgent", "repair", gridline.PriorityUrgent, 5),
			ticket("complaint-urgent", "complaint", gridline.PriorityUrgent, 0), // not this agent's skill
			ticket("repair-new", "repair", 0, 9),
		)
		skills := []string{"billing", "repair"}
		for _, want := range []string{"repair-urgent", "billing-old", "repair-new"} {
			got, err := q.Claim(ctx, "ann", skills, 10)
			if err != nil || got.ConversationID != want {
				t.Fatalf("Claim = %v, %v; want %s", got, err, want)
			}
		}
		if _, err := q.Claim(ctx, "ann", skills, 10); gridline.ErrorCode(err) != gridline.ENOTFOUND {
			t.Fatalf("Claim of an empty queue = %v, want ENOTFOUND", err)
		}
		if n, _ := q.Load(ctx, "ann"); n != 3 {
			t.Fatalf("Load = %d after three claims", n)
		}
		assertOrder(t, q, "complaint", "complaint-urgent")
	})

	t.Run("ClaimOffersOwnersTicketsFirstWithinPriority", func(t *testing.T) {
		q := open(t)
		owned := ticket("owned", "billing", 0, 9)
		owned.OwnerID = "ann"
		ownedLow := ticket("owned-low", "repair", -1, 0)
		ownedLow.OwnerID = "ann"
		enqueue(t, q, ticket("first", "billing", 0, 1), owned, ownedLow,
			ticket("urgent", "repair", gridline.PriorityUrgent, 20))
		// Bob owns nothing: plain serving order.
		if got, _ := q.Claim(ctx, "bob", []string{"billing"}, 5); got == nil || got.ConversationID != "first" {
			t.Fatalf("bob claimed %v, want first", got)
		}
		enqueue(t, q, ticket("first", "billing", 0, 1))
		// Ann: the urgent ticket beats her own normal one; then hers beats an older one.
		for _, want := range []string{"urgent", "owned", "first", "owned-low"} {
			got, err := q.Claim(ctx, "ann", []string{"billing", "repair"}, 5)
			if err != nil || got.ConversationID != want {
				t.Fatalf("ann claimed %v, %v; want %s", got, err, want)
			}
		}
	})

	t.Run("ClaimRespectsCapacity", func(t *testing.T) {
		q := open(t)
		enqueue(t, q, ticket("a", "general", 0, 1), ticket("b", "general", 0, 2))
		if _, err := q.Claim(ctx, "ann", []string{"general"}, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Claim(ctx, "ann", []string{"general"}, 1); gridline.ErrorCode(err) != gridline.ECONFLICT {
			t.Fatalf("Claim when full = %v, want ECONFLICT", err)
		}
		if _, err := q.ClaimConversation(ctx, "ann", "b", 1); gridline.ErrorCode(err) != gridline.ECONFLICT {
			t.Fatalf("ClaimConversation when full = %v, want ECONFLICT", err)
		}
		assertOrder(t, q, "general", "b") // a refused claim takes nothing
		if err := q.Release(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		if got, err := q.Claim(ctx, "ann", []string{"general"}, 1); err != nil || got.ConversationID != "b" {
			t.Fatalf("Claim after Release = %v, %v", got, err)
		}
	})

	t.Run("ClaimConversation", func(t *testing.T) {
		q := open(t)
		enqueue(t, q, ticket("a", "billing", gridline.PriorityUrgent, 1), ticket("b", "billing", 0, 2))
		got, err := q.ClaimConversation(ctx, "ann", "b", 3)
		if err != nil || got.ConversationID != "b" || got.Skill != "billing" {
			t.Fatalf("ClaimConversation = %+v, %v", got, err)
		}
		if _, err := q.ClaimConversation(ctx, "bob", "b", 3); gridline.ErrorCode(err) != gridline.ENOTFOUND {
			t.Fatalf("second ClaimConversation = %v, want ENOTFOUND", err)
		}
		if n, _ := q.Load(ctx, "ann"); n != 1 {
			t.Fatalf("Load(ann) = %d", n)
		}
		if n, _ := q.Load(ctx, "bob"); n != 0 {
			t.Fatalf("Load(bob) = %d after a failed pick", n)
		}
		assertOrder(t, q, "billing", "a")
	})

	t.Run("Loads", func(t *testing.T) {
		q := open(t)
		if n, err := q.Load(ctx, "nobody"); err != nil || n != 0 {
			t.Fatalf("Load of an unknown agent = %d, %v", n, err)
		}
		if err := q.AddLoad(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		if err := q.AddLoad(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		if n, _ := q.Load(ctx, "ann"); n != 2 {
			t.Fatalf("Load after two AddLoad = %d", n)
		}
		for i := 0; i < 3; i++ {
			if err := q.Release(ctx, "ann"); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := q.Load(ctx, "ann"); n != 0 {
			t.Fatalf("Load after releasing more than held = %d, want 0", n)
		}
		if err := q.SetLoad(ctx, "ann", 4); err != nil {
			t.Fatal(err)
		}
		if n, _ := q.Load(ctx, "ann"); n != 4 {
			t.Fatalf("Load after SetLoad(4) = %d", n)
		}
		if err := q.SetLoad(ctx, "ann", 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := q.Load(ctx, "ann"); n != 0 {
			t.Fatalf("Load after SetLoad(0) = %d", n)
		}
	})

	t.Run("RaceEveryTicketClaimedExactlyOnce", func(t *testing.T) {
		q := open(t)
		const tickets, agents = 200, 32
		for i := 0; i < tickets; i++ {
			tk := ticket(fmt.Sprintf("conv-%03d", i), gridline.Skills[i%len(gridline.Skills)], i%3*gridline.PriorityVulnerable, i)
			if i%7 == 0 {
				tk.OwnerID = fmt.Sprintf("agent-%02d", i%agents)
			}
			enqueue(t, q, tk)
		}
		claimed := make([][]string, agents)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for a := 0; a < agents; a++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("agent-%02d", a)
				<-start
				for {
					tk, err := q.Claim(ctx, id, gridline.Skills, tickets+1)
					if gridline.ErrorCode(err) == gridline.ENOTFOUND {
						return
					} else if err != nil {
						t.Errorf("%s: Claim: %v", id, err)
						return
					}
					claimed[a] = append(claimed[a], tk.ConversationID)
				}
			}()
		}
		close(start)
		wg.Wait()
		seen := make(map[string]string)
		total := 0
		for a, ids := range claimed {
			id := fmt.Sprintf("agent-%02d", a)
			for _, c := range ids {
				if other, dup := seen[c]; dup {
					t.Errorf("%s given to both %s and %s", c, other, id)
				}
				seen[c] = id
			}
			total += len(ids)
			if n, err := q.Load(ctx, id); err != nil || n != len(ids) {
				t.Errorf("Load(%s) = %d, %v; it claimed %d", id, n, err, len(ids))
			}
		}
		if total != tickets || len(seen) != tickets {
			t.Fatalf("claimed %d (%d distinct) of %d tickets", total, len(seen), tickets)
		}
		if left, _ := q.List(ctx, ""); len(left) != 0 {
			t.Fatalf("%d tickets left in the queue", len(left))
		}
	})

	t.Run("RaceCapacityHoldsUnderConcurrency", func(t *testing.T) {
		q := open(t)
		const tickets, agents, capacity, tabs = 100, 8, 3, 4
		for i := 0; i < tickets; i++ {
			enqueue(t, q, ticket(fmt.Sprintf("conv-%03d", i), gridline.SkillGeneral, 0, i))
		}
		var mu sync.Mutex
		perAgent := make(map[string]int)
		var wg sync.WaitGroup
		start := make(chan struct{})
		// Each agent has several consoles open, all claiming at once, half of them
		// by manual pick of the same conversations.
		for a := 0; a < agents; a++ {
			for tab := 0; tab < tabs; tab++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprintf("agent-%d", a)
					<-start
					for i := 0; ; i++ {
						var err error
						if tab%2 == 0 {
							_, err = q.Claim(ctx, id, []string{gridline.SkillGeneral}, capacity)
						} else {
							_, err = q.ClaimConversation(ctx, id, fmt.Sprintf("conv-%03d", i%tickets), capacity)
							if gridline.ErrorCode(err) == gridline.ENOTFOUND {
								continue
							}
						}
						if gridline.ErrorCode(err) == gridline.ECONFLICT {
							return
						} else if err != nil {
							t.Errorf("%s: %v", id, err)
							return
						}
						mu.Lock()
						perAgent[id]++
						mu.Unlock()
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		total := 0
		for a := 0; a < agents; a++ {
			id := fmt.Sprintf("agent-%d", a)
			if perAgent[id] != capacity {
				t.Errorf("%s holds %d chats, capacity %d", id, perAgent[id], capacity)
			}
			if n, _ := q.Load(ctx, id); n != perAgent[id] {
				t.Errorf("Load(%s) = %d, claimed %d", id, n, perAgent[id])
			}
			total += perAgent[id]
		}
		left, _ := q.List(ctx, gridline.SkillGeneral)
		if total+len(left) != tickets {
			t.Fatalf("%d claimed + %d waiting != %d enqueued", total, len(left), tickets)
		}
	})

	t.Run("RaceOnePickWins", func(t *testing.T) {
		q := open(t)
		enqueue(t, q, ticket("contested", gridline.SkillRepair, gridline.PriorityUrgent, 0))
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		start := make(chan struct{})
		for a := 0; a < 32; a++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("agent-%02d", a)
				<-start
				_, err := q.ClaimConversation(ctx, id, "contested", 5)
				if err == nil {
					mu.Lock()
					winners = append(winners, id)
					mu.Unlock()
				} else if gridline.ErrorCode(err) != gridline.ENOTFOUND {
					t.Errorf("%s: %v", id, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("the conversation went to %v", winners)
		}
	})
}

// ticket builds a ticket enqueued ms milliseconds after base.
func ticket(id, skill string, priority, ms int) handoff.Ticket {
	return handoff.Ticket{ConversationID: id, CustomerID: "cust-" + id, Skill: skill, Priority: priority,
		EnqueuedAt: base.Add(time.Duration(ms) * time.Millisecond)}
}

func enqueue(t *testing.T, q handoff.Queue, ts ...handoff.Ticket) {
	t.Helper()
	for _, tk := range ts {
		if err := q.Enqueue(context.Background(), tk); err != nil {
			t.Fatalf("Enqueue(%s): %v", tk.ConversationID, err)
		}
	}
}

func assertOrder(t *testing.T, q handoff.Queue, skill string, want ...string) {
	t.Helper()
	got, err := q.List(context.Background(), skill)
	if err != nil {
		t.Fatalf("List(%q): %v", skill, err)
	}
	ids := make([]string, len(got))
	for i, tk := range got {
		ids[i] = tk.ConversationID
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("List(%q) = %v, want %v", skill, ids, want)
	}
}

func assertTicket(t *testing.T, got, want handoff.Ticket) {
	t.Helper()
	if got.ConversationID != want.ConversationID || got.CustomerID != want.CustomerID || got.Skill != want.Skill ||
		got.Priority != want.Priority || !got.EnqueuedAt.Equal(want.EnqueuedAt) || got.OwnerID != want.OwnerID {
		t.Fatalf("ticket = %+v, want %+v", got, want)
	}
}
