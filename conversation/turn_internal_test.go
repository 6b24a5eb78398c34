package conversation

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
)

// TestTurnQueue: inputs come out in order, one worker per conversation, and a
// flood drops the oldest waiting turn, never the newest.
func TestTurnQueue(t *testing.T) {
	var q turnQueue
	if start, _ := q.enqueue("c", bot.Input{Text: "1"}); !start {
		t.Fatal("the first input did not start a worker")
	}
	for i := 2; i <= maxPendingTurns+2; i++ {
		start, dropped := q.enqueue("c", bot.Input{Text: strconv.Itoa(i)})
		if start {
			t.Fatalf("input %d started a second worker", i)
		}
		if dropped != (i > maxPendingTurns) {
			t.Fatalf("input %d: dropped=%v", i, dropped)
		}
	}
	if start, _ := q.enqueue("other", bot.Input{Text: "x"}); !start {
		t.Fatal("another conversation shares a worker")
	}
	var got []string
	for in, ok := q.next("c"); ok; in, ok = q.next("c") {
		got = append(got, in.Text)
	}
	if want := "[3 4 5 6]"; fmt.Sprint(got) != want {
		t.Fatalf("turns %v, want %s", got, want)
	}
	if start, _ := q.enqueue("c", bot.Input{Text: "7"}); !start {
		t.Fatal("after the worker ended, a new input did not start one")
	}
}

func TestHandoffTarget(t *testing.T) {
	tests := []struct {
		name         string
		reply        bot.Reply
		skill        string
		wantPriority int
	}{
		{"no skill goes to general", bot.Reply{}, gridline.SkillGeneral, gridline.PriorityNormal},
		{"the bot's skill", bot.Reply{Skill: gridline.SkillBilling}, gridline.SkillBilling, gridline.PriorityNormal},
		{"danger is urgent", bot.Reply{Skill: gridline.SkillRepair, Urgent: true}, gridline.SkillRepair, gridline.PriorityUrgent},
		{"vulnerable keeps its priority", bot.Reply{Priority: gridline.PriorityVulnerable}, gridline.SkillGeneral, gridline.PriorityVulnerable},
		{"urgent never lowers a higher priority", bot.Reply{Urgent: true, Priority: gridline.PriorityUrgent + 5}, gridline.SkillGeneral, gridline.PriorityUrgent + 5},
	}
	for _, tt := range tests {
		skill, prio := handoffTarget(tt.reply)
		if skill != tt.skill || prio != tt.wantPriority {
			t.Errorf("%s: %s/%d, want %s/%d", tt.name, skill, prio, tt.skill, tt.wantPriority)
		}
	}
}

// TestTextTable: every key has both languages.
func TestTextTable(t *testing.T) {
	for key := range texts[gridline.LangEN] {
		if texts[gridline.LangZH][key] == "" {
			t.Errorf("%s has no Chinese text", key)
		}
	}
	for key := range texts[gridline.LangZH] {
		if texts[gridline.LangEN][key] == "" {
			t.Errorf("%s has no English text", key)
		}
	}
}
