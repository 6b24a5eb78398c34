package gridline

import (
	"context"
	"time"
)

// AuthorKind says who wrote a message.
type AuthorKind string

// Author kinds.
const (
	AuthorCustomer AuthorKind = "customer"
	AuthorBot      AuthorKind = "bot"
	AuthorAgent    AuthorKind = "agent"
	AuthorSystem   AuthorKind = "system"
)

// Author is who wrote a message; ID is the customer or user id where there is one.
type Author struct {
	Kind AuthorKind `json:"kind"`
	ID   string     `json:"id,omitempty"`
	Name string     `json:"name,omitempty"`
}

// Citation points at the article an answer came from.
type Citation struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// QuickReply is a button the customer may press instead of typing; pressing it
// sends a choose{option} frame with ID.
type QuickReply struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Message is one line of a conversation. Seq is 1, 2, 3… per conversation and is
// assigned by the store; ClientID makes a customer's resend idempotent.
type Message struct {
	ConversationID string       `json:"conversation_id"`
	Seq            int64        `json:"seq"`
	ClientID       string       `json:"client_id,omitempty"`
	Author         Author       `json:"author"`
	Text           string       `json:"text"`
	Citations      []Citation   `json:"citations,omitempty"`
	QuickReplies   []QuickReply `json:"quick_replies,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
}

// StaffNoteID is the Author.ID of a system message meant for staff only: a
// transfer note (Author.Name is who wrote it) or a customer's rating. It is
// stored in the conversation like any message, so that staff read it in order,
// and held back from every customer-facing feed (see IsStaffNote).
const StaffNoteID = "internal-note"

// IsStaffNote reports whether m is for staff only; no customer may receive it.
func IsStaffNote(m *Message) bool {
	return m != nil && m.Author.Kind == AuthorSystem && m.Author.ID == StaffNoteID
}

// MessageStore keeps each conversation's messages in Seq order;
// store/storetest.RunMessages is its contract.
type MessageStore interface {
	// AppendMessage stores m with the conversation's next Seq and sets m.Seq and
	// m.CreatedAt. When m.ClientID is set and a message with that client id is
	// already stored in the conversation, nothing is written, m is overwritten with
	// the stored message and created is false. Returns ENOTFOUND for an unknown
	// conversation.
	AppendMessage(ctx context.Context, m *Message) (created bool, err error)
	// Messages returns up to limit messages with Seq > afterSeq in Seq order;
	// limit <= 0 means all.
	Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*Message, error)
}
