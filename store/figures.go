package store

import (
	"context"
	"time"

	"github.com/gridline/gridline"
)

// handedOff is the SQL condition for a conversation that went to people.
const handedOff = `(queued_at IS NOT NULL OR assigned_at IS NOT NULL OR owner_id <> '' OR status IN ('queued', 'active'))`

// Figures counts in one pass over the conversations of the window, plus two
// counts of open work; the database does the arithmetic.
func (db *DB) Figures(ctx context.Context, since time.Time) (*gridline.Figures, error) {
	wait := `(julianday(assigned_at) - julianday(queued_at)) * 86400.0`
	if db.kind == KindPostgres {
		wait = `EXTRACT(EPOCH FROM (assigned_at - queued_at))`
	}
	waited := `queued_at IS NOT NULL AND assigned_at IS NOT NULL AND assigned_at >= queued_at`
	if since.IsZero() {
		since = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var f gridline.Figures
	err := db.read.QueryRowContext(ctx, db.q(`SELECT count(*),
		COALESCE(SUM(CASE WHEN `+handedOff+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN last_seq > 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN last_seq > 1 AND NOT `+handedOff+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+waited+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+waited+` THEN `+wait+` ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN rating > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN rating > 0 THEN rating ELSE 0 END), 0),
		(SELECT count(*) FROM requests WHERE status = 'open'),
		(SELECT count(*) FROM unanswered WHERE resolved = ?)
		FROM conversations WHERE created_at >= ?`), false, db.t(since)).Scan(
		&f.Conversations, &f.Handoffs, &f.Engaged, &f.BotOnly, &f.Waited, &f.WaitSeconds,
		&f.Ratings, &f.RatingSum, &f.OpenRequests, &f.OpenUnanswered)
	if err != nil {
		return nil, wrap("figures", err)
	}
	return &f, nil
}
