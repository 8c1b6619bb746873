package model

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// metFactsOf is what a store makes of deps and incs: the deployments that
// reached production with a finish time, every incident with the scope of
// the deployment it is linked to. ok is false when a time is not a whole
// millisecond (facts keep the store's milliseconds).
func metFactsOf(deps []Deployment, incs []Incident) (f *MetricsFacts, ok bool) {
	ok = true
	ms := func(t time.Time) int64 {
		if !t.Equal(time.UnixMilli(t.UnixMilli())) && !t.IsZero() {
			ok = false
		}
		return FactTime(t)
	}
	var scopes []MetricsScope
	index := map[MetricsScope]int32{}
	scopeOf := func(d Deployment) int32 {
		sc := MetricsScope{d.Service, d.Environment}
		i, ok := index[sc]
		if !ok {
			i = int32(len(scopes))
			index[sc] = i
			scopes = append(scopes, sc)
		}
		return i
	}
	byID := map[int64]Deployment{}
	var facts []DeployFact
	for _, d := range deps {
		byID[d.ID] = d
		if d.FinishedAt.IsZero() || d.Status != StatusCompleted && d.Status != StatusRolledBack {
			continue
		}
		f := DeployFact{ID: d.ID, Scope: scopeOf(d), RolledBack: d.Status == StatusRolledBack, HotfixFor: d.HotfixFor,
			CreatedAt: ms(d.CreatedAt), ExecutionAt: ms(d.ExecutionAt), FinishedAt: ms(d.FinishedAt), CommittedAt: ms(d.CommittedAt)}
		for _, c := range d.Commits {
			f.Commits = append(f.Commits, ms(c.CommittedAt))
		}
		facts = append(facts, f)
	}
	var ifacts []IncidentFact
	for _, inc := range incs {
		f := IncidentFact{ID: inc.ID, DeploymentID: inc.DeploymentID, Scope: -1, Resolved: inc.Status == IncidentResolved,
			OpenedAt: ms(inc.OpenedAt), ResolvedAt: ms(inc.ResolvedAt)}
		if d, ok := byID[inc.DeploymentID]; ok && inc.DeploymentID != 0 {
			f.Scope = scopeOf(d)
		}
		f.SeeSeverity(inc.Severity)
		for _, c := range inc.SeverityHistory {
			f.SeeSeverity(c.From)
			f.SeeSeverity(c.To)
		}
		ifacts = append(ifacts, f)
	}
	return NewMetricsFacts(scopes, facts, ifacts), ok
}

// metCompute is ComputeMetrics, checked against the facts' Compute: every
// metrics test of this package runs both (when its times are whole
// milliseconds, as the store's are; its windows may be cut anywhere).
func metCompute(t *testing.T, deps []Deployment, incs []Incident, w MetricsWindow) Metrics {
	t.Helper()
	m := ComputeMetrics(deps, incs, w)
	if f, ok := metFactsOf(deps, incs); ok {
		if got := f.Compute(w); !reflect.DeepEqual(got, m) {
			t.Errorf("MetricsFacts.Compute differs from ComputeMetrics:\n%s", metDiff(got, m))
		}
	}
	return m
}

// metDiff names the fields of two Metrics that differ.
func metDiff(got, want Metrics) string {
	out := ""
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			name := g.Type().Field(i).Name
			if name == "Weekly" && g.Field(i).Len() == w.Field(i).Len() {
				for j := range g.Field(i).Len() {
					if gw, ww := got.Weekly[j], want.Weekly[j]; !reflect.DeepEqual(gw, ww) {
						out += fmt.Sprintf("  Weekly[%d]:\n    got  %+v\n    want %+v\n", j, gw, ww)
					}
				}
				continue
			}
			out += fmt.Sprintf("  %s:\n    got  %+v\n    want %+v\n", name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
	return out
}

// TestMetricsFactsRandomHistories compares the two computations on random
// histories dense in edge cases: times on the window's and weeks' bounds and
// a millisecond off them, windows cut a nanosecond off a millisecond, commits at and after completion, rollbacks without
// execution times, incidents resolved before they opened, raised and
// lowered severities, links to deployments that are unknown, unfinished or
// elsewhere, and services and environments that differ in case and space.
func TestMetricsFactsRandomHistories(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	base := metT0
	when := func() time.Time {
		if r.IntN(12) == 0 {
			return time.Time{}
		}
		t := base.Add(time.Duration(r.IntN(40*24)-10*24) * time.Hour)
		switch r.IntN(6) {
		case 0:
			t = t.Add(time.Duration(r.IntN(3)-1) * time.Millisecond)
		case 1:
			t = t.Add(time.Duration(r.IntN(3600)) * time.Second)
		}
		return t
	}
	services := []string{"api", "API", " api ", "web", "Straße"}
	envs := []string{"production", "", "Production", "staging", " staging"}
	statuses := []Status{StatusCompleted, StatusCompleted, StatusCompleted, StatusRolledBack, StatusAborted, StatusPlanned, StatusInProgress}
	sevs := []Severity{SEV1, SEV2, SEV3, SEV4}
	for round := range 300 {
		var deps []Deployment
		for id := range int64(r.IntN(60)) {
			d := Deployment{ID: id + 1, Service: services[r.IntN(len(services))], Environment: envs[r.IntN(len(envs))],
				Status: statuses[r.IntN(len(statuses))], CreatedAt: when(), ExecutionAt: when(), FinishedAt: when(), CommittedAt: when()}
			if r.IntN(5) == 0 {
				d.HotfixFor = int64(r.IntN(5) + 1)
			}
			for range r.IntN(4) {
				c := d.FinishedAt.Add(-time.Duration(r.IntN(48)-4) * time.Hour)
				if r.IntN(8) == 0 {
					c = time.Time{}
				}
				d.Commits = append(d.Commits, Commit{CommittedAt: c})
			}
			deps = append(deps, d)
		}
		var incs []Incident
		for id := range int64(r.IntN(30)) {
			inc := Incident{ID: id + 1, Severity: sevs[r.IntN(4)], Status: IncidentOpen, OpenedAt: when()}
			if len(deps) > 0 && r.IntN(3) > 0 {
				inc.DeploymentID = int64(r.IntN(len(deps)+3) + 1) // sometimes unknown
			}
			switch r.IntN(4) {
			case 0, 1:
				inc.Status, inc.ResolvedAt = IncidentResolved, inc.OpenedAt.Add(time.Duration(r.IntN(96)-6)*time.Hour)
			case 2:
				inc.Status = IncidentMitigated
			}
			for range r.IntN(3) {
				inc.SeverityHistory = append(inc.SeverityHistory, SeverityChange{From: sevs[r.IntN(4)], To: sevs[r.IntN(4)]})
			}
			incs = append(incs, inc)
		}
		facts, ok := metFactsOf(deps, incs)
		if !ok {
			t.Fatal("a random time is not a whole millisecond")
		}
		for _, w := range []MetricsWindow{
			{From: base, To: base.Add(14 * 24 * time.Hour)},
			{From: base.Add(-3*24*time.Hour + time.Nanosecond), To: base.Add(17*24*time.Hour + 5*time.Hour)},
			{From: base.Add(time.Millisecond - time.Nanosecond), To: base.Add(14*24*time.Hour + time.Millisecond + time.Nanosecond)},
			{From: base.Add(-time.Millisecond), To: base.Add(14*24*time.Hour - time.Millisecond)},
			{From: base.Add(time.Duration(r.IntN(1000)) * time.Minute), To: base.Add(time.Duration(1000+r.IntN(30000)) * time.Minute), Service: "api"},
			{From: base, To: base.Add(30 * 24 * time.Hour), Service: " API", Environment: "staging"},
			{From: base, To: base.Add(7 * 24 * time.Hour), Environment: "PRODUCTION"},
			{From: base, To: base.Add(30 * 24 * time.Hour), Service: "STRASSE"},
			{From: base.Add(-20 * 24 * time.Hour), To: base.Add(40 * 24 * time.Hour), Service: "web"},
			{From: base, To: base}, // invalid
		} {
			if got, want := facts.Compute(w), ComputeMetrics(deps, incs, w); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, window %+v: differs:\n%s", round, w, metDiff(got, want))
			}
		}
	}
}

func TestFactSub(t *testing.T) {
	for _, c := range [][2]int64{{0, 0}, {5, 3}, {3, 5}, {1 << 62, -(1 << 62)}, {-(1 << 62), 1 << 62}, {NoTime, 0}, {0, NoTime},
		{9223372036854, 0}, {9223372036855, 0}, {0, 9223372036855}, {-9223372036854, 0}} {
		if got, want := factSub(c[0], c[1]), factTime(c[0]).Sub(factTime(c[1])); got != want {
			t.Errorf("factSub(%d, %d) = %v, want %v", c[0], c[1], got, want)
		}
	}
}
