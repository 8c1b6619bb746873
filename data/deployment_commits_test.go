package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func shaOf(c byte) string { return strings.Repeat(string(c), 40) }

func commitsAt(ts ...time.Time) []model.Commit {
	var out []model.Commit
	for i, at := range ts {
		out = append(out, model.Commit{SHA: shaOf("abcdef"[i]), CommittedAt: at, AuthoredAt: at.Add(-time.Minute), Position: i})
	}
	return out
}

func TestDeploymentCommitsStoreAndMetrics(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 123e6, time.UTC)

	if sh, err := s.LastShipped(ctx, "api", "production"); err != nil || sh.Found {
		t.Fatalf("LastShipped before any: %+v, %v", sh, err)
	}
	first := commitsAt(t0)
	d1, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1", Strategy: model.StrategyAllAtOnce,
		CommitSHA: first[0].SHA, CommittedAt: t0, Commits: first}, testTemplate(), "alice", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartExecution(ctx, d1.ID, "alice", t0.Add(61*time.Minute), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(ctx, d1.ID, model.RolloutSeen{}, "test", "alice", t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sh, err := s.LastShipped(ctx, "API", "")
	if err != nil || !sh.Found || sh.DeploymentID != d1.ID || sh.CommitSHA != first[0].SHA {
		t.Fatalf("LastShipped: %+v, %v", sh, err)
	}

	// The second deployment's list was made against #1: accepted.
	second := commitsAt(t0.Add(4*time.Hour), t0.Add(3*time.Hour+30*time.Minute))
	n2 := model.NewDeployment{Service: "api", Version: "v2", Strategy: model.StrategyAllAtOnce,
		CommitSHA: second[0].SHA, CommittedAt: second[0].CommittedAt, Commits: second, CommitsSince: first[0].SHA}
	// Against a stale base (no previous deployment): refused, nothing written.
	stale := n2
	stale.CommitsSince = ""
	if _, err := s.StartDeployment(ctx, stale, testTemplate(), "alice", t0.Add(5*time.Hour)); !errors.Is(err, model.ErrStale) ||
		!strings.Contains(err.Error(), "#1 v1 production (commit aaaaaaaaaaaa) completed at 2026-11-25 12:00:00 UTC after the commits") {
		t.Fatalf("stale base: %v", err)
	}
	d2, err := s.StartDeployment(ctx, n2, testTemplate(), "alice", t0.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.DeploymentCommits(ctx, d2.ID)
	if err != nil || len(got) != 2 || got[1].SHA != second[1].SHA || !got[1].CommittedAt.Equal(second[1].CommittedAt) ||
		!got[1].AuthoredAt.Equal(second[1].AuthoredAt) || got[1].Position != 1 {
		t.Fatalf("commits of #2: %+v, %v", got, err)
	}
	if _, err := s.StartExecution(ctx, d2.ID, "alice", t0.Add(5*time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(ctx, d2.ID, model.RolloutSeen{}, "test", "alice", t0.Add(6*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// A bad list is refused before anything is written.
	bad := model.NewDeployment{Service: "web", Version: "v1", CommitSHA: shaOf('a'), Commits: []model.Commit{{SHA: shaOf('a')}}}
	if _, err := s.StartDeployment(ctx, bad, testTemplate(), "alice", t0.Add(7*time.Hour)); err == nil || !strings.Contains(err.Error(), "no commit or author time") {
		t.Fatalf("bad list: %v", err)
	}

	deps, _, err := s.MetricsInput(ctx, t0.Add(-time.Hour), t0.Add(24*time.Hour), "")
	if err != nil || len(deps) != 2 || len(deps[0].Commits) != 1 || len(deps[1].Commits) != 2 {
		t.Fatalf("metrics input: %+v, %v", deps, err)
	}
	// Lead times 3h (#1), 2h and 2h30m (#2): median 2h30m over 3 commits.
	m := model.ComputeMetrics(deps, nil, model.MetricsWindow{From: t0.Add(-time.Hour), To: t0.Add(24 * time.Hour)})
	if m.LeadTime.N != 3 || m.LeadTime.Median != 150*time.Minute || m.LeadTimeBasis.Deployments != 2 {
		t.Errorf("lead time %+v %+v", m.LeadTime, m.LeadTimeBasis)
	}

	// Bulk writes the commits too.
	b := newStore(t)
	dep := model.Deployment{ID: 7, Service: "api", Version: "v1", Environment: "production", Strategy: model.StrategyAllAtOnce,
		Status: model.StatusCompleted, Template: "test", StartedBy: "alice", CreatedAt: t0, UpdatedAt: t0, FinishedAt: t0.Add(time.Hour),
		CommitSHA: second[0].SHA, CommittedAt: second[0].CommittedAt, Commits: second}
	if err := b.InsertBulk(ctx, &Bulk{Deployments: []model.Deployment{dep}}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.DeploymentCommits(ctx, 7); err != nil || len(got) != 2 || got[0].SHA != second[0].SHA {
		t.Errorf("bulk commits: %+v, %v", got, err)
	}
}
