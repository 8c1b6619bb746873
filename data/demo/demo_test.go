package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

var demoNow = time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)

func openStore(t testing.TB) *data.Store {
	t.Helper()
	s, err := data.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// exportHash is the SHA-256 of the store's export, with a fixed export time.
func exportHash(t testing.TB, s *data.Store) string {
	t.Helper()
	h := sha256.New()
	if err := s.WithClock(func() time.Time { return demoNow }).Export(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func generate(t testing.TB, opt Options) (*data.Store, Summary) {
	t.Helper()
	s := openStore(t)
	sum, err := Generate(context.Background(), s, opt)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return s, sum
}

// rawDB opens the store's file beside it, for the SQL checks the store's
// API has no reason to offer.
func rawDB(t testing.TB, s *data.Store) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", s.Path()) // the driver data registers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestGenerateDeterministic(t *testing.T) {
	opt := Options{Seed: 42, Now: demoNow, Deployments: 600, Incidents: 240, Events: 24000}
	s1, sum1 := generate(t, opt)
	s2, sum2 := generate(t, opt)
	if sum1.Deployments != sum2.Deployments || sum1.Incidents != sum2.Incidents || sum1.Events != sum2.Events ||
		sum1.ChecklistItems != sum2.ChecklistItems {
		t.Errorf("counts differ: %+v vs %+v", sum1, sum2)
	}
	h1, h2 := exportHash(t, s1), exportHash(t, s2)
	if h1 != h2 {
		t.Errorf("same seed, different exports: %s vs %s", h1, h2)
	}
	opt.Seed = 43
	s3, _ := generate(t, opt)
	if exportHash(t, s3) == h1 {
		t.Error("another seed gave the same export")
	}
	// Small sizes are honoured exactly (plus the live scenario's two of each).
	if sum1.Deployments != 602 || sum1.Incidents != 242 || math.Abs(float64(sum1.Events-24000)) > 0.05*24000 {
		t.Errorf("counts %d/%d/%d, want 602/242/~24000", sum1.Deployments, sum1.Incidents, sum1.Events)
	}
	var items int
	if err := rawDB(t, s1).QueryRow(`SELECT count(*) FROM checklist_items`).Scan(&items); err != nil || items != sum1.ChecklistItems {
		t.Errorf("summary says %d checklist items, the database holds %d (%v)", sum1.ChecklistItems, items, err)
	}
}

func TestGenerateRefuses(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1"}, mdtemplate.Builtin(), "alice", demoNow); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, s, Options{Seed: 1, Now: demoNow}); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("Generate on a used database: %v", err)
	}
	if _, err := Generate(ctx, s, Options{Deployments: 5}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("tiny sizes: %v", err)
	}
	if _, err := Generate(ctx, openStore(t), Options{Deployments: 30, Incidents: 40}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("more incidents than deployments: %v", err)
	}
}

// TestGenerate generates the default year and checks its shape, its
// integrity and the live scenario.
func TestGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a year of history (a few seconds)")
	}
	start := time.Now()
	s, sum := generate(t, Options{Seed: 1, Now: demoNow})
	t.Logf("generated in %s (plan %s, insert %s, live %s): %+v", time.Since(start).Round(time.Millisecond),
		sum.Plan.Round(time.Millisecond), sum.Insert.Round(time.Millisecond), sum.Live.Round(time.Millisecond), sum)
	ctx := context.Background()

	within := func(name string, got, want int) {
		if math.Abs(float64(got-want)) > 0.05*float64(want) {
			t.Errorf("%s = %d, want %d ± 5%%", name, got, want)
		}
	}
	within("deployments", sum.Deployments, DefaultDeployments)
	within("incidents", sum.Incidents, DefaultIncidents)
	within("events", sum.Events, DefaultEvents)

	db := rawDB(t, s)
	q := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	var ic string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ic); err != nil || ic != "ok" {
		t.Errorf("integrity_check: %q %v", ic, err)
	}
	if n := q(`SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Errorf("%d foreign key violations", n)
	}
	// The timeline is in time order by id, as if written live.
	if n := q(`SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1 WHERE b.at < a.at`); n != 0 {
		t.Errorf("%d events older than the one before them", n)
	}
	// Realistic shape.
	prod := q(`SELECT count(*) FROM deployments WHERE environment = 'production' AND status IN ('completed', 'rolled_back')`)
	rolled := q(`SELECT count(*) FROM deployments WHERE environment = 'production' AND status = 'rolled_back'`)
	if r := float64(rolled) / float64(prod); r < 0.09 || r > 0.15 {
		t.Errorf("rolled back %.1f%% of production deployments, want about 12%%", 100*r)
	}
	if n := q(`SELECT count(DISTINCT service) FROM deployments`); n != 6 {
		t.Errorf("%d services", n)
	}
	withCommit := q(`SELECT count(*) FROM deployments WHERE committed_at IS NOT NULL`)
	if r := float64(withCommit) / float64(sum.Deployments); r < 0.8 || r > 0.9 {
		t.Errorf("%.0f%% with a commit time, want about 85%%", 100*r)
	}
	weekend := q(`SELECT count(*) FROM deployments WHERE strftime('%w', created_at / 1000, 'unixepoch') IN ('0', '6')`)
	if weekend > sum.Deployments/10 {
		t.Errorf("%d weekend deployments of %d", weekend, sum.Deployments)
	}
	minor := q(`SELECT count(*) FROM incidents WHERE severity >= 3`)
	if minor < sum.Incidents*7/10 {
		t.Errorf("only %d of %d incidents are SEV3/SEV4", minor, sum.Incidents)
	}
	for what, n := range map[string]int{
		"hotfixes":           q(`SELECT count(*) FROM deployments WHERE hotfix_for IS NOT NULL`),
		"linked incidents":   q(`SELECT count(*) FROM incidents WHERE deployment_id IS NOT NULL`),
		"acks":               q(`SELECT count(*) FROM incident_acks`),
		"escalations":        q(`SELECT count(*) FROM incident_escalations`),
		"updates":            q(`SELECT count(*) FROM incident_updates`),
		"severity changes":   q(`SELECT count(*) FROM incident_severity_changes`),
		"health readings":    q(`SELECT count(*) FROM health_samples`),
		"stage records":      q(`SELECT count(*) FROM rollout_stages`),
		"freeze overrides":   q(`SELECT count(*) FROM events WHERE kind = 'freeze.override'`),
		"done with who/when": q(`SELECT count(*) FROM checklist_items WHERE state <> 'todo' AND changed_by <> '' AND changed_at IS NOT NULL`),
	} {
		if n == 0 {
			t.Errorf("no %s", what)
		}
	}
	// Every item change has its event, and no event names a missing item.
	if n := q(`SELECT count(*) FROM checklist_items WHERE state <> 'todo'
		AND id NOT IN (SELECT item_id FROM events WHERE kind IN ('check.done', 'check.na') AND item_id IS NOT NULL)`); n != 0 {
		t.Errorf("%d checked items without an event", n)
	}
	// Every kind is one the model declares.
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT kind FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind string
		if err := rows.Scan(&kind); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(model.EventKinds, model.EventKind(kind)) {
			t.Errorf("event kind %q is not in model.EventKinds", kind)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Only the live scenario is active.
	if n := q(`SELECT count(*) FROM deployments WHERE status IN ('planned', 'in_progress')`); n != 2 {
		t.Errorf("%d active deployments, want the 2 live ones", n)
	}

	// The live scenario.
	now := sum.Now
	canary, err := s.Deployment(ctx, sum.Canary)
	if err != nil {
		t.Fatal(err)
	}
	r, ok, err := s.Rollout(ctx, canary.ID)
	if err != nil || !ok {
		t.Fatalf("canary rollout: %v %v", ok, err)
	}
	st := r.Status(now, false)
	if canary.Service != "checkout-api" || canary.Strategy != model.StrategyCanary || st.Label != "2/4 · 25%" ||
		st.State != model.RolloutSoaking || st.Elapsed != 6*time.Minute || st.Remaining != 9*time.Minute {
		t.Errorf("canary: %s %s, %s %s elapsed %s remaining %s", canary.Service, canary.Strategy, st.Label, st.State, st.Elapsed, st.Remaining)
	}
	items, _, _ := s.Checklist(ctx, canary.ID)
	progress := map[string]string{}
	for _, p := range model.Group(items, nil).Phases {
		progress[p.Name] = p.Progress().String()
	}
	if progress[model.PhasePreDeployment] != "20/20" || progress[model.PhaseExecution] != "8/15" {
		t.Errorf("canary checklist: %v", progress)
	}
	inc, err := s.Incident(ctx, sum.Incident)
	if err != nil {
		t.Fatal(err)
	}
	next, ok := model.DefaultPolicy().NextDeadline(inc, now)
	if inc.Severity != model.SEV2 || inc.Status != model.IncidentOpen || now.Sub(inc.OpenedAt) != 11*time.Minute ||
		inc.DeploymentID != canary.ID || !inc.NeedsCommander() || len(inc.Acks) != 1 || inc.Acks[0].Step != 1 ||
		!ok || next.Step.Role != model.RoleEngLead || next.Remaining != 4*time.Minute {
		t.Errorf("SEV2: %+v; next %+v", inc, next)
	}
	minorInc, _ := s.Incident(ctx, sum.MinorIncident)
	if minorInc.Severity != model.SEV3 || minorInc.Status != model.IncidentMitigated {
		t.Errorf("SEV3: %+v", minorInc)
	}
	planned, _ := s.Deployment(ctx, sum.Planned)
	items, _, _ = s.Checklist(ctx, planned.ID)
	pre := model.Group(items, nil).Phases[0].Progress()
	if planned.Service != "web" || planned.Status != model.StatusPlanned || pre.Resolved() != pre.Total/2 {
		t.Errorf("planned: %s %s, Pre-Deployment %s", planned.Service, planned.Status, pre)
	}
	if frozen, reason, _ := s.Freeze(ctx); !frozen || !strings.Contains(reason, inc.Ref()) {
		t.Errorf("freeze: %v %q", frozen, reason)
	}

	// What the metrics view reads on this database is fast.
	start = time.Now()
	deps, incs, err := s.MetricsInput(ctx, now.AddDate(0, 0, -30), now, "")
	if err != nil {
		t.Fatal(err)
	}
	took30 := time.Since(start)
	start = time.Now()
	if _, _, err := s.MetricsInput(ctx, now.AddDate(-1, 0, 0), now, ""); err != nil {
		t.Fatal(err)
	}
	t.Logf("MetricsInput: 30 days %s (%d deployments, %d incidents), a year %s", took30.Round(time.Microsecond),
		len(deps), len(incs), time.Since(start).Round(time.Microsecond))
	checkMetricsMatchOld(t, s, now)
}

// BenchmarkGenerate generates the default year of history into a new file
// per iteration.
//
//	go test ./data/demo -run '^$' -bench Generate -benchtime 3x
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s, err := data.Open(context.Background(), filepath.Join(b.TempDir(), "demo.db"), data.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Generate(context.Background(), s, Options{Seed: 1, Now: demoNow}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = s.Close()
		b.StartTimer()
	}
}
