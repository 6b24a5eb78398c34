package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

const userColumns = `id, email, name, role, skills, capacity, disabled, password_hash, created_at`

func scanUser(s scanner) (*gridline.User, error) {
	var u gridline.User
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, jsonCol{&u.Skills}, &u.Capacity, &u.Disabled,
		&u.PasswordHash, timeCol{&u.CreatedAt})
	if err != nil {
		return nil, err
	}
	if u.Skills == nil {
		u.Skills = []string{}
	}
	return &u, nil
}

// emailKey is the form emails are compared in: trimmed and lower-cased (Unicode
// aware, unlike SQLite's NOCASE), so that Ann@x and ann@x are one account.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser stores u, giving it an ID and CreatedAt when they are zero. Returns
// ECONFLICT if the email (compared case-insensitively) or the ID is taken.
func (db *DB) CreateUser(ctx context.Context, u *gridline.User) error {
	skills, err := json.Marshal(nonNil(u.Skills))
	if err != nil {
		return fmt.Errorf("store: create user: skills: %w", err)
	}
	id := u.ID
	if id == "" {
		id = gridline.NewID()
	}
	created := norm(u.CreatedAt)
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO users (id, email, email_key, name, role, skills, capacity,
		disabled, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, u.Email, emailKey(u.Email), u.Name, u.Role, string(skills), u.Capacity, u.Disabled, u.PasswordHash,
		db.t(created))
	if isUnique(err) {
		return gridline.Errorf(gridline.ECONFLICT, "a user with email %q exists already", u.Email)
	} else if err != nil {
		return wrap("create user", err)
	}
	u.ID, u.CreatedAt = id, created
	if u.Skills == nil {
		u.Skills = []string{}
	}
	return nil
}

// User returns ENOTFOUND if there is no such user.
func (db *DB) User(ctx context.Context, id string) (*gridline.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "user %q not found", id)
	}
	return u, wrap("user", err)
}

// UserByEmail finds a user by email, compared case-insensitively. Returns ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (*gridline.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE email_key = ?`),
		emailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "user %q not found", email)
	}
	return u, wrap("user by email", err)
}

// UpdateUser saves every field but ID and CreatedAt. Returns ENOTFOUND, and
// ECONFLICT when the new email belongs to another user.
func (db *DB) UpdateUser(ctx context.Context, u *gridline.User) error {
	skills, err := json.Marshal(nonNil(u.Skills))
	if err != nil {
		return fmt.Errorf("store: update user: skills: %w", err)
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET email = ?, email_key = ?, name = ?, role = ?,
		skills = ?, capacity = ?, disabled = ?, password_hash = ? WHERE id = ?`),
		u.Email, emailKey(u.Email), u.Name, u.Role, string(skills), u.Capacity, u.Disabled, u.PasswordHash, u.ID)
	if isUnique(err) {
		return gridline.Errorf(gridline.ECONFLICT, "a user with email %q exists already", u.Email)
	} else if err != nil {
		return wrap("update user", err)
	}
	return mustAffect(res, "user %q not found", u.ID)
}

// ListUsers returns every user, ordered by email.
func (db *DB) ListUsers(ctx context.Context) ([]*gridline.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email_key`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	out := []*gridline.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("list users", err)
		}
		out = append(out, u)
	}
	return out, wrap("list users", rows.Err())
}

// CreateSession stores s (CreatedAt defaults to now) and, in passing, deletes
// sessions that have expired, so the table does not grow without bound. Returns
// EINVALID when the user does not exist, ECONFLICT when the hash is taken.
func (db *DB) CreateSession(ctx context.Context, s *gridline.Session) error {
	created := norm(s.CreatedAt)
	expires := s.ExpiresAt.UTC().Truncate(time.Microsecond)
	err := db.inTx(ctx, "create session", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE expires_at <= ?`), db.t(now())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
			VALUES (?, ?, ?, ?)`), s.TokenHash, s.UserID, db.t(created), db.t(expires))
		switch {
		case isUnique(err):
			return gridline.Errorf(gridline.ECONFLICT, "session exists already")
		case isForeignKey(err):
			return gridline.Errorf(gridline.EINVALID, "user %q not found", s.UserID)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.CreatedAt, s.ExpiresAt = created, expires
	return nil
}

// Session returns ENOTFOUND for an unknown or expired hash.
func (db *DB) Session(ctx context.Context, tokenHash string) (*gridline.Session, error) {
	var s gridline.Session
	err := db.read.QueryRowContext(ctx, db.q(`SELECT token_hash, user_id, created_at, expires_at FROM sessions
		WHERE token_hash = ? AND expires_at > ?`), tokenHash, db.t(now())).
		Scan(&s.TokenHash, &s.UserID, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "session not found")
	} else if err != nil {
		return nil, wrap("session", err)
	}
	return &s, nil
}

// DeleteSession forgets a session (logout). Deleting one that is not there is no
// error, so logging out twice is harmless.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE token_hash = ?`), tokenHash)
	return wrap("delete session", err)
}
