package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/store/storetest"
)

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

// openPostgres opens a store on a schema of its own (see storetest.PostgresURL),
// or skips the test when GRIDLINE_TEST_POSTGRES_URL is unset.
func openPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), storetest.PostgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the schema is dropped
	if db.Kind() != store.KindPostgres {
		tb.Fatalf("Kind = %q", db.Kind())
	}
	return db
}
