package cli

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the raw checks

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/pgtest"
)

// The multi-process and end-to-end tests run on both engines: a SQLite
// file, and a database on the shared PostgreSQL test server
// (FLIGHTDECK_TEST_POSTGRES, which `.ci/postgres start` prints; without it
// the PostgreSQL half is skipped loudly, and fails under CI).
const (
	engineSQLite   = "sqlite"
	enginePostgres = "postgres"
)

var engines = []string{engineSQLite, enginePostgres}

// onEngines runs body as one subtest per engine, named after it.
func onEngines(t *testing.T, body func(t *testing.T, engine string)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e, func(t *testing.T) { body(t, e) })
	}
}

// engineDB gives a test a new, empty database on engine and returns what
// --db takes for it: a file in a temporary directory, or the DSN of a
// fresh database on the test server (dropped when the test ends). The
// user's own database is kept out of reach whatever the test does.
func engineDB(t *testing.T, engine string) string {
	t.Helper()
	isolate(t)
	switch engine {
	case enginePostgres:
		return pgtest.NewDatabase(t, pgtest.Server(t))
	case engineSQLite:
		return filepath.Join(t.TempDir(), "flightdeck.db")
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// isolate keeps the user's own database and configuration out of reach of
// a test and the processes it starts.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv("FLIGHTDECK_DB", "")
	t.Setenv("XDG_DATA_HOME", t.TempDir())
}

// rawDB opens db with the driver alone, read-only, for checks flightdeck's
// API does not offer. Its queries are written with ? placeholders, as the
// store's are; query rewrites them for PostgreSQL.
type rawDB struct {
	*sql.DB
	pg bool
}

func openRaw(t *testing.T, db string) rawDB {
	t.Helper()
	if data.IsPostgresDSN(db) {
		d, err := sql.Open("pgx", db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return rawDB{d, true}
	}
	d, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return rawDB{d, false}
}

func (r rawDB) q(query string) string {
	if !r.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r rawDB) QueryRow(query string, args ...any) *sql.Row {
	return r.DB.QueryRow(r.q(query), args...)
}

func (r rawDB) Query(query string, args ...any) (*sql.Rows, error) {
	return r.DB.Query(r.q(query), args...)
}
