package store

import (
	"testing"
	"time"
)

func TestSQLiteLocation(t *testing.T) {
	for _, tt := range []struct {
		url, path, query string
	}{
		{"", DefaultSQLitePath, ""},
		{"gridline.db", "gridline.db", ""},
		{"/var/lib/gridline/g.db", "/var/lib/gridline/g.db", ""},
		{"sqlite:data/g.db", "data/g.db", ""},
		{"sqlite:///var/g.db", "/var/g.db", ""},
		{"file:/tmp/g.db?_pragma=synchronous(normal)", "/tmp/g.db", "_pragma=synchronous(normal)"},
		{"sqlite:?_pragma=synchronous(normal)", DefaultSQLitePath, "_pragma=synchronous(normal)"},
		{"sqlite::memory:", ":memory:", ""},
	} {
		path, query := sqliteLocation(tt.url)
		if path != tt.path || query != tt.query {
			t.Errorf("sqliteLocation(%q) = %q, %q; want %q, %q", tt.url, path, query, tt.path, tt.query)
		}
	}
}

func TestRebind(t *testing.T) {
	pg, lite := &DB{kind: KindPostgres}, &DB{kind: KindSQLite}
	for _, tt := range []struct{ in, pg string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = $1"},
		{"INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"UPDATE t SET name = ? WHERE id = ? AND x <> ''", "UPDATE t SET name = $1 WHERE id = $2 AND x <> ''"},
	} {
		if got := pg.q(tt.in); got != tt.pg {
			t.Errorf("postgres q(%q) = %q, want %q", tt.in, got, tt.pg)
		}
		if got := lite.q(tt.in); got != tt.in {
			t.Errorf("sqlite q(%q) = %q, want it unchanged", tt.in, got)
		}
	}
}

// TestSQLiteTimeOrder checks the property the schema relies on: stored SQLite
// times sort as text in time order, whatever their fractions of a second.
func TestSQLiteTimeOrder(t *testing.T) {
	base := time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC)
	times := []time.Time{
		base,
		base.Add(time.Microsecond),
		base.Add(100 * time.Millisecond),
		base.Add(time.Second),
		base.Add(24 * time.Hour),
	}
	lite := &DB{kind: KindSQLite}
	for i := 1; i < len(times); i++ {
		a, b := lite.t(times[i-1]).(string), lite.t(times[i]).(string)
		if a >= b {
			t.Errorf("%s sorts after %s", a, b)
		}
		back, err := parseTime(b)
		if err != nil || !back.Equal(times[i]) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", b, back, err, times[i])
		}
	}
	// Another zone is stored as the same instant in UTC.
	cst := time.FixedZone("CST", 8*3600)
	if got := lite.t(base.In(cst)); got != lite.t(base) {
		t.Errorf("time in CST stored as %v, want %v", got, lite.t(base))
	}
}

func TestQuestionKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Why is my bill high?", "why is my bill high"},
		{"  why is MY   bill high ", "why is my bill high"},
		{"停电了怎么办？", "停电了怎么办"},
		{"¿qué?", "qué"},
		{"???", ""},
	} {
		if got := questionKey(tt.in); got != tt.want {
			t.Errorf("questionKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
