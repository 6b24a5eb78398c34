package testclock_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline/internal/testclock"
)

func TestStopped(t *testing.T) {
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	c := testclock.At(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Fatalf("after Advance: Now = %v, want %v", got, start.Add(90*time.Second))
	}
}

func TestRealPlusJumps(t *testing.T) {
	var c testclock.Clock
	if d := time.Until(c.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("zero clock is %v off real time", d)
	}
	c.Advance(time.Hour)
	if d := time.Until(c.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("after a 1 h jump the clock is %v ahead, want about 1 h", d)
	}
}
