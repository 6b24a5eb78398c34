package redis

import (
	"encoding/json"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/handoff"
)

// FuzzDecodeTicket: whatever a ticket hash holds (another version's shape, a
// corrupted value), decoding it and scoring it never panics, and the score keeps
// a higher priority first.
func FuzzDecodeTicket(f *testing.F) {
	for _, s := range []string{
		`{"conversation_id":"c1","skill":"billing","priority":2,"enqueued_at":"2026-11-27T09:00:00Z"}`,
		`{"priority":-99999999999}`, `{"enqueued_at":"0001-01-01T00:00:00Z"}`, `{"enqueued_at":"9999-12-31T23:59:59Z"}`, `[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tk handoff.Ticket
		if json.Unmarshal(data, &tk) != nil {
			return
		}
		tk.Priority = max(0, min(tk.Priority, handoff.MaxPriority))
		lower := tk
		if tk.Priority > 0 {
			lower.Priority--
			if score(tk) >= score(lower) {
				t.Fatalf("priority %d scores %d, not before priority %d at %d", tk.Priority, score(tk), lower.Priority, score(lower))
			}
		}
	})
}

// FuzzDecodeEvent: a pub/sub payload of any content never panics the reader's
// decoding, and an event it decodes survives a round trip.
func FuzzDecodeEvent(f *testing.F) {
	ev, _ := json.Marshal(gridline.Event{Type: gridline.EventMessage, Seq: 3, Origin: "replica-a"})
	for _, s := range [][]byte{ev, []byte(`{"type":"typing","data":{"author":{"kind":"customer"}}}`), []byte(`{"seq":"x"}`), nil, []byte(`{`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e gridline.Event
		if json.Unmarshal(data, &e) != nil {
			return
		}
		again, err := json.Marshal(e)
		if err != nil {
			return // e.g. data holding a value JSON cannot carry back out
		}
		var e2 gridline.Event
		if err := json.Unmarshal(again, &e2); err != nil || e2.Type != e.Type || e2.Seq != e.Seq {
			t.Fatalf("round trip of %q: %+v, %v", data, e2, err)
		}
	})
}
