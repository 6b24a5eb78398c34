package fanout

import (
	"testing"

	"github.com/gridline/gridline"
)

// TestHub checks what a switchboard relies on: first and last subscriber of a
// topic are reported (Redis subscribes and unsubscribes on them), a full mailbox
// loses events instead of blocking, and Close closes every channel once.
func TestHub(t *testing.T) {
	var h Hub
	a, first, err := h.Join("t")
	if err != nil || !first {
		t.Fatalf("first Join: first %v, err %v", first, err)
	}
	b, first, _ := h.Join("t")
	if first {
		t.Fatal("second Join of a topic reported first")
	}
	for i := range Buffer + 5 {
		if err := h.Deliver("t", gridline.Event{Seq: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(a.Events()); n != Buffer {
		t.Fatalf("mailbox holds %d events, want its buffer %d", n, Buffer)
	}
	if a.Leave() {
		t.Fatal("Leave of one of two mailboxes reported last")
	}
	if !b.Leave() {
		t.Fatal("Leave of the topic's last mailbox did not report last")
	}
	if b.Leave() {
		t.Fatal("a second Leave reported last")
	}
	c, _, _ := h.Join("u")
	if !h.Close() || h.Close() {
		t.Fatal("Close should report true once, then false")
	}
	if _, ok := <-c.Events(); ok {
		t.Fatal("Close left a mailbox open")
	}
	if c.Leave() {
		t.Fatal("Leave after Close reported last")
	}
	if _, _, err := h.Join("u"); gridline.ErrorCode(err) != gridline.EUNAVAILABLE {
		t.Fatalf("Join after Close: %v, want EUNAVAILABLE", err)
	}
	if err := h.Deliver("u", gridline.Event{}); gridline.ErrorCode(err) != gridline.EUNAVAILABLE {
		t.Fatalf("Deliver after Close: %v, want EUNAVAILABLE", err)
	}
}
