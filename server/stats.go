package server

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
)

// statsScanLimit bounds how many conversations GET /stats reads. The figures are
// computed from the store seam as it is (ListConversations), which is linear in the
// number of conversations; past this many, the answer says it is a sample of the
// newest ones.
const statsScanLimit = 100_000

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
	Unanswered int `json:"unanswered"`
	// Sampled is true when the store held more conversations than were read.
	Sampled bool       `json:"sampled,omitempty"`
	Since   *time.Time `json:"since,omitempty"`
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

// computeStats reads the store and counts. Conversations created before since
// (when set) are left out; requests and unanswered questions are always the open
// ones now.
func (s *Server) computeStats(ctx context.Context, since time.Time) (*Stats, error) {
	convs, err := s.cfg.Store.ListConversations(ctx, gridline.ConversationFilter{Limit: statsScanLimit + 1})
	if err != nil {
		return nil, err
	}
	st := &Stats{}
	if len(convs) > statsScanLimit {
		convs, st.Sampled = convs[:statsScanLimit], true
	}
	if !since.IsZero() {
		st.Since = &since
	}
	var engaged, botOnly, waited int
	var waitSum float64
	var ratingSum int
	for _, conv := range convs {
		if !since.IsZero() && conv.CreatedAt.Before(since) {
			continue
		}
		st.Conversations++
		handed := conv.QueuedAt != nil || conv.AssignedAt != nil || conv.OwnerID != "" ||
			conv.Status == gridline.StatusQueued || conv.Status == gridline.StatusActive
		if handed {
			st.Handoffs++
		}
		// Seq 1 is the greeting; a customer who never wrote is not counted either way.
		if conv.LastSeq > 1 {
			engaged++
			if !handed {
				botOnly++
			}
		}
		if conv.QueuedAt != nil && conv.AssignedAt != nil && !conv.AssignedAt.Before(*conv.QueuedAt) {
			waitSum += conv.AssignedAt.Sub(*conv.QueuedAt).Seconds()
			waited++
		}
		if conv.Rating > 0 {
			ratingSum += conv.Rating
			st.Ratings++
		}
	}
	st.BotResolvedRate = ratio(float64(botOnly), engaged)
	st.AvgWaitSeconds = ratio(waitSum, waited)
	st.AvgRating = ratio(float64(ratingSum), st.Ratings)

	reqs, err := s.cfg.Store.ListRequests(ctx, "open")
	if err != nil {
		return nil, err
	}
	st.OpenRequests = len(reqs)
	unanswered, err := s.cfg.Store.ListUnanswered(ctx, false, statsScanLimit)
	if err != nil {
		return nil, err
	}
	st.Unanswered = len(unanswered)
	return st, nil
}

// ratio is sum/n rounded to three decimals, and 0 when n is 0.
func ratio(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(sum/float64(n)*1000) / 1000
}
