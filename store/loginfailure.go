package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridline/gridline"
)

// AddLoginFailure counts one failure in a single upsert, so that concurrent
// wrong logins on several replicas each count. In passing it deletes tallies
// whose latest failure is older than the window, so guesses at many made-up
// addresses do not grow the table for good.
func (db *DB) AddLoginFailure(ctx context.Context, email string, at time.Time) (*gridline.LoginFailures, error) {
	key, at := gridline.LoginKey(email), norm(at)
	stale := db.t(at.Add(-gridline.LoginFailureWindow))
	f := &gridline.LoginFailures{Email: key}
	err := db.inTx(ctx, "add login failure", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE last_at < ? AND email <> ?`), stale, key); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO login_failures (email, count, first_at, last_at) VALUES (?, 1, ?, ?)
			ON CONFLICT (email) DO UPDATE SET
				count    = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.count + 1 END,
				first_at = CASE WHEN login_failures.last_at < ? THEN excluded.first_at ELSE login_failures.first_at END,
				last_at  = excluded.last_at
			RETURNING count, first_at, last_at`), key, db.t(at), db.t(at), stale, stale).
			Scan(&f.Count, timeCol{&f.FirstAt}, timeCol{&f.LastAt})
	})
	if err != nil {
		return nil, wrap("add login failure", err)
	}
	return f, nil
}

// LoginFailures returns a zero tally for an address with none.
func (db *DB) LoginFailures(ctx context.Context, email string) (*gridline.LoginFailures, error) {
	f := &gridline.LoginFailures{Email: gridline.LoginKey(email)}
	err := db.read.QueryRowContext(ctx, db.q(`SELECT count, first_at, last_at FROM login_failures WHERE email = ?`), f.Email).
		Scan(&f.Count, timeCol{&f.FirstAt}, timeCol{&f.LastAt})
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	if err != nil {
		return nil, wrap("login failures", err)
	}
	return f, nil
}

// ClearLoginFailures deletes the tally and returns it (Count 0 when none).
func (db *DB) ClearLoginFailures(ctx context.Context, email string) (*gridline.LoginFailures, error) {
	f := &gridline.LoginFailures{Email: gridline.LoginKey(email)}
	err := db.write.QueryRowContext(ctx, db.q(`DELETE FROM login_failures WHERE email = ? RETURNING count, first_at, last_at`), f.Email).
		Scan(&f.Count, timeCol{&f.FirstAt}, timeCol{&f.LastAt})
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	if err != nil {
		return nil, wrap("clear login failures", err)
	}
	return f, nil
}
