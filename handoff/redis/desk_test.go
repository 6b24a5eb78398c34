package redis_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/redis"
	"github.com/gridline/gridline/store"
)

// TestDeskTwoReplicas runs two desks, as two replicas would, over one store and
// one Redis: customers ask for a person on either, agents come online and claim
// on either, all at once. Every conversation gets exactly one agent, loads and
// capacities hold, and a customer listening on one replica hears the agent who
// joined through the other.
func TestDeskTwoReplicas(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "desk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	first := testClient(t)
	prefix := testPrefix(t, first)
	var desks []*handoff.Desk
	var boards []gridline.Switchboard
	for i := 0; i < 2; i++ {
		client := testClient(t) // each replica has its own client
		sb := redis.NewSwitchboard(client, fmt.Sprintf("replica-%d", i))
		t.Cleanup(func() { sb.Close() })
		boards = append(boards, sb)
		// Offers unpaced: this race is about claims, and the final AutoAssign is
		// to fill every agent at once.
		desks = append(desks, &handoff.Desk{Store: st, Queue: redis.NewQueue(client, prefix),
			Presence: redis.NewPresence(client, prefix), Board: sb, Logger: quiet, AssignEvery: -1})
	}

	const customers, agents, capacity = 24, 6, 4
	var users []*gridline.User
	for i := 0; i < agents; i++ {
		u := &gridline.User{Email: fmt.Sprintf("agent%d@utility.example", i), Name: fmt.Sprintf("Agent %d", i),
			Role: gridline.RoleAgent, Skills: []string{gridline.SkillRepair}, Capacity: capacity}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	var convs []*gridline.Conversation
	var subs []gridline.Subscription
	for i := 0; i < customers; i++ {
		cust := &gridline.Customer{Lang: gridline.LangEN}
		if err := st.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		c := &gridline.Conversation{CustomerID: cust.ID, Status: gridline.StatusBot, Lang: gridline.LangEN}
		if err := st.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, c)
		// The customer's socket is on the other replica from the request.
		sub, err := boards[(i+1)%2].Subscribe(ctx, gridline.ConversationTopic(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Close() })
		subs = append(subs, sub)
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, _, err := desks[i%2].RequestHuman(ctx, c.ID, gridline.SkillRepair, i%2*gridline.PriorityVulnerable); err != nil {
				t.Error(err)
			}
		}()
	}
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			d := desks[i%2]
			if err := d.Heartbeat(ctx, u, handoff.AgentOnline); err != nil {
				t.Error(err)
			}
			for k := 0; k < capacity; k++ {
				_, err := desks[(i+k)%2].Claim(ctx, u, "")
				if code := gridline.ErrorCode(err); code != "" && code != gridline.ENOTFOUND && code != gridline.ECONFLICT {
					t.Error(err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, d := range desks {
		if err := d.AutoAssign(ctx); err != nil {
			t.Fatal(err)
		}
	}

	held := make(map[string]int)
	for i, c := range convs {
		got, err := st.Conversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != gridline.StatusActive || got.HandlerID == "" {
			t.Errorf("%s ended %s with handler %q", c.ID, got.Status, got.HandlerID)
			continue
		}
		held[got.HandlerID]++
		ms, err := st.Messages(ctx, c.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		joins := 0
		for _, m := range ms {
			if strings.HasSuffix(m.Text, "has joined the conversation.") {
				joins++
			}
		}
		if joins != 1 {
			t.Errorf("%s: %d agents joined", c.ID, joins)
		}
		if !heard(subs[i], gridline.EventAgentJoined) {
			t.Errorf("%s: the customer on the other replica never heard agent.joined", c.ID)
		}
	}
	total := 0
	for _, u := range users {
		if held[u.ID] > capacity {
			t.Errorf("%s holds %d chats, capacity %d", u.Name, held[u.ID], capacity)
		}
		if n, _ := desks[0].Queue.Load(ctx, u.ID); n != held[u.ID] {
			t.Errorf("%s: load %d, holds %d", u.Name, n, held[u.ID])
		}
		total += held[u.ID]
	}
	if total != customers {
		t.Fatalf("%d of %d conversations assigned", total, customers)
	}
}

// heard reports whether an event of type typ arrives on sub within a few seconds.
func heard(sub gridline.Subscription, typ string) bool {
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-sub.Events():
			if ev.Type == typ {
				return true
			}
		case <-deadline:
			return false
		}
	}
}
