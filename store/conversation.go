package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

const conversationColumns = `id, COALESCE(customer_id, ''), status, channel, lang, skill, priority, urgent, owner_id,
	handler_id, last_seq, rating, created_at, updated_at, queued_at, assigned_at, resolved_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanConversation(s scanner) (*gridline.Conversation, error) {
	var c gridline.Conversation
	err := s.Scan(&c.ID, &c.CustomerID, &c.Status, &c.Channel, &c.Lang, &c.Skill, &c.Priority, &c.Urgent, &c.OwnerID,
		&c.HandlerID, &c.LastSeq, &c.Rating, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt},
		timePtrCol{&c.QueuedAt}, timePtrCol{&c.AssignedAt}, timePtrCol{&c.ResolvedAt})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateConversation stores c, giving it an ID and timestamps when zero and the
// chat channel when it names none. A
// conversation with a CustomerID must name a stored customer (EINVALID otherwise);
// ECONFLICT if the ID is taken. LastSeq starts at zero whatever c says.
func (db *DB) CreateConversation(ctx context.Context, c *gridline.Conversation) error {
	id := c.ID
	if id == "" {
		id = gridline.NewID()
	}
	status := c.Status
	if status == "" {
		status = gridline.StatusBot
	}
	channel := c.Channel
	if channel == "" {
		channel = gridline.ChannelChat
	}
	created := norm(c.CreatedAt)
	updated := created
	if !c.UpdatedAt.IsZero() {
		updated = norm(c.UpdatedAt)
	}
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO conversations (id, customer_id, status, channel, lang, skill,
		priority, urgent, owner_id, handler_id, last_seq, rating, created_at, updated_at, queued_at, assigned_at,
		resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`),
		id, nullString(c.CustomerID), status, channel, c.Lang, c.Skill, c.Priority, c.Urgent, c.OwnerID, c.HandlerID,
		c.Rating, db.t(created), db.t(updated), db.tp(c.QueuedAt), db.tp(c.AssignedAt), db.tp(c.ResolvedAt))
	switch {
	case isUnique(err):
		return gridline.Errorf(gridline.ECONFLICT, "conversation %q exists already", id)
	case isForeignKey(err):
		return gridline.Errorf(gridline.EINVALID, "customer %q not found", c.CustomerID)
	case err != nil:
		return wrap("create conversation", err)
	}
	c.ID, c.Status, c.Channel, c.LastSeq, c.CreatedAt, c.UpdatedAt = id, status, channel, 0, created, updated
	c.QueuedAt, c.AssignedAt, c.ResolvedAt = normPtr(c.QueuedAt), normPtr(c.AssignedAt), normPtr(c.ResolvedAt)
	return nil
}

// normPtr brings an optional time to stored precision; a zero time counts as unset.
func normPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	n := norm(*t)
	return &n
}

// Conversation returns ENOTFOUND if there is no such conversation.
func (db *DB) Conversation(ctx context.Context, id string) (*gridline.Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx,
		db.q(`SELECT `+conversationColumns+` FROM conversations WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", id)
	} else if err != nil {
		return nil, wrap("conversation", err)
	}
	return c, nil
}

// UpdateConversation saves status, lang, skill, priority, urgent, owner, handler,
// rating and the time fields, and stamps UpdatedAt. The owner is written only
// while the stored one is empty — in the same statement, so two agents racing to
// become the owner cannot both win — and c.OwnerID and c.LastSeq come back as
// stored. Returns ENOTFOUND.
func (db *DB) UpdateConversation(ctx context.Context, c *gridline.Conversation) error {
	updated := now()
	var owner string
	var lastSeq int64
	err := db.write.QueryRowContext(ctx, db.q(`UPDATE conversations SET status = ?, lang = ?, skill = ?,
		priority = ?, urgent = ?, owner_id = CASE WHEN owner_id = '' THEN ? ELSE owner_id END, handler_id = ?,
		rating = ?, updated_at = ?, queued_at = ?, assigned_at = ?, resolved_at = ?
		WHERE id = ? RETURNING owner_id, last_seq`),
		c.Status, c.Lang, c.Skill, c.Priority, c.Urgent, c.OwnerID, c.HandlerID, c.Rating, db.t(updated),
		db.tp(c.QueuedAt), db.tp(c.AssignedAt), db.tp(c.ResolvedAt), c.ID).Scan(&owner, &lastSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", c.ID)
	} else if err != nil {
		return wrap("update conversation", err)
	}
	c.OwnerID, c.LastSeq, c.UpdatedAt = owner, lastSeq, updated
	c.QueuedAt, c.AssignedAt, c.ResolvedAt = normPtr(c.QueuedAt), normPtr(c.AssignedAt), normPtr(c.ResolvedAt)
	return nil
}

// ListConversations returns the newest first (by CreatedAt), at most f.Limit
// (zero means 100).
func (db *DB) ListConversations(ctx context.Context, f gridline.ConversationFilter) ([]*gridline.Conversation, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Channel != "" {
		add("channel = ?", f.Channel)
	}
	if f.CustomerID != "" {
		add("customer_id = ?", f.CustomerID)
	}
	if f.OwnerID != "" {
		add("owner_id = ?", f.OwnerID)
	}
	if f.HandlerID != "" {
		add("handler_id = ?", f.HandlerID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT ` + conversationColumns + ` FROM conversations`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, wrap("list conversations", err)
	}
	defer rows.Close()
	out := []*gridline.Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, wrap("list conversations", err)
		}
		out = append(out, c)
	}
	return out, wrap("list conversations", rows.Err())
}

// RateConversation sets the rating column alone.
func (db *DB) RateConversation(ctx context.Context, id string, score int) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE conversations SET rating = ?, updated_at = ? WHERE id = ?`), score, db.t(now()), id)
	if err != nil {
		return wrap("rate conversation", err)
	}
	return mustAffect(res, "conversation %q not found", id)
}

// SetConversationCustomer sets the customer_id column alone.
func (db *DB) SetConversationCustomer(ctx context.Context, id, customerID string) error {
	var n int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM customers WHERE id = ?`), customerID).Scan(&n); err != nil {
		return wrap("set conversation customer", err)
	}
	if n == 0 {
		return gridline.Errorf(gridline.EINVALID, "customer %q not found", customerID)
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE conversations SET customer_id = ?, updated_at = ? WHERE id = ?`), customerID, db.t(now()), id)
	if err != nil {
		return wrap("set conversation customer", err)
	}
	return mustAffect(res, "conversation %q not found", id)
}
