package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridline/gridline"
)

// SaveRating upserts the matter's rating and replaces its reasons in one
// transaction: of two ratings of one matter at once, one is the revision of
// the other, never a second row.
func (db *DB) SaveRating(ctx context.Context, r *gridline.Rating) error {
	if r.ID == "" {
		r.ID = gridline.NewID()
	}
	at := norm(r.UpdatedAt)
	created := r.CreatedAt
	if created.IsZero() {
		created = at
	}
	return db.inTx(ctx, "save rating", func(tx *sql.Tx) error {
		var id, createdAt any
		var revisions int
		err := db.txQueryRow(ctx, tx, `INSERT INTO ratings (id, matter_kind, matter_id, customer_id, owner_id, score, comment,
			follow_up_id, revisions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
			ON CONFLICT (matter_kind, matter_id) DO UPDATE SET customer_id = excluded.customer_id, owner_id = excluded.owner_id,
				score = excluded.score, comment = excluded.comment, follow_up_id = excluded.follow_up_id,
				revisions = ratings.revisions + 1, updated_at = excluded.updated_at
			RETURNING id, revisions, created_at`,
			r.ID, r.MatterKind, r.MatterID, r.CustomerID, r.OwnerID, r.Score, r.Comment, r.FollowUpID,
			db.t(norm(created)), db.t(at)).Scan(&id, &revisions, &createdAt)
		if err != nil {
			return err
		}
		sid, _ := id.(string)
		if b, ok := id.([]byte); ok {
			sid = string(b)
		}
		ct, err := parseTime(createdAt)
		if err != nil {
			return err
		}
		if _, err := db.txExec(ctx, tx, `DELETE FROM rating_reasons WHERE rating_id = ?`, sid); err != nil {
			return err
		}
		for _, reason := range r.Reasons {
			if _, err := db.txExec(ctx, tx, `INSERT INTO rating_reasons (rating_id, reason) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				sid, reason); err != nil {
				return err
			}
		}
		r.ID, r.Revisions, r.CreatedAt, r.UpdatedAt = sid, revisions, ct, at
		return nil
	})
}

// RatingOf reads the matter's rating with its reasons.
func (db *DB) RatingOf(ctx context.Context, matterKind, matterID string) (*gridline.Rating, error) {
	r := &gridline.Rating{MatterKind: matterKind, MatterID: matterID}
	var created, updated any
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, customer_id, owner_id, score, comment, follow_up_id, revisions,
		created_at, updated_at FROM ratings WHERE matter_kind = ? AND matter_id = ?`), matterKind, matterID).Scan(
		&r.ID, &r.CustomerID, &r.OwnerID, &r.Score, &r.Comment, &r.FollowUpID, &r.Revisions, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "no rating of %s %q", matterKind, matterID)
	}
	if err != nil {
		return nil, wrap("rating", err)
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT reason FROM rating_reasons WHERE rating_id = ? ORDER BY reason`), r.ID)
	if err != nil {
		return nil, wrap("rating reasons", err)
	}
	defer rows.Close()
	for rows.Next() {
		var reason string
		if err := rows.Scan(&reason); err != nil {
			return nil, wrap("rating reasons", err)
		}
		r.Reasons = append(r.Reasons, reason)
	}
	return r, wrap("rating reasons", rows.Err())
}

// CustomerRatingsSince counts on the customer's index.
func (db *DB) CustomerRatingsSince(ctx context.Context, customerID string, since time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT count(*) FROM ratings WHERE customer_id = ? AND updated_at >= ?`),
		customerID, db.t(since)).Scan(&n)
	return n, wrap("customer ratings", err)
}
