package gridline

import (
	"context"
	"time"
)

// Figures are the counts behind the admins' service figures, over the
// conversations created since a time. A conversation was handed off when it was
// ever queued, assigned or owned; engaged when the customer wrote at least once;
// bot-only when engaged and never handed off.
type Figures struct {
	Conversations int
	Handoffs      int
	Engaged       int
	BotOnly       int
	// Waited counts conversations both queued and assigned; WaitSeconds sums
	// their time from queued to assigned.
	Waited      int
	WaitSeconds float64
	Ratings     int
	RatingSum   int
	// OpenRequests and OpenUnanswered are counts now, whatever the window.
	OpenRequests   int
	OpenUnanswered int
}

// FigureStore counts the service figures where the rows are, so that the
// dashboard does not load every conversation; store/storetest.RunFigures is its
// contract.
type FigureStore interface {
	// Figures counts over conversations created at or after since (zero: all),
	// in the database, however many there are.
	Figures(ctx context.Context, since time.Time) (*Figures, error)
}
