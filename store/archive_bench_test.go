package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/store/storetest"
)

// benchCustomers is the archive size the search benchmark builds.
const benchCustomers = 1_000_000

// BenchmarkSearchCustomers measures SearchCustomers at a million customers
// (each with one account and a phone; names from 1,000 common ones, so a name
// prefix matches thousands): a phone prefix, an account-number prefix and a
// name prefix, reporting p50 and p99 latency. The archive is built in the
// database itself (a recursive CTE on SQLite, generate_series on PostgreSQL)
// in seconds, not a row at a time.
//
//	GRIDLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench SearchCustomers -benchtime 2000x ./store/
func BenchmarkSearchCustomers(b *testing.B) {
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		b.Run(kind, func(b *testing.B) {
			db, raw := openBench(b, kind)
			start := time.Now()
			buildArchive(b, kind, raw)
			b.ReportMetric(time.Since(start).Seconds(), "build-s")
			rng := rand.New(rand.NewPCG(1, 2))
			surnames, given := []rune("王李张刘陈杨黄赵吴周"), []rune("伟芳娜敏静丽强磊军洋")
			for _, q := range []struct {
				name string
				gen  func() string
			}{
				{"phone", func() string { return fmt.Sprintf("13%09d", phoneOf(rng.IntN(benchCustomers)))[:8] }},
				{"account", func() string { return fmt.Sprintf("%010d", 3100000000+rng.IntN(benchCustomers))[:9] }},
				{"name", func() string {
					return string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
				}},
			} {
				b.Run(q.name, func(b *testing.B) {
					ctx := context.Background()
					lat := make([]time.Duration, 0, b.N)
					found := 0
					for b.Loop() {
						s := q.gen()
						t0 := time.Now()
						cs, err := db.SearchCustomers(ctx, s, 20)
						lat = append(lat, time.Since(t0))
						if err != nil {
							b.Fatal(err)
						}
						found += len(cs)
					}
					if found == 0 {
						b.Fatal("no search found anything")
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
					b.ReportMetric(float64(found)/float64(len(lat)), "hits/op")
				})
			}
		})
	}
}

// phoneOf spreads customers' phones over the number space.
func phoneOf(i int) int { return (i * 7919) % 1_000_000_000 }

// openBench opens a store on a database of its own and a plain connection to
// the same database for building data in bulk.
func openBench(b *testing.B, kind string) (*store.DB, *sql.DB) {
	b.Helper()
	url, driver := filepath.Join(b.TempDir(), "bench.db"), "sqlite"
	if kind == store.KindPostgres {
		url, driver = storetest.PostgresURL(b), "pgx"
	}
	db, err := store.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	rawURL := url
	if kind == store.KindPostgres {
		u, err := neturl.Parse(url)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Del("pool_max_conns") // pgxpool's, not the server's
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	raw, err := sql.Open(driver, rawURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return db, raw
}

// buildArchive writes benchCustomers customers, their accounts and search
// terms with a handful of set-based statements.
func buildArchive(b *testing.B, kind string, raw *sql.DB) {
	b.Helper()
	series := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, benchCustomers-1)
	from := ` FROM n`
	pad := func(expr string, width int) string { return fmt.Sprintf(`printf('%%0%dd', %s)`, width, expr) }
	now := `'2025-01-01T00:00:00.000000Z'`
	spread := `(i * 7919) % 1000000000`
	if kind == store.KindPostgres {
		series = ``
		from = fmt.Sprintf(` FROM generate_series(0, %d) AS n(i)`, benchCustomers-1)
		pad = func(expr string, width int) string { return fmt.Sprintf(`lpad((%s)::text, %d, '0')`, expr, width) }
		now = `'2025-01-01T00:00:00Z'::timestamptz`
		spread = `(i::bigint * 7919) % 1000000000`
	}
	name := `substr('王李张刘陈杨黄赵吴周', (i % 10) + 1, 1) || substr('伟芳娜敏静丽强磊军洋', ((i / 10) % 10) + 1, 1) ||
		substr('华明红平安建国文英玉', ((i / 100) % 10) + 1, 1)`
	stmts := []string{
		`INSERT INTO customers (id, kind, name, phone, lang, segment, relationship, created_at, updated_at)` + series +
			` SELECT 'c' || ` + pad("i", 7) + `, 'individual', ` + name + `, '13' || ` + pad(spread, 9) +
			`, 'zh', 'resident', 'current', ` + now + `, ` + now + from,
		`INSERT INTO accounts (account_no, customer_id, position, area_class, status, created_at)` + series +
			` SELECT ` + pad("3100000000 + i", 10) + `, 'c' || ` + pad("i", 7) + `, 0, 'urban', 'active', ` + now + from,
		`INSERT INTO customer_search (term, customer_id) SELECT 'n:' || name, id FROM customers`,
		`INSERT INTO customer_search (term, customer_id) SELECT 'p:' || phone, id FROM customers`,
		`INSERT INTO customer_search (term, customer_id) SELECT 'a:' || account_no, customer_id FROM accounts`,
	}
	if kind == store.KindPostgres {
		stmts = append(stmts, `ANALYZE customers`, `ANALYZE accounts`, `ANALYZE customer_search`)
	} else {
		stmts = append(stmts, `ANALYZE`)
	}
	for _, s := range stmts {
		if _, err := raw.ExecContext(context.Background(), s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
}

// BenchmarkImportCSV measures a 100,000-row CSV import, parse to commit,
// through archive.Service.Import: rows per second.
//
//	go test -run '^$' -bench ImportCSV -benchtime 1x ./store/
func BenchmarkImportCSV(b *testing.B) {
	const rows = 100_000
	var csv bytes.Buffer
	csv.WriteString("name,phone,segment,account_no,area_class,tariff,balance\n")
	for i := range rows {
		fmt.Fprintf(&csv, "客户%06d,13%09d,resident,%010d,rural,tiered,%d.%02d\n", i, phoneOf(i), 4100000000+i, i%500, i%100)
	}
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db, _ := openBench(b, kind)
				svc := &archive.Service{Store: db}
				b.StartTimer()
				n, err := svc.Import(context.Background(), archive.System("bench"), bytes.NewReader(csv.Bytes()))
				if err != nil || n != rows {
					b.Fatalf("imported %d: %v", n, err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
