package data

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

// t0 is the fixed clock of these tests.
var t0 = time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)

// The store tests run on SQLite, or with FLIGHTDECK_TEST_ENGINE=postgres on
// a fresh PostgreSQL database per test (on the server FLIGHTDECK_TEST_POSTGRES
// names; .ci/run runs the suite both ways). tempDB is the one place that
// chooses: a file path, or a DSN.
func tempDB(t *testing.T) string {
	t.Helper()
	if onPostgres() {
		return pgtest.NewDatabase(t, pgtest.Server(t))
	}
	return filepath.Join(t.TempDir(), "flightdeck.db")
}

// onPostgres reports whether this run tests the PostgreSQL engine.
func onPostgres() bool { return os.Getenv("FLIGHTDECK_TEST_ENGINE") == "postgres" }

// sqliteOnly skips a test of SQLite's own file: its locks, sidecars,
// pages and permissions have no PostgreSQL counterpart.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if onPostgres() {
		t.Skip("tests the SQLite file itself; not an engine behaviour (runs in the SQLite pass)")
	}
}

func openStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newStore(t *testing.T) *Store { return openStore(t, tempDB(t)) }

// rawDB opens the file without any of Store's checks, to set up states
// flightdeck itself would never write.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func testTemplate() model.Template {
	return model.Template{
		Name: "test",
		Phases: []model.TemplatePhase{
			{Name: model.PhasePreDeployment, Sections: []model.TemplateSection{
				{Name: "Code & Build", Items: []string{"All automated tests passing in CI", "Code reviewed and approved"}},
				{Name: "Comms", Items: []string{"On-call engineer identified"}},
			}},
			{Name: model.PhaseExecution, Sections: []model.TemplateSection{
				{Name: "Steps", Items: []string{"Deploy to canary", "Run smoke tests"}},
			}},
			{Name: model.PhaseRollback, Sections: []model.TemplateSection{
				{Name: "Rollback Steps", Items: []string{"Announce rollback decision"}},
			}, Guidance: []model.Guidance{
				{Title: "When to Rollback", Lines: []string{"Error rates exceed 5% increase from baseline", "Critical functionality is broken"}},
				{Title: "Title only"},
			}},
		},
	}
}

func startTestDeployment(t *testing.T, s *Store) (model.Deployment, []model.Item) {
	t.Helper()
	ctx := context.Background()
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1.2"}, testTemplate(), "alice", t0)
	if err != nil {
		t.Fatalf("StartDeployment: %v", err)
	}
	items, _, err := s.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatalf("Checklist: %v", err)
	}
	return d, items
}

func events(t *testing.T, s *Store, deploymentID int64) []model.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), EventFilter{DeploymentID: deploymentID})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	return evs
}
