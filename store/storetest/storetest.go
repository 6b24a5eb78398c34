// Package storetest is the contract every gridline.Store passes: one body of
// tests, run against SQLite and PostgreSQL (and any future store) through a
// factory, so that the two databases cannot drift apart in behaviour the rest of
// Gridline relies on — seqs without gaps, idempotent resends, owners that never
// change, article history, all-or-nothing imports.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// Run runs the contract against stores made by open: every noun's suite
// (RunCustomers, RunConversations, …) as subtests of t. Each subtest gets a store
// of its own from open, which must be empty, and may run in parallel with others.
// A new noun adds its suite in a file of its own and a line here.
func Run(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Ping", testPing},
	})
	RunCustomers(t, open)
	RunConversations(t, open)
	RunMessages(t, open)
	RunUsers(t, open)
	RunSessions(t, open)
	RunLoginFailures(t, open)
	RunSettings(t, open)
	RunArticles(t, open)
	RunUnanswered(t, open)
	RunRequests(t, open)
	RunWorkOrders(t, open)
	RunFigures(t, open)
	RunArchive(t, open)
	RunRatings(t, open)
	RunAnalytics(t, open)
}

// test is one case of a noun's suite; it gets a store of its own.
type test struct {
	name string
	fn   func(t *testing.T, st gridline.Store)
}

// run runs each test as a parallel subtest of t on a store fresh from open.
func run(t *testing.T, open func(t *testing.T) gridline.Store, tests []test) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// ctx is the context of one test: cancelled when the test ends, and bounded so
// that a deadlocked store fails instead of hanging the suite.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// wantCode fails t unless err carries the gridline error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := gridline.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recent fails t unless tm is a UTC time within a minute of now.
func recent(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Errorf("%s %v is not in UTC", what, tm)
	}
	if d := time.Since(tm); d < -time.Minute || d > time.Minute {
		t.Errorf("%s %v is not about now", what, tm)
	}
}

func testPing(t *testing.T, st gridline.Store) {
	must(t, st.Ping(ctx(t)))
}

// asError reports whether err holds a *gridline.Error, setting *target.
func asError(err error, target **gridline.Error) bool { return errors.As(err, target) }
