package gridline

import (
	"context"
	"time"
)

// ConversationStatus is where a conversation stands.
type ConversationStatus string

// Conversation statuses: with the bot, waiting in a queue, with an agent, closed.
const (
	StatusBot      ConversationStatus = "bot"
	StatusQueued   ConversationStatus = "queued"
	StatusActive   ConversationStatus = "active"
	StatusResolved ConversationStatus = "resolved"
)

// Channel is how a conversation reaches Gridline: typed in the chat widget or
// spoken on the telephone hotline. Agents, the archive and the figures treat
// both alike; only the transport differs.
type Channel string

// Channels. A conversation stored before channels existed is a chat.
const (
	ChannelChat  Channel = "chat"
	ChannelVoice Channel = "voice"
)

// Priorities: higher is served first.
const (
	PriorityNormal     = 0
	PriorityVulnerable = 5
	PriorityUrgent     = 10
)

// Conversation is one matter a customer raised. Owner is the first agent who took
// it (first-inquiry responsibility) and never changes once set; Handler is who has
// it now, changed by transfers.
type Conversation struct {
	ID         string             `json:"id"`
	CustomerID string             `json:"customer_id"`
	Status     ConversationStatus `json:"status"`
	Channel    Channel            `json:"channel"`
	Lang       string             `json:"lang"`
	Skill      string             `json:"skill,omitempty"`
	Priority   int                `json:"priority"`
	Urgent     bool               `json:"urgent"`
	OwnerID    string             `json:"owner_id,omitempty"`
	HandlerID  string             `json:"handler_id,omitempty"`
	LastSeq    int64              `json:"last_seq"`
	Rating     int                `json:"rating,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
	QueuedAt   *time.Time         `json:"queued_at,omitempty"`
	AssignedAt *time.Time         `json:"assigned_at,omitempty"`
	ResolvedAt *time.Time         `json:"resolved_at,omitempty"`
}

// ConversationFilter narrows ListConversations; zero fields do not filter.
type ConversationFilter struct {
	Status     ConversationStatus
	Channel    Channel
	CustomerID string
	OwnerID    string
	HandlerID  string
	Limit      int // zero means 100
}

// ConversationStore keeps conversations; store/storetest.RunConversations is its
// contract. Their messages are a MessageStore's.
type ConversationStore interface {
	// CreateConversation stores c, giving it an ID and timestamps when zero and
	// the chat channel when it names none; the channel never changes after.
	CreateConversation(ctx context.Context, c *Conversation) error
	// Conversation returns ENOTFOUND if there is no such conversation.
	Conversation(ctx context.Context, id string) (*Conversation, error)
	// UpdateConversation saves status, lang, skill, priority, urgent, owner, handler,
	// rating and the time fields; LastSeq is the store's own. The owner, once set,
	// is never changed (first-inquiry responsibility). Returns ENOTFOUND.
	UpdateConversation(ctx context.Context, c *Conversation) error
	// RateConversation records the customer's rating (1-5) and nothing else, so
	// that it cannot undo a concurrent claim, transfer or resolve. Returns ENOTFOUND.
	RateConversation(ctx context.Context, id string, score int) error
	// ListConversations returns the newest first.
	ListConversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// SetConversationCustomer says whose matter the conversation is — an agent
	// linked the chat to a record, or the visitor proved an account — and
	// nothing else, so that it cannot undo a concurrent claim or resolve.
	// Returns ENOTFOUND for an unknown conversation, EINVALID for an unknown
	// customer.
	SetConversationCustomer(ctx context.Context, id, customerID string) error
}
