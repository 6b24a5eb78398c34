// Package insight is the feedback and figures room: the customer's rating after
// every service (a chat resolved by an agent or by the bot, a work order
// handled or closed), what a bad rating sets in motion (a follow-up order for
// the matter's owner, or the order reopened), unprompted feedback (opinion,
// suggestion, praise) as work orders of that type, and the service figures
// behind the dashboard, computed by the store in the database.
//
// It imports the root package and the work-order service's types, never
// Echo or SQL drivers; the server decodes requests and calls a Service.
package insight

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

// WorkOrders is what insight needs of the work orders: to open a follow-up or
// a feedback order, to find the order a customer rates and to reopen it.
// *workorder.Service implements it.
type WorkOrders interface {
	Create(ctx context.Context, actor workorder.Actor, in workorder.NewOrder) (*gridline.WorkOrder, error)
	Get(ctx context.Context, actor workorder.Actor, id string) (*gridline.WorkOrder, error)
	Act(ctx context.Context, actor workorder.Actor, id string, a workorder.Action, version int64) (*gridline.WorkOrder, error)
	Calendar(ctx context.Context) (*workorder.Calendar, error)
}

// Store is what insight keeps and reads: ratings, the figures, the reasons
// setting, and conversations (the matter a chat rating is about).
type Store interface {
	gridline.RatingStore
	gridline.AnalyticsStore
	gridline.SettingStore
	gridline.ConversationStore
}

// Service is the feedback and figures policy. Store and WorkOrders are
// required; a nil Now is time.Now, a nil Logger slog.Default().
type Service struct {
	Store      Store
	WorkOrders WorkOrders
	Now        func() time.Time
	Logger     *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// invalid is an EINVALID error naming the field at fault.
func invalid(field, problem string) error {
	return &gridline.Error{Code: gridline.EINVALID, Message: field + " " + problem, Fields: map[string]string{field: problem}}
}
