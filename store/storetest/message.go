package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gridline/gridline"
)

// RunMessages runs the gridline.MessageStore contract, as Run does.
func RunMessages(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Messages", testMessages},
		{"MessageResend", testMessageResend},
		{"AppendMessageConcurrent", testAppendConcurrent},
		{"AppendMessageResendRace", testResendRace},
	})
}

func testMessages(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	msgs := []*gridline.Message{
		{ConversationID: conv.ID, ClientID: "c-1", Author: gridline.Author{Kind: gridline.AuthorCustomer, ID: conv.CustomerID}, Text: "停电了"},
		{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorBot, Name: "Gridline"}, Text: "请查看",
			Citations:    []gridline.Citation{{ID: 7, Slug: "outage", Title: "停电怎么办"}},
			QuickReplies: []gridline.QuickReply{{ID: "human", Label: "人工"}}},
		{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorAgent, ID: "u1", Name: "Li"}, Text: "hello"},
	}
	for i, m := range msgs {
		created, err := st.AppendMessage(c, m)
		must(t, err)
		if !created || m.Seq != int64(i+1) {
			t.Fatalf("message %d: created %v seq %d", i, created, m.Seq)
		}
		recent(t, "message CreatedAt", m.CreatedAt)
	}
	got, err := st.Messages(c, conv.ID, 0, 0)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("Messages: %d, want 3", len(got))
	}
	for i := range got {
		if !equalMessage(got[i], msgs[i]) {
			t.Errorf("message %d = %+v, want %+v", i, got[i], msgs[i])
		}
	}
	got, err = st.Messages(c, conv.ID, 1, 1)
	must(t, err)
	if len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("Messages after 1 limit 1 = %v", got)
	}
	got, err = st.Messages(c, conv.ID, 3, 0)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("Messages after the last = %v", got)
	}

	stored, err := st.Conversation(c, conv.ID)
	must(t, err)
	if stored.LastSeq != 3 {
		t.Errorf("LastSeq = %d, want 3", stored.LastSeq)
	}
	if stored.UpdatedAt.Before(msgs[2].CreatedAt) {
		t.Errorf("conversation UpdatedAt %v before last message %v", stored.UpdatedAt, msgs[2].CreatedAt)
	}
	// UpdateConversation does not move LastSeq, whatever the caller holds.
	stored.LastSeq = 0
	must(t, st.UpdateConversation(c, stored))
	if stored.LastSeq != 3 {
		t.Errorf("after UpdateConversation LastSeq = %d, want 3", stored.LastSeq)
	}

	_, err = st.AppendMessage(c, &gridline.Message{ConversationID: "nothing", Author: gridline.Author{Kind: gridline.AuthorBot}, Text: "x"})
	wantCode(t, err, gridline.ENOTFOUND)
	// The same client id in another conversation is another message.
	conv2 := newConversation(t, st)
	created, err := st.AppendMessage(c, &gridline.Message{ConversationID: conv2.ID, ClientID: "c-1", Text: "again",
		Author: gridline.Author{Kind: gridline.AuthorCustomer}})
	must(t, err)
	if !created {
		t.Error("client id of another conversation counted as a resend")
	}
}

func equalMessage(a, b *gridline.Message) bool {
	return a.ConversationID == b.ConversationID && a.Seq == b.Seq && a.ClientID == b.ClientID && a.Author == b.Author &&
		a.Text == b.Text && slices.Equal(a.Citations, b.Citations) && slices.Equal(a.QuickReplies, b.QuickReplies) &&
		a.CreatedAt.Equal(b.CreatedAt)
}

func testMessageResend(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	first := &gridline.Message{ConversationID: conv.ID, ClientID: "abc", Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "hi"}
	created, err := st.AppendMessage(c, first)
	must(t, err)
	if !created {
		t.Fatal("first send not created")
	}
	_, err = st.AppendMessage(c, &gridline.Message{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorBot}, Text: "reply"})
	must(t, err)

	resend := &gridline.Message{ConversationID: conv.ID, ClientID: "abc", Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "hi (edited?)"}
	created, err = st.AppendMessage(c, resend)
	must(t, err)
	if created {
		t.Error("resend reported created")
	}
	if !equalMessage(resend, first) {
		t.Errorf("resend returned %+v, want the stored %+v", resend, first)
	}
	all, err := st.Messages(c, conv.ID, 0, 0)
	must(t, err)
	if len(all) != 2 {
		t.Errorf("%d messages stored, want 2", len(all))
	}
	stored, err := st.Conversation(c, conv.ID)
	must(t, err)
	if stored.LastSeq != 2 {
		t.Errorf("LastSeq = %d after a resend, want 2", stored.LastSeq)
	}
}

// testAppendConcurrent appends from many goroutines at once, to one conversation
// and to several: every conversation's seqs must be exactly 1..n.
func testAppendConcurrent(t *testing.T, st gridline.Store) {
	c := ctx(t)
	const goroutines, perGoroutine = 50, 4
	convs := []*gridline.Conversation{newConversation(t, st), newConversation(t, st), newConversation(t, st)}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				conv := convs[(g+i)%len(convs)]
				m := &gridline.Message{ConversationID: conv.ID, Author: gridline.Author{Kind: gridline.AuthorCustomer},
					Text: fmt.Sprintf("g%d-%d", g, i)}
				if i%2 == 0 {
					m.ClientID = fmt.Sprintf("g%d-%d", g, i)
				}
				created, err := st.AppendMessage(c, m)
				if err != nil {
					t.Error(err)
					return
				}
				if !created || m.Seq <= 0 {
					t.Errorf("append: created %v seq %d", created, m.Seq)
				}
				// Appends that fail among the others (an unknown conversation, a
				// caller that gave up) fail alone and leave no trace.
				if i == 1 {
					_, err := st.AppendMessage(c, &gridline.Message{ConversationID: "missing",
						Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "lost"})
					if gridline.ErrorCode(err) != gridline.ENOTFOUND {
						t.Errorf("append to an unknown conversation: %v, want ENOTFOUND", err)
					}
					gone, cancel := context.WithCancel(c)
					cancel()
					m := &gridline.Message{ConversationID: conv.ID, ClientID: fmt.Sprintf("gone-%d", g),
						Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "gone"}
					if created, err := st.AppendMessage(gone, m); err == nil || created {
						t.Errorf("append with a cancelled context: created %v, error %v", created, err)
					}
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, conv := range convs {
		msgs, err := st.Messages(c, conv.ID, 0, 0)
		must(t, err)
		for i, m := range msgs {
			if m.Text == "gone" {
				t.Errorf("a message sent with a cancelled context was stored: %+v", m)
			}
			if m.Seq != int64(i+1) {
				t.Fatalf("conversation %s: message %d has seq %d; seqs must be 1..n without gaps", conv.ID, i, m.Seq)
			}
		}
		got, err := st.Conversation(c, conv.ID)
		must(t, err)
		if got.LastSeq != int64(len(msgs)) {
			t.Errorf("LastSeq %d, %d messages", got.LastSeq, len(msgs))
		}
		total += len(msgs)
	}
	if total != goroutines*perGoroutine {
		t.Errorf("%d messages stored, want %d", total, goroutines*perGoroutine)
	}
}

// testResendRace sends one client id from many goroutines at once, as a client
// retrying on several sockets might: one is created, all see the same seq.
func testResendRace(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	const racers = 20
	for round := range 3 {
		clientID := fmt.Sprintf("dup-%d", round)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			seqs    = map[int64]bool{}
		)
		for range racers {
			wg.Go(func() {
				m := &gridline.Message{ConversationID: conv.ID, ClientID: clientID,
					Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "same"}
				ok, err := st.AppendMessage(c, m)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					created++
				}
				seqs[m.Seq] = true
			})
		}
		wg.Wait()
		if created != 1 || len(seqs) != 1 || !seqs[int64(round+1)] {
			t.Errorf("round %d: %d created, seqs %v; want 1 created with seq %d", round, created, seqs, round+1)
		}
	}
	msgs, err := st.Messages(c, conv.ID, 0, 0)
	must(t, err)
	if len(msgs) != 3 {
		t.Errorf("%d messages stored, want 3", len(msgs))
	}
}
