package workorder

import (
	"context"
	"time"

	"github.com/gridline/gridline"
)

// sweepBatch is how many due deadlines one store query returns.
const sweepBatch = 500

// SweepResult is what one sweep announced.
type SweepResult struct{ Warnings, Breaches int }

// Sweep finds the pending deadlines past their warning point or due time and
// announces each once: the store's conditional mark decides which replica's
// sweep wins a deadline, and only the winner publishes and counts it. A
// deadline found already past due is announced as a breach alone.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.now()
	// Each round marks every deadline it read (or sees another replica did), so
	// the next round reads new ones; the bound only guards against a store that
	// does not keep its marks.
	for round := 0; round < 1000; round++ {
		due, err := s.Store.DueDeadlines(ctx, now, sweepBatch)
		if err != nil {
			return res, err
		}
		for _, d := range due {
			mark, kind := gridline.MarkWarned, gridline.NoticeWarning
			if !d.DueAt.After(now) {
				mark, kind = gridline.MarkBreached, gridline.NoticeBreach
			}
			won, err := s.Store.MarkDeadline(ctx, d.OrderID, d.Kind, d.DueAt, mark)
			if err != nil {
				return res, err
			}
			if !won {
				continue
			}
			if kind == gridline.NoticeBreach {
				res.Breaches++
				s.breaches.Add(1)
			} else {
				res.Warnings++
				s.warnings.Add(1)
			}
			dueAt := d.DueAt
			s.send(ctx, "", d.OwnerID, d.HandlerID, gridline.WorkOrderNotice{Kind: kind, Deadline: d.Kind, DueAt: &dueAt,
				Order: gridline.WorkOrderPublic{ID: d.OrderID, Number: d.Number, NextDue: &dueAt}})
		}
		if len(due) < sweepBatch {
			break
		}
	}
	return res, nil
}

// Run sweeps every SweepEvery until ctx ends. Every replica runs it; the store
// keeps their notices single.
func (s *Service) Run(ctx context.Context) error {
	every := s.SweepEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.logger().Error("workorder: sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
