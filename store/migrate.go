package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrations holds one numbered set of .sql files per dialect
// (migrations/sqlite/0001_init.sql, migrations/postgres/0001_init.sql, …). The two
// sets move in step: a change to the schema adds the same number to both.
//
//go:embed migrations
var migrations embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the dialect's migrations in version order.
func loadMigrations(kind string) ([]migration, error) {
	dir := path.Join("migrations", kind)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s/%s: name must start with a positive number", kind, e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("store: migrations %s and %s share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies every embedded migration not yet recorded in schema_migrations,
// each in its own transaction together with its record, so that a failed
// migration leaves nothing half-applied. It is idempotent and safe to run from
// several processes at once: on PostgreSQL an advisory lock per schema, on SQLite
// the write lock, lets one of them apply a migration and the others see it done.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.kind)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, "migrate", func(tx *sql.Tx) error {
		if err := db.migrationLock(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`)
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := db.inTx(ctx, "migrate "+m.name, func(tx *sql.Tx) error {
			if err := db.migrationLock(ctx, tx); err != nil {
				return err
			}
			var n int
			err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n)
			if err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, now().Format(sqliteTime))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// migrationLock makes concurrent migrations of one PostgreSQL schema take turns
// until the transaction ends. SQLite's write transactions are already exclusive.
func (db *DB) migrationLock(ctx context.Context, tx *sql.Tx) error {
	if db.kind != KindPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('gridline.migrate.' || current_schema()))`)
	return err
}
