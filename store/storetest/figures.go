package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunFigures runs the gridline.FigureStore contract, as Run does.
func RunFigures(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Figures", testFigures},
	})
}

// testFigures: the service figures count what happened to each conversation,
// in the window asked for.
func testFigures(t *testing.T, st gridline.Store) {
	say := func(c *gridline.Conversation, kind gridline.AuthorKind) {
		t.Helper()
		_, err := st.AppendMessage(ctx(t), &gridline.Message{ConversationID: c.ID, Author: gridline.Author{Kind: kind}, Text: "x"})
		must(t, err)
	}
	empty, err := st.Figures(ctx(t), time.Time{})
	must(t, err)
	if *empty != (gridline.Figures{}) {
		t.Fatalf("figures of an empty store: %+v", empty)
	}

	// Greeted only: counted, not engaged.
	greeted := newConversation(t, st)
	say(greeted, gridline.AuthorBot)
	// Answered by the bot and rated 5.
	botOnly := newConversation(t, st)
	say(botOnly, gridline.AuthorBot)
	say(botOnly, gridline.AuthorCustomer)
	say(botOnly, gridline.AuthorBot)
	must(t, st.RateConversation(ctx(t), botOnly.ID, 5))
	// Handed off: queued, assigned 90 s later, rated 2.
	handed := newConversation(t, st)
	say(handed, gridline.AuthorBot)
	say(handed, gridline.AuthorCustomer)
	queued := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	assigned := queued.Add(90 * time.Second)
	handed.Status, handed.QueuedAt, handed.AssignedAt, handed.OwnerID, handed.HandlerID, handed.Rating =
		gridline.StatusActive, &queued, &assigned, "agent-1", "agent-1", 2
	must(t, st.UpdateConversation(ctx(t), handed))
	// Waiting in the queue now.
	waiting := newConversation(t, st)
	say(waiting, gridline.AuthorBot)
	say(waiting, gridline.AuthorCustomer)
	waiting.Status, waiting.QueuedAt = gridline.StatusQueued, &queued
	must(t, st.UpdateConversation(ctx(t), waiting))

	must(t, st.CreateRequest(ctx(t), &gridline.Request{Kind: gridline.RequestCallback, Phone: "12345678", Text: "call me"}))
	closed := &gridline.Request{Kind: gridline.RequestMessage, Text: "done"}
	must(t, st.CreateRequest(ctx(t), closed))
	must(t, st.CloseRequest(ctx(t), closed.ID, "agent-1"))
	must(t, st.RecordUnanswered(ctx(t), "weather tomorrow", "en", "fallback"))

	f, err := st.Figures(ctx(t), time.Time{})
	must(t, err)
	want := gridline.Figures{Conversations: 4, Handoffs: 2, Engaged: 3, BotOnly: 1, Waited: 1, WaitSeconds: 90,
		Ratings: 2, RatingSum: 7, OpenRequests: 1, OpenUnanswered: 1}
	got := *f
	if math.Abs(got.WaitSeconds-90) > 0.01 {
		t.Errorf("wait seconds %v, want 90", got.WaitSeconds)
	}
	got.WaitSeconds = want.WaitSeconds
	if got != want {
		t.Fatalf("figures\n got %+v\nwant %+v", got, want)
	}

	later, err := st.Figures(ctx(t), time.Now().Add(time.Hour))
	must(t, err)
	if later.Conversations != 0 || later.OpenRequests != 1 {
		t.Fatalf("figures since an hour from now: %+v", later)
	}
}
