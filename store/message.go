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
// m.CreatedAt; it also advances the conversation's LastSeq and UpdatedAt.
//
// It first locks the conversation's row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
// the write transaction is exclusive), so appends to one conversation take turns:
// each sees the seq the previous one wrote, and seqs come out 1, 2, 3… without gaps
// or duplicates. Only after the lock does it look for m.ClientID, so that of two
// identical sends racing each other the second finds the first one's message and
// returns it with created false, writing nothing. Returns ENOTFOUND for an unknown
// conversation.
func (db *DB) AppendMessage(ctx context.Context, m *gridline.Message) (created bool, err error) {
	citations, err := json.Marshal(nonNil(m.Citations))
	if err != nil {
		return false, fmt.Errorf("store: append message: citations: %w", err)
	}
	replies, err := json.Marshal(nonNil(m.QuickReplies))
	if err != nil {
		return false, fmt.Errorf("store: append message: quick replies: %w", err)
	}
	var stored *gridline.Message
	var seq int64
	createdAt := now()
	err = db.inTx(ctx, "append message", func(tx *sql.Tx) error {
		stored = nil
		var last int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT last_seq FROM conversations WHERE id = ?`+db.forUpdate()),
			m.ConversationID).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", m.ConversationID)
		} else if err != nil {
			return err
		}
		if m.ClientID != "" {
			stored, err = scanMessage(tx.QueryRowContext(ctx, db.q(`SELECT `+messageColumns+` FROM messages
				WHERE conversation_id = ? AND client_id = ?`), m.ConversationID, m.ClientID))
			if err == nil {
				return nil // a resend: the transaction wrote nothing
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		seq = last + 1
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO messages (conversation_id, seq, client_id, author_kind,
			author_id, author_name, body, citations, quick_replies, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			m.ConversationID, seq, m.ClientID, string(m.Author.Kind), m.Author.ID, m.Author.Name, m.Text,
			string(citations), string(replies), db.t(createdAt)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?`),
			seq, db.t(createdAt), m.ConversationID)
		return err
	})
	if err != nil {
		return false, err
	}
	if stored != nil {
		*m = *stored
		return false, nil
	}
	m.Seq, m.CreatedAt = seq, createdAt
	return true, nil
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
