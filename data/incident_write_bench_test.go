package data

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// BenchmarkIncidentWrite times incident changes on a year-sized database
// (3,000 finished deployments, 2,000 resolved incidents linked to them, a
// running canary with a SEV2 on it): the freeze and hold reads run inside
// every one of them.
//
//	go test ./data -run '^$' -bench Incident -benchtime 300x
func BenchmarkIncidentWrite(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedHistory(b, s, 3000, 2000)
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.StartExecution(ctx, d.ID, "alice", t0, true); err != nil {
		b.Fatal(err)
	}
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2, DeploymentID: d.ID}, "bob", t0)
	if err != nil {
		b.Fatal(err)
	}
	at := t0.Add(time.Minute)
	next := func() time.Time { at = at.Add(time.Millisecond); return at }
	b.Run("note", func(b *testing.B) {
		for b.Loop() {
			if err := s.AddIncidentNote(ctx, inc.ID, "still failing", "bob", next(), false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("severity-flip", func(b *testing.B) { // SEV2 ↔ SEV3: the freeze and the hold flip every time
		sev := model.SEV2
		for b.Loop() {
			sev = map[model.Severity]model.Severity{model.SEV2: model.SEV3, model.SEV3: model.SEV2}[sev]
			if err := s.SetIncidentSeverity(ctx, inc.ID, model.IncidentSeen{}, sev, "bob", next()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open-sev4", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.OpenIncident(ctx, model.NewIncident{Title: "typo on the status page", Severity: model.SEV4}, "bob", next()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// seedHistory writes deployments finished and incidents resolved, straight
// into the tables, in one transaction.
func seedHistory(b *testing.B, s *Store, deployments, incidents int) {
	b.Helper()
	err := s.write(context.Background(), "seed", func(tx *sql.Tx) error {
		for i := 1; i <= deployments; i++ {
			ms := toMS(t0.Add(-time.Duration(deployments-i) * time.Hour))
			if _, err := tx.Exec(`INSERT INTO deployments (service, version, environment, strategy, status, template, started_by,
				created_at, updated_at, execution_at, finished_at) VALUES ('api', 'v1', 'production', 'canary', 'completed', 'test', 'alice', ?, ?, ?, ?)`,
				ms, ms, ms, ms+1); err != nil {
				return err
			}
		}
		for i := 1; i <= incidents; i++ {
			ms := toMS(t0.Add(-time.Duration(incidents-i) * time.Hour))
			if _, err := tx.Exec(`INSERT INTO incidents (title, severity, status, deployment_id, opened_by, opened_at, resolved_at)
				VALUES ('old', ?, 'resolved', ?, 'bob', ?, ?)`, 1+i%4, 1+i%deployments, ms, ms+1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIncidentHoldsRead times readHolds alone, the query every
// incident change now runs once before its write (and once after when the
// severity, status or link moved), on the same year-sized database.
//
//	go test ./data -run '^$' -bench IncidentHoldsRead
func BenchmarkIncidentHoldsRead(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedHistory(b, s, 3000, 2000)
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.StartExecution(ctx, d.ID, "alice", t0, true); err != nil {
		b.Fatal(err)
	}
	for _, sev := range []model.Severity{model.SEV1, model.SEV2, model.SEV3} {
		if _, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: sev, DeploymentID: d.ID}, "bob", t0); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if err := s.read(ctx, "bench", func(tx *sql.Tx) error {
			h, err := readHolds(ctx, tx)
			if err == nil && (len(h.majors) != 2 || len(h.held) != 1) {
				b.Fatalf("holds: %+v", h)
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
