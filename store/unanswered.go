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

// UnansweredQuestion returns one question, open or resolved. Returns ENOTFOUND.
func (db *DB) UnansweredQuestion(ctx context.Context, id int64) (*gridline.Unanswered, error) {
	var u gridline.Unanswered
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, text, lang, action, count, first_at, last_at,
		COALESCE(article_id, 0), resolved FROM unanswered WHERE id = ?`), id).Scan(&u.ID, &u.Text, &u.Lang, &u.Action,
		&u.Count, timeCol{&u.FirstAt}, timeCol{&u.LastAt}, &u.ArticleID, &u.Resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "unanswered question %d not found", id)
	}
	return &u, wrap("unanswered question", err)
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
