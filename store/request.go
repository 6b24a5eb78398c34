package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridline/gridline"
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
