package handofftest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/internal/testclock"
)

// ttl is short so that implementations on real time (Redis) lapse quickly; it is
// long enough that a loaded machine still sees a fresh heartbeat as alive.
const ttl = 700 * time.Millisecond

// The presence suites run on a testclock.Clock of real time plus jumps:
// implementations that take a clock (memory) see a jump at once; those on the
// server's time (Redis) lapse when the real ttl has passed, so every lapse check
// polls briefly.

// RunPresence checks heartbeats, their expiry, renewal, updates and Leave, the
// last-seen clock and the pace reservations. open
// returns an empty Presence of its own that may read the time from now.
func RunPresence(t *testing.T, open func(t *testing.T, now func() time.Time) handoff.Presence) {
	ctx := context.Background()

	t.Run("HeartbeatMakesAgentVisible", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		before := clock.Now()
		in := handoff.AgentPresence{UserID: "ann", Status: handoff.AgentOnline, Skills: []string{"billing", "repair"}, Capacity: 3}
		if err := p.Heartbeat(ctx, in, time.Minute); err != nil {
			t.Fatal(err)
		}
		got, err := p.Agent(ctx, "ann")
		if err != nil {
			t.Fatalf("Agent: %v", err)
		}
		if got.UserID != "ann" || got.Status != handoff.AgentOnline || !slices.Equal(got.Skills, in.Skills) || got.Capacity != 3 {
			t.Fatalf("Agent = %+v", got)
		}
		if got.SeenAt.Before(before.Add(-time.Second)) || got.SeenAt.After(clock.Now().Add(time.Second)) {
			t.Fatalf("SeenAt %v is not the time of the heartbeat (%v)", got.SeenAt, before)
		}
		if _, err := p.Agent(ctx, "nobody"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
			t.Fatalf("Agent(nobody) = %v, want ENOTFOUND", err)
		}
	})

	t.Run("AgentsListsTheLiveOnes", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		for _, id := range []string{"cat", "ann", "bob"} {
			if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: id, Status: handoff.AgentOnline, Skills: []string{"general"}, Capacity: 2}, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "bob", Status: handoff.AgentAway, Skills: []string{"general"}, Capacity: 2}, time.Minute); err != nil {
			t.Fatal(err)
		}
		got, err := p.Agents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(got))
		for i, a := range got {
			ids[i] = a.UserID
			if a.UserID == "bob" && a.Status != handoff.AgentAway {
				t.Errorf("bob's newer heartbeat (away) did not replace the older: %+v", a)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []string{"ann", "bob", "cat"}) {
			t.Fatalf("Agents = %v", ids)
		}
	})

	t.Run("LeaveForgetsAtOnce", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "ann", Status: handoff.AgentOnline}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := p.Leave(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		if err := p.Leave(ctx, "never-here"); err != nil {
			t.Fatalf("Leave of an absent agent: %v", err)
		}
		if _, err := p.Agent(ctx, "ann"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
			t.Fatalf("Agent after Leave = %v, want ENOTFOUND", err)
		}
		if got, _ := p.Agents(ctx); len(got) != 0 {
			t.Fatalf("Agents after Leave = %v", got)
		}
	})

	t.Run("LapsedHeartbeatIsInvisible", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "ann", Status: handoff.AgentOnline}, ttl); err != nil {
			t.Fatal(err)
		}
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "bob", Status: handoff.AgentOnline}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Agent(ctx, "ann"); err != nil {
			t.Fatalf("fresh heartbeat not visible: %v", err)
		}
		clock.Advance(2 * ttl)
		eventually(t, "ann's lapsed heartbeat disappears", func() bool {
			_, err := p.Agent(ctx, "ann")
			if code := gridline.ErrorCode(err); code != "" && code != gridline.ENOTFOUND {
				t.Fatalf("Agent: %v", err)
			}
			return err != nil
		})
		agents, err := p.Agents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(agents) != 1 || agents[0].UserID != "bob" {
			t.Fatalf("Agents after ann lapsed = %+v, want only bob", agents)
		}
	})

	t.Run("HeartbeatRenews", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		beat := func() {
			if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "ann", Status: handoff.AgentOnline}, ttl); err != nil {
				t.Fatal(err)
			}
		}
		beat()
		for i := 0; i < 3; i++ {
			time.Sleep(ttl / 2)
			beat()
		}
		if _, err := p.Agent(ctx, "ann"); err != nil {
			t.Fatalf("renewed heartbeat lapsed: %v", err)
		}
	})

	t.Run("LastSeenOutlivesTheHeartbeat", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		beat := clock.Now()
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "ann", Status: handoff.AgentOnline}, ttl); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * ttl)
		eventually(t, "ann's heartbeat lapses", func() bool {
			_, err := p.Agent(ctx, "ann")
			return err != nil
		})
		later := clock.Now().Add(time.Hour)
		seen, err := p.LastSeen(ctx, "ann", later)
		if err != nil {
			t.Fatal(err)
		}
		if d := seen.Sub(beat); d < -time.Second || d > time.Second {
			t.Fatalf("LastSeen = %v, want the heartbeat's time %v", seen, beat)
		}
	})

	t.Run("LastSeenStartsOneClockForTheUnseen", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		first := clock.Now().Truncate(time.Millisecond)
		seen, err := p.LastSeen(ctx, "ghost", first)
		if err != nil {
			t.Fatal(err)
		}
		if !seen.Equal(first) {
			t.Fatalf("first notice = %v, want %v", seen, first)
		}
		// Another desk noticing later, or this one after a restart, reads the same.
		seen, err = p.LastSeen(ctx, "ghost", first.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !seen.Equal(first) {
			t.Fatalf("second notice = %v, want the first %v", seen, first)
		}
		// A heartbeat moves the clock to itself.
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "ghost", Status: handoff.AgentOnline}, time.Minute); err != nil {
			t.Fatal(err)
		}
		beat := clock.Now()
		seen, err = p.LastSeen(ctx, "ghost", first)
		if err != nil {
			t.Fatal(err)
		}
		if d := seen.Sub(beat); d < -time.Second || d > time.Second {
			t.Fatalf("LastSeen after a heartbeat = %v, want about %v", seen, beat)
		}
	})

	t.Run("PaceReservesOncePerInterval", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		pace := func(id string, every time.Duration) bool {
			ok, err := p.Pace(ctx, id, every)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !pace("ann", ttl) {
			t.Fatal("the first reservation was refused")
		}
		reserved := time.Now()
		if pace("ann", ttl) && time.Since(reserved) < ttl {
			t.Fatal("a second reservation within the interval was granted")
		}
		if !pace("bob", ttl) {
			t.Fatal("one agent's reservation held back another's")
		}
		if !pace("cat", 0) || !pace("cat", 0) {
			t.Fatal("a zero interval must never hold back")
		}
		clock.Advance(2 * ttl)
		eventually(t, "ann's reservation runs out", func() bool { return pace("ann", ttl) })
	})

	t.Run("RejectsNonsense", func(t *testing.T) {
		clock := &testclock.Clock{}
		p := open(t, clock.Now)
		if err := p.Heartbeat(ctx, handoff.AgentPresence{Status: handoff.AgentOnline}, time.Minute); gridline.ErrorCode(err) != gridline.EINVALID {
			t.Errorf("Heartbeat without a user = %v, want EINVALID", err)
		}
		if err := p.Heartbeat(ctx, handoff.AgentPresence{UserID: "ann"}, 0); gridline.ErrorCode(err) != gridline.EINVALID {
			t.Errorf("Heartbeat with no ttl = %v, want EINVALID", err)
		}
	})
}

// eventually polls cond for a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
