package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gridline/gridline"
)

const messageColumns = `conversation_id, seq, client_id, author_kind, author_id, author_name, body,
	citations, quick_replies, created_at`

// The queries of AppendMessage, the hot path: prepared once on SQLite.
const (
	// qLockConversation reads the last seq; PostgreSQL appends FOR UPDATE.
	qLockConversation = `SELECT last_seq FROM conversations WHERE id = ?`
	// qMessageByClientID repeats client_id <> '' so that the partial unique index
	// on (conversation_id, client_id) is usable: neither database can prove it of
	// a bound parameter, and without it SQLite scans the conversation's messages.
	qMessageByClientID = `SELECT ` + messageColumns + ` FROM messages
		WHERE conversation_id = ? AND client_id = ? AND client_id <> ''`
	qInsertMessage = `INSERT INTO messages (conversation_id, seq, client_id, author_kind, author_id, author_name,
		body, citations, quick_replies, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qBumpConversation = `UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?`
	// A savepoint per append lets one failed append of a group commit take only
	// itself back.
	qSavepoint         = `SAVEPOINT append_one`
	qRollbackSavepoint = `ROLLBACK TO append_one`
	qReleaseSavepoint  = `RELEASE append_one`
)

// hotQueries are the statements prepared at Open on SQLite.
func hotQueries() []string {
	return []string{qLockConversation, qMessageByClientID, qInsertMessage, qBumpConversation,
		qSavepoint, qRollbackSavepoint, qReleaseSavepoint}
}

func scanMessage(s scanner) (*gridline.Message, error) {
	var m gridline.Message
	err := s.Scan(&m.ConversationID, &m.Seq, &m.ClientID, &m.Author.Kind, &m.Author.ID, &m.Author.Name, &m.Text,
		jsonCol{&m.Citations}, jsonCol{&m.QuickReplies}, timeCol{&m.CreatedAt})
	if err != nil {
		return nil, err
	}
	if len(m.Citations) == 0 {
		m.Citations = nil
	}
	if len(m.QuickReplies) == 0 {
		m.QuickReplies = nil
	}
	return &m, nil
}

// AppendMessage stores m with the conversation's next Seq and sets m.Seq and
// m.CreatedAt; it also advances the conversation's LastSeq and UpdatedAt. When
// m.ClientID is already stored in the conversation, nothing is written, m becomes
// the stored message and created is false. Returns ENOTFOUND for an unknown
// conversation. On SQLite appends go through the group commit (appender.go).
func (db *DB) AppendMessage(ctx context.Context, m *gridline.Message) (created bool, err error) {
	if db.app != nil {
		return db.app.append(ctx, m)
	}
	var stored *gridline.Message
	err = db.inTx(ctx, "append message", func(tx *sql.Tx) error {
		created, stored, err = db.appendIn(ctx, tx, m)
		return err
	})
	if err != nil {
		return false, err
	}
	*m = *stored
	return created, nil
}

// appendIn appends m in tx and returns the message as stored, leaving m as it is.
//
// It first locks the conversation's row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
// the write transaction is exclusive), so appends to one conversation take turns:
// each sees the seq the previous one wrote, and seqs come out 1, 2, 3… without gaps
// or duplicates. Only after the lock does it look for m.ClientID, so that of two
// identical sends racing each other the second finds the first one's message and
// returns it with created false, writing nothing.
func (db *DB) appendIn(ctx context.Context, tx *sql.Tx, m *gridline.Message) (bool, *gridline.Message, error) {
	citations, err := json.Marshal(nonNil(m.Citations))
	if err != nil {
		return false, nil, fmt.Errorf("citations: %w", err)
	}
	replies, err := json.Marshal(nonNil(m.QuickReplies))
	if err != nil {
		return false, nil, fmt.Errorf("quick replies: %w", err)
	}
	var last int64
	err = db.txQueryRow(ctx, tx, qLockConversation+db.forUpdate(), m.ConversationID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil, gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", m.ConversationID)
	} else if err != nil {
		return false, nil, err
	}
	if m.ClientID != "" {
		stored, err := scanMessage(db.txQueryRow(ctx, tx, qMessageByClientID, m.ConversationID, m.ClientID))
		if err == nil {
			return false, stored, nil // a resend: nothing is written
		} else if !errors.Is(err, sql.ErrNoRows) {
			return false, nil, err
		}
	}
	stored := *m
	stored.Seq, stored.CreatedAt = last+1, now()
	if _, err := db.txExec(ctx, tx, qInsertMessage, m.ConversationID, stored.Seq, m.ClientID, string(m.Author.Kind),
		m.Author.ID, m.Author.Name, m.Text, string(citations), string(replies), db.t(stored.CreatedAt)); err != nil {
		return false, nil, err
	}
	if _, err := db.txExec(ctx, tx, qBumpConversation, stored.Seq, db.t(stored.CreatedAt), m.ConversationID); err != nil {
		return false, nil, err
	}
	return true, &stored, nil
}

// Messages returns up to limit messages with Seq > afterSeq in Seq order;
// limit <= 0 means all. An unknown conversation has no messages.
func (db *DB) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*gridline.Message, error) {
	query := `SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq`
	args := []any{conversationID, afterSeq}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, wrap("messages", err)
	}
	defer rows.Close()
	out := []*gridline.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, wrap("messages", err)
		}
		out = append(out, m)
	}
	return out, wrap("messages", rows.Err())
}

// nonNil makes a nil list marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// jsonCol scans a JSON column (TEXT on SQLite, jsonb on PostgreSQL) into v.
type jsonCol struct{ v any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("store: cannot read %T as JSON", src)
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, c.v); err != nil {
		return fmt.Errorf("store: bad stored JSON: %w", err)
	}
	return nil
}
