package gridline

import (
	"context"
	"time"
)

// Verification is where a conversation stands on proving who the visitor is:
// how many tries they made and, once one succeeded, which account they proved.
// It lives in the store, so that every replica counts the same tries.
type Verification struct {
	ConversationID string     `json:"conversation_id"`
	Attempts       int        `json:"attempts"`
	CustomerID     string     `json:"customer_id,omitempty"`
	AccountNo      string     `json:"account_no,omitempty"`
	VerifiedAt     *time.Time `json:"verified_at,omitempty"`
}

// VerificationStore keeps conversations' verification state;
// store/storetest.RunVerifications is its contract.
type VerificationStore interface {
	// AddVerifyAttempt counts one more try for the conversation and returns the
	// count including it, atomically, so that concurrent tries cannot exceed a
	// limit. Returns ENOTFOUND for an unknown conversation.
	AddVerifyAttempt(ctx context.Context, conversationID string) (int, error)
	// MarkVerified records the proved account. Returns ENOTFOUND.
	MarkVerified(ctx context.Context, conversationID, customerID, accountNo string) error
	// Verification returns the conversation's state; a conversation with no try
	// yet has zero Attempts.
	Verification(ctx context.Context, conversationID string) (*Verification, error)
}
