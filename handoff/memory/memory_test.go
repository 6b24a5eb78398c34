package memory_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
	"github.com/gridline/gridline/handoff/handofftest"
	"github.com/gridline/gridline/handoff/memory"
)

func TestSwitchboard(t *testing.T) {
	handofftest.RunSwitchboard(t, func(t *testing.T) gridline.Switchboard { return memory.NewSwitchboard() })
}

func TestQueue(t *testing.T) {
	handofftest.RunQueue(t, func(t *testing.T) handoff.Queue { return memory.NewQueue() })
}

func TestPresence(t *testing.T) {
	handofftest.RunPresence(t, func(t *testing.T, now func() time.Time) handoff.Presence { return memory.NewPresence(now) })
}
