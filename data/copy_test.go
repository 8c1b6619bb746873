package data_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

var copyNow = time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)

// newEngineDB is a new, empty database of the engine: a file, or a fresh
// PostgreSQL database (skipped loudly, or failed under CI, without one).
func newEngineDB(t *testing.T, engine string) string {
	t.Helper()
	if engine == "PostgreSQL" {
		return pgtest.NewDatabase(t, pgtest.Server(t))
	}
	return filepath.Join(t.TempDir(), "flightdeck.db")
}

func openAt(t *testing.T, path string) *data.Store {
	t.Helper()
	s, err := data.Open(context.Background(), path, data.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.WithClock(func() time.Time { return copyNow })
}

// fillEverything writes a small demo history and the rows it does not
// make: a template, a starred event, notification claims, an outbox.
func fillEverything(t *testing.T, s *data.Store) {
	t.Helper()
	ctx := context.Background()
	sum, err := demo.Generate(ctx, s, demo.Options{Seed: 3, Now: copyNow, Deployments: 60, Incidents: 12, Events: 3000})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	// What the demo's history has none of: a manual escalation, a
	// rollback declaration, a postmortem and its meeting.
	inc, err := s.Incident(ctx, sum.Incident)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EscalateNow(ctx, inc.ID, model.SeenIncident(inc), 2, "no answer", "alice", copyNow); err != nil {
		t.Fatalf("EscalateNow: %v", err)
	}
	if err := s.DeclareCriterion(ctx, sum.Canary, model.CriterionPerformance, "p99 doubled", "alice", copyNow); err != nil {
		t.Fatalf("DeclareCriterion: %v", err)
	}
	summary := "the cache stampede"
	if _, err := s.SetPostmortem(ctx, 1, model.PostmortemEdit{Summary: &summary}, "alice", copyNow); err != nil {
		t.Fatalf("SetPostmortem: %v", err)
	}
	if _, err := s.ScheduleMeeting(ctx, 1, copyNow.Add(48*time.Hour), "alice", "alice", copyNow); err != nil {
		t.Fatalf("ScheduleMeeting: %v", err)
	}
	src := []byte("# Small\n\n## Pre-Deployment\n\n### Checks\n\n- [ ] Tests pass\n\n## Deployment Execution\n\n### Steps\n\n- [ ] Deploy\n\n## Rollback\n\n### Steps\n\n- [ ] Roll back\n")
	if _, err := s.ImportTemplate(ctx, "small", src, "alice", copyNow); err != nil {
		t.Fatalf("ImportTemplate: %v", err)
	}
	evs, err := s.Events(ctx, data.EventFilter{})
	if err != nil || len(evs) < 10 {
		t.Fatalf("Events: %d, %v", len(evs), err)
	}
	if err := s.StarEvent(ctx, evs[len(evs)-3].ID, true, "alice", copyNow); err != nil {
		t.Fatalf("StarEvent: %v", err)
	}
	if ok, err := s.Claim(ctx, "stage_ready:1:1", "stage_ready", "host:1:a", copyNow, time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	if _, ok, err := s.LeaseOutbox(ctx, "ops", "host:1:a", copyNow, time.Minute); err != nil || !ok {
		t.Fatalf("LeaseOutbox: %v %v", ok, err)
	}
}

func dump(t *testing.T, s *data.Store) map[string][]string {
	t.Helper()
	d, err := s.DumpTables(context.Background())
	if err != nil {
		t.Fatalf("dump %s: %v", s.Path(), err)
	}
	return d
}

func export(t *testing.T, s *data.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.Export(context.Background(), &b); err != nil {
		t.Fatalf("export %s: %v", s.Path(), err)
	}
	return b.Bytes()
}

// sameRows compares two dumps table by table, saying where they differ.
func sameRows(t *testing.T, what string, want, got map[string][]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d tables, want %d", what, len(got), len(want))
	}
	for table, rows := range want {
		g := got[table]
		if reflect.DeepEqual(rows, g) {
			continue
		}
		t.Errorf("%s: table %s differs: %d rows, want %d", what, table, len(g), len(rows))
		for i := range min(len(rows), len(g)) {
			if rows[i] != g[i] {
				t.Errorf("  first difference:\n  want %s\n  got  %s", rows[i], g[i])
				break
			}
		}
	}
}

// TestCopyEngines copies a database holding every kind of row from each
// engine to each engine and back: every table's rows (every column, every
// id) arrive unchanged, the export is byte for byte the source's, and the
// copy goes on as a database of its own (new ids follow the copied ones).
func TestCopyEngines(t *testing.T) {
	for _, tc := range []struct{ from, to string }{
		{"SQLite", "SQLite"},
		{"SQLite", "PostgreSQL"},
		{"PostgreSQL", "SQLite"},
		{"PostgreSQL", "PostgreSQL"},
	} {
		t.Run(tc.from+"_to_"+tc.to, func(t *testing.T) {
			ctx := context.Background()
			src := openAt(t, newEngineDB(t, tc.from))
			fillEverything(t, src)
			dst := openAt(t, newEngineDB(t, tc.to))
			rep, err := data.Copy(ctx, src, dst)
			if err != nil {
				t.Fatalf("Copy: %v", err)
			}
			want := dump(t, src)
			sameRows(t, "copy", want, dump(t, dst))
			var total int64
			for table, rows := range want {
				if rep.Count(table) != int64(len(rows)) {
					t.Errorf("report: %s %d, want %d", table, rep.Count(table), len(rows))
				}
				total += int64(len(rows))
			}
			if rep.Rows != total || len(rep.Tables) != len(want) || rep.FromEngine != tc.from || rep.ToEngine != tc.to {
				t.Errorf("report: %+v; want %d rows in %d tables", rep, total, len(want))
			}
			for _, tb := range rep.Tables {
				if tb.Rows == 0 {
					t.Errorf("the source holds no %s: fill it, so the test shows it is carried", tb.Name)
				}
			}
			if e1, e2 := export(t, src), export(t, dst); !bytes.Equal(e1, e2) {
				t.Errorf("exports differ (%d and %d bytes)", len(e1), len(e2))
			}

			// And back, into a new database of the source's engine.
			back := openAt(t, newEngineDB(t, tc.from))
			if _, err := data.Copy(ctx, dst, back); err != nil {
				t.Fatalf("Copy back: %v", err)
			}
			sameRows(t, "round trip", want, dump(t, back))

			// The copy is a database of its own: the next ids follow.
			before, err := dst.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			d, err := dst.StartDeploymentOverride(ctx, model.NewDeployment{Service: "api", Version: "v9"}, demoTemplate(t, dst), "the fix", "bob", copyNow.Add(time.Minute))
			if err != nil {
				t.Fatalf("StartDeployment on the copy: %v", err)
			}
			if d.ID != before.Deployments+1 {
				t.Errorf("the next deployment on the copy is #%d, want #%d", d.ID, before.Deployments+1)
			}
		})
	}
}

func demoTemplate(t *testing.T, s *data.Store) model.Template {
	t.Helper()
	tpl, err := s.Template(context.Background(), "small")
	if err != nil {
		t.Fatalf("Template: %v", err)
	}
	return tpl
}
