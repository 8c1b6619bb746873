package data

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// dashboardOf is everything a Dashboard holds for the screen (not which
// parts were read again, nor its mark).
func dashboardOf(d *Dashboard) Dashboard {
	c := *d
	c.Reread, c.q, c.mark = 0, DashboardQuery{}, changeMark{}
	return c
}

// referenceDashboard reads q the way the dashboard did before
// DashboardReader, one store method after another: the reference every
// reload is compared with.
func referenceDashboard(t *testing.T, s *Store, q DashboardQuery) Dashboard {
	t.Helper()
	ctx := context.Background()
	var d Dashboard
	var err error
	if d.Deployments, err = s.ActiveDeployments(ctx); err != nil {
		t.Fatal(err)
	}
	for _, dep := range d.Deployments {
		if dep.ID == q.FocusID {
			d.FocusID = dep.ID
		}
	}
	if d.FocusID == 0 && len(d.Deployments) > 0 {
		d.FocusID = d.Deployments[0].ID
	}
	if d.FocusID != 0 {
		if d.Items, d.Guidance, err = s.Checklist(ctx, d.FocusID); err != nil {
			t.Fatal(err)
		}
		if d.Rollout, d.HasRollout, err = s.Rollout(ctx, d.FocusID); err != nil {
			t.Fatal(err)
		}
		if d.Health, d.Declared, err = s.RolloutHealth(ctx, d.FocusID); err != nil {
			t.Fatal(err)
		}
	}
	if d.Incidents, err = s.OpenIncidents(ctx); err != nil {
		t.Fatal(err)
	}
	if d.Resolved, err = s.IncidentsFiltered(ctx, IncidentFilter{Status: model.IncidentResolved, Limit: q.Resolved}); err != nil {
		t.Fatal(err)
	}
	if d.Outbox, err = s.OutboxStates(ctx); err != nil {
		t.Fatal(err)
	}
	f := q.Log
	f.BeforeID, f.AfterID = 0, 0
	if d.Events, err = s.EventsPage(ctx, f); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDashboardReload drives the store through every kind of action, from
// this process and another, and after each compares the reload built on the
// previous snapshot with a read from scratch and with the store's methods
// one by one; it checks too that a reload reads again only the parts the
// commit named.
func TestDashboardReload(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	s := openStore(t, path)
	other := openStore(t, path) // another process on the same database
	r := s.DashboardReader()
	q := DashboardQuery{Log: EventPageFilter{Limit: 40}, Resolved: 3}
	var prev *Dashboard
	at := t0
	next := func() time.Time { at = at.Add(time.Minute); return at }

	reload := func(step string) *Dashboard {
		t.Helper()
		got, err := r.Read(ctx, q, prev)
		if err != nil {
			t.Fatalf("%s: reload: %v", step, err)
		}
		full, err := r.Read(ctx, q, nil)
		if err != nil {
			t.Fatalf("%s: read: %v", step, err)
		}
		all := PartAll
		if full.FocusID == 0 {
			all &^= PartChecklist | PartHealth // nothing in focus
		}
		if full.Reread != all {
			t.Errorf("%s: a read from scratch read %b, not everything", step, full.Reread)
		}
		if !reflect.DeepEqual(dashboardOf(got), dashboardOf(full)) {
			t.Errorf("%s: the reload (read again %b) differs from a full read:\n got %+v\nwant %+v", step, got.Reread, dashboardOf(got), dashboardOf(full))
		}
		if ref := referenceDashboard(t, s, q); !reflect.DeepEqual(dashboardOf(full), ref) {
			t.Errorf("%s: the snapshot differs from the store's methods:\n got %+v\nwant %+v", step, dashboardOf(full), ref)
		}
		prev = got
		return got
	}
	// expect checks which of the parts that can be kept were read again.
	expect := func(step string, d *Dashboard, want DashboardParts) {
		t.Helper()
		const keepable = PartDeployments | PartChecklist | PartIncidents | PartResolved
		if got := d.Reread & keepable; got != want {
			t.Errorf("%s: read again %04b, want %04b (deployments, checklist, incidents, resolved from the right)", step, got, want)
		}
	}
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

	expect("empty", reload("empty"), PartDeployments|PartIncidents|PartResolved)
	expect("nothing written", reload("nothing written"), 0)

	d1, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1"}, testTemplate(), "alice", next())
	must("start", err)
	expect("start", reload("start"), PartDeployments|PartChecklist)
	d2, err := other.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: "v9"}, testTemplate(), "bob", next())
	must("start another", err)
	expect("start another (in focus: the newest)", reload("start another"), PartDeployments|PartChecklist)
	items, _, err := s.Checklist(ctx, d2.ID)
	must("checklist", err)

	// The focused deployment is the newest (d2) until focus moves to d1.
	_, err = other.SetItemState(ctx, items[0].ID, model.ItemTodo, model.ItemDone, "", "bob", next())
	must("tick", err)
	expect("tick the focused", reload("tick the focused"), PartDeployments|PartChecklist)
	q.FocusID = d1.ID
	expect("focus moves", reload("focus moves"), PartChecklist)
	_, err = other.SetItemNote(ctx, items[1].ID, model.NoteSeen{}, "not on screen", "bob", next())
	must("note elsewhere", err)
	expect("note on another deployment", reload("note on another deployment"), PartDeployments)

	d1items, _, err := s.Checklist(ctx, d1.ID)
	must("checklist", err)
	_, err = s.StartExecution(ctx, d1.ID, "alice", next(), true)
	must("execute", err)
	reload("execute")
	base := 1.0
	_, _, err = other.RecordHealth(ctx, d1.ID, 1.2, &base, "bob", next())
	must("health", err)
	reload("health")
	must("declare", other.DeclareCriterion(ctx, d1.ID, model.Criterion("performance-degradation"), "p99 doubled", "bob", next()))
	reload("declare")
	must("clear", other.ClearCriteria(ctx, d1.ID, "fixed", "bob", next()))
	reload("clear")

	// A probe's repeated failures count without a timeline event: the
	// health line must follow them all the same.
	for i := 0; i < 3; i++ {
		key := fmt.Sprintf("probe:%d:%d", d1.ID, i)
		won, err := other.ClaimSlot(ctx, key, "probe", "P", int64(i+1), next())
		must("claim", err)
		if !won {
			t.Fatal("slot not claimed")
		}
		_, _, err = other.FinishProbeFailure(ctx, key, "P", d1.ID, OutcomeFailed, fmt.Sprintf("timeout %d", i), next())
		must("probe failure", err)
		if d := reload(fmt.Sprintf("probe failure %d", i)); d.Health.ProbeFailures != i+1 {
			t.Errorf("probe failure %d: the dashboard shows %d failures", i, d.Health.ProbeFailures)
		}
	}
	_, _, err = other.RecordProbeHealth(ctx, d1.ID, 1.0, "probe", next())
	must("probe recovers", err)
	reload("probe recovers")

	r1, _, err := s.Rollout(ctx, d1.ID)
	must("rollout", err)
	_, err = other.Pause(ctx, d1.ID, model.SeenRollout(r1), "bob", next())
	must("pause", err)
	reload("pause")
	r1, _, _ = s.Rollout(ctx, d1.ID)
	_, err = other.Resume(ctx, d1.ID, model.SeenRollout(r1), "bob", next())
	must("resume", err)
	reload("resume")
	_, err = other.MarkReady(ctx, d1.ID, 0, at.Add(time.Hour))
	must("ready", err)
	reload("ready")
	r1, _, _ = s.Rollout(ctx, d1.ID)
	_, err = other.Promote(ctx, d1.ID, model.SeenRollout(r1), "looks fine", "bob", next())
	must("promote", err)
	reload("promote")

	// Incidents: notes on an open one read the open incidents again, not
	// the resolved ones or the checklist.
	inc, err := other.OpenIncident(ctx, model.NewIncident{Title: "5xx", Severity: model.SEV1, DeploymentID: d1.ID}, "bob", next())
	must("open incident", err)
	reload("open incident")
	must("note", other.AddIncidentNote(ctx, inc.ID, "looking", "bob", next(), false))
	expect("incident note", reload("incident note"), PartIncidents)
	must("ack", other.AckStep(ctx, inc.ID, model.IncidentSeen{}, 1, "carol", "bob", next()))
	reload("ack")
	must("escalate", other.EscalateNow(ctx, inc.ID, model.IncidentSeen{}, 2, "no answer", "bob", next()))
	reload("escalate")
	must("commander", other.SetCommander(ctx, inc.ID, model.IncidentSeen{}, "commander", "dana", "bob", next()))
	reload("commander")
	must("severity", other.SetIncidentSeverity(ctx, inc.ID, model.IncidentSeen{}, model.SEV2, "bob", next()))
	reload("severity")
	must("update", other.PostUpdate(ctx, inc.ID, model.IncidentSeen{}, model.StakeholderUpdate{Conditions: "degraded", Actions: "rolling back", Needs: "none"}, "bob", next()))
	reload("update")
	must("unlink", other.UnlinkIncident(ctx, inc.ID, model.IncidentSeen{}, "bob", next()))
	reload("unlink")
	must("link", other.LinkIncident(ctx, inc.ID, d2.ID, model.IncidentSeen{}, "bob", next()))
	reload("link")
	must("hotfix", other.MarkHotfix(ctx, d1.ID, inc.ID, "bob", next()))
	reload("hotfix")
	must("root cause", other.SetRootCause(ctx, inc.ID, "bad config", "bob", next()))
	reload("root cause")
	must("mitigate", other.MitigateIncident(ctx, inc.ID, model.IncidentSeen{}, "bob", next()))
	reload("mitigate")
	must("reopen", other.ReopenIncident(ctx, inc.ID, model.IncidentSeen{}, "came back", "bob", next()))
	reload("reopen")
	must("resolve", other.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad config", "bob", next()))
	expect("resolve", reload("resolve"), PartIncidents|PartResolved)

	// A resolved incident's postmortem: on the resolved list.
	_, err = other.SetPostmortem(ctx, inc.ID, model.PostmortemEdit{Summary: ref("config push")}, "bob", next())
	must("postmortem", err)
	expect("postmortem", reload("postmortem"), PartIncidents|PartResolved)
	_, err = other.AddActionItemWith(ctx, inc.ID, model.ActionItem{Text: "add a check"}, "bob", next())
	must("action item", err)
	reload("action item")
	_, err = other.EditActionItem(ctx, inc.ID, 1, model.ActionItemEdit{Done: ref(true)}, "bob", next())
	must("action item done", err)
	reload("action item done")
	_, err = other.ScheduleMeeting(ctx, inc.ID, at.Add(24*time.Hour), "dana", "bob", at)
	must("meeting", err)
	reload("meeting")

	// A second incident opened and noted while the first stays resolved
	// elsewhere on the list.
	inc2, err := s.OpenIncident(ctx, model.NewIncident{Title: "latency", Severity: model.SEV3}, "alice", next())
	must("open second", err)
	reload("open second")
	must("note second", s.AddIncidentNote(ctx, inc2.ID, "checking", "alice", next(), false))
	expect("note second", reload("note second"), PartIncidents)
	must("security", s.SetSecurity(ctx, inc2.ID, true, "alice", next()))
	reload("security")
	must("skip", s.SkipToStep(ctx, inc2.ID, model.IncidentSeen{}, 3, "director asked", "alice", next()))
	reload("skip")
	must("resolve second", s.ResolveIncident(ctx, inc2.ID, model.IncidentSeen{}, "noise", "alice", next()))
	reload("resolve second")

	// Stars change without an event: the log shows them at once.
	page, err := s.EventsPage(ctx, EventPageFilter{Limit: 1})
	must("page", err)
	must("star", other.StarEvent(ctx, page[0].ID, true, "bob", next()))
	if d := reload("star"); !d.Events[len(d.Events)-1].Starred {
		t.Error("the star is not on the reloaded page")
	}
	must("unstar", other.StarEvent(ctx, page[0].ID, false, "bob", next()))
	reload("unstar")

	// A failing sender (the outbox writes no event of its own here).
	_, ok, err := other.LeaseOutbox(ctx, "webhook", "N", next(), time.Hour)
	must("lease", err)
	if !ok {
		t.Fatal("no lease")
	}
	st, err := other.OutboxStates(ctx)
	must("outbox", err)
	_, err = other.AdvanceOutbox(ctx, "webhook", "N", OutboxStep{From: st[0].Cursor, To: st[0].Cursor + 1, Failing: true, Error: "503", At: at}, time.Hour)
	must("advance", err)
	if d := reload("sender failing"); len(d.Outbox) != 1 || !d.Outbox[0].Failing() {
		t.Errorf("sender failing: outbox %+v", d.Outbox)
	}

	// The log's filters: each page is the store's.
	for _, f := range []EventPageFilter{
		{Limit: 40, MinSeverity: model.SEV2},
		{Limit: 40, Search: inc.Ref()},
		{Limit: 40, StarredOnly: true},
		{Limit: 5},
	} {
		q.Log = f
		reload(fmt.Sprintf("log %+v", f))
	}

	// Aborting and rolling back.
	r1, _, _ = s.Rollout(ctx, d1.ID)
	_, err = other.Abort(ctx, d1.ID, model.SeenRollout(r1), "bad", "bob", next())
	must("abort", err)
	reload("abort")
	for _, it := range d1items {
		if it.Phase == model.PhaseRollback {
			_, err = other.SetItemState(ctx, it.ID, model.ItemTodo, model.ItemDone, "", "bob", next())
			must("rollback item", err)
		}
	}
	reload("rollback items")
	_, err = other.StartExecution(ctx, d2.ID, "bob", next(), true)
	must("execute d2", err)
	r2, _, _ := s.Rollout(ctx, d2.ID)
	_, err = other.Abort(ctx, d2.ID, model.SeenRollout(r2), "not today", "bob", next())
	must("abort d2", err)
	reload("abort d2")
}

func ref[T any](v T) *T { return &v }

// BenchmarkDashboardReload is a reload after a commit that named nothing
// on screen, on a store with one deployment and one incident.
func BenchmarkDashboardReload(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1"}, testTemplate(), "alice", t0); err != nil {
		b.Fatal(err)
	}
	if _, err := s.OpenIncident(ctx, model.NewIncident{Title: "5xx", Severity: model.SEV1}, "alice", t0); err != nil {
		b.Fatal(err)
	}
	r := s.DashboardReader()
	q := DashboardQuery{Log: EventPageFilter{Limit: 200}, Resolved: 10}
	prev, err := r.Read(ctx, q, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if prev, err = r.Read(ctx, q, prev); err != nil {
			b.Fatal(err)
		}
	}
}
