// Package pgtest gives tests a real PostgreSQL: the shared server of the
// test run (Server), a fresh database on it for each test (NewDatabase),
// and a private throwaway server for tests that stop and restart it
// (StartCluster).
//
// It is imported by tests only. A test that needs PostgreSQL and finds
// none is skipped with a loud message on a developer's machine and fails
// under CI (env CI non-empty), so a CI run never passes by skipping.
package pgtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// EnvServer names the variable that holds the superuser DSN of the shared
// test server (to its `postgres` database), as `.ci/postgres start` prints.
const EnvServer = "FLIGHTDECK_TEST_POSTGRES"

// Server returns the superuser DSN of the shared test server from
// FLIGHTDECK_TEST_POSTGRES. When it is unset the test is skipped (or, under
// CI, fails).
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvServer)
	if dsn == "" {
		missing(t, `no PostgreSQL server (`+EnvServer+` is unset): run eval "$(.ci/postgres start)"`)
	}
	return dsn
}

// loud remembers which messages went to stderr already. `go test -v`
// shows a skip's message, and `go test` without package arguments shows
// a test binary's stderr; the first of each kind is printed there too.
// (`go test ./...` hides all output of passing packages: that is why CI,
// which must not pass by skipping, fails instead.)
var loud sync.Map

// missing skips the test for want of PostgreSQL, or fails it under CI.
// reason says what is missing and how to get it.
func missing(t testing.TB, reason string) {
	t.Helper()
	if ciMustFail(os.Getenv("CI")) {
		t.Fatal(reason + " (CI is set: a test that needs PostgreSQL fails instead of skipping)")
	}
	msg := "SKIPPED: " + reason
	if _, told := loud.LoadOrStore(msg, true); !told {
		fmt.Fprintln(os.Stderr, "pgtest: "+msg)
	}
	t.Skip(msg)
}

// ciMustFail says whether a missing server fails the test: under CI it
// does, whatever CI's value ("true", "1", "yes").
func ciMustFail(ci string) bool { return ci != "" }
