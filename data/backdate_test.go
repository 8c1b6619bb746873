package data

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// A deployment and an incident recorded after the fact (--at): the events
// carry the backdated times and say when they were entered; the store
// refuses a finish before the start and a resolve before the open.
func TestBackdatedActions(t *testing.T) {
	s := newStore(t)
	entered := t0.Add(26*time.Hour + 250*time.Millisecond) // typed the next day
	ctx := WithEntered(context.Background(), entered)
	start := t0.Add(-500 * time.Millisecond)
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v2", Strategy: model.StrategyAllAtOnce}, testTemplate(), "alice", start)
	if err != nil {
		t.Fatal(err)
	}
	if !d.CreatedAt.Equal(start) {
		t.Errorf("created at %v, want %v", d.CreatedAt, start)
	}
	exec := t0.Add(10 * time.Minute)
	// Before the start: refused by the store, nothing written.
	if _, err := s.StartExecution(ctx, d.ID, "alice", start.Add(-time.Millisecond), true); err == nil ||
		!strings.Contains(err.Error(), "Deployment Execution at 2026-11-25 14:01:59.499 UTC would be before it started at 2026-11-25 14:01:59.500 UTC") {
		t.Fatalf("execution before start: %v", err)
	}
	if _, err := s.StartExecution(ctx, d.ID, "alice", exec, true); err != nil {
		t.Fatal(err)
	}
	// A finish before Deployment Execution began (or before the start).
	for _, at := range []time.Time{start.Add(-time.Hour), exec.Add(-time.Second)} {
		if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "recorded afterwards", "alice", at); err == nil ||
			!strings.Contains(err.Error(), "would be before it") {
			t.Errorf("finish at %v: %v", at, err)
		}
	}
	fin := exec.Add(20*time.Minute + 125*time.Millisecond)
	if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "recorded afterwards", "alice", fin); err != nil {
		t.Fatal(err)
	}
	got, err := s.Deployment(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.StatusCompleted || !got.FinishedAt.Equal(fin) || !got.ExecutionAt.Equal(exec) {
		t.Errorf("deployment: %s finished %v exec %v", got.Status, got.FinishedAt, got.ExecutionAt)
	}
	evs := events(t, s, d.ID)
	byKind := map[model.EventKind]model.Event{}
	for _, e := range evs {
		byKind[e.Kind] = e
		if !strings.HasSuffix(e.Text, " (backdated: entered 2026-11-26 16:02:00 UTC)") {
			t.Errorf("%s %q: not marked as backdated", e.Kind, e.Text)
		}
	}
	for kind, at := range map[model.EventKind]time.Time{model.EventDeployStarted: start, model.EventExecutionStart: exec, model.EventRolloutFinish: fin} {
		if e, ok := byKind[kind]; !ok || !e.At.Equal(at) {
			t.Errorf("%s event at %v, want %v", kind, e.At, at)
		}
	}
	// A later action cannot go before the finish either.
	if _, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "", "alice", fin.Add(-time.Millisecond)); err == nil {
		t.Errorf("abort before the finish accepted")
	}

	// Incidents: the open is backdated, a resolve before it is refused.
	opened := t0.Add(time.Hour)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 500s", Severity: model.SEV2, DeploymentID: d.ID}, "bob", opened)
	if err != nil {
		t.Fatal(err)
	}
	if !inc.OpenedAt.Equal(opened) {
		t.Errorf("opened at %v", inc.OpenedAt)
	}
	if err := s.ResolveIncident(ctx, inc.ID, model.SeenIncident(inc), "bad flag", "bob", opened.Add(-time.Second)); err == nil ||
		!strings.Contains(err.Error(), "resolved at 2026-11-25 15:01:59 UTC would be before the incident was opened (2026-11-25 15:02:00 UTC)") {
		t.Errorf("resolve before open: %v", err)
	}
	mit := opened.Add(20 * time.Minute)
	if err := s.MitigateIncident(ctx, inc.ID, model.SeenIncident(inc), "bob", mit); err != nil {
		t.Fatal(err)
	}
	inc, _ = s.Incident(context.Background(), inc.ID)
	if err := s.ResolveIncident(ctx, inc.ID, model.SeenIncident(inc), "bad flag", "bob", mit.Add(-time.Second)); err == nil ||
		!strings.Contains(err.Error(), "before it was mitigated") {
		t.Errorf("resolve before mitigate: %v", err)
	}
	res := opened.Add(45 * time.Minute)
	if err := s.ResolveIncident(ctx, inc.ID, model.SeenIncident(inc), "bad flag", "bob", res); err != nil {
		t.Fatal(err)
	}
	inc, _ = s.Incident(context.Background(), inc.ID)
	if !inc.ResolvedAt.Equal(res) || inc.Status != model.IncidentResolved {
		t.Errorf("incident: %s resolved %v", inc.Status, inc.ResolvedAt)
	}
	ievs, err := s.IncidentTimeline(context.Background(), inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[model.EventKind]bool{}
	for _, e := range ievs {
		kinds[e.Kind] = true
		if e.Kind == model.EventIncidentResolved && (!e.At.Equal(res) || !strings.HasSuffix(e.Text, "(backdated: entered 2026-11-26 16:02:00 UTC)")) {
			t.Errorf("resolved event: %v %q", e.At, e.Text)
		}
		if !strings.Contains(e.Text, "(backdated: entered") {
			t.Errorf("%s %q: not marked", e.Kind, e.Text)
		}
	}
	for _, k := range []model.EventKind{model.EventIncidentOpened, model.EventIncidentMitigated, model.EventIncidentResolved, model.EventFreezeOn, model.EventFreezeOff} {
		if !kinds[k] {
			t.Errorf("no %s event", k)
		}
	}

	// Without WithEntered nothing is marked, whatever the time.
	d2, err := s.StartDeployment(context.Background(), model.NewDeployment{Service: "web", Version: "v1"}, testTemplate(), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events(t, s, d2.ID) {
		if strings.Contains(e.Text, "backdated") {
			t.Errorf("marked without WithEntered: %q", e.Text)
		}
	}
}
