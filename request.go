package gridline

import (
	"context"
	"time"
)

// Request kinds: a message left while nobody was online, or a call back.
const (
	RequestMessage  = "message"
	RequestCallback = "callback"
	RequestHandoff  = "handoff"
)

// Request is something a customer left for staff that an agent must close: a
// message, a call-back number, or a handoff that could not be served at once.
type Request struct {
	ID             int64  `json:"id"`
	Kind           string `json:"kind"`
	ConversationID string `json:"conversation_id,omitempty"`
	CustomerID     string `json:"customer_id,omitempty"`
	Phone          string `json:"phone,omitempty"`
	// Address is where a fault report's fault is; it becomes the repair order's
	// address (the requests table does not keep it: reports are orders now).
	Address   string     `json:"address,omitempty"`
	Text      string     `json:"text"`
	Status    string     `json:"status"` // open or closed
	CreatedAt time.Time  `json:"created_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	ClosedBy  string     `json:"closed_by,omitempty"`
}

// RequestStore keeps what customers left for staff until an agent closes it;
// store/storetest.RunRequests is its contract.
type RequestStore interface {
	// CreateRequest stores r as open.
	CreateRequest(ctx context.Context, r *Request) error
	// ListRequests returns requests with the given status ("" for all), newest first.
	ListRequests(ctx context.Context, status string) ([]*Request, error)
	// CloseRequest marks the request closed by a user. Returns ENOTFOUND.
	CloseRequest(ctx context.Context, id int64, userID string) error
}
