package store

import (
	"testing"
	"time"
)

// FuzzParseTime: a stored time of any shape never panics the reader, and one the
// store wrote reads back as written.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-27T09:00:00.000000Z", "2026-11-27T09:00:00+08:00", "", "garbage", "9999-12-31T23:59:59.999999Z"} {
		f.Add(s, int64(1_800_000_000_123_456))
	}
	f.Fuzz(func(t *testing.T, s string, micros int64) {
		_, _ = parseTime(s)
		_, _ = parseTime([]byte(s))
		at := time.UnixMicro(micros).UTC()
		if at.Year() < 1 || at.Year() > 9999 {
			return
		}
		got, err := parseTime(at.Format(sqliteTime))
		if err != nil || !got.Equal(at) {
			t.Fatalf("%v written as %q read back as %v, %v", at, at.Format(sqliteTime), got, err)
		}
	})
}

// FuzzJSONColumn: a JSON column of any content never panics the reader.
func FuzzJSONColumn(f *testing.F) {
	for _, s := range []string{`[]`, `{"a":1}`, `[{"id":1,"slug":"x","title":"t"}]`, ``, `null`, `{`, `"str"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		_ = jsonCol{&m}.Scan(b)
		var l []string
		_ = jsonCol{&l}.Scan(string(b))
	})
}

// FuzzSQLiteLocation: any database URL splits into a path and a query without
// panicking, and the path is never empty.
func FuzzSQLiteLocation(f *testing.F) {
	for _, s := range []string{"", "data/x.db", "sqlite:x.db?_pragma=busy_timeout(5000)", "sqlite://x", "file:x?mode=ro", "?", "sqlite:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, url string) {
		if path, _ := sqliteLocation(url); path == "" {
			t.Fatalf("sqliteLocation(%q) has no path", url)
		}
	})
}
