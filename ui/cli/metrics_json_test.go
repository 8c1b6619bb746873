package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/model"
)

// sameMetricsJSON fails unless writeMetricsJSON writes what writeJSON does.
func sameMetricsJSON(t *testing.T, name string, v metricsJSON) {
	t.Helper()
	var want, got bytes.Buffer
	if err := writeJSON(&want, v); err != nil {
		t.Fatalf("%s: writeJSON: %v", name, err)
	}
	if err := writeMetricsJSON(&got, v); err != nil {
		t.Fatalf("%s: writeMetricsJSON: %v", name, err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		g, w := got.Bytes(), want.Bytes()
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		lo := max(0, i-80)
		t.Fatalf("%s: writeMetricsJSON differs from writeJSON at byte %d of %d/%d:\n got …%s…\nwant …%s…",
			name, i, len(g), len(w), g[lo:min(len(g), i+80)], w[lo:min(len(w), i+80)])
	}
}

// TestWriteMetricsJSONSameBytes holds the fast writer to encoding/json's
// output: over windows of a generated history, and on values that set
// every field, the empty and nil lists, and strings the encoder escapes.
func TestWriteMetricsJSONSameBytes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s, err := data.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := demo.Generate(ctx, s, demo.Options{Seed: 7, Now: now, Deployments: 600, Incidents: 240, Events: 20000}); err != nil {
		t.Fatal(err)
	}
	services, err := s.Services(ctx)
	if err != nil || len(services) == 0 {
		t.Fatalf("services: %v %v", services, err)
	}
	windows := []model.MetricsWindow{
		{From: now.AddDate(0, 0, -30), To: now},
		{From: now.AddDate(-1, 0, 0), To: now},
		{From: now.AddDate(-1, 0, 0).Add(123 * time.Millisecond), To: now.Add(-time.Hour)},
		{From: now.AddDate(0, 0, -90), To: now, Service: services[0]},
		{From: now.AddDate(0, 0, -90), To: now, Environment: "staging"},
		{From: now.AddDate(5, 0, 0), To: now.AddDate(5, 0, 7)}, // nothing in it
	}
	failures := 0
	for _, w := range windows {
		m, err := s.Metrics(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		failures += len(m.Failures)
		sameMetricsJSON(t, w.From.Format(time.RFC3339)+" "+w.Service+" "+w.Environment, newMetricsJSON(m))
	}
	if failures == 0 {
		t.Fatal("the generated history has no failed deployment: the list the writer exists for was not compared")
	}

	// Every field set, and the strings and shapes encoding/json treats
	// specially.
	at := jsonTime(time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("X", 3600)))
	rank := 2
	svc := `a "quoted" <svc> & \ é 🚀 ` + "\u2028\x01\t\n\x7f"
	secs := int64(-42)
	pct := 12.5
	tiny := 1e-7
	b := &bucketJSON{Label: "<15%", Rank: &rank, Of: 3, Scale: "s & t"}
	dist := distributionJSON{N: 3, MedianSeconds: &secs, P90Seconds: &secs, MeanSeconds: &secs, MinSeconds: &secs, MaxSeconds: &secs, Missing: 1, Bucket: b}
	full := metricsJSON{
		Window:              windowJSON{From: at, To: jsonTime{}, Days: 0.001, Service: &svc, Environment: "prod\x1b[2J"},
		DeploymentFrequency: frequencyJSON{Deployments: 1, PerDay: 1e21, PerWeek: tiny, DaysWithDeployments: 1, Bucket: *b},
		LeadTime:            leadTimeJSON{distributionJSON: dist, Unit: "commit", Changes: 1, Deployments: 2, DeploymentsWithoutCommitData: 3, CommitsAfterCompletionSkipped: 4},
		ChangeFailRate:      ratioJSON{Num: 1, Den: 8, Percent: &pct, Bucket: b},
		Failures: []failureJSON{
			{DeploymentID: 1, Service: svc, RolledBack: true, Incidents: []int64{3, -4}, Start: at, RecoveredAt: at},
			{DeploymentID: -9, Service: "", Incidents: nil},
			{DeploymentID: 1 << 62, Service: "api", Incidents: []int64{}, Start: at},
			{DeploymentID: 2, Service: svc, Incidents: []int64{7}},
		},
		FailedDeployRecovery: dist,
		MTTR:                 distributionJSON{},
		MTTRMajor:            distributionJSON{N: 1, Bucket: &bucketJSON{}},
		ReworkRate:           ratioJSON{},
		Hotfixes:             []int64{5, 6, -7},
		Weekly:               []weekJSON{{Start: at, Partial: true, Deployments: 3, LeadTime: dist}},
	}
	sameMetricsJSON(t, "every field set", full)
	empty := full
	empty.Failures, empty.Hotfixes, empty.Weekly = []failureJSON{}, []int64{}, []weekJSON{}
	sameMetricsJSON(t, "empty lists", empty)
	sameMetricsJSON(t, "nil lists", metricsJSON{})
}
