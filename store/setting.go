package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridline/gridline"
)

// Setting returns ENOTFOUND for a key never set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT value FROM settings WHERE name = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", gridline.Errorf(gridline.ENOTFOUND, "setting %q not found", key)
	}
	return v, wrap("setting", err)
}

// SetSetting stores value under key, replacing any earlier value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`), key, value)
	return wrap("set setting", err)
}

// InitSetting stores value under key unless the key is set already, and returns
// the value stored either way. Replicas starting together that each generate a
// secret all end up with the first one written, where Setting-then-SetSetting
// would let the last writer silently replace a secret another replica uses.
func (db *DB) InitSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO NOTHING`), key, value); err != nil {
		return "", wrap("init setting", err)
	}
	var v string
	err := db.write.QueryRowContext(ctx, db.q(`SELECT value FROM settings WHERE name = ?`), key).Scan(&v)
	return v, wrap("init setting", err)
}
