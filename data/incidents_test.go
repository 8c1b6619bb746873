package data

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

const minute = time.Minute

func openInc(t *testing.T, s *Store, sev model.Severity, deploymentID int64, at time.Time) model.Incident {
	t.Helper()
	inc, err := s.OpenIncident(context.Background(), model.NewIncident{Title: "checkout returns 500s", Severity: sev, DeploymentID: deploymentID}, "alice", at)
	if err != nil {
		t.Fatalf("OpenIncident: %v", err)
	}
	return inc
}

func incEvents(t *testing.T, s *Store, id int64) []model.Event {
	t.Helper()
	evs, err := s.IncidentTimeline(context.Background(), id)
	if err != nil {
		t.Fatalf("IncidentTimeline: %v", err)
	}
	return evs
}

func stepState(t *testing.T, inc model.Incident, step int, now time.Time) model.StepStatus {
	t.Helper()
	for _, st := range model.DefaultPolicy().Ladder(inc, now) {
		if st.Step.Number == step {
			return st
		}
	}
	t.Fatalf("no step %d", step)
	return model.StepStatus{}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestIncidentLifecycle(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, _ := startTestDeployment(t, s)
	ok := must[model.Incident](t)

	inc := openInc(t, s, model.SEV3, d.ID, t0)
	if inc.ID != 1 || inc.Ref() != "INC-1" || inc.Status != model.IncidentOpen || inc.DeploymentID != d.ID || inc.OpenedBy != "alice" || !inc.OpenedAt.Equal(t0) {
		t.Fatalf("opened: %+v", inc)
	}
	// SEV3: the Engineering Lead step is not scheduled.
	if st := stepState(t, inc, 2, t0.Add(30*minute)); st.State != model.StepNotNeeded {
		t.Errorf("SEV3 Eng Lead: %+v", st)
	}

	// Raised to SEV2 after 40 minutes: 15 minutes from then, computed on a
	// freshly read incident.
	noErr(t, s.SetIncidentSeverity(ctx, inc.ID, model.IncidentSeen{}, model.SEV2, "bob", t0.Add(40*minute)))
	inc = ok(s.Incident(ctx, inc.ID))
	if len(inc.SeverityHistory) != 1 || inc.SeverityHistory[0] != (model.SeverityChange{At: t0.Add(40 * minute), From: model.SEV3, To: model.SEV2, By: "bob"}) {
		t.Fatalf("history: %+v", inc.SeverityHistory)
	}
	st := stepState(t, inc, 2, t0.Add(50*minute))
	if st.State != model.StepPending || !st.Due.Equal(t0.Add(55*minute)) || st.Remaining != 5*minute {
		t.Errorf("Eng Lead after upgrade: %+v", st)
	}
	if st := stepState(t, inc, 2, t0.Add(57*minute)); st.State != model.StepOverdue || st.Overdue != 2*minute {
		t.Errorf("Eng Lead at +57m: %+v", st)
	}
	if frozen, reason, err := s.Freeze(ctx); err != nil || !frozen || reason != "INC-1 SEV2 open" {
		t.Errorf("Freeze = %v %q %v", frozen, reason, err)
	}

	noErr(t, s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 2, "Dana", "bob", t0.Add(56*minute)))
	noErr(t, s.SetCommander(ctx, inc.ID, model.IncidentSeen{}, "", "carol", "bob", t0.Add(57*minute)))
	noErr(t, s.SetCommander(ctx, inc.ID, model.IncidentSeen{}, RoleCommander, "erin", "carol", t0.Add(58*minute)))
	noErr(t, s.SetCommander(ctx, inc.ID, model.IncidentSeen{}, RoleScribe, "frank", "erin", t0.Add(58*minute)))
	noErr(t, s.PostUpdate(ctx, inc.ID, model.IncidentSeen{}, model.StakeholderUpdate{Conditions: "checkout 5% errors", Actions: "rolling back"}, "erin", t0.Add(60*minute)))
	inc = ok(s.Incident(ctx, inc.ID))
	if due, ok := model.DefaultUpdatePolicy().NextUpdateDue(inc); !ok || !due.Equal(t0.Add(120*minute)) {
		t.Errorf("next update due %v %v", due, ok)
	}
	noErr(t, s.MitigateIncident(ctx, inc.ID, model.IncidentSeen{}, "erin", t0.Add(70*minute)))
	noErr(t, s.ReopenIncident(ctx, inc.ID, model.IncidentSeen{}, "errors are back", "erin", t0.Add(75*minute)))
	noErr(t, s.MitigateIncident(ctx, inc.ID, model.IncidentSeen{}, "erin", t0.Add(80*minute)))
	noErr(t, s.AddActionItem(ctx, inc.ID, "alert on checkout 5xx rate", "erin", t0.Add(81*minute)))
	noErr(t, s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad config in v1.2", "erin", t0.Add(90*minute)))
	inc = ok(s.Incident(ctx, inc.ID))

	if inc.Status != model.IncidentResolved || !inc.ResolvedAt.Equal(t0.Add(90*minute)) || !inc.MitigatedAt.Equal(t0.Add(80*minute)) ||
		inc.Commander != "erin" || inc.Scribe != "frank" || inc.RootCause != "bad config in v1.2" ||
		len(inc.ActionItems) != 1 || !inc.LastUpdateAt.Equal(t0.Add(60*minute)) {
		t.Errorf("resolved: %+v", inc)
	}
	if len(inc.Acks) != 1 || inc.Acks[0] != (model.Ack{Step: 2, At: t0.Add(56 * minute), By: "bob", Reached: "Dana"}) {
		t.Errorf("acks: %+v", inc.Acks)
	}
	if frozen, _, _ := s.Freeze(ctx); frozen {
		t.Error("still frozen after resolve")
	}

	// Repeating what is already so writes nothing; resolved is final.
	n := len(incEvents(t, s, inc.ID))
	noErr(t, s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "", "erin", t0.Add(91*minute)))
	noErr(t, s.SetCommander(ctx, inc.ID, model.IncidentSeen{}, RoleCommander, "erin", "erin", t0.Add(91*minute)))
	if err := s.MitigateIncident(ctx, inc.ID, model.IncidentSeen{}, "erin", t0.Add(92*minute)); err == nil || !strings.Contains(err.Error(), "final") || errors.Is(err, ErrInvalid) {
		t.Errorf("mitigate after resolve: %v", err)
	}
	evs := incEvents(t, s, inc.ID)
	if len(evs) != n {
		t.Errorf("no-op changes wrote events: %d → %d", n, len(evs))
	}
	want := []struct {
		kind model.EventKind
		sev  model.Severity
		text string
	}{
		{model.EventIncidentOpened, model.SEV3, `opened SEV3 "checkout returns 500s", linked to #1 api v1.2 → production; On-call DevOps Engineer due now`},
		{model.EventIncidentSeverity, model.SEV2, "raised severity SEV3 → SEV2; Engineering Lead due 14:57 UTC"},
		{model.EventFreezeOn, model.SEV2, "change freeze ON: INC-1 SEV2 open — new deployments need an override reason"},
		{model.EventIncidentAck, model.SEV2, "acknowledged step 2 (Engineering Lead): reached Dana"},
		{model.EventIncidentCommander, model.SEV2, "commander: carol"},
		{model.EventIncidentCommander, model.SEV2, "commander handed over: carol → erin"},
		{model.EventIncidentCommander, model.SEV2, "scribe: frank"},
		{model.EventIncidentUpdate, model.SEV2, "update: Conditions: checkout 5% errors | Actions: rolling back | Needs: none"},
		{model.EventIncidentMitigated, model.SEV2, "mitigated"},
		{model.EventIncidentReopened, model.SEV2, "reopened: errors are back"},
		{model.EventIncidentMitigated, model.SEV2, "mitigated"},
		{model.EventIncidentActionItem, model.SEV2, "action item 1: alert on checkout 5xx rate"},
		{model.EventIncidentResolved, model.SEV2, "resolved; root cause: bad config in v1.2"},
		{model.EventFreezeOff, model.SEV2, "change freeze OFF: INC-1 resolved"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		e := evs[i]
		if e.Kind != w.kind || e.Severity != w.sev || e.Text != w.text || e.IncidentID != inc.ID {
			t.Errorf("event %d: %s %s %q (inc %d), want %s %s %q", i, e.Kind, e.Severity, e.Text, e.IncidentID, w.kind, w.sev, w.text)
		}
	}
	// The opening shows on the deployment's own timeline too; the freeze
	// does not (it is about every deployment), nor a hold (this deployment
	// is still planned, no rollout to hold).
	if dev := events(t, s, d.ID); dev[len(dev)-1].Kind != model.EventIncidentOpened || dev[len(dev)-1].DeploymentID != d.ID {
		t.Errorf("deployment timeline: %+v", dev[len(dev)-1])
	}
}

func TestOpenIncidentValidation(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, n := range []model.NewIncident{
		{Title: " ", Severity: model.SEV2},
		{Title: "x", Severity: 0},
		{Title: "x", Severity: 5},
		{Title: "x", Severity: model.SEV2, DeploymentID: 9},
		{Title: "two\nlines", Severity: model.SEV2},
	} {
		if _, err := s.OpenIncident(ctx, n, "alice", t0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", n, err)
		}
	}
	if _, err := s.Incident(ctx, 1); !errors.Is(err, ErrNotFound) || err.Error() != "INC-1 not found" {
		t.Errorf("missing incident: %v", err)
	}
	if err := s.SetIncidentSeverity(ctx, 7, model.IncidentSeen{}, model.SEV1, "a", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("change missing incident: %v", err)
	}
	if err := s.AddIncidentNote(ctx, 7, "x", "a", t0, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("note on missing incident: %v", err)
	}
}

func TestIncidentListsLoadHistories(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := openInc(t, s, model.SEV1, 0, t0)
	b := openInc(t, s, model.SEV3, 0, t0.Add(minute))
	c := openInc(t, s, model.SEV4, 0, t0.Add(2*minute))
	noErr(t, s.SetIncidentSeverity(ctx, b.ID, model.IncidentSeen{}, model.SEV2, "a", t0.Add(3*minute)))
	noErr(t, s.AckStep(ctx, a.ID, model.IncidentSeen{}, 1, "", "a", t0.Add(4*minute)))
	noErr(t, s.EscalateNow(ctx, b.ID, model.IncidentSeen{}, 3, "director asked", "a", t0.Add(5*minute)))
	noErr(t, s.AddActionItem(ctx, a.ID, "one", "a", t0.Add(6*minute)))
	noErr(t, s.AddActionItem(ctx, a.ID, "two", "a", t0.Add(7*minute)))
	noErr(t, s.ResolveIncident(ctx, c.ID, model.IncidentSeen{}, "", "a", t0.Add(8*minute)))

	open := must[[]model.Incident](t)(s.OpenIncidents(ctx))
	if len(open) != 2 || open[0].ID != b.ID || open[1].ID != a.ID {
		t.Fatalf("open: %+v", open)
	}
	if h := open[0].SeverityHistory; len(h) != 1 || h[0].To != model.SEV2 || len(open[0].Escalations) != 1 || len(open[0].Acks) != 0 {
		t.Errorf("b: %+v", open[0])
	}
	if x := open[1]; len(x.Acks) != 1 || x.Acks[0].Step != 1 || len(x.ActionItems) != 2 || x.ActionItems[0].Text+","+x.ActionItems[1].Text != "one,two" || len(x.SeverityHistory) != 0 {
		t.Errorf("a: %+v", x)
	}
	all := must[[]model.Incident](t)(s.Incidents(ctx, 0))
	if len(all) != 3 || all[0].ID != c.ID || all[0].Status != model.IncidentResolved {
		t.Errorf("all: %+v", all)
	}
	if two := must[[]model.Incident](t)(s.Incidents(ctx, 2)); len(two) != 2 || two[1].ID != b.ID || len(two[1].Escalations) != 1 {
		t.Errorf("limit 2: %+v", two)
	}
}

func TestEscalateSkipAck(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	ok := must[model.Incident](t)
	inc := openInc(t, s, model.SEV1, 0, t0)

	// Step 0 = the next step of the main path: step 1 is due at open, so 2.
	noErr(t, s.EscalateNow(ctx, inc.ID, model.IncidentSeen{}, 0, "customers on Twitter", "bob", t0.Add(2*minute)))
	inc = ok(s.Incident(ctx, inc.ID))
	if st := stepState(t, inc, 2, t0.Add(2*minute)); st.State != model.StepDue || !st.Due.Equal(t0.Add(2*minute)) {
		t.Errorf("escalated step 2: %+v", st)
	}
	if err := s.EscalateNow(ctx, inc.ID, model.IncidentSeen{}, 2, "again", "bob", t0.Add(3*minute)); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("escalating a due step: %v", err)
	}
	for _, reason := range []string{"", "  "} {
		if err := s.EscalateNow(ctx, inc.ID, model.IncidentSeen{}, 3, reason, "bob", t0.Add(3*minute)); !errors.Is(err, ErrInvalid) {
			t.Errorf("no reason: %v", err)
		}
	}
	if err := s.SkipToStep(ctx, inc.ID, model.IncidentSeen{}, 9, "x", "bob", t0.Add(3*minute)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "steps 1, 2, 3, 4") {
		t.Errorf("skip to a missing step: %v", err)
	}
	noErr(t, s.SkipToStep(ctx, inc.ID, model.IncidentSeen{}, 3, "Eng Lead on a plane", "bob", t0.Add(4*minute)))
	inc = ok(s.Incident(ctx, inc.ID))
	// Step 2 was paged with escalate-now: it stays owed an ack, not skipped (D32).
	for step, want := range map[int]model.StepState{1: model.StepSkipped, 2: model.StepOverdue, 3: model.StepDue, 4: model.StepNotNeeded} {
		if st := stepState(t, inc, step, t0.Add(4*minute)); st.State != want {
			t.Errorf("after skip, step %d: %s, want %s", step, st.State, want)
		}
	}
	// Step 0 acknowledges the step someone must act on first: the most
	// overdue of the paged ones, step 2.
	noErr(t, s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 0, "Sam", "bob", t0.Add(6*minute)))
	inc = ok(s.Incident(ctx, inc.ID))
	if st := stepState(t, inc, 2, t0.Add(6*minute)); st.State != model.StepAcknowledged || st.Reached != "Sam" {
		t.Errorf("ack step 0: %+v", st)
	}
	noErr(t, s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 3, "Dir. Grace", "bob", t0.Add(6*minute)))
	if err := s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 3, "", "bob", t0.Add(7*minute)); err == nil || !strings.Contains(err.Error(), "already acknowledged") {
		t.Errorf("double ack: %v", err)
	}
	if err := s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 0, "", "bob", t0.Add(7*minute)); err == nil || !strings.Contains(err.Error(), "no other step is due now") {
		t.Errorf("ack with nothing waiting: %v", err)
	}
	if err := s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 7, "", "bob", t0.Add(7*minute)); !errors.Is(err, ErrInvalid) {
		t.Errorf("ack a missing step: %v", err)
	}
	noErr(t, s.SetSecurity(ctx, inc.ID, true, "bob", t0.Add(8*minute)))
	inc = ok(s.Incident(ctx, inc.ID))
	if st := stepState(t, inc, 4, t0.Add(8*minute)); st.State != model.StepDue || !inc.SecurityAt.Equal(t0.Add(8*minute)) {
		t.Errorf("security step: %+v", st)
	}

	evs := incEvents(t, s, inc.ID)
	got := []string{}
	for _, e := range evs[1:] {
		got = append(got, string(e.Kind)+" "+e.Text)
	}
	want := []string{
		"freeze.on change freeze ON: INC-1 SEV1 open — new deployments need an override reason",
		"incident.escalate escalated now to step 2 (Engineering Lead): customers on Twitter",
		"incident.skip skipped to step 3 (Product/Engineering Director), passing over step 1 (On-call DevOps Engineer): Eng Lead on a plane",
		"incident.ack acknowledged step 2 (Engineering Lead): reached Sam",
		"incident.ack acknowledged step 3 (Product/Engineering Director): reached Dir. Grace",
		"incident.security flagged security-related; Security Lead due now",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFreezeBlocksDeployments(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	nd := model.NewDeployment{Service: "web", Version: "v9"}
	openInc(t, s, model.SEV3, 0, t0) // SEV3 does not freeze
	if _, err := s.StartDeployment(ctx, nd, testTemplate(), "alice", t0); err != nil {
		t.Fatalf("SEV3 froze deploys: %v", err)
	}
	inc := openInc(t, s, model.SEV1, 0, t0.Add(minute))
	openInc(t, s, model.SEV2, 0, t0.Add(minute))

	_, err := s.StartDeployment(ctx, nd, testTemplate(), "alice", t0.Add(2*minute))
	var fe *FreezeError
	if !errors.As(err, &fe) || fe.Reason != "INC-2 SEV1 open, INC-3 SEV2 open" ||
		err.Error() != "deploys are frozen: INC-2 SEV1 open, INC-3 SEV2 open — pass an override reason" {
		t.Fatalf("frozen start: %v", err)
	}
	if ds := must[[]model.Deployment](t)(s.Deployments(ctx, 0)); len(ds) != 1 {
		t.Errorf("refused start wrote a deployment: %d", len(ds))
	}
	if _, err := s.StartDeploymentOverride(ctx, nd, testTemplate(), "  ", "alice", t0.Add(2*minute)); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty override: %v", err)
	}
	d, err := s.StartDeploymentOverride(ctx, nd, testTemplate(), "hotfix for INC-2", "alice", t0.Add(3*minute))
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, s, d.ID)
	if len(evs) != 2 || evs[0].Kind != model.EventFreezeOverride || evs[1].Kind != model.EventDeployStarted ||
		evs[0].IncidentID != inc.ID || evs[0].Severity != model.SEV1 ||
		evs[0].Text != "started web v9 → production despite the change freeze (INC-2 SEV1 open, INC-3 SEV2 open): hotfix for INC-2" {
		t.Errorf("override events: %+v", evs)
	}
	// Outside a freeze an override reason records nothing extra.
	for _, id := range []int64{2, 3} {
		noErr(t, s.MitigateIncident(ctx, id, model.IncidentSeen{}, "a", t0.Add(4*minute)))
	}
	if frozen, reason, _ := s.Freeze(ctx); !frozen || reason != "INC-2 SEV1 mitigated, INC-3 SEV2 mitigated" {
		t.Errorf("mitigated still freezes: %v %q", frozen, reason)
	}
	for _, id := range []int64{2, 3} {
		noErr(t, s.ResolveIncident(ctx, id, model.IncidentSeen{}, "", "a", t0.Add(5*minute)))
	}
	d, err = s.StartDeploymentOverride(ctx, nd, testTemplate(), "just in case", "alice", t0.Add(6*minute))
	if err != nil || len(events(t, s, d.ID)) != 1 {
		t.Errorf("override outside a freeze: %v %+v", err, events(t, s, d.ID))
	}
}

func TestBackdatedNote(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := openInc(t, s, model.SEV2, 0, t0)
	s.now = func() time.Time { return t0.Add(10 * minute) }
	if err := s.AddIncidentNote(ctx, inc.ID, "rolled back api", "bob", t0.Add(10*minute), false); err != nil {
		t.Fatal(err)
	}
	// Entered second, happened first.
	if err := s.AddIncidentNote(ctx, inc.ID, "alert fired", "bob", t0.Add(-5*minute), true); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIncidentNote(ctx, inc.ID, " ", "bob", t0, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty note: %v", err)
	}

	// The log's page is in the order things happened (D30): the backdated
	// note, written last, is drawn first; paging back starts from the
	// lowest id, not from it.
	page := must[[]model.Event](t)(s.EventsPage(ctx, EventPageFilter{}))
	first := page[0]
	if first.Text != "alert fired (backdated: entered 14:12:00 UTC)" || !first.At.Equal(t0.Add(-5*minute)) || first.ID != 4 {
		t.Errorf("log head: %+v", first)
	}
	if id := model.MinEventID(page); id != 1 {
		t.Errorf("page back from #%d, want #1", id)
	}
	// The incident timeline too.
	evs := incEvents(t, s, inc.ID)
	if len(evs) != 4 || evs[0].ID != first.ID || evs[1].Kind != model.EventIncidentOpened || evs[2].Kind != model.EventFreezeOn || evs[3].Text != "rolled back api" {
		t.Errorf("timeline: %+v", evs)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeToSchema3KeepsTimeline migrates a schema-2 file with history:
// old events gain empty incident columns, stay append-only, and incidents
// can be opened at once.
func TestUpgradeToSchema3KeepsTimeline(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	for _, m := range ms[:2] {
		if _, err := raw.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	if _, err := raw.Exec(fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = 2;
		INSERT INTO deployments (service, version, environment, strategy, status, template, started_by, created_at, updated_at)
			VALUES ('api', 'v1', 'production', 'canary', 'planned', 'builtin', 'alice', %[2]d, %[2]d);
		INSERT INTO events (at, actor, kind, deployment_id, text) VALUES (%[2]d, 'alice', 'deploy.started', 1, 'started api v1');`,
		applicationID, toMS(t0))); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()

	s := openStore(t, path)
	evs := events(t, s, 1)
	if len(evs) != 1 || evs[0].Text != "started api v1" || evs[0].IncidentID != 0 || evs[0].Severity != 0 || evs[0].Starred {
		t.Fatalf("old events: %+v", evs)
	}
	openInc(t, s, model.SEV1, 1, t0.Add(minute))
	if _, err := s.db.Exec(`UPDATE events SET severity = 1 WHERE id = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("old event changed: %v", err)
	}
	if page := must[[]model.Event](t)(s.EventsPage(context.Background(), EventPageFilter{MinSeverity: model.SEV1})); len(page) != 2 ||
		page[0].IncidentID != 1 || page[0].Kind != model.EventIncidentOpened || page[1].Kind != model.EventFreezeOn {
		t.Errorf("SEV1 page: %+v", page)
	}
}
