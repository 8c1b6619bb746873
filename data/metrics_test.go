package data

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// allMetrics is ComputeMetrics over everything in the store: what
// MetricsInput must reproduce from the little it loads.
func allMetrics(t *testing.T, s *Store, w model.MetricsWindow) model.Metrics {
	t.Helper()
	ctx := context.Background()
	deps, err := s.Deployments(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	incs, err := s.Incidents(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return model.ComputeMetrics(deps, incs, w)
}

func windowMetrics(t *testing.T, s *Store, w model.MetricsWindow) (model.Metrics, []model.Deployment, []model.Incident) {
	t.Helper()
	deps, incs, err := s.MetricsInput(context.Background(), w.From, w.To, w.Service)
	if err != nil {
		t.Fatal(err)
	}
	return model.ComputeMetrics(deps, incs, w), deps, incs
}

func TestMetricsInput(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	from, to := h(0), h(100)

	// Deployments first: the SEV1/SEV2 opened below would freeze new ones.
	a := finishedDeployment(t, s, "api", "production", h(10), h(12), h(8), false)              // in; lead 4h
	b := finishedDeployment(t, s, "api", "production", h(-5), h(2), time.Time{}, false)        // created before, finished in
	c := finishedDeployment(t, s, "web", "production", h(-30), h(-20), h(-40), false)          // before; linked below
	d := finishedDeployment(t, s, "web", "production", h(-50), h(-45), time.Time{}, true)      // before, unlinked: out
	e := finishedDeployment(t, s, "web", "production", h(90), h(110), time.Time{}, false)      // finishes after the window
	f := finishedDeployment(t, s, "api", "production", h(95), time.Time{}, time.Time{}, false) // planned, created in
	g := finishedDeployment(t, s, "web", "production", h(20), h(22), h(21), true)              // rolled back in the window
	x := finishedDeployment(t, s, "api", "staging", h(30), h(31), h(29), false)                // another environment

	i1 := openInc(t, s, model.SEV3, g.ID, h(-2)) // opened before, resolved in; raised to SEV2
	noErr(t, s.SetIncidentSeverity(ctx, i1.ID, model.IncidentSeen{}, model.SEV2, "bob", h(-1)))
	noErr(t, s.ResolveIncident(ctx, i1.ID, model.IncidentSeen{}, "", "bob", h(5)))
	i2 := openInc(t, s, model.SEV2, 0, h(-10)) // opened and resolved before: out
	noErr(t, s.ResolveIncident(ctx, i2.ID, model.IncidentSeen{}, "", "bob", h(-8)))
	i3 := openInc(t, s, model.SEV1, a.ID, h(150)) // after the window, but a's failure
	noErr(t, s.ResolveIncident(ctx, i3.ID, model.IncidentSeen{}, "", "bob", h(151)))
	i4 := openInc(t, s, model.SEV4, c.ID, h(50))  // in; its deployment is older
	i5 := openInc(t, s, model.SEV3, 0, h(-3))     // still open
	i6 := openInc(t, s, model.SEV4, d.ID, h(120)) // after, linked to an out deployment: out
	noErr(t, s.ResolveIncident(ctx, i4.ID, model.IncidentSeen{}, "", "bob", h(60)))

	w := model.MetricsWindow{From: from, To: to}
	m, deps, incs := windowMetrics(t, s, w)
	wantDeps := []int64{a.ID, b.ID, c.ID, e.ID, f.ID, g.ID, x.ID}
	if got := ids(deps, depID); !eq(got, wantDeps) {
		t.Errorf("deployments %v, want %v", got, wantDeps)
	}
	wantIncs := []int64{i1.ID, i3.ID, i4.ID, i5.ID}
	if got := ids(incs, incID); !eq(got, wantIncs) {
		t.Errorf("incidents %v, want %v", got, wantIncs)
	}
	for _, inc := range incs {
		if inc.ID == i1.ID && (len(inc.SeverityHistory) != 1 || inc.SeverityHistory[0].To != model.SEV2) {
			t.Errorf("INC-%d severity history not loaded: %+v", inc.ID, inc.SeverityHistory)
		}
	}
	_ = i6

	// The hand-computed numbers.
	if m.Deployments != 2 || m.ChangeFailRate != (model.Ratio{Num: 2, Den: 3}) {
		t.Errorf("deployments %d, change fail rate %v (want 2, 2/3: a linked to a SEV1, g rolled back)", m.Deployments, m.ChangeFailRate)
	}
	if m.LeadTime.N != 1 || m.LeadTime.Median != 4*time.Hour || m.LeadTime.Missing != 1 {
		t.Errorf("lead time %+v, want one of 4h and one missing", m.LeadTime)
	}
	if m.MTTR.N != 2 || m.MTTR.Median != (7*time.Hour+10*time.Hour)/2 || m.MTTR.Missing != 1 {
		t.Errorf("MTTR %+v, want 7h and 10h, one open", m.MTTR)
	}
	if !reflect.DeepEqual(m, allMetrics(t, s, w)) {
		t.Errorf("metrics from MetricsInput differ from metrics over everything:\n%+v\n%+v", m, allMetrics(t, s, w))
	}

	// One service: its deployments and only the incidents linked to them.
	w.Service = "WEB"
	m, deps, incs = windowMetrics(t, s, w)
	if got := ids(deps, depID); !eq(got, []int64{c.ID, e.ID, g.ID}) {
		t.Errorf("web deployments %v", got)
	}
	if got := ids(incs, incID); !eq(got, []int64{i1.ID, i4.ID}) {
		t.Errorf("web incidents %v", got)
	}
	if !reflect.DeepEqual(m, allMetrics(t, s, w)) {
		t.Errorf("web metrics differ from metrics over everything")
	}

	if _, _, err := s.MetricsInput(ctx, to, from, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("inverted window: %v", err)
	}
	if deps, incs, err := s.MetricsInput(ctx, h(-1000), h(-900), ""); err != nil || len(deps) != 0 || len(incs) != 0 {
		t.Errorf("empty window: %v %v %v", deps, incs, err)
	}
}
