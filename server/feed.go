package server

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// feed delivers one conversation's messages to one client in seq order, none
// missed and none twice: the replay from the store and the live events meet at
// the highest seq delivered, and a gap in live seqs is filled from the store.
// Its mutex also orders every other frame of the conversation to that client.
type feed struct {
	store  gridline.Store
	convID string
	// send writes one message to the client; it is called with mu held. A
	// replay or gap fill sends many at once, so send must wait for room
	// (socket.sendJSON does) rather than drop a client that is reading.
	send func(m *gridline.Message)

	mu        sync.Mutex
	delivered int64 // highest seq given to send
	ready     bool  // replayed: live events flow
}

// replayLocked sends what the client has not seen after lastSeq and opens the
// live flow. A lastSeq beyond the conversation's end means the client remembers
// another history: it gets everything.
func (f *feed) replayLocked(ctx context.Context, lastSeq, knownLast int64) error {
	if lastSeq > knownLast {
		lastSeq = 0
	}
	f.delivered = lastSeq
	err := f.fillLocked(ctx, 0)
	f.ready = true
	return err
}

// fillLocked sends stored messages after f.delivered, up to upTo (0: all).
func (f *feed) fillLocked(ctx context.Context, upTo int64) error {
	msgs, err := f.store.Messages(ctx, f.convID, f.delivered, 0)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if upTo > 0 && m.Seq > upTo {
			break
		}
		f.deliverLocked(m)
	}
	return nil
}

func (f *feed) deliverLocked(m *gridline.Message) {
	if m.Seq <= f.delivered {
		return
	}
	f.delivered = m.Seq
	f.send(m)
}

// catchUpLocked sends whatever the store has beyond what was delivered: live
// delivery is best effort, and a lost event for the last message of a
// conversation would otherwise go unnoticed until the next one.
func (f *feed) catchUpLocked(ctx context.Context) error {
	if !f.ready {
		return nil
	}
	return f.fillLocked(ctx, 0)
}

// liveLocked delivers a message event's message, first filling any gap before
// it from the store. A malformed event is dropped.
func (f *feed) liveLocked(ctx context.Context, data json.RawMessage) error {
	var m gridline.Message
	if err := json.Unmarshal(data, &m); err != nil || m.Seq == 0 {
		return nil
	}
	if m.Seq > f.delivered+1 {
		if err := f.fillLocked(ctx, m.Seq-1); err != nil {
			return err // deliver nothing past the gap: the next event or catch-up retries
		}
	}
	f.deliverLocked(&m)
	return nil
}

// catchUpEvery is how often a socket checks the store for messages whose live
// event it never received.
const catchUpEvery = 20 * time.Second
