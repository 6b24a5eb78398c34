package server

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Stats are the desk's headline figures for supervisors and admins.
type Stats struct {
	// Conversations counts every conversation in the window.
	Conversations int `json:"conversations"`
	// BotResolvedRate is the share of conversations in which the customer wrote
	// something that never needed a person, in [0,1].
	BotResolvedRate float64 `json:"bot_resolved_rate"`
	// Handoffs counts conversations that went to the queues.
	Handoffs int `json:"handoffs"`
	// AvgWaitSeconds is the mean time from queueing to an agent taking the chat.
	AvgWaitSeconds float64 `json:"avg_wait_seconds"`
	// AvgRating is the mean customer rating (1-5) over Ratings rated conversations.
	AvgRating float64 `json:"avg_rating"`
	Ratings   int     `json:"ratings"`
	// OpenRequests counts messages and call-backs no one has closed yet.
	OpenRequests int `json:"open_requests"`
	// Unanswered counts distinct questions the bot could not answer, still open.
	Unanswered int        `json:"unanswered"`
	Since      *time.Time `json:"since,omitempty"`
}

type statsQuery struct {
	Since time.Time `query:"since"`
}

// stats is GET /api/v1/stats[?since=RFC3339]: supervisors and admins only.
func (s *Server) stats(c echo.Context) error {
	var q statsQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	st, err := s.computeStats(c.Request().Context(), q.Since)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// computeStats asks the store for the counts, which it computes in the database
// whatever the number of conversations. Conversations created before since
// (when set) are left out; requests and unanswered questions are the open ones now.
func (s *Server) computeStats(ctx context.Context, since time.Time) (*Stats, error) {
	f, err := s.cfg.Store.Figures(ctx, since)
	if err != nil {
		return nil, err
	}
	st := &Stats{
		Conversations:   f.Conversations,
		Handoffs:        f.Handoffs,
		BotResolvedRate: ratio(float64(f.BotOnly), f.Engaged),
		AvgWaitSeconds:  ratio(f.WaitSeconds, f.Waited),
		AvgRating:       ratio(float64(f.RatingSum), f.Ratings),
		Ratings:         f.Ratings,
		OpenRequests:    f.OpenRequests,
		Unanswered:      f.OpenUnanswered,
	}
	if !since.IsZero() {
		st.Since = &since
	}
	return st, nil
}

// ratio is sum/n rounded to three decimals, and 0 when n is 0.
func ratio(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(sum/float64(n)*1000) / 1000
}
