package store

import (
	"context"
	"database/sql"

	"github.com/gridline/gridline"
)

// AppendAudit stores e, filling in ID and At (when zero).
func (db *DB) AppendAudit(ctx context.Context, e *gridline.AuditEntry) error {
	b := *e
	err := db.inTx(ctx, "append audit", func(tx *sql.Tx) error { return db.insertAudit(ctx, tx, &b) })
	if err != nil {
		return err
	}
	*e = b
	return nil
}

// AppendAudits stores many entries in one transaction, thousands a statement.
func (db *DB) AppendAudits(ctx context.Context, es []gridline.AuditEntry) error {
	rows := make([][]any, len(es))
	for i, e := range es {
		rows[i] = []any{e.CustomerID, e.ActorID, e.Action, e.Field, e.Detail, db.t(norm(e.At))}
	}
	return db.inTx(ctx, "append audits", func(tx *sql.Tx) error {
		return db.insertRows(ctx, tx, "customer_audit", "customer_id, actor_id, action, field, detail, at", rows)
	})
}

func (db *DB) insertAudit(ctx context.Context, tx *sql.Tx, e *gridline.AuditEntry) error {
	e.At = norm(e.At)
	return tx.QueryRowContext(ctx, db.q(`INSERT INTO customer_audit (customer_id, actor_id, action, field, detail, at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), e.CustomerID, e.ActorID, e.Action, e.Field, e.Detail, db.t(e.At)).Scan(&e.ID)
}

// ListAudit returns a customer's entries, newest first, at most limit (zero: 100).
func (db *DB) ListAudit(ctx context.Context, customerID string, limit int) ([]*gridline.AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, customer_id, actor_id, action, field, detail, at
		FROM customer_audit WHERE customer_id = ? ORDER BY id DESC LIMIT ?`), customerID, limit)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	out := []*gridline.AuditEntry{}
	for rows.Next() {
		var e gridline.AuditEntry
		if err := rows.Scan(&e.ID, &e.CustomerID, &e.ActorID, &e.Action, &e.Field, &e.Detail, timeCol{&e.At}); err != nil {
			return nil, wrap("list audit", err)
		}
		out = append(out, &e)
	}
	return out, wrap("list audit", rows.Err())
}
