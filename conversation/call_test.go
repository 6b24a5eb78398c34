package conversation_test

import (
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
)

// TestStartCallKnowsTheCaller: a caller whose number the archive holds is
// that customer, in their language; a new number is a new customer with that
// phone; a number two records share identifies nobody.
func TestStartCallKnowsTheCaller(t *testing.T) {
	e := newEnv(t)
	known := &gridline.Customer{Name: "Li Lei", Phone: "13800138000", Lang: gridline.LangEN}
	if err := e.store.CreateCustomer(e.ctx, known); err != nil {
		t.Fatal(err)
	}
	conv, isKnown, err := e.svc.StartCall(e.ctx, "+86 138 0013 8000", gridline.LangZH)
	if err != nil || !isKnown || conv.CustomerID != known.ID || conv.Lang != gridline.LangEN || conv.Channel != gridline.ChannelVoice {
		t.Fatalf("known caller: %+v known=%v err=%v", conv, isKnown, err)
	}

	conv, isKnown, err = e.svc.StartCall(e.ctx, "+8613900139000", gridline.LangZH)
	if err != nil || isKnown || conv.CustomerID == known.ID || conv.Lang != gridline.LangZH {
		t.Fatalf("new caller: %+v known=%v err=%v", conv, isKnown, err)
	}
	if c, err := e.store.Customer(e.ctx, conv.CustomerID); err != nil || c.Phone != "13900139000" {
		t.Fatalf("the new caller's record: %+v %v", c, err)
	}

	for _, name := range []string{"A", "B"} {
		if err := e.store.CreateCustomer(e.ctx, &gridline.Customer{Name: name, Phone: "13700137000"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, isKnown, err := e.svc.StartCall(e.ctx, "13700137000", gridline.LangZH); err != nil || isKnown {
		t.Fatalf("a shared number identified someone (known=%v, %v)", isKnown, err)
	}
}

// TestConverseAnswersInTheRequest: a call's turn is answered before Converse
// returns, with what the conversation gained after the caller's words; a
// retry of the same input runs no second turn.
func TestConverseAnswersInTheRequest(t *testing.T) {
	e := newEnv(t)
	conv, _, err := e.svc.StartCall(e.ctx, "+8613900139000", gridline.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Greet(e.ctx, conv.ID, gridline.LangEN); err != nil {
		t.Fatal(err)
	}
	got, replies, err := e.svc.Converse(e.ctx, conv.CustomerID, conv.ID, "CA1-1", "hello", bot.Input{Text: "hello"})
	if err != nil || got.Status != gridline.StatusBot || len(replies) != 1 || replies[0].Author.Kind != gridline.AuthorBot {
		t.Fatalf("Converse = %+v %v %v", got, replies, err)
	}
	_, again, err := e.svc.Converse(e.ctx, conv.CustomerID, conv.ID, "CA1-1", "hello", bot.Input{Text: "hello"})
	if err != nil || len(again) != 1 || again[0].Seq != replies[0].Seq {
		t.Fatalf("a retried input: %v %v, want the same single reply", again, err)
	}
	if n := len(e.messages(conv.ID)); n != 3 {
		t.Fatalf("%d messages stored, want greeting, caller, reply", n)
	}
}
