package store_test

import (
	"database/sql"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/store/storetest"
)

// TestOpenDefault: with no URL the embedded default creates ./data/gridline.db.
func TestOpenDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	db, err := store.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Kind() != store.KindSQLite {
		t.Errorf("Kind = %q", db.Kind())
	}
	if _, err := os.Stat(filepath.Join("data", "gridline.db")); err != nil {
		t.Errorf("the default database file: %v", err)
	}
}

// TestMigrateIdempotent: migrating again, or reopening, changes nothing and
// keeps the data; every migration is recorded once.
func TestMigrateIdempotent(t *testing.T) {
	for _, tt := range []struct {
		name   string
		url    func(t *testing.T) string
		driver string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "g.db") }, "sqlite"},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }, "pgx"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			url := tt.url(t)
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			must(t, db.SetSetting(ctx, "kept", "yes"))
			must(t, db.Migrate(ctx))
			must(t, db.Migrate(ctx))
			must(t, db.Close())

			db, err = store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, err := db.Setting(ctx, "kept"); err != nil || v != "yes" {
				t.Errorf("after reopening Setting = %q, %v", v, err)
			}

			raw, err := sql.Open(tt.driver, withoutPoolParams(url))
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var n, distinct int
			must(t, raw.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct))
			files, err := filepath.Glob(filepath.Join("migrations", tt.name, "*.sql"))
			if err != nil {
				t.Fatal(err)
			}
			if n != len(files) || distinct != n {
				t.Errorf("schema_migrations has %d rows (%d versions), want one per file (%d)", n, distinct, len(files))
			}
		})
	}
}

// TestPostgresConcurrentMigrate: replicas starting together against an empty
// schema all come up; the advisory lock lets one migrate and the rest wait.
func TestPostgresConcurrentMigrate(t *testing.T) {
	url := storetest.PostgresURL(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db, err := store.Open(t.Context(), url)
			if err != nil {
				t.Error(err)
				return
			}
			db.Close()
		})
	}
	wg.Wait()
}

// TestSQLiteTwoProcesses: two handles on one SQLite file — a server and a
// `gridline user add` beside it — write at once without SQLITE_BUSY escaping,
// and appends to one conversation from both still number 1..n.
func TestSQLiteTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	ctx := t.Context()
	var dbs []*store.DB
	for range 2 {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	cu := &gridline.Customer{Lang: gridline.LangEN}
	must(t, dbs[0].CreateCustomer(ctx, cu))
	conv := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot}
	must(t, dbs[0].CreateConversation(ctx, conv))

	const perHandle = 100
	var wg sync.WaitGroup
	for h, db := range dbs {
		for w := range 5 {
			wg.Go(func() {
				for i := range perHandle / 5 {
					m := &gridline.Message{ConversationID: conv.ID, ClientID: fmt.Sprintf("%d-%d-%d", h, w, i),
						Author: gridline.Author{Kind: gridline.AuthorCustomer}, Text: "hi"}
					if _, err := db.AppendMessage(ctx, m); err != nil {
						t.Error(err)
						return
					}
					if err := db.SetSetting(ctx, fmt.Sprintf("k%d", h), fmt.Sprint(i)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	msgs, err := dbs[1].Messages(ctx, conv.ID, 0, 0)
	must(t, err)
	if len(msgs) != 2*perHandle {
		t.Fatalf("%d messages, want %d", len(msgs), 2*perHandle)
	}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// withoutPoolParams drops pgxpool's own URL parameters, which a plain pgx
// connection would send to the server as run-time parameters.
func withoutPoolParams(u string) string {
	p, err := neturl.Parse(u)
	if err != nil || p.Scheme == "" {
		return u
	}
	q := p.Query()
	q.Del("pool_max_conns")
	p.RawQuery = q.Encode()
	return p.String()
}

// TestInitSetting: of replicas racing to store a generated secret, every one
// gets the same, first-written value.
func TestInitSetting(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			got := make([]string, 10)
			var wg sync.WaitGroup
			for i := range got {
				wg.Go(func() {
					v, err := db.InitSetting(t.Context(), "secret", fmt.Sprint("candidate-", i))
					if err != nil {
						t.Error(err)
					}
					got[i] = v
				})
			}
			wg.Wait()
			stored, err := db.Setting(t.Context(), "secret")
			must(t, err)
			for i, v := range got {
				if v != stored {
					t.Errorf("replica %d uses %q, the store keeps %q", i, v, stored)
				}
			}
		})
	}
}
