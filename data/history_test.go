package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// finishedDeployment starts an all-at-once deployment at created and ends it
// at finished: completed, or rolled back (status ""), or left in progress
// (finished zero). commit is its commit time (zero: none).
func finishedDeployment(t *testing.T, s *Store, svc, env string, created, finished, commit time.Time, rollBack bool) model.Deployment {
	t.Helper()
	ctx := context.Background()
	sha := ""
	if !commit.IsZero() {
		sha = "abc123"
	}
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: svc, Version: "v1", Environment: env,
		Strategy: model.StrategyAllAtOnce, CommitSHA: sha, CommittedAt: commit}, testTemplate(), "alice", created)
	if err != nil {
		t.Fatalf("StartDeployment: %v", err)
	}
	if finished.IsZero() {
		return d
	}
	if _, err := s.StartExecution(ctx, d.ID, "alice", created.Add(time.Minute), true); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	if rollBack {
		if _, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "errors", "alice", finished.Add(-time.Minute)); err != nil {
			t.Fatalf("Abort: %v", err)
		}
		if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "test", "alice", finished); err != nil {
			t.Fatalf("Finish (rolled back): %v", err)
		}
	} else if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "test", "alice", finished); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	d, err = s.Deployment(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func depID(d model.Deployment) int64 { return d.ID }
func incID(i model.Incident) int64   { return i.ID }

func eq(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeploymentsFiltered(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	a := finishedDeployment(t, s, "api", "production", h(0), h(1), time.Time{}, false)
	b := finishedDeployment(t, s, "web", "production", h(2), h(3), time.Time{}, true)
	c := finishedDeployment(t, s, "api", "staging", h(4), h(5), time.Time{}, false)
	d := finishedDeployment(t, s, "API", "production", h(6), time.Time{}, time.Time{}, false) // planned
	e := finishedDeployment(t, s, "api", "production", h(1), h(7), time.Time{}, false)        // created between a and b

	for _, c := range []struct {
		name string
		f    DeploymentFilter
		want []int64
	}{
		{"all, newest first", DeploymentFilter{}, []int64{d.ID, c.ID, b.ID, e.ID, a.ID}},
		{"service, any case", DeploymentFilter{Service: " api "}, []int64{d.ID, c.ID, e.ID, a.ID}},
		{"environment", DeploymentFilter{Environment: "Staging"}, []int64{c.ID}},
		{"status", DeploymentFilter{Status: model.StatusRolledBack}, []int64{b.ID}},
		{"planned", DeploymentFilter{Status: model.StatusPlanned}, []int64{d.ID}},
		{"all three", DeploymentFilter{Service: "api", Environment: "production", Status: model.StatusCompleted}, []int64{e.ID, a.ID}},
		{"limit", DeploymentFilter{Limit: 2}, []int64{d.ID, c.ID}},
		{"page", DeploymentFilter{Limit: 2, Offset: 2}, []int64{b.ID, e.ID}},
		{"past the end", DeploymentFilter{Offset: 9}, []int64{}},
		{"no match", DeploymentFilter{Service: "nope"}, []int64{}},
	} {
		got, err := s.DeploymentsFiltered(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if g := ids(got, depID); !eq(g, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, g, c.want)
		}
		n, err := s.DeploymentCount(ctx, c.f)
		want := len(c.want)
		if c.f.Limit > 0 || c.f.Offset > 0 {
			want = 5
		}
		if err != nil || n != want {
			t.Errorf("%s: count %d (%v), want %d", c.name, n, err, want)
		}
	}
	if _, err := s.DeploymentsFiltered(ctx, DeploymentFilter{Status: "done"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad status: %v", err)
	}
	if _, err := s.DeploymentsFiltered(ctx, DeploymentFilter{Offset: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative offset: %v", err)
	}
	got, _ := s.DeploymentsFiltered(ctx, DeploymentFilter{Status: model.StatusRolledBack})
	if r := got[0]; r.RollbackAt.IsZero() || !r.FinishedAt.Equal(h(3)) || r.Status != model.StatusRolledBack {
		t.Errorf("rolled back row not scanned whole: %+v", r)
	}

	svcs, err := s.Services(ctx)
	if err != nil || strings.Join(svcs, ",") != "API,web" {
		t.Errorf("Services = %v, %v", svcs, err)
	}
}

func TestIncidentsFiltered(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	i1 := openInc(t, s, model.SEV3, 0, t0)
	i2 := openInc(t, s, model.SEV1, 0, t0.Add(time.Minute))
	i3 := openInc(t, s, model.SEV4, 0, t0.Add(2*time.Minute))
	i4 := openInc(t, s, model.SEV2, 0, t0.Add(3*time.Minute))
	noErr(t, s.ResolveIncident(ctx, i2.ID, model.IncidentSeen{}, "bad config", "bob", t0.Add(time.Hour)))
	noErr(t, s.MitigateIncident(ctx, i4.ID, model.IncidentSeen{}, "bob", t0.Add(time.Hour)))
	noErr(t, s.SetIncidentSeverity(ctx, i1.ID, model.IncidentSeen{}, model.SEV2, "bob", t0.Add(10*time.Minute)))
	noErr(t, s.AckStep(ctx, i1.ID, model.IncidentSeen{}, 1, "", "bob", t0.Add(11*time.Minute)))

	for _, c := range []struct {
		name string
		f    IncidentFilter
		want []int64
	}{
		{"all, newest first", IncidentFilter{}, []int64{i4.ID, i3.ID, i2.ID, i1.ID}},
		{"resolved", IncidentFilter{Status: model.IncidentResolved}, []int64{i2.ID}},
		{"open", IncidentFilter{Status: model.IncidentOpen}, []int64{i3.ID, i1.ID}},
		{"SEV2 and worse (now)", IncidentFilter{MinSeverity: model.SEV2}, []int64{i4.ID, i2.ID, i1.ID}},
		{"page", IncidentFilter{Limit: 2, Offset: 1}, []int64{i3.ID, i2.ID}},
		{"open SEV1", IncidentFilter{Status: model.IncidentOpen, MinSeverity: model.SEV1}, []int64{}},
	} {
		got, err := s.IncidentsFiltered(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if g := ids(got, incID); !eq(g, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, g, c.want)
		}
	}
	got, _ := s.IncidentsFiltered(ctx, IncidentFilter{Limit: 1, Offset: 3})
	if len(got) != 1 || len(got[0].SeverityHistory) != 1 || len(got[0].Acks) != 1 {
		t.Errorf("histories not loaded: %+v", got)
	}
	if _, err := s.IncidentsFiltered(ctx, IncidentFilter{Status: "closed"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad status: %v", err)
	}
	if _, err := s.IncidentsFiltered(ctx, IncidentFilter{MinSeverity: 7}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad severity: %v", err)
	}
}

func TestMarkHotfix(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, _ := startTestDeployment(t, s)
	i1 := openInc(t, s, model.SEV3, 0, t0.Add(time.Minute))
	i2 := openInc(t, s, model.SEV4, 0, t0.Add(2*time.Minute))

	noErr(t, s.MarkHotfix(ctx, d.ID, i1.ID, "bob", t0.Add(3*time.Minute)))
	noErr(t, s.MarkHotfix(ctx, d.ID, i1.ID, "bob", t0.Add(4*time.Minute))) // again: nothing written
	got := must[model.Deployment](t)(s.Deployment(ctx, d.ID))
	if got.HotfixFor != i1.ID || !got.UpdatedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("after mark: hotfix_for %d, updated %s", got.HotfixFor, got.UpdatedAt)
	}
	noErr(t, s.MarkHotfix(ctx, d.ID, i2.ID, "bob", t0.Add(5*time.Minute)))
	noErr(t, s.MarkHotfix(ctx, d.ID, 0, "bob", t0.Add(6*time.Minute)))
	noErr(t, s.MarkHotfix(ctx, d.ID, 0, "bob", t0.Add(7*time.Minute)))

	var texts []string
	for _, e := range events(t, s, d.ID) {
		if e.Kind == model.EventDeployHotfix {
			texts = append(texts, e.Text)
		}
	}
	want := []string{
		"marked #1 api v1.2 → production as the hotfix for INC-1",
		"marked #1 api v1.2 → production as the hotfix for INC-2 (was INC-1)",
		"#1 api v1.2 → production is no longer marked as the hotfix for INC-2",
	}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("hotfix events:\n%s\nwant:\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
	// The incident's timeline shows it too, with its severity.
	evs := incEvents(t, s, i1.ID)
	if last := evs[len(evs)-1]; last.Kind != model.EventDeployHotfix || last.DeploymentID != d.ID || last.Severity != model.SEV3 {
		t.Errorf("incident timeline: %+v", last)
	}
	if err := s.MarkHotfix(ctx, d.ID, 99, "bob", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("missing incident: %v", err)
	}
	if err := s.MarkHotfix(ctx, 42, i1.ID, "bob", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing deployment: %v", err)
	}
	if err := s.MarkHotfix(ctx, d.ID, i1.ID, " ", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("no actor: %v", err)
	}

	// Export carries the column.
	noErr(t, s.MarkHotfix(ctx, d.ID, i2.ID, "bob", t0.Add(8*time.Minute)))
	var buf bytes.Buffer
	noErr(t, s.Export(ctx, &buf))
	var doc struct {
		Deployments []struct {
			HotfixFor *int64 `json:"hotfix_for"`
		} `json:"deployments"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.Deployments) != 1 || doc.Deployments[0].HotfixFor == nil || *doc.Deployments[0].HotfixFor != i2.ID {
		t.Errorf("export: %v %s", err, buf.String()[:200])
	}
}

func TestDeploymentTimelineAndIncidents(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	other := finishedDeployment(t, s, "web", "production", t0, t0.Add(time.Hour), time.Time{}, false)
	// Recorded out of order: the timeline is in time order.
	must[model.Item](t)(s.SetItemState(ctx, items[1].ID, "", model.ItemDone, "", "bob", t0.Add(5*time.Minute)))
	must[model.Item](t)(s.SetItemState(ctx, items[0].ID, "", model.ItemDone, "", "bob", t0.Add(2*time.Minute)))
	linked := openInc(t, s, model.SEV3, d.ID, t0.Add(6*time.Minute))
	fixed := openInc(t, s, model.SEV4, other.ID, t0.Add(7*time.Minute))
	openInc(t, s, model.SEV4, 0, t0.Add(8*time.Minute)) // unrelated
	noErr(t, s.MarkHotfix(ctx, d.ID, fixed.ID, "bob", t0.Add(9*time.Minute)))

	evs, err := s.DeploymentTimeline(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, e := range evs {
		kinds = append(kinds, string(e.Kind))
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Errorf("timeline out of order at %d", i)
		}
	}
	if got := strings.Join(kinds, " "); got != "deploy.started check.done check.done incident.opened deploy.hotfix" {
		t.Errorf("timeline kinds: %s", got)
	}
	if _, err := s.DeploymentTimeline(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing deployment: %v", err)
	}

	incs, err := s.DeploymentIncidents(ctx, d.ID)
	if err != nil || !eq(ids(incs, incID), []int64{fixed.ID, linked.ID}) {
		t.Errorf("DeploymentIncidents = %v, %v", ids(incs, incID), err)
	}
	incs, err = s.DeploymentIncidents(ctx, other.ID)
	if err != nil || !eq(ids(incs, incID), []int64{fixed.ID}) {
		t.Errorf("DeploymentIncidents(other) = %v, %v", ids(incs, incID), err)
	}
}
