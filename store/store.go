// Package store keeps Gridline's state in SQL: SQLite (modernc.org/sqlite, no cgo)
// for the embedded default and PostgreSQL (pgx v5) for the scale-out shape. Both
// run the same queries through database/sql; the few differences (placeholders,
// how times are written, locking reads, error codes) live in the dialect below, so
// there is one implementation of gridline.Store, not two. store/storetest is the
// contract both databases pass.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gridline/gridline"
)

// Database kinds reported by Kind.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// DefaultSQLitePath is where the embedded default keeps its database when no URL
// is given, relative to the working directory.
const DefaultSQLitePath = "./data/gridline.db"

// busyTimeoutMS is how long a SQLite connection waits for another process's write
// lock before giving up. Writers inside this process never wait on it: they queue
// for the single write connection instead.
const busyTimeoutMS = 5000

// defaultPostgresConns caps the PostgreSQL pool unless the URL sets pool_max_conns.
const defaultPostgresConns = 20

// DB is a gridline.Store over SQLite or PostgreSQL. It is safe for concurrent use.
//
// SQLite allows one writer at a time, so DB keeps two pools on it: a write pool of
// exactly one connection, where goroutines queue in Go (honouring their contexts)
// instead of meeting SQLITE_BUSY, and a read pool of several query-only
// connections, which WAL lets run beside the writer; appends from many
// goroutines share one transaction and one disk flush (appender.go). SQLite's
// synchronous setting stays FULL, its default, so that an acknowledged message
// survives a power cut; "?_pragma=synchronous(normal)" in the URL trades that for
// speed. On PostgreSQL both pools are one and row locks order concurrent writers.
type DB struct {
	kind  string
	write *sql.DB
	read  *sql.DB
	pool  *pgxpool.Pool // PostgreSQL only; closed after the sql.DB built on it

	// hot holds SQLite statements of the hot path (AppendMessage) prepared once on
	// the write connection; it is written only by Open. pgx caches prepared
	// statements per connection by itself.
	hot map[string]*sql.Stmt
	// app is SQLite's group commit for AppendMessage; nil on PostgreSQL, whose
	// commits from many connections are flushed together by the server itself.
	app *appender
}

var _ gridline.Store = (*DB)(nil)

// Open connects to the database named by url and applies pending migrations.
//
//   - "" is the embedded default, a SQLite file at DefaultSQLitePath;
//   - a plain path, "sqlite:PATH" or "file:PATH" (query parameters are passed to the
//     driver, e.g. "?_pragma=synchronous(normal)") is SQLite; the file's directory
//     is created when missing;
//   - "postgres://…" or "postgresql://…" is PostgreSQL; pgx's URL parameters apply,
//     including pool_max_conns (default 20) and run-time parameters such as
//     search_path.
func Open(ctx context.Context, url string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		db, err = openPostgres(ctx, url)
	} else {
		db, err = openSQLite(ctx, url)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.prepareHot(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.kind == KindSQLite {
		db.app = newAppender(db)
	}
	return db, nil
}

// sqliteLocation splits a SQLite URL ("", a path, "sqlite:PATH", "sqlite://PATH",
// "file:PATH", each with an optional "?query") into the file's path and the
// query passed on to the driver.
func sqliteLocation(url string) (path, query string) {
	path = url
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(path, prefix) {
			path = strings.TrimPrefix(path, prefix)
			break
		}
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if path == "" {
		path = DefaultSQLitePath
	}
	return path, query
}

func openSQLite(ctx context.Context, url string) (*DB, error) {
	path, query := sqliteLocation(url)
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: create database directory: %w", err)
		}
	}
	dsn := func(extra ...string) string {
		params := []string{
			"_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMS) + ")",
			"_pragma=foreign_keys(1)",
		}
		params = append(params, extra...)
		if query != "" {
			params = append(params, query)
		}
		return "file:" + path + "?" + strings.Join(params, "&")
	}

	write, err := sql.Open("sqlite", dsn("_pragma=journal_mode(WAL)", "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	db := &DB{kind: KindSQLite, write: write, read: write}
	if memory {
		// Every connection to ":memory:" is a database of its own: one connection serves all.
		return db, nil
	}
	read, err := sql.Open("sqlite", dsn("_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = read
	return db, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: parse postgres url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultPostgresConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		pool.Close()
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	return &DB{kind: KindPostgres, write: sdb, read: sdb, pool: pool}, nil
}

// Kind says which database this is: "sqlite" or "postgres".
func (db *DB) Kind() string { return db.kind }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases every connection.
func (db *DB) Close() error {
	if db.app != nil {
		db.app.close()
	}
	var err error
	for _, s := range db.hot {
		err = errors.Join(err, s.Close())
	}
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// q rewrites a query written with "?" placeholders for the dialect: PostgreSQL
// numbers them $1, $2, …. Queries never hold a literal "?".
func (db *DB) q(query string) string {
	if db.kind != KindPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// prepareHot prepares the hot path's statements once on SQLite's write
// connection (after migrations, when their tables exist), so that appends do not
// parse their SQL again. Must run before the DB is shared.
func (db *DB) prepareHot(ctx context.Context) error {
	if db.kind != KindSQLite {
		return nil
	}
	db.hot = map[string]*sql.Stmt{}
	for _, query := range hotQueries() {
		s, err := db.write.PrepareContext(ctx, query)
		if err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
		db.hot[query] = s
	}
	return nil
}

// txExec runs a statement in tx, prepared already when it is a hot one.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s, ok := db.hot[query]; ok {
		return tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, db.q(query), args...)
}

// txQueryRow runs a query for one row in tx, prepared already when it is a hot one.
func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s, ok := db.hot[query]; ok {
		return tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, db.q(query), args...)
}

// forUpdate is the row-locking suffix of a read inside a write transaction.
// SQLite needs none: its write transactions hold the database's one write lock.
func (db *DB) forUpdate() string {
	if db.kind == KindPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// sqliteTime is how times are written to SQLite: fixed width, so that text order
// is time order, and microseconds, as PostgreSQL keeps them.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// now is the store's clock, in UTC at the precision both databases keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// norm brings a caller's time to UTC at stored precision, or now when it is zero.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// t is a time as a query argument.
func (db *DB) t(t time.Time) any {
	if db.kind == KindSQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t.UTC()
}

// tp is a nullable time as a query argument.
func (db *DB) tp(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return db.t(t.UTC().Truncate(time.Microsecond))
}

// timeCol scans a stored time, written by either dialect, into a UTC time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*c.t = t
	return nil
}

// timePtrCol scans a nullable stored time; NULL leaves the pointer nil.
type timePtrCol struct{ t **time.Time }

func (c timePtrCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*c.t = &t
	return nil
}

func parseTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTimeText(v)
	case []byte:
		return parseTimeText(string(v))
	}
	return time.Time{}, fmt.Errorf("store: cannot read %T as a time", src)
}

func parseTimeText(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullString stores "" as NULL, for optional references with foreign keys.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// isUnique reports whether err is a unique or primary-key violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isForeignKey reports whether err is a foreign-key violation: a reference to a
// row that does not exist.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// isCheck reports whether err is a CHECK constraint violation: a value the schema
// does not allow.
func isCheck(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_CHECK
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514"
}

// isRetryable reports whether a PostgreSQL transaction failed only because it met
// another one (serialization failure, deadlock) and may simply be run again.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// wrap passes *gridline.Error through and wraps anything else as an
// infrastructure error of operation op.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ge *gridline.Error
	if errors.As(err, &ge) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// inTx runs fn in a write transaction and commits it, or rolls it back when fn
// fails. A transaction that lost a deadlock or serialization race is retried, so
// fn must not change anything outside the transaction before it returns nil.
func (db *DB) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	const attempts = 3
	var err error
	for range attempts {
		err = db.tryTx(ctx, fn)
		if !isRetryable(err) {
			break
		}
	}
	return wrap(op, err)
}

func (db *DB) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
