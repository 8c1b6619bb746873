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

// An export's deployment_commits come along (lead time per change), and a
// row still in flight is left out.
func TestReadJSONCommits(t *testing.T) {
	sha0, sha1 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	js := `{"schema_version":9,
"deployments":[
{"id":5,"service":"api","version":"v2","environment":"production","strategy":"canary","status":"completed","template":"octoacme","started_by":"ci",
 "created_at":"2026-11-02T09:00:00.000Z","updated_at":"2026-11-02T10:00:00.000Z","execution_at":"2026-11-02T09:05:00.000Z","finished_at":"2026-11-02T10:00:00.000Z",
 "commit_sha":"` + sha0 + `","committed_at":"2026-11-02T08:00:00.000Z","rollback_at":null,"stability_at":null,"hotfix_for":null},
{"id":6,"service":"api","version":"v3","environment":"production","strategy":"canary","status":"in_progress","created_at":"2026-11-03T09:00:00.000Z"}],
"deployment_commits":[
{"id":1,"deployment_id":5,"position":1,"sha":"` + sha1 + `","committed_at":"2026-11-01T08:00:00.000Z","authored_at":"2026-11-01T07:00:00.000Z"},
{"id":2,"deployment_id":5,"position":0,"sha":"` + sha0 + `","committed_at":"2026-11-02T08:00:00.000Z","authored_at":"2026-11-02T08:00:00.000Z"}],
"incidents":[]}`
	plan, err := Read([]File{{Name: "old.json", Data: []byte(js)}}, Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Bulk.Deployments) != 1 {
		t.Fatalf("deployments: %+v", plan.Bulk.Deployments)
	}
	d := plan.Bulk.Deployments[0]
	if len(d.Commits) != 2 || d.Commits[0].SHA != sha0 || d.Commits[1].SHA != sha1 || !d.Commits[1].CommittedAt.Equal(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("commits: %+v", d.Commits)
	}
	if !d.ExecutionAt.Equal(time.Date(2026, 11, 2, 9, 5, 0, 0, time.UTC)) || d.StartedBy != "ci" || d.Template != "octoacme" {
		t.Errorf("deployment: %+v", d)
	}
	if len(plan.Skipped) != 1 || !strings.Contains(plan.Skipped[0], "#6 api v3 (in progress)") {
		t.Errorf("skipped: %q", plan.Skipped)
	}
	if got := plan.DeploymentRows[0].String(); got != "old.json deployments[0] (id 5)" {
		t.Errorf("row: %q", got)
	}
	s := openStore(t)
	if _, err := s.ImportHistory(context.Background(), &plan.Bulk, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.DeploymentCommits(context.Background(), 1)
	if err != nil || len(got) != 2 {
		t.Errorf("stored: %+v %v", got, err)
	}
}
