package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/gridline/gridline/store/storetest"
)

// postgresTestURL is a PostgreSQL URL on a schema of the test's own; it skips
// when GRIDLINE_TEST_POSTGRES_URL is unset (CI always sets it).
func postgresTestURL(tb testing.TB) string { return storetest.PostgresURL(tb) }

func runtimeGC() {
	runtime.GC()
	debug.FreeOSMemory()
}
