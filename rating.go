package gridline

import (
	"context"
	"time"
)

// Matter kinds: what a customer rates after a service.
const (
	MatterConversation = "conversation" // a chat or call, resolved by an agent or by the bot
	MatterWorkOrder    = "workorder"    // a work order, once handled or closed
)

// Rating is a customer's reaction to one matter: 1 to 5 stars, a comment and,
// for a low score, the reasons chosen from the admins' list. There is one per
// matter: rating again replaces it (Revisions counts how often), so that a
// matter is never counted twice. FollowUpID is the work order a low rating
// opened or reopened, so that changing the rating never opens a second one.
type Rating struct {
	ID         string    `json:"id"`
	MatterKind string    `json:"matter_kind"`
	MatterID   string    `json:"matter_id"`
	CustomerID string    `json:"customer_id,omitempty"`
	OwnerID    string    `json:"owner_id,omitempty"` // the matter's owner when rated; "" for a bot-only chat
	Score      int       `json:"score"`
	Comment    string    `json:"comment,omitempty"`
	Reasons    []string  `json:"reasons,omitempty"`
	FollowUpID string    `json:"follow_up_id,omitempty"`
	Revisions  int       `json:"revisions"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// RatingStore keeps ratings, one per matter; store/storetest.RunRatings is its
// contract.
type RatingStore interface {
	// SaveRating stores r as its matter's rating: the first one is created
	// (ID given when empty, Revisions 0); a later one replaces score, comment,
	// reasons, owner and follow-up, keeps the ID and creation time and counts
	// a revision. r is updated to what is stored. Zero times mean now.
	SaveRating(ctx context.Context, r *Rating) error
	// RatingOf returns the rating of a matter, or ENOTFOUND.
	RatingOf(ctx context.Context, matterKind, matterID string) (*Rating, error)
	// CustomerRatingsSince counts the ratings a customer wrote or changed at or
	// after since: the rate limit's measure, whatever replica took them.
	CustomerRatingsSince(ctx context.Context, customerID string, since time.Time) (int, error)
}
