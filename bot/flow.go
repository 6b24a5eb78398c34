package bot

import (
	"context"
	"log/slog"
	"time"
)

// Flow is where one conversation stands in a guided flow (the outage check, a
// fault report) and which articles it was last offered. A FlowStore keeps it
// between the conversation's messages, as JSON when the store is shared, so
// every field is a plain value that survives the round trip.
type Flow struct {
	Name     string `json:"name,omitempty"` // FlowOutage, FlowFault, FlowConfirm or "" (none)
	Step     string `json:"step,omitempty"`
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Attempts int    `json:"attempts,omitempty"` // failed tries at the current step
	// Offered maps the slugs of the articles last offered as suggestions to their
	// ids, so that pressing one answers from exactly that article. The article is
	// looked up again when pressed: an edit since shows, a withdrawn one is gone.
	Offered map[string]int64 `json:"offered,omitempty"`
	// Next are the slugs of the next closest articles, best first, after an
	// answer given with "did this answer your question?": a "no" answers from
	// the first of them, and with none left passes the customer to a person.
	Next []string `json:"next,omitempty"`
	// Topic is the customer's last question that retrieval answered or offered
	// articles for, and Article the slug of the article it was answered from
	// (or the first offered): a follow-up that leans on it ("那要多久？",
	// "how much is it?") is read with them.
	Topic   string `json:"topic,omitempty"`
	Article string `json:"article,omitempty"`
}

// Flow names.
const (
	FlowOutage = "outage"
	FlowFault  = "fault"
	// FlowConfirm waits for the yes or no to "did this answer your question?".
	FlowConfirm = "confirm"
)

// Empty reports whether f holds nothing worth keeping; storing it deletes.
func (f Flow) Empty() bool {
	return f.Name == "" && len(f.Offered) == 0 && len(f.Next) == 0 && f.Topic == "" && f.Article == ""
}

// DefaultFlowTTL is how long a flow untouched is kept when a store is given no
// time to live: a customer who walks away mid-form costs storage until then.
const DefaultFlowTTL = 30 * time.Minute

// FlowStore keeps each conversation's Flow between its messages. MemoryFlows
// keeps them in this process, which serves one replica; handoff/redis.Flows
// keeps them in Redis, where every replica reads the same, so a customer who
// reconnects to another replica in the middle of a fault report carries on
// where they were. bot/bottest is the contract both pass.
type FlowStore interface {
	// Flow returns the conversation's flow: the zero Flow when there is none, it
	// expired, or conversationID is empty (a stateless ask).
	Flow(ctx context.Context, conversationID string) (Flow, error)
	// SetFlow keeps f for the conversation, its time to live starting again; an
	// empty f deletes the flow. An empty conversationID keeps nothing.
	SetFlow(ctx context.Context, conversationID string, f Flow) error
}

// flow reads the conversation's flow. A store that fails costs the customer
// their place in the form, not an answer: the failure is logged and the bot
// goes on as if there were none.
func (b *Bot) flow(ctx context.Context, conv string) Flow {
	if conv == "" {
		return Flow{}
	}
	f, err := b.flows.Flow(ctx, conv)
	if err != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "bot: read flow", slog.String("conversation", conv), slog.String("err", err.Error()))
		return Flow{}
	}
	return f
}

// setFlow keeps the conversation's flow; a failure is logged (the next message
// then starts over) rather than shown.
func (b *Bot) setFlow(ctx context.Context, conv string, f Flow) {
	if conv == "" {
		return
	}
	if err := b.flows.SetFlow(ctx, conv, f); err != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "bot: keep flow", slog.String("conversation", conv), slog.String("err", err.Error()))
	}
}
