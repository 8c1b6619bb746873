package data

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Issue 16: the log pane's incident filter (a search for "INC-1") reads the
// linked deployment's events on the incident's timeline too — the rule
// IncidentTimeline follows — and no others, on every page size: pages are
// disjoint, and paging back from each page's lowest id reads them all.
func TestEventsPageIncidentSearchIncludesDeploymentWindow(t *testing.T) {
	ctx := context.Background()
	s := newStore(t).WithClock(func() time.Time { return t0.Add(time.Hour) })
	canary := executing(t, s, testTemplate()) // #1, canary stage 1 live at t0
	other, err := s.StartDeployment(ctx, model.NewDeployment{Service: "search", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	noErr(t, err)
	_, err = s.StartExecution(ctx, other.ID, "alice", t0, true)
	noErr(t, err)
	items, _, err := s.Checklist(ctx, canary.ID)
	noErr(t, err)
	item := func(phase, text string) model.Item {
		for _, it := range items {
			if it.Phase == phase && it.Text == text {
				return it
			}
		}
		t.Fatalf("no item %s / %s", phase, text)
		return model.Item{}
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ms := time.Millisecond
	_, err = s.SetItemState(ctx, item(model.PhasePreDeployment, "Code reviewed and approved").ID, model.ItemTodo, model.ItemDone, "", "alice", at(time.Second+250*ms)) // before the window: out
	noErr(t, err)
	_, err = s.Promote(ctx, canary.ID, model.RolloutSeen{}, "soak cut short", "alice", at(10*time.Minute+125*ms)) // the window opens: in
	noErr(t, err)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2, DeploymentID: canary.ID}, "bob", at(11*time.Minute+250*ms))
	noErr(t, err)
	_, err = s.Promote(ctx, other.ID, model.RolloutSeen{}, "other team", "carol", at(12*time.Minute)) // another deployment: out
	noErr(t, err)
	noErr(t, s.AddIncidentNote(ctx, inc.ID, "db failover", "bob", at(12*time.Minute+500*ms), false))
	_, err = s.Abort(ctx, canary.ID, model.RolloutSeen{}, "5xx on /pay", "alice", at(13*time.Minute+750*ms)) // in
	noErr(t, err)
	_, err = s.SetItemState(ctx, item(model.PhaseRollback, "Announce rollback decision").ID, model.ItemTodo, model.ItemDone, "", "alice", at(14*time.Minute)) // in
	noErr(t, err)
	noErr(t, s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad config", "bob", at(20*time.Minute)))
	_, err = s.SetItemState(ctx, item(model.PhaseRollback, "Announce rollback decision").ID, model.ItemDone, model.ItemTodo, "", "alice", at(21*time.Minute)) // after the resolve: out
	noErr(t, err)

	timeline := must[[]model.Event](t)(s.IncidentTimeline(ctx, inc.ID))
	want := map[int64]bool{}
	for _, e := range timeline {
		want[e.ID] = true
	}
	fromDep := 0
	for _, e := range timeline {
		if e.FromDeployment(inc.ID) {
			fromDep++
		}
	}
	if fromDep != 3 {
		t.Fatalf("the timeline has %d deployment events, want 3 (promote, abort, rollback tick)", fromDep)
	}
	for _, limit := range []int{1, 2, 3, 5, 200} {
		seen := map[int64]bool{}
		var lines []string
		before := int64(0)
		for pages := 0; ; pages++ {
			if pages > 100 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			page := must[[]model.Event](t)(s.EventsPage(ctx, EventPageFilter{Search: "INC-1", Limit: limit, BeforeID: before}))
			if len(page) == 0 {
				break
			}
			for i, e := range page {
				if seen[e.ID] {
					t.Fatalf("limit %d: event #%d on two pages", limit, e.ID)
				}
				seen[e.ID] = true
				if i > 0 && e.At.Before(page[i-1].At) {
					t.Errorf("limit %d: page not in time order at #%d", limit, e.ID)
				}
				if !want[e.ID] && !strings.Contains(e.Text, "INC-1") {
					t.Errorf("limit %d: page has %s", limit, tlLine(e, inc.ID))
				}
				if e.DeploymentID == other.ID && e.IncidentID == 0 {
					t.Errorf("limit %d: another deployment's event: %s", limit, tlLine(e, inc.ID))
				}
				if e.FromDeployment(inc.ID) {
					lines = append(lines, tlLine(e, inc.ID))
				}
			}
			before = model.MinEventID(page)
		}
		for id := range want {
			if !seen[id] {
				t.Errorf("limit %d: timeline event #%d missing from the pages", limit, id)
			}
		}
		slices.Sort(lines)
		got := strings.Join(lines, "\n")
		if w := "10m0.125s rollout.promote #1 -\n13m0.75s rollout.abort #1 -\n14m0s check.done #1 -"; got != w {
			t.Errorf("limit %d: deployment events:\n%s\nwant:\n%s", limit, got, w)
		}
	}
	// A severity filter hides deployment events (they have none); a search
	// for text, or for an incident with no deployment, adds none.
	for _, f := range []EventPageFilter{{Search: "INC-1", MinSeverity: model.SEV2}, {Search: "5xx"}, {Search: "INC-99"}} {
		for _, e := range must[[]model.Event](t)(s.EventsPage(ctx, f)) {
			if e.IncidentID == 0 && !strings.Contains(strings.ToLower(e.Text+" "+e.Actor), strings.ToLower(f.Search)) {
				t.Errorf("%+v: page has %s", f, tlLine(e, inc.ID))
			}
		}
	}
}
