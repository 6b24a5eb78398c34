package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/gridline/gridline"
)

// bucketOf is the SQL expression of col's local bucket start, as text:
// "2006-01-02" for days, "2006-01-02T15" for hours, offset minutes east of UTC.
func (db *DB) bucketOf(col, bucket string, offset int) string {
	if db.kind == KindPostgres {
		format := `YYYY-MM-DD`
		if bucket == gridline.BucketHour {
			format = `YYYY-MM-DD"T"HH24`
		}
		return fmt.Sprintf(`to_char((%s AT TIME ZONE 'UTC') + make_interval(mins => %d), '%s')`, col, offset, format)
	}
	format := `%Y-%m-%d`
	if bucket == gridline.BucketHour {
		format = `%Y-%m-%dT%H`
	}
	return fmt.Sprintf(`strftime('%s', %s, '%+d minutes')`, format, col, offset)
}

// Analytics runs one grouped query per panel over the window's index range
// (conversations, ratings, orders opened, orders closed, the ratings'
// distribution and reasons, overdue orders) and merges the buckets, at most a
// few thousand rows, in Go.
func (db *DB) Analytics(ctx context.Context, q gridline.AnalyticsQuery) (*gridline.AnalyticsCounts, error) {
	if q.Bucket != gridline.BucketDay && q.Bucket != gridline.BucketHour {
		return nil, &gridline.Error{Code: gridline.EINVALID, Message: "bucket is day or hour", Fields: map[string]string{"bucket": "must be day or hour"}}
	}
	from, to := db.t(norm(q.From)), db.t(norm(q.To))
	buckets := map[string]*gridline.BucketCounts{}
	at := func(start string) *gridline.ServiceCounts {
		b := buckets[start]
		if b == nil {
			b = &gridline.BucketCounts{Start: start}
			buckets[start] = b
		}
		return &b.ServiceCounts
	}
	wait := `(julianday(assigned_at) - julianday(queued_at)) * 86400.0`
	if db.kind == KindPostgres {
		wait = `EXTRACT(EPOCH FROM (assigned_at - queued_at))`
	}
	waited := `queued_at IS NOT NULL AND assigned_at IS NOT NULL AND assigned_at >= queued_at`
	err := db.each(ctx, `SELECT `+db.bucketOf("created_at", q.Bucket, q.UTCOffset)+`, count(*),
		COALESCE(SUM(CASE WHEN last_seq > 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN last_seq > 1 AND NOT `+handedOff+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+handedOff+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+waited+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+waited+` THEN `+wait+` ELSE 0 END), 0)
		FROM conversations WHERE created_at >= ? AND created_at < ? GROUP BY 1`, []any{from, to}, func(scan func(...any) error) error {
		var start string
		var c gridline.ServiceCounts
		if err := scan(&start, &c.Conversations, &c.Engaged, &c.BotOnly, &c.Handoffs, &c.Waited, &c.WaitSeconds); err != nil {
			return err
		}
		b := at(start)
		b.Conversations, b.Engaged, b.BotOnly, b.Handoffs, b.Waited, b.WaitSeconds =
			c.Conversations, c.Engaged, c.BotOnly, c.Handoffs, c.Waited, c.WaitSeconds
		return nil
	})
	if err != nil {
		return nil, wrap("analytics: conversations", err)
	}
	err = db.each(ctx, `SELECT `+db.bucketOf("created_at", q.Bucket, q.UTCOffset)+`, count(*), COALESCE(SUM(score), 0)
		FROM ratings WHERE created_at >= ? AND created_at < ? GROUP BY 1`, []any{from, to}, func(scan func(...any) error) error {
		var start string
		var n, sum int
		if err := scan(&start, &n, &sum); err != nil {
			return err
		}
		b := at(start)
		b.Ratings, b.RatingSum = n, sum
		return nil
	})
	if err != nil {
		return nil, wrap("analytics: ratings", err)
	}
	for _, col := range []string{"created_at", "closed_at"} {
		err = db.each(ctx, `SELECT `+db.bucketOf(col, q.Bucket, q.UTCOffset)+`, count(*)
			FROM workorders WHERE `+col+` >= ? AND `+col+` < ? GROUP BY 1`, []any{from, to}, func(scan func(...any) error) error {
			var start string
			var n int
			if err := scan(&start, &n); err != nil {
				return err
			}
			if col == "created_at" {
				at(start).OrdersOpened = n
			} else {
				at(start).OrdersClosed = n
			}
			return nil
		})
		if err != nil {
			return nil, wrap("analytics: work orders", err)
		}
	}

	out := &gridline.AnalyticsCounts{Buckets: []gridline.BucketCounts{}, Reasons: map[string]int{}}
	for _, b := range buckets {
		out.Buckets = append(out.Buckets, *b)
		t := &out.Total
		t.Conversations += b.Conversations
		t.Engaged += b.Engaged
		t.BotOnly += b.BotOnly
		t.Handoffs += b.Handoffs
		t.Waited += b.Waited
		t.WaitSeconds += b.WaitSeconds
		t.Ratings += b.Ratings
		t.RatingSum += b.RatingSum
		t.OrdersOpened += b.OrdersOpened
		t.OrdersClosed += b.OrdersClosed
	}
	sort.Slice(out.Buckets, func(i, j int) bool { return out.Buckets[i].Start < out.Buckets[j].Start })

	err = db.each(ctx, `SELECT score, count(*) FROM ratings WHERE created_at >= ? AND created_at < ? GROUP BY score`,
		[]any{from, to}, func(scan func(...any) error) error {
			var score, n int
			if err := scan(&score, &n); err != nil {
				return err
			}
			if score >= 1 && score <= 5 {
				out.Distribution[score-1] = n
			}
			return nil
		})
	if err != nil {
		return nil, wrap("analytics: distribution", err)
	}
	err = db.each(ctx, `SELECT rr.reason, count(*) FROM rating_reasons rr JOIN ratings r ON r.id = rr.rating_id
		WHERE r.created_at >= ? AND r.created_at < ? GROUP BY rr.reason`, []any{from, to}, func(scan func(...any) error) error {
		var reason string
		var n int
		if err := scan(&reason, &n); err != nil {
			return err
		}
		out.Reasons[reason] = n
		return nil
	})
	if err != nil {
		return nil, wrap("analytics: reasons", err)
	}
	err = db.read.QueryRowContext(ctx, db.q(`SELECT count(DISTINCT order_id) FROM workorder_deadlines
		WHERE due_at >= ? AND due_at < ? AND (met_at IS NULL OR met_at > due_at)`), from, to).Scan(&out.OrdersOverdue)
	if err != nil {
		return nil, wrap("analytics: overdue", err)
	}
	return out, nil
}

// each runs a read query and calls fn once per row with the row's Scan.
func (db *DB) each(ctx context.Context, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
