package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating and dropping test schemas

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/store/storetest"
)

// postgresEnv names the PostgreSQL the tests use; CI always sets it.
const postgresEnv = "GRIDLINE_TEST_POSTGRES_URL"

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gridline.Store { return openSQLite(t) })
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gridline.Store { return openPostgres(t) })
}

// openSQLite opens a store on a new file in the test's temporary directory.
func openSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "gridline.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if db.Kind() != store.KindSQLite {
		tb.Fatalf("Kind = %q", db.Kind())
	}
	return db
}

// openPostgres opens a store on a schema of its own (see postgresURL).
func openPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), postgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the schema is dropped
	if db.Kind() != store.KindPostgres {
		tb.Fatalf("Kind = %q", db.Kind())
	}
	return db
}

// postgresURL creates a schema for the test, dropped after it, and returns a URL
// whose search_path is that schema, so that tests never see each other's rows and
// may run in parallel against one database. It skips the test when
// GRIDLINE_TEST_POSTGRES_URL is unset.
func postgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		tb.Skip(postgresEnv + " is not set; skipping the PostgreSQL store")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "gl_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "8") // many tests share one server in parallel
	u.RawQuery = q.Encode()
	return u.String()
}
