package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

const workOrderColumns = `id, number, type, subtype, status, customer_id, account_no, conversation_id, phone, address,
	area_class, supply, description, owner_id, handler_id, department, urgent, reopened, reminders, customer_reminded_at,
	follow_up_tries, follow_up, master_id, incident_key, version, created_at, updated_at, closed_at`

func scanWorkOrder(s scanner) (*gridline.WorkOrder, error) {
	var w gridline.WorkOrder
	err := s.Scan(&w.ID, &w.Number, &w.Type, &w.Subtype, &w.Status, &w.CustomerID, &w.AccountNo, &w.ConversationID,
		&w.Phone, &w.Address, &w.AreaClass, &w.Supply, &w.Description, &w.OwnerID, &w.HandlerID, &w.Department,
		&w.Urgent, &w.Reopened, &w.Reminders, timePtrCol{&w.CustomerRemindedAt}, &w.FollowUpTries, &w.FollowUp,
		&w.MasterID, &w.IncidentKey, &w.Version, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt}, timePtrCol{&w.ClosedAt})
	if err != nil {
		return nil, err
	}
	w.Deadlines, w.Timeline = []gridline.Deadline{}, []gridline.TimelineEntry{}
	return &w, nil
}

// NextWorkOrderSeq counts the day's orders in one row per day: the upsert is
// atomic on both databases, so replicas sharing the store never get one number twice.
func (db *DB) NextWorkOrderSeq(ctx context.Context, day string) (int64, error) {
	var n int64
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO workorder_counters (day, n) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET n = workorder_counters.n + 1 RETURNING n`), day).Scan(&n)
	return n, wrap("next work-order number", err)
}

// workOrderArgs are wo's columns in workOrderColumns order, from number on.
func (db *DB) workOrderArgs(wo *gridline.WorkOrder) []any {
	return []any{wo.Number, wo.Type, wo.Subtype, wo.Status, wo.CustomerID, wo.AccountNo, wo.ConversationID, wo.Phone,
		wo.Address, wo.AreaClass, wo.Supply, wo.Description, wo.OwnerID, wo.HandlerID, wo.Department, wo.Urgent,
		wo.Reopened, wo.Reminders, db.tp(wo.CustomerRemindedAt), wo.FollowUpTries, wo.FollowUp, wo.MasterID,
		wo.IncidentKey}
}

// CreateWorkOrder stores wo with its deadlines and timeline in one transaction.
func (db *DB) CreateWorkOrder(ctx context.Context, wo *gridline.WorkOrder) error {
	if wo.ID == "" {
		wo.ID = gridline.NewID()
	}
	wo.CreatedAt = norm(wo.CreatedAt)
	if wo.UpdatedAt.IsZero() {
		wo.UpdatedAt = wo.CreatedAt
	}
	wo.UpdatedAt = norm(wo.UpdatedAt)
	err := db.inTx(ctx, "create work order", func(tx *sql.Tx) error {
		args := append([]any{wo.ID}, db.workOrderArgs(wo)...)
		args = append(args, int64(1), db.t(wo.CreatedAt), db.t(wo.UpdatedAt), db.tp(wo.ClosedAt), db.tp(wo.NextDue()))
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO workorders (`+workOrderColumns+`, next_due_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
		if isUnique(err) {
			return gridline.Errorf(gridline.ECONFLICT, "work order %s exists already", wo.Number)
		} else if err != nil {
			return err
		}
		if err := db.saveDeadlines(ctx, tx, wo); err != nil {
			return err
		}
		return db.appendTimeline(ctx, tx, wo.ID, wo.Timeline)
	})
	if err != nil {
		return err
	}
	wo.Version = 1
	return nil
}

// saveDeadlines makes the stored deadlines of wo those in wo.Deadlines. The
// sweep's marks survive unless the due time moved, and the read-back gives wo
// the marks as stored.
func (db *DB) saveDeadlines(ctx context.Context, tx *sql.Tx, wo *gridline.WorkOrder) error {
	kinds := make([]any, 0, len(wo.Deadlines)+1)
	kinds = append(kinds, wo.ID)
	marks := []string{}
	for _, d := range wo.Deadlines {
		kinds = append(kinds, d.Kind)
		marks = append(marks, "?")
	}
	del := `DELETE FROM workorder_deadlines WHERE order_id = ?`
	if len(marks) > 0 {
		del += ` AND kind NOT IN (` + strings.Join(marks, ", ") + `)`
	}
	if _, err := tx.ExecContext(ctx, db.q(del), kinds...); err != nil {
		return err
	}
	for _, d := range wo.Deadlines {
		pending := d.MetAt == nil && wo.Open()
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO workorder_deadlines (order_id, kind, start_at, warn_at, due_at,
			met_at, pending, warned, breached) VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, FALSE)
			ON CONFLICT (order_id, kind) DO UPDATE SET start_at = excluded.start_at, warn_at = excluded.warn_at,
			met_at = excluded.met_at, pending = excluded.pending,
			warned = CASE WHEN workorder_deadlines.due_at = excluded.due_at THEN workorder_deadlines.warned ELSE FALSE END,
			breached = CASE WHEN workorder_deadlines.due_at = excluded.due_at THEN workorder_deadlines.breached ELSE FALSE END,
			due_at = excluded.due_at`),
			wo.ID, d.Kind, db.t(norm(d.StartAt)), db.t(norm(d.WarnAt)), db.t(norm(d.DueAt)), db.tp(d.MetAt), pending)
		if err != nil {
			return err
		}
	}
	ds, err := db.deadlines(ctx, tx, wo.ID)
	if err != nil {
		return err
	}
	wo.Deadlines = ds
	return nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) deadlines(ctx context.Context, q querier, orderID string) ([]gridline.Deadline, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT kind, start_at, warn_at, due_at, met_at, warned, breached
		FROM workorder_deadlines WHERE order_id = ? ORDER BY due_at, kind`), orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []gridline.Deadline{}
	for rows.Next() {
		var d gridline.Deadline
		if err := rows.Scan(&d.Kind, timeCol{&d.StartAt}, timeCol{&d.WarnAt}, timeCol{&d.DueAt}, timePtrCol{&d.MetAt},
			&d.Warned, &d.Breached); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (db *DB) appendTimeline(ctx context.Context, tx *sql.Tx, orderID string, entries []gridline.TimelineEntry) error {
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO workorder_timeline (order_id, at, by_id, action, status, note)
			VALUES (?, ?, ?, ?, ?, ?)`), orderID, db.t(norm(e.At)), e.By, e.Action, e.Status, e.Note); err != nil {
			return err
		}
	}
	return nil
}

// WorkOrder returns the order with its deadlines and timeline.
func (db *DB) WorkOrder(ctx context.Context, id string) (*gridline.WorkOrder, error) {
	return db.workOrderWhere(ctx, "id", id)
}

// WorkOrderByNumber returns the order numbered number.
func (db *DB) WorkOrderByNumber(ctx context.Context, number string) (*gridline.WorkOrder, error) {
	return db.workOrderWhere(ctx, "number", number)
}

func (db *DB) workOrderWhere(ctx context.Context, col, v string) (*gridline.WorkOrder, error) {
	wo, err := scanWorkOrder(db.read.QueryRowContext(ctx, db.q(`SELECT `+workOrderColumns+` FROM workorders WHERE `+col+` = ?`), v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "work order %q not found", v)
	} else if err != nil {
		return nil, wrap("work order", err)
	}
	if wo.Deadlines, err = db.deadlines(ctx, db.read, wo.ID); err != nil {
		return nil, wrap("work order deadlines", err)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT at, by_id, action, status, note FROM workorder_timeline
		WHERE order_id = ? ORDER BY id`), wo.ID)
	if err != nil {
		return nil, wrap("work order timeline", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e gridline.TimelineEntry
		if err := rows.Scan(timeCol{&e.At}, &e.By, &e.Action, &e.Status, &e.Note); err != nil {
			return nil, wrap("work order timeline", err)
		}
		wo.Timeline = append(wo.Timeline, e)
	}
	return wo, wrap("work order timeline", rows.Err())
}

// ListWorkOrders returns orders matching f, newest first — or, on the overdue
// board (f.OverdueAt), most overdue first — each with its deadlines.
func (db *DB) ListWorkOrders(ctx context.Context, f gridline.WorkOrderFilter) ([]*gridline.WorkOrder, error) {
	var where []string
	var args []any
	add := func(cond string, vs ...any) { where = append(where, cond); args = append(args, vs...) }
	for col, v := range map[string]string{"status": f.Status, "type": f.Type, "owner_id": f.OwnerID,
		"customer_id": f.CustomerID, "master_id": f.MasterID, "conversation_id": f.ConversationID} {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	if f.VisibleTo != "" {
		add("(owner_id = ? OR handler_id = ? OR (owner_id = '' AND status <> 'closed'))", f.VisibleTo, f.VisibleTo)
	}
	if f.Open {
		add("status <> 'closed'")
	}
	order := "created_at DESC, id DESC"
	if f.OverdueAt != nil {
		add("next_due_at IS NOT NULL AND next_due_at <= ?", db.t(*f.OverdueAt))
		order = "next_due_at, id"
	}
	if f.Before != nil {
		add("created_at < ?", db.t(*f.Before))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		add(`(number = ? OR phone = ? OR account_no = ? OR address LIKE ? ESCAPE '\' OR description LIKE ? ESCAPE '\')`,
			q, q, q, like, like)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT ` + workOrderColumns + ` FROM workorders`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY ` + order + ` LIMIT ?`
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, wrap("list work orders", err)
	}
	out := []*gridline.WorkOrder{}
	byID := map[string]*gridline.WorkOrder{}
	for rows.Next() {
		wo, err := scanWorkOrder(rows)
		if err != nil {
			rows.Close()
			return nil, wrap("list work orders", err)
		}
		out = append(out, wo)
		byID[wo.ID] = wo
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("list work orders", err)
	}
	return out, wrap("list work orders", db.listDeadlines(ctx, byID))
}

// listDeadlines fills in the deadlines of a page of orders in one query.
func (db *DB) listDeadlines(ctx context.Context, byID map[string]*gridline.WorkOrder) error {
	if len(byID) == 0 {
		return nil
	}
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT order_id, kind, start_at, warn_at, due_at, met_at, warned, breached
		FROM workorder_deadlines WHERE order_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY due_at, kind`), ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var d gridline.Deadline
		if err := rows.Scan(&id, &d.Kind, timeCol{&d.StartAt}, timeCol{&d.WarnAt}, timeCol{&d.DueAt}, timePtrCol{&d.MetAt},
			&d.Warned, &d.Breached); err != nil {
			return err
		}
		byID[id].Deadlines = append(byID[id].Deadlines, d)
	}
	return rows.Err()
}

// UpdateWorkOrder saves wo when its version is still version: the version in
// the WHERE clause is the optimistic lock.
func (db *DB) UpdateWorkOrder(ctx context.Context, wo *gridline.WorkOrder, version int64, entries ...gridline.TimelineEntry) error {
	wo.UpdatedAt = norm(wo.UpdatedAt)
	err := db.inTx(ctx, "update work order", func(tx *sql.Tx) error {
		args := db.workOrderArgs(wo)[1:] // the number never changes
		args = append(args, db.t(wo.UpdatedAt), db.tp(wo.ClosedAt), db.tp(wo.NextDue()), wo.ID, version)
		res, err := tx.ExecContext(ctx, db.q(`UPDATE workorders SET type = ?, subtype = ?, status = ?, customer_id = ?,
			account_no = ?, conversation_id = ?, phone = ?, address = ?, area_class = ?, supply = ?, description = ?,
			owner_id = ?, handler_id = ?, department = ?, urgent = ?, reopened = ?, reminders = ?, customer_reminded_at = ?,
			follow_up_tries = ?, follow_up = ?, master_id = ?, incident_key = ?, version = version + 1, updated_at = ?,
			closed_at = ?, next_due_at = ? WHERE id = ? AND version = ?`), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var cur int64
			err := tx.QueryRowContext(ctx, db.q(`SELECT version FROM workorders WHERE id = ?`), wo.ID).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return gridline.Errorf(gridline.ENOTFOUND, "work order %q not found", wo.ID)
			} else if err != nil {
				return err
			}
			return gridline.Errorf(gridline.ECONFLICT, "work order %s changed under you (version %d, not %d)", wo.Number, cur, version)
		}
		if err := db.saveDeadlines(ctx, tx, wo); err != nil {
			return err
		}
		return db.appendTimeline(ctx, tx, wo.ID, entries)
	})
	if err != nil {
		return err
	}
	wo.Version = version + 1
	wo.Timeline = append(wo.Timeline, entries...)
	return nil
}

// IncidentMaster returns the oldest open, unmerged repair order of the key
// created since since.
func (db *DB) IncidentMaster(ctx context.Context, key string, since time.Time) (*gridline.WorkOrder, error) {
	var id string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM workorders WHERE incident_key = ? AND master_id = ''
		AND status <> 'closed' AND type = ? AND created_at >= ? ORDER BY created_at, id LIMIT 1`),
		key, gridline.WorkOrderRepair, db.t(since)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "no open incident for %q", key)
	} else if err != nil {
		return nil, wrap("incident master", err)
	}
	return db.WorkOrder(ctx, id)
}

// DueDeadlines reads the two partial indexes — unwarned past the warning point,
// unbreached past due — and joins the order's owner and handler.
func (db *DB) DueDeadlines(ctx context.Context, now time.Time, limit int) ([]gridline.DueDeadline, error) {
	if limit <= 0 {
		limit = 500
	}
	t := db.t(now)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT d.order_id, w.number, w.owner_id, w.handler_id, d.kind, d.warn_at,
		d.due_at, d.warned, d.breached FROM (
			SELECT order_id, kind FROM workorder_deadlines WHERE pending AND NOT breached AND due_at <= ?
			UNION
			SELECT order_id, kind FROM workorder_deadlines WHERE pending AND NOT warned AND warn_at <= ?
		) due
		JOIN workorder_deadlines d ON d.order_id = due.order_id AND d.kind = due.kind
		JOIN workorders w ON w.id = d.order_id
		ORDER BY d.due_at LIMIT ?`), t, t, limit)
	if err != nil {
		return nil, wrap("due deadlines", err)
	}
	defer rows.Close()
	out := []gridline.DueDeadline{}
	for rows.Next() {
		var d gridline.DueDeadline
		if err := rows.Scan(&d.OrderID, &d.Number, &d.OwnerID, &d.HandlerID, &d.Kind, timeCol{&d.WarnAt}, timeCol{&d.DueAt},
			&d.Warned, &d.Breached); err != nil {
			return nil, wrap("due deadlines", err)
		}
		out = append(out, d)
	}
	return out, wrap("due deadlines", rows.Err())
}

// MarkDeadline is a conditional UPDATE: of replicas marking one deadline at
// once, the row changes for one, and RowsAffected tells it that it won.
func (db *DB) MarkDeadline(ctx context.Context, orderID, kind string, dueAt time.Time, mark string) (bool, error) {
	var set string
	switch mark {
	case gridline.MarkWarned:
		set = `warned = TRUE WHERE order_id = ? AND kind = ? AND due_at = ? AND pending AND NOT warned AND NOT breached`
	case gridline.MarkBreached:
		set = `warned = TRUE, breached = TRUE WHERE order_id = ? AND kind = ? AND due_at = ? AND pending AND NOT breached`
	default:
		return false, gridline.Errorf(gridline.EINVALID, "unknown deadline mark %q", mark)
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE workorder_deadlines SET `+set), orderID, kind, db.t(norm(dueAt)))
	if err != nil {
		return false, wrap("mark deadline", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("mark deadline", err)
}
