package data_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

// These tests read MetricsInput on a generated history: an external test
// package, because data/demo imports data.

func demoStore(t testing.TB, opt demo.Options) *data.Store {
	t.Helper()
	// On the engine the run tests (see tempDB in helpers_test.go).
	path := filepath.Join(t.TempDir(), "demo.db")
	if os.Getenv("FLIGHTDECK_TEST_ENGINE") == "postgres" {
		path = pgtest.NewDatabase(t, pgtest.Server(t))
	}
	s, err := data.Open(context.Background(), path, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := demo.Generate(context.Background(), s, opt); err != nil {
		t.Fatal(err)
	}
	return s
}

// metricsOfAll is ComputeMetrics over everything in the store: what
// MetricsInput must reproduce from the little it loads.
func metricsOfAll(t *testing.T, s *data.Store, w model.MetricsWindow) model.Metrics {
	t.Helper()
	ctx := context.Background()
	deps, err := s.Deployments(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range deps { // each deployment's commits, read one by one
		if deps[i].Commits, err = s.DeploymentCommits(ctx, deps[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	incs, err := s.Incidents(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return model.ComputeMetrics(deps, incs, w)
}

// TestMetricsInputMatchesEverything checks, on generated history, that the
// metrics from MetricsInput equal those over the whole database for
// windows and services of every kind.
func TestMetricsInputMatchesEverything(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	s := demoStore(t, demo.Options{Seed: 3, Now: now, Deployments: 800, Incidents: 300, Events: 30000})
	ctx := context.Background()
	for _, days := range []int{1, 7, 30, 90, 400} {
		for _, svc := range []string{"", "checkout-api", "Web", "nope"} {
			for _, env := range []string{"", "staging"} {
				w := model.MetricsWindow{From: now.AddDate(0, 0, -days), To: now.Add(-time.Duration(days) * time.Hour), Service: svc, Environment: env}
				deps, incs, err := s.MetricsInput(ctx, w.From, w.To, w.Service)
				if err != nil {
					t.Fatal(err)
				}
				want := metricsOfAll(t, s, w)
				if m := model.ComputeMetrics(deps, incs, w); !reflect.DeepEqual(m, want) {
					t.Errorf("%dd %q %q: metrics differ:\n%+v\n%+v", days, svc, env, m, want)
				}
				// Store.Metrics, here on either engine (the demo year's
				// check in data/demo runs on SQLite only): every window,
				// all services and one named in another case.
				if svc != "checkout-api" && svc != "nope" {
					if m, err := s.Metrics(ctx, w); err != nil || !reflect.DeepEqual(m, want) {
						t.Errorf("%dd %q %q: Store.Metrics differs (%v):\n%+v\n%+v", days, svc, env, err, m, want)
					}
				}
			}
		}
	}
	deps, _, _ := s.MetricsInput(ctx, now.AddDate(0, 0, -30), now, "")
	if !slices.IsSortedFunc(deps, func(a, b model.Deployment) int { return int(a.ID - b.ID) }) {
		t.Error("deployments not ordered by id")
	}
}

// BenchmarkMetricsInput reads a window of the default demo year.
//
//	go test ./data -run '^$' -bench MetricsInput
func BenchmarkMetricsInput(b *testing.B) {
	now := time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)
	s := demoStore(b, demo.Options{Seed: 1, Now: now})
	for _, c := range []struct {
		name    string
		days    int
		service string
	}{{"30d", 30, ""}, {"30d-service", 30, "checkout-api"}, {"90d", 90, ""}, {"365d", 365, ""}} {
		from := now.AddDate(0, 0, -c.days)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				deps, incs, err := s.MetricsInput(context.Background(), from, now, c.service)
				if err != nil {
					b.Fatal(err)
				}
				_ = model.ComputeMetrics(deps, incs, model.MetricsWindow{From: from, To: now, Service: c.service})
			}
		})
	}
}
