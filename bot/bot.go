// Package bot is the conversation brain: it greets, triages for danger, notices
// when a customer wants a person or is complaining, walks the self-service menu,
// and answers from the knowledge base — extractively, or through an LLM when one
// is configured, grounded and checked. bot/llm adapts any OpenAI-compatible API.
package bot

import (
	"context"

	"github.com/gridline/gridline"
)

// Actions the bot may decide on for one message.
const (
	ActionAnswer   = "answer"   // a confident answer with citations
	ActionClarify  = "clarify"  // unsure: the closest articles are offered
	ActionHandoff  = "handoff"  // a person is needed (asked for, complaint, urgent, stuck)
	ActionFallback = "fallback" // nothing fits: an honest "I don't know", a person offered
	ActionMenu     = "menu"     // a menu step or guided flow (greeting, submenu, form step)
	// ActionSmallTalk: thanks, a greeting, a goodbye, an emoji — a short kind
	// reply; never recorded as unanswered.
	ActionSmallTalk = "smalltalk"
)

// Suggestion is an article offered when the bot is unsure.
type Suggestion struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// Input is one thing the customer did: typed Text, or pressed the quick reply
// Option. Lang is the conversation's language.
type Input struct {
	ConversationID string
	Text           string
	Option         string
	Lang           string
	// Unrecorded asks come from outside a customer's conversation (an admin's
	// "test the bot", POST /api/v1/bot/ask): what the bot cannot answer is not
	// counted as a customer's unanswered question.
	Unrecorded bool
}

// Reply is the bot's decision and what it says.
type Reply struct {
	Action       string                `json:"action"`
	Urgent       bool                  `json:"urgent"`
	Text         string                `json:"text"`
	Citations    []gridline.Citation   `json:"citations"`
	Suggestions  []Suggestion          `json:"suggestions"`
	QuickReplies []gridline.QuickReply `json:"quick_replies,omitempty"`
	Confidence   float64               `json:"confidence"`
	// Skill is the queue a handoff goes to; Priority its priority.
	Skill    string `json:"skill,omitempty"`
	Priority int    `json:"priority,omitempty"`
	// Request, when set, asks the transport to record a request for staff
	// (a fault report, a call back) with this text.
	Request *gridline.Request `json:"-"`
}

// Responder is what the chat transport needs of a bot. A different brain plugs in
// by implementing it; the transport does not change.
type Responder interface {
	// Greet is the first message of a conversation: a welcome and the menu.
	Greet(lang string) Reply
	// Respond decides on one input. When the reply is written by an LLM, delta is
	// called with each streamed piece of text before Respond returns; delta may be
	// nil.
	Respond(ctx context.Context, in Input, delta func(text string)) (Reply, error)
}
