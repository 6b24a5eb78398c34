package insight

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

// Kinds of unprompted feedback (主动式反馈).
const (
	FeedbackOpinion    = "opinion"
	FeedbackSuggestion = "suggestion"
	FeedbackPraise     = "praise"
)

// MaxFeedback caps a feedback text.
const MaxFeedback = 2000

// feedbackOrder is the work-order type and subtype each kind becomes.
var feedbackOrder = map[string][2]string{
	FeedbackOpinion:    {gridline.WorkOrderOpinion, "opinion"},
	FeedbackSuggestion: {gridline.WorkOrderOpinion, "suggestion"},
	FeedbackPraise:     {gridline.WorkOrderPraise, ""},
}

// FeedbackInput is what a customer sends unprompted, from the widget or the
// help centre.
type FeedbackInput struct {
	CustomerID     string
	ConversationID string
	Kind           string
	Text           string
	Lang           string
}

// Received is the order a feedback became and what the customer is told.
type Received struct {
	WorkOrder gridline.WorkOrderPublic `json:"workorder"`
	Told      string                   `json:"told"`
}

// Feedback turns an opinion, suggestion or praise into a work order of that
// type, so that it is answered on the service clock like any other matter.
// Returns EINVALID for an unknown kind or an empty or too long text.
func (s *Service) Feedback(ctx context.Context, in FeedbackInput) (*Received, error) {
	ts, ok := feedbackOrder[in.Kind]
	txt := strings.TrimSpace(in.Text)
	switch {
	case !ok:
		return nil, invalid("kind", "must be opinion, suggestion or praise")
	case txt == "":
		return nil, invalid("text", "is required")
	case utf8.RuneCountInString(txt) > MaxFeedback:
		return nil, invalid("text", fmt.Sprintf("must be at most %d characters", MaxFeedback))
	}
	if in.Lang == "" && in.ConversationID != "" {
		if conv, err := s.Store.Conversation(ctx, in.ConversationID); err == nil {
			in.Lang = conv.Lang
		}
	}
	wo, err := s.WorkOrders.Create(ctx, workorder.Actor{System: true}, workorder.NewOrder{Type: ts[0], Subtype: ts[1],
		CustomerID: in.CustomerID, ConversationID: in.ConversationID, Description: txt})
	if err != nil {
		return nil, err
	}
	return &Received{WorkOrder: wo.Public(), Told: text(in.Lang, msgFeedbackThanks, wo.Number)}, nil
}
