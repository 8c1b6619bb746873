package data

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// oldMetrics is the computation Metrics replaced, kept as its reference:
// every row that can bear on the window (MetricsInput), then
// model.ComputeMetrics.
func oldMetrics(t *testing.T, s *Store, w model.MetricsWindow) model.Metrics {
	t.Helper()
	deps, incs, err := s.MetricsInput(context.Background(), w.From, w.To, w.Service)
	if err != nil {
		t.Fatal(err)
	}
	return model.ComputeMetrics(deps, incs, w)
}

// TestMetricsCacheFollowsWrites writes each kind of change the metrics
// read — a deployment planned, finished, rolled back, with commits; an
// incident opened, raised, resolved, linked, relinked, unlinked; a hotfix
// marked — and after each compares the cache (refreshed from the events
// since), Store.Metrics and the old computation, over windows narrow and
// wide, so that the cache also reaches further back than first asked.
func TestMetricsCacheFollowsWrites(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	c := NewMetricsCache(s)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	windows := []model.MetricsWindow{
		{From: h(-10), To: h(20)},
		{From: h(-10), To: h(20), Service: "API"},
		{From: h(-100), To: h(30)},
		{From: h(-100), To: h(30), Environment: "staging"},
		{From: h(-100).Add(time.Millisecond / 2), To: h(3).Add(time.Nanosecond), Service: "web"},
		{From: h(-400), To: h(400)},
	}
	step := 0
	check := func(what string) {
		t.Helper()
		step++
		for i, w := range windows {
			want := oldMetrics(t, s, w)
			got, err := c.Metrics(ctx, w)
			if err != nil {
				t.Fatalf("step %d (%s), window %d: %v", step, what, i, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("step %d (%s), window %d: the cache differs from the old computation:\n%+v\n%+v", step, what, i, got, want)
			}
			if once, err := s.Metrics(ctx, w); err != nil || !reflect.DeepEqual(once, want) {
				t.Errorf("step %d (%s), window %d: Store.Metrics differs (%v):\n%+v\n%+v", step, what, i, err, once, want)
			}
		}
	}

	a := finishedDeployment(t, s, "api", "production", h(-50), h(-48), h(-60), false)
	// g is still running when a SEV2 linked to it opens and is resolved.
	g := finishedDeployment(t, s, "pay", "production", h(-47), time.Time{}, time.Time{}, false)
	_, err := s.StartExecution(ctx, g.ID, "alice", h(-46), true)
	noErr(t, err)
	old := openInc(t, s, model.SEV2, g.ID, h(-45))
	noErr(t, s.ResolveIncident(ctx, old.ID, model.IncidentSeen{}, "", "bob", h(-40)))
	b := finishedDeployment(t, s, "web", "production", h(-30), h(-29), time.Time{}, true)

	// The first call reads only the first window's reach: not the SEV2,
	// resolved before it. When g finishes inside it, the refresh brings the
	// SEV2 in with g: g failed.
	if _, err := c.Metrics(ctx, windows[0]); err != nil {
		t.Fatal(err)
	}
	if got, want := c.st.since, toMS(h(-10)); got != want {
		t.Errorf("facts reach back to %d, want %d", got, want)
	}
	_, err = s.Finish(ctx, g.ID, model.RolloutSeen{}, "test", "alice", h(-5))
	noErr(t, err)
	if got, want := func() model.Metrics { m, err := c.Metrics(ctx, windows[0]); noErr(t, err); return m }(), oldMetrics(t, s, windows[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("g finished: the cache differs:\n%+v\n%+v", got, want)
	} else if got.ChangeFailRate.Num != 1 {
		t.Errorf("g finished: change fail rate %v, want g failed", got.ChangeFailRate)
	}
	check("history")
	if c.st.since != toMS(h(-400)) {
		t.Errorf("facts reach back to %d after the widest window, want %d", c.st.since, toMS(h(-400)))
	}
	before := c.st.facts
	check("nothing written")
	if c.st.facts != before {
		t.Error("facts were read again though nothing was written")
	}

	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v2", Strategy: model.StrategyAllAtOnce,
		CommitSHA: shaOf('a'), CommittedAt: h(-2), Commits: commitsAt(h(-2), h(-3), h(5)), CommitsSince: "abc123"}, testTemplate(), "alice", h(1))
	noErr(t, err)
	check("planned, with commits")
	_, err = s.StartExecution(ctx, d.ID, "alice", h(2), true)
	noErr(t, err)
	_, err = s.Finish(ctx, d.ID, model.RolloutSeen{}, "test", "alice", h(3))
	noErr(t, err)
	check("completed")

	e := finishedDeployment(t, s, "api", "staging", h(4), h(6), h(3), false)
	check("staging")
	i1 := openInc(t, s, model.SEV3, d.ID, h(7))
	check("SEV3 linked")
	noErr(t, s.SetIncidentSeverity(ctx, i1.ID, model.IncidentSeen{}, model.SEV2, "bob", h(8)))
	check("raised to SEV2: a failure")
	noErr(t, s.SetIncidentSeverity(ctx, i1.ID, model.IncidentSeen{}, model.SEV4, "bob", h(9)))
	check("lowered: still a failure")
	noErr(t, s.ResolveIncident(ctx, i1.ID, model.IncidentSeen{}, "", "bob", h(10)))
	check("resolved: recovered")
	noErr(t, s.LinkIncident(ctx, i1.ID, e.ID, model.IncidentSeen{}, "bob", h(11)))
	check("relinked to staging")
	noErr(t, s.UnlinkIncident(ctx, i1.ID, model.IncidentSeen{}, "bob", h(12)))
	check("unlinked")
	noErr(t, s.MarkHotfix(ctx, a.ID, i1.ID, "bob", h(13)))
	check("hotfix marked on an old deployment")
	i2 := openInc(t, s, model.SEV1, b.ID, h(14))
	check("SEV1 on an old rollback")
	noErr(t, s.AddIncidentNote(ctx, i2.ID, "still bad", "bob", h(15), false))
	check("a note")
	noErr(t, s.ResolveIncident(ctx, i2.ID, model.IncidentSeen{}, "", "bob", h(16)))
	openInc(t, s, model.SEV4, 0, h(17))
	check("resolved, and an unlinked SEV4 open")

	// More changes than a refresh reads: everything is read again.
	defer func(n int) { refreshMost = n }(refreshMost)
	refreshMost = 2
	f := finishedDeployment(t, s, "web", "production", h(18), h(19), h(17), false)
	openInc(t, s, model.SEV2, f.ID, h(19))
	check("many changes")
}

// TestMetricsCacheServices: the cache's services are Store.Services's —
// names that differ only in case grouped, the first in binary order shown —
// and follow a new deployment.
func TestMetricsCacheServices(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	c := NewMetricsCache(s)
	check := func(what string) {
		t.Helper()
		want, err := s.Services(ctx)
		noErr(t, err)
		got, err := c.Services(ctx)
		noErr(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: services %q, want %q", what, got, want)
		}
	}
	check("empty")
	for i, svc := range []string{"web", "Web", "api", "WEB", "billing", "Api", "zeta"} {
		finishedDeployment(t, s, svc, "production", t0.Add(time.Duration(i)*time.Hour), time.Time{}, time.Time{}, false)
		check("after " + svc)
	}
}

// TestMetricsCacheConcurrent: sessions asking at once while writes land
// (run it with -race); afterwards every window is right.
func TestMetricsCacheConcurrent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	c := NewMetricsCache(s)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	windows := []model.MetricsWindow{{From: h(-10), To: h(100)}, {From: h(-100), To: h(100), Service: "web"}, {From: h(-1000), To: h(1000)}}
	done := make(chan error)
	for g := range 3 {
		go func() {
			for i := range 15 {
				if _, err := c.Metrics(ctx, windows[(g+i)%len(windows)]); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for i := range 6 {
		finishedDeployment(t, s, []string{"api", "web"}[i%2], "production", h(i*10), h(i*10+2), h(i*10-1), i%3 == 0)
	}
	for range 3 {
		noErr(t, <-done)
	}
	for _, w := range windows {
		got, err := c.Metrics(ctx, w)
		noErr(t, err)
		if want := oldMetrics(t, s, w); !reflect.DeepEqual(got, want) {
			t.Errorf("window %+v: differs after concurrent use:\n%+v\n%+v", w, got, want)
		}
	}
}
