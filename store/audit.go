package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/gridline/gridline"
)

// auditColumns are the audit table's columns in the order scanAudit reads them.
const auditColumns = "id, customer_id, subject, actor_id, action, field, detail, at"

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
		rows[i] = []any{e.CustomerID, e.Subject, e.ActorID, e.Action, e.Field, e.Detail, db.t(norm(e.At))}
	}
	return db.inTx(ctx, "append audits", func(tx *sql.Tx) error {
		return db.insertRows(ctx, tx, "audit", "customer_id, subject, actor_id, action, field, detail, at", rows)
	})
}

func (db *DB) insertAudit(ctx context.Context, tx *sql.Tx, e *gridline.AuditEntry) error {
	e.At = norm(e.At)
	return tx.QueryRowContext(ctx, db.q(`INSERT INTO audit (customer_id, subject, actor_id, action, field, detail, at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), e.CustomerID, e.Subject, e.ActorID, e.Action, e.Field, e.Detail,
		db.t(e.At)).Scan(&e.ID)
}

// ListAudit returns a customer's entries, newest first, at most limit (zero: 100).
func (db *DB) ListAudit(ctx context.Context, customerID string, limit int) ([]*gridline.AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	return db.queryAudit(ctx, "list audit", `SELECT `+auditColumns+`
		FROM audit WHERE customer_id = ? ORDER BY id DESC LIMIT ?`, customerID, limit)
}

// SearchAudit returns the entries f selects, newest first, at most f.Limit
// (zero: 100, at most 1000).
func (db *DB) SearchAudit(ctx context.Context, f gridline.AuditFilter) ([]*gridline.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= ?", db.t(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", db.t(f.To))
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + auditColumns + ` FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return db.queryAudit(ctx, "search audit", q+` ORDER BY id DESC LIMIT ?`, append(args, min(limit, 1000))...)
}

func (db *DB) queryAudit(ctx context.Context, op, q string, args ...any) ([]*gridline.AuditEntry, error) {
	rows, err := db.read.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []*gridline.AuditEntry{}
	for rows.Next() {
		var e gridline.AuditEntry
		if err := rows.Scan(&e.ID, &e.CustomerID, &e.Subject, &e.ActorID, &e.Action, &e.Field, &e.Detail, timeCol{&e.At}); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, &e)
	}
	return out, wrap(op, rows.Err())
}
