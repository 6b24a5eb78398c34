package server

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestReplayUnderLiveEvents is hole 11 of issue 13: a console subscribing to a
// conversation with a long history while live events of another conversation
// arrive was closed as "client stopped reading" although it read every frame —
// the replay kept the send buffer full and a live frame, sent without waiting,
// found no room. The client here reads all the time; it must get the whole
// history and the live messages, and never be dropped.
func TestReplayUnderLiveEvents(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	ann, tok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	long, busy := e.queued(), e.queued()
	for _, q := range []widgetSessionResponse{long, busy} {
		if _, err := e.desk.Claim(ctx, ann, q.ConversationID); err != nil {
			t.Fatal(err)
		}
	}
	post := func(convID, custID, text string) {
		m := &gridline.Message{ConversationID: convID, ClientID: gridline.NewID(), Text: text,
			Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: custID}}
		if _, err := gridline.Post(ctx, e.store, e.board, m); err != nil {
			t.Error(err)
		}
	}
	// A history of some megabytes, more than the kernel's socket buffers hold,
	// so that the replay waits on the client and the send buffer stays full.
	const history = 600
	text := strings.Repeat("history ", 400)
	for range history {
		post(long.ConversationID, long.CustomerID, text)
	}

	c := e.agentSocket(tok)
	c.send(map[string]any{"type": "subscribe", "conversation_id": busy.ConversationID, "last_seq": 0})
	c.expect("conversation", nil)

	// The reader: counts long's messages and busy's live ones until the
	// socket ends or everything arrived.
	type result struct {
		replayed, live int
		err            error
	}
	done := make(chan result, 1)
	const liveCount = 200
	go func() {
		var r result
		last := int64(0)
		for r.replayed < history || r.live < liveCount {
			_ = c.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, data, err := c.ws.ReadMessage()
			if err != nil {
				r.err = err
				break
			}
			var f struct {
				Type           string `json:"type"`
				ConversationID string `json:"conversation_id"`
				Seq            int64  `json:"seq"`
			}
			_ = json.Unmarshal(data, &f)
			if f.Type != "message" {
				continue
			}
			switch f.ConversationID {
			case long.ConversationID:
				if f.Seq > last {
					last = f.Seq
					r.replayed++
				}
			case busy.ConversationID:
				if strings.HasPrefix(frameText(data), "live ") {
					r.live++
				}
			}
			time.Sleep(100 * time.Microsecond) // a console that renders what it reads
		}
		done <- r
	}()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range liveCount {
			post(busy.ConversationID, busy.CustomerID, "live "+strings.Repeat("x", i%7))
			time.Sleep(time.Millisecond)
		}
	}()
	c.send(map[string]any{"type": "subscribe", "conversation_id": long.ConversationID, "last_seq": 0})
	wg.Wait()
	r := <-done
	if r.err != nil || r.replayed < history || r.live < liveCount {
		t.Fatalf("a reading console got %d of %d replayed and %d of %d live messages, then %v",
			r.replayed, history, r.live, liveCount, r.err)
	}
}

// frameText is a message frame's text.
func frameText(data []byte) string {
	var f struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(data, &f)
	return f.Text
}
