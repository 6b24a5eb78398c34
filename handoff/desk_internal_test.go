package handoff

import (
	"testing"
	"time"
)

func TestEstimateWait(t *testing.T) {
	for _, tc := range []struct {
		name            string
		handle          time.Duration
		position, slots int
		want            int
	}{
		{"not waiting", 5 * time.Minute, 0, 3, 0},
		{"first of one slot", 5 * time.Minute, 1, 1, 300},
		{"third of one slot", 5 * time.Minute, 3, 1, 900},
		{"third of three slots", 5 * time.Minute, 3, 3, 300},
		{"rounds up", 100 * time.Second, 1, 3, 34},
		{"nobody online counts one slot", 2 * time.Minute, 2, 0, 240},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := estimateWait(tc.handle, tc.position, tc.slots); got != tc.want {
				t.Fatalf("estimateWait(%v, %d, %d) = %d, want %d", tc.handle, tc.position, tc.slots, got, tc.want)
			}
		})
	}
}

func TestPickAgent(t *testing.T) {
	agents := []AgentPresence{
		{UserID: "ann", Skills: []string{"billing"}, Capacity: 2},
		{UserID: "bob", Skills: []string{"billing", "repair"}, Capacity: 4},
		{UserID: "cat", Skills: []string{"repair"}, Capacity: 1},
	}
	for _, tc := range []struct {
		name   string
		ticket Ticket
		loads  map[string]int
		want   string
	}{
		{"least loaded with the skill", Ticket{Skill: "billing"}, map[string]int{"ann": 1, "bob": 0}, "bob"},
		{"equal load: more free room", Ticket{Skill: "billing"}, map[string]int{}, "bob"},
		{"the owner first", Ticket{Skill: "billing", OwnerID: "ann"}, map[string]int{"ann": 1}, "ann"},
		{"the owner even without the skill", Ticket{Skill: "repair", OwnerID: "ann"}, map[string]int{}, "ann"},
		{"a full owner is passed over", Ticket{Skill: "billing", OwnerID: "ann"}, map[string]int{"ann": 2}, "bob"},
		{"an owner offline is passed over", Ticket{Skill: "repair", OwnerID: "dan"}, map[string]int{"bob": 3}, "cat"},
		{"nobody has room", Ticket{Skill: "repair"}, map[string]int{"bob": 4, "cat": 1}, ""},
		{"nobody has the skill", Ticket{Skill: "complaint"}, map[string]int{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pickAgent(tc.ticket, agents, tc.loads)
			if (got == nil && tc.want != "") || (got != nil && got.UserID != tc.want) {
				t.Fatalf("pickAgent = %v, want %q", got, tc.want)
			}
		})
	}
}
