package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

// Limits on ratings: a comment's length, how often one matter's rating may be
// changed, and how many ratings one customer may write or change in an hour.
const (
	MaxComment     = 500
	MaxRevisions   = 5
	RatingsPerHour = 20
	// BadRating and below ask what went wrong and set a follow-up going.
	BadRating = 2
	MinScore  = 1
	MaxScore  = 5
)

// RatingInput is a customer's rating of one matter.
type RatingInput struct {
	// CustomerID is who rates: only the matter's customer may.
	CustomerID string
	MatterKind string // gridline.MatterConversation or gridline.MatterWorkOrder
	MatterID   string
	Score      int
	Comment    string
	Reasons    []string
	// Lang is the language the customer is answered in.
	Lang string
}

// Outcome is what a rating did: the rating stored, the follow-up order a bad
// one opened or reopened (nil otherwise), and what the customer is told.
type Outcome struct {
	Rating   *gridline.Rating          `json:"rating"`
	FollowUp *gridline.WorkOrderPublic `json:"follow_up,omitempty"`
	Told     string                    `json:"told"`
}

// Rate records a customer's rating of a matter once it was served: a chat the
// bot answered or an agent resolved, a work order handled, followed up or
// closed. Rating a matter again replaces the first rating. A rating of
// BadRating or less opens a follow-up for the matter's owner — a call-back
// consultation order raised from the chat (unowned chats' go to the pool that
// supervisors and agents see), or, for a work order, the order itself
// reopened to its owner — once per matter, however often it is rated again.
// Returns EINVALID (score, comment, reasons), ENOTFOUND (not the customer's),
// ECONFLICT (not served yet) and ERATELIMITED.
func (s *Service) Rate(ctx context.Context, in RatingInput) (*Outcome, error) {
	comment := strings.TrimSpace(in.Comment)
	switch {
	case in.Score < MinScore || in.Score > MaxScore:
		return nil, invalid("score", "must be 1 to 5")
	case utf8.RuneCountInString(comment) > MaxComment:
		return nil, invalid("comment", fmt.Sprintf("must be at most %d characters", MaxComment))
	}
	reasons, err := s.checkReasons(ctx, in.Score, in.Reasons)
	if err != nil {
		return nil, err
	}
	m, err := s.matter(ctx, in)
	if err != nil {
		return nil, err
	}
	prev, err := s.Store.RatingOf(ctx, in.MatterKind, in.MatterID)
	switch {
	case gridline.ErrorCode(err) == gridline.ENOTFOUND:
		prev = nil
	case err != nil:
		return nil, err
	case prev.Revisions >= MaxRevisions:
		return nil, gridline.Errorf(gridline.ERATELIMITED, "this rating was changed %d times already", prev.Revisions)
	}
	if !m.served && prev == nil {
		return nil, gridline.Errorf(gridline.ECONFLICT, "a matter is rated once it is served: a chat resolved, an order handled")
	}
	now := s.now()
	if n, err := s.Store.CustomerRatingsSince(ctx, in.CustomerID, now.Add(-time.Hour)); err != nil {
		return nil, err
	} else if n >= RatingsPerHour {
		return nil, gridline.Errorf(gridline.ERATELIMITED, "too many ratings; please try again later")
	}

	r := &gridline.Rating{MatterKind: in.MatterKind, MatterID: in.MatterID, CustomerID: in.CustomerID, OwnerID: m.owner,
		Score: in.Score, Comment: comment, Reasons: reasons, UpdatedAt: now}
	if prev != nil {
		r.FollowUpID = prev.FollowUpID
	}
	out := &Outcome{Rating: r, Told: text(in.Lang, msgThanks)}
	if in.Score <= BadRating {
		fu, err := s.followUp(ctx, in, m, prev, comment, reasons)
		if err != nil {
			return nil, err
		}
		if fu != nil {
			r.FollowUpID = fu.ID
			p := fu.Public()
			out.FollowUp = &p
			out.Told = text(in.Lang, msgWillContact, fu.Number)
		} else {
			out.Told = text(in.Lang, msgWillContactNoNumber)
		}
	}
	if err := s.Store.SaveRating(ctx, r); err != nil {
		return nil, err
	}
	return out, nil
}

// checkReasons keeps the known reasons of a low rating, each once; a good
// rating has none.
func (s *Service) checkReasons(ctx context.Context, score int, given []string) ([]string, error) {
	if len(given) == 0 || score > BadRating {
		return nil, nil
	}
	known, err := s.Reasons(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range given {
		if !slices.ContainsFunc(known, func(r Reason) bool { return r.Code == g }) {
			return nil, invalid("reasons", fmt.Sprintf("%q is not one of the reasons offered", g))
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// rated is what Rate needs to know of the matter.
type rated struct {
	owner string
	conv  *gridline.Conversation
	order *gridline.WorkOrder
	// served: a chat no longer queued or with an agent, an order handled,
	// followed up or closed. A matter rated before may be rated again whatever
	// it became since (a reopened order is open again).
	served bool
}

// reopenable reports whether the order is handled, followed up or closed:
// ready to be rated, and what a bad rating reopens.
func reopenable(wo *gridline.WorkOrder) bool {
	return slices.Contains([]string{gridline.WorkOrderHandled, gridline.WorkOrderFollowedUp, gridline.WorkOrderClosed}, wo.Status)
}

// matter finds the matter the customer rates and checks it was served.
func (s *Service) matter(ctx context.Context, in RatingInput) (rated, error) {
	switch in.MatterKind {
	case gridline.MatterConversation:
		conv, err := s.Store.Conversation(ctx, in.MatterID)
		if err != nil || conv.CustomerID != in.CustomerID || in.CustomerID == "" {
			return rated{}, gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", in.MatterID)
		}
		served := conv.Status != gridline.StatusQueued && conv.Status != gridline.StatusActive
		return rated{owner: conv.OwnerID, conv: conv, served: served}, nil
	case gridline.MatterWorkOrder:
		wo, err := s.WorkOrders.Get(ctx, workorder.Actor{CustomerID: in.CustomerID}, in.MatterID)
		if err != nil || in.CustomerID == "" {
			return rated{}, gridline.Errorf(gridline.ENOTFOUND, "work order %q not found", in.MatterID)
		}
		return rated{owner: wo.OwnerID, order: wo, served: reopenable(wo)}, nil
	}
	return rated{}, invalid("matter_kind", "must be conversation or workorder")
}

// followUp opens (or, for a work order, reopens) what a bad rating sets going,
// unless an earlier rating of the matter did already: then it returns that
// order as it stands, or nil when it cannot be read.
func (s *Service) followUp(ctx context.Context, in RatingInput, m rated, prev *gridline.Rating, comment string, reasons []string) (*gridline.WorkOrder, error) {
	note := followUpNote(in.Score, comment, reasons)
	if prev != nil && prev.FollowUpID != "" {
		wo, err := s.WorkOrders.Get(ctx, workorder.Actor{System: true}, prev.FollowUpID)
		if err != nil {
			s.logger().Warn("insight: the earlier follow-up", "err", err, "order", prev.FollowUpID)
			return nil, nil
		}
		return wo, nil
	}
	if m.order != nil {
		if !reopenable(m.order) {
			return m.order, nil
		}
		return s.WorkOrders.Act(ctx, workorder.Actor{System: true}, m.order.ID,
			workorder.Action{Name: workorder.ActionReopen, Note: note}, 0)
	}
	in2 := workorder.NewOrder{Type: gridline.WorkOrderConsultation, Subtype: "callback", ConversationID: m.conv.ID,
		CustomerID: m.conv.CustomerID, Description: note, Note: note}
	return s.WorkOrders.Create(ctx, workorder.Actor{System: true}, in2)
}

// followUpNote is how a bad rating reads to the owner who calls back.
func followUpNote(score int, comment string, reasons []string) string {
	note := fmt.Sprintf("Dissatisfied rating %d/5 (客户不满意评价)", score)
	if len(reasons) > 0 {
		note += "; reasons: " + strings.Join(reasons, ", ")
	}
	if comment != "" {
		note += "; comment: " + comment
	}
	return note
}
