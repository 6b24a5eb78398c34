package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridline/gridline"
)

// AddVerifyAttempt counts one more try for the conversation and returns the
// count including it, in one upsert, so that concurrent tries on any replica
// cannot slip past a limit. Returns ENOTFOUND for an unknown conversation.
func (db *DB) AddVerifyAttempt(ctx context.Context, conversationID string) (int, error) {
	var n int
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO verifications (conversation_id, attempts) VALUES (?, 1)
		ON CONFLICT (conversation_id) DO UPDATE SET attempts = verifications.attempts + 1
		RETURNING attempts`), conversationID).Scan(&n)
	if isForeignKey(err) {
		return 0, gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", conversationID)
	}
	return n, wrap("add verify attempt", err)
}

// MarkVerified records the account a conversation's visitor proved. Returns
// ENOTFOUND for an unknown conversation.
func (db *DB) MarkVerified(ctx context.Context, conversationID, customerID, accountNo string) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO verifications (conversation_id, attempts, customer_id,
		account_no, verified_at) VALUES (?, 0, ?, ?, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET customer_id = excluded.customer_id,
		account_no = excluded.account_no, verified_at = excluded.verified_at`),
		conversationID, customerID, accountNo, db.t(now()))
	if isForeignKey(err) {
		return gridline.Errorf(gridline.ENOTFOUND, "conversation %q not found", conversationID)
	}
	return wrap("mark verified", err)
}

// Verification returns the conversation's verification state; one with no
// try yet has zero Attempts.
func (db *DB) Verification(ctx context.Context, conversationID string) (*gridline.Verification, error) {
	v := gridline.Verification{ConversationID: conversationID}
	err := db.read.QueryRowContext(ctx, db.q(`SELECT attempts, customer_id, account_no, verified_at FROM verifications
		WHERE conversation_id = ?`), conversationID).Scan(&v.Attempts, &v.CustomerID, &v.AccountNo, timePtrCol{&v.VerifiedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return &v, nil
	}
	if err != nil {
		return nil, wrap("verification", err)
	}
	return &v, nil
}
