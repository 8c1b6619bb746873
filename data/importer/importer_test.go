package importer

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/model"
)

func openStore(t *testing.T) *data.Store {
	t.Helper()
	s, err := data.Open(context.Background(), filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func metricsOf(t *testing.T, s *data.Store, w model.MetricsWindow) model.Metrics {
	t.Helper()
	deps, incs, err := s.MetricsInput(context.Background(), w.From, w.To, w.Service)
	if err != nil {
		t.Fatal(err)
	}
	return model.ComputeMetrics(deps, incs, w)
}

// The JSON flightdeck export writes of a demo database, imported into an
// empty one, gives the same metrics over the history, for every service
// and per service.
func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	src := openStore(t)
	sum, err := demo.Generate(ctx, src, demo.Options{Seed: 7, Now: now, Deployments: 400, Incidents: 90, Events: 8000})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	plan, err := Read([]File{{Name: "export.json", Data: buf.Bytes()}}, Options{Now: now.Add(time.Hour), Actor: "importer"})
	if err != nil {
		t.Fatal(err)
	}
	// The live scenario is not history yet: its canary, planned deployment
	// and unresolved incidents are left out, and said so.
	if len(plan.Skipped) != 2 || !strings.Contains(plan.Skipped[0], "2 deployments not over yet") || !strings.Contains(plan.Skipped[1], "not resolved yet") {
		t.Errorf("skipped: %q", plan.Skipped)
	}
	if got := len(plan.Bulk.Deployments); got != sum.Deployments-2 {
		t.Errorf("%d deployments in the plan, want %d", got, sum.Deployments-2)
	}
	dst := openStore(t)
	res, err := dst.ImportHistory(ctx, &plan.Bulk, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deployments != len(plan.Bulk.Deployments) || res.Incidents != len(plan.Bulk.Incidents) || res.FirstDeploymentID != 1 {
		t.Errorf("result: %+v", res)
	}
	windows := []model.MetricsWindow{{From: sum.HistoryFrom, To: sum.HistoryTo}}
	for _, svc := range []string{"checkout-api", "web"} {
		windows = append(windows, model.MetricsWindow{From: sum.HistoryFrom, To: sum.HistoryTo, Service: svc})
	}
	windows = append(windows, model.MetricsWindow{From: sum.HistoryTo.AddDate(0, 0, -30), To: sum.HistoryTo})
	for _, w := range windows {
		a, b := metricsOf(t, src, w), metricsOf(t, dst, w)
		if a.Deployments == 0 {
			t.Errorf("%s: no deployments: the test checks nothing", w.Service)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("window %v–%v %q: metrics differ after the round trip:\nexported %+v\nimported %+v", w.From, w.To, w.Service, a, b)
		}
	}
	// Again: every row is a duplicate now.
	_, err = dst.ImportHistory(ctx, &plan.Bulk, false)
	if de, ok := err.(*data.DuplicateError); !ok || len(de.Deployments) != len(plan.Bulk.Deployments) {
		t.Errorf("second import: %v", err)
	}
}
