package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode"

	"github.com/gridline/gridline"
)

// questionKey is the grouping key of an unanswered question: case-folded, with
// runs of spaces and punctuation at the ends removed, so that "Why no power?" and
// "why  no power" count as one question. The text shown is the first one asked.
func questionKey(text string) string {
	f := strings.Fields(strings.ToLower(text))
	return strings.TrimFunc(strings.Join(f, " "), func(r rune) bool {
		return unicode.IsPunct(r) || unicode.IsSpace(r)
	})
}

// RecordUnanswered counts one more ask of a question (grouped by its normalised
// text and language) and remembers the action the bot took the last time. A
// question already resolved keeps counting but stays resolved.
func (db *DB) RecordUnanswered(ctx context.Context, text, lang, action string) error {
	text = strings.TrimSpace(text)
	key := questionKey(text)
	if key == "" {
		return gridline.Errorf(gridline.EINVALID, "an unanswered question needs text")
	}
	t := db.t(now())
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO unanswered (norm, text, lang, action, count, first_at,
		last_at, resolved) VALUES (?, ?, ?, ?, 1, ?, ?, ?)
		ON CONFLICT (norm, lang) DO UPDATE SET count = unanswered.count + 1, action = excluded.action,
		last_at = excluded.last_at`), key, text, lang, action, t, t, false)
	return wrap("record unanswered", err)
}

// ListUnanswered returns open (or, with resolved, closed) questions, most asked
// first, then most recently asked; limit <= 0 means 100.
func (db *DB) ListUnanswered(ctx context.Context, resolved bool, limit int) ([]*gridline.Unanswered, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, text, lang, action, count, first_at, last_at,
		COALESCE(article_id, 0), resolved FROM unanswered WHERE resolved = ?
		ORDER BY count DESC, last_at DESC, id LIMIT ?`), resolved, limit)
	if err != nil {
		return nil, wrap("list unanswered", err)
	}
	defer rows.Close()
	out := []*gridline.Unanswered{}
	for rows.Next() {
		var u gridline.Unanswered
		if err := rows.Scan(&u.ID, &u.Text, &u.Lang, &u.Action, &u.Count, timeCol{&u.FirstAt}, timeCol{&u.LastAt},
			&u.ArticleID, &u.Resolved); err != nil {
			return nil, wrap("list unanswered", err)
		}
		out = append(out, &u)
	}
	return out, wrap("list unanswered", rows.Err())
}

// ResolveUnanswered links the question to an article and marks it resolved.
// Returns ENOTFOUND when either the question or the article does not exist.
func (db *DB) ResolveUnanswered(ctx context.Context, id, articleID int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE unanswered SET article_id = ?, resolved = ? WHERE id = ?`),
		articleID, true, id)
	if isForeignKey(err) {
		return gridline.Errorf(gridline.ENOTFOUND, "article %d not found", articleID)
	} else if err != nil {
		return wrap("resolve unanswered", err)
	}
	return mustAffect(res, "unanswered question %d not found", id)
}

// Request statuses.
const (
	requestOpen   = "open"
	requestClosed = "closed"
)

// CreateRequest stores r as open, filling in ID, Status and CreatedAt (when zero).
func (db *DB) CreateRequest(ctx context.Context, r *gridline.Request) error {
	created := norm(r.CreatedAt)
	var id int64
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO requests (kind, conversation_id, customer_id, phone, body,
		status, created_at, closed_by) VALUES (?, ?, ?, ?, ?, ?, ?, '') RETURNING id`),
		r.Kind, r.ConversationID, r.CustomerID, r.Phone, r.Text, requestOpen, db.t(created)).Scan(&id)
	if err != nil {
		return wrap("create request", err)
	}
	r.ID, r.Status, r.CreatedAt, r.ClosedAt, r.ClosedBy = id, requestOpen, created, nil, ""
	return nil
}

// ListRequests returns requests with the given status ("" for all), newest first.
func (db *DB) ListRequests(ctx context.Context, status string) ([]*gridline.Request, error) {
	query := `SELECT id, kind, conversation_id, customer_id, phone, body, status, created_at, closed_at, closed_by
		FROM requests`
	var args []any
	if status != "" {
		query += ` WHERE status = ?`
		args = append(args, status)
	}
	rows, err := db.read.QueryContext(ctx, db.q(query+` ORDER BY created_at DESC, id DESC`), args...)
	if err != nil {
		return nil, wrap("list requests", err)
	}
	defer rows.Close()
	out := []*gridline.Request{}
	for rows.Next() {
		var r gridline.Request
		if err := rows.Scan(&r.ID, &r.Kind, &r.ConversationID, &r.CustomerID, &r.Phone, &r.Text, &r.Status,
			timeCol{&r.CreatedAt}, timePtrCol{&r.ClosedAt}, &r.ClosedBy); err != nil {
			return nil, wrap("list requests", err)
		}
		out = append(out, &r)
	}
	return out, wrap("list requests", rows.Err())
}

// CloseRequest marks the request closed by a user. Closing it again changes
// nothing: the first closer and time are kept. Returns ENOTFOUND.
func (db *DB) CloseRequest(ctx context.Context, id int64, userID string) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE requests SET status = ?, closed_at = ?, closed_by = ?
		WHERE id = ? AND status = ?`), requestClosed, db.t(now()), userID, id, requestOpen)
	if err != nil {
		return wrap("close request", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("close request", err)
	} else if n > 0 {
		return nil
	}
	var one int
	err = db.write.QueryRowContext(ctx, db.q(`SELECT 1 FROM requests WHERE id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "request %d not found", id)
	}
	return wrap("close request", err)
}
