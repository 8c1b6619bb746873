package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// Issue 16: the log filtered to INC-1 (/INC-1) shows the linked
// deployment's abort during the incident in its deployment column, and
// neither another deployment's promote nor #1's own start (not a timeline
// kind); search#2's start stays because its text names INC-1 (the search
// still matches text); a multi-line note stays one row, joined with ⏎.
func TestGoldenLogIncidentFilterWithDeployment(t *testing.T) {
	st, m, clock, _ := withIncident(t, 120, 30) // SEV2 INC-1 opened at t0, linked to #1
	ctx := context.Background()
	other, err := st.StartDeploymentOverride(ctx, model.NewDeployment{Service: "search", Version: "v6.18.0"}, builtinTemplate(), "search is not in the incident", "carol", t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	add := func(d time.Duration, actor string, kind model.EventKind, dep int64, text string) {
		st.events = append(st.events, model.Event{ID: int64(len(st.events) + 1), At: t0.Add(d), Actor: actor, Kind: kind, DeploymentID: dep, Text: text})
	}
	add(45*time.Second+250*time.Millisecond, "carol", model.EventRolloutPromote, other.ID, "promoted search to 2/4 · 25%")
	if err := st.AddIncidentNote(ctx, 1, "db failover started\nreplica lag 40s\n\nwatching 5xx", "bob", t0.Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	add(time.Minute+750*time.Millisecond, "alice", model.EventRolloutAbort, 1, "aborted the rollout at 1/4 · 5%: rolling back — 5xx on /pay")
	m = at(t, m, clock, 2*time.Minute)
	m = keys(t, m, "3", "/")
	m = typeText(t, m, "INC-1")
	m = keys(t, m, "enter")
	m = at(t, m, clock, 2*time.Minute+time.Second)
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{"checkout-api#1 alice aborted the rollout", "db failover started ⏎ replica lag 40s ⏎ watching 5xx", "/INC-1"} {
		if !strings.Contains(flat, want) {
			t.Errorf("filtered log lacks %q:\n%s", want, v)
		}
	}
	for _, not := range []string{"promoted search", "started checkout-api"} {
		if strings.Contains(flat, not) {
			t.Errorf("filtered log has %q:\n%s", not, v)
		}
	}
	golden.RequireEqual(t, []byte(v))
}

// Issue 16: a root cause and a note of several lines read in full in the
// incident's detail view, each line wrapped at the pane's width.
func TestGoldenIncidentDetailMultiLineRootCause(t *testing.T) {
	st := finished(t)
	ctx := context.Background()
	inc, _ := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV1, DeploymentID: 6}, "bob", t0.Add(-2*time.Hour))
	if err := st.AddIncidentNote(ctx, inc.ID, "db failover started\nreplica lag 40s, which is far longer than the thirty seconds the runbook allows before paging the database on-call", "bob", t0.Add(-2*time.Hour+time.Minute), false); err != nil {
		t.Fatal(err)
	}
	rc := "A config flag flipped in v2.14.0 sent every checkout to the cold cache, and the cache's connection pool was sized for the warm path only.\n\nContributing:\n- no canary metric on cache misses\n- the alert fired 9 minutes late"
	if err := st.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, rc, "bob", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, 80, 60)
	m = keys(t, m, "H", "tab", "enter")
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{"Root cause", "Contributing:", "- no canary metric on cache misses", "- the alert fired 9 minutes late", "replica lag 40s"} {
		if !strings.Contains(flat, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	assertFits(t, v, 80, 60)
	golden.RequireEqual(t, []byte(v))
}
