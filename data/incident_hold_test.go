package data

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// holdEv is one expected event: kind, the deployment and incident it is
// filed under, the incident's severity then, and the text ("" = any text:
// the change's own event, whose wording other tests check).
type holdEv struct {
	kind       model.EventKind
	deploy     int64
	inc        int64
	sev        model.Severity
	text       string
	anyDeploy  bool // the change's own event: its deployment is not the point here
	ignoreText bool
}

// own is the change's own event (incident.opened, incident.severity, …):
// only its kind, incident and severity are checked.
func own(kind model.EventKind, inc int64, sev model.Severity) holdEv {
	return holdEv{kind: kind, inc: inc, sev: sev, anyDeploy: true, ignoreText: true}
}

// newEvents is the events written after id, in the order written.
func newEvents(t *testing.T, s *Store, after int64) []model.Event {
	t.Helper()
	evs := must[[]model.Event](t)(s.EventsPage(context.Background(), EventPageFilter{AfterID: after, Limit: MaxEventPage}))
	slices.SortFunc(evs, func(a, b model.Event) int { return int(a.ID - b.ID) })
	return evs
}

func lastEventID(t *testing.T, s *Store) int64 {
	t.Helper()
	var id int64
	if err := s.db.QueryRow(`SELECT coalesce(max(id), 0) FROM events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

type holdStep struct {
	name string
	do   func(at time.Time) error
	want []holdEv
}

// runHoldSteps runs the steps in order, one second and a quarter apart,
// and checks exactly the events each one wrote: all at the step's time, by
// the same actor as the change's own event.
func runHoldSteps(t *testing.T, s *Store, start time.Time, steps []holdStep) {
	t.Helper()
	at := start
	for _, st := range steps {
		at = at.Add(time.Second + 250*time.Millisecond)
		before := lastEventID(t, s)
		if err := st.do(at); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := newEvents(t, s, before)
		if len(got) != len(st.want) {
			var lines []string
			for _, e := range got {
				lines = append(lines, fmt.Sprintf("%s #%d INC-%d %s %q", e.Kind, e.DeploymentID, e.IncidentID, e.Severity, e.Text))
			}
			t.Errorf("%s: %d events, want %d:\n%s", st.name, len(got), len(st.want), strings.Join(lines, "\n"))
			continue
		}
		for i, w := range st.want {
			e := got[i]
			if e.Kind != w.kind || e.IncidentID != w.inc || e.Severity != w.sev || (!w.anyDeploy && e.DeploymentID != w.deploy) ||
				(!w.ignoreText && e.Text != w.text) || !e.At.Equal(at) || e.Actor != got[0].Actor {
				t.Errorf("%s: event %d:\n got %s #%d INC-%d %s at %s %q\nwant %s #%d INC-%d %s at %s %q", st.name, i,
					e.Kind, e.DeploymentID, e.IncidentID, e.Severity, e.At.Format(time.StampMilli), e.Text,
					w.kind, w.deploy, w.inc, w.sev, at.Format(time.StampMilli), w.text)
			}
		}
	}
}

const freezeTail = " — new deployments need an override reason"

func TestFreezeOnOffRecorded(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	seen := model.IncidentSeen{}
	open := func(sev model.Severity) func(time.Time) error {
		return func(at time.Time) error {
			_, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: sev}, "alice", at)
			return err
		}
	}
	sev := func(id int64, to model.Severity) func(time.Time) error {
		return func(at time.Time) error { return s.SetIncidentSeverity(ctx, id, seen, to, "bob", at) }
	}
	resolve := func(id int64) func(time.Time) error {
		return func(at time.Time) error { return s.ResolveIncident(ctx, id, seen, "", "bob", at) }
	}
	mitigate := func(id int64) func(time.Time) error {
		return func(at time.Time) error { return s.MitigateIncident(ctx, id, seen, "bob", at) }
	}
	reopen := func(id int64) func(time.Time) error {
		return func(at time.Time) error { return s.ReopenIncident(ctx, id, seen, "errors are back", "bob", at) }
	}
	runHoldSteps(t, s, t0.Add(123*time.Millisecond), []holdStep{
		{"open SEV1", open(model.SEV1), []holdEv{
			own(model.EventIncidentOpened, 1, model.SEV1),
			{kind: model.EventFreezeOn, inc: 1, sev: model.SEV1, text: "change freeze ON: INC-1 SEV1 open" + freezeTail},
		}},
		{"second SEV1 while frozen", open(model.SEV1), []holdEv{own(model.EventIncidentOpened, 2, model.SEV1)}},
		{"a SEV3 changes nothing", open(model.SEV3), []holdEv{own(model.EventIncidentOpened, 3, model.SEV3)}},
		{"resolve one of two", resolve(1), []holdEv{own(model.EventIncidentResolved, 1, model.SEV1)}},
		{"mitigated still freezes", mitigate(2), []holdEv{own(model.EventIncidentMitigated, 2, model.SEV1)}},
		{"reopen a mitigated SEV1: still frozen", reopen(2), []holdEv{own(model.EventIncidentReopened, 2, model.SEV1)}},
		{"a note changes nothing", func(at time.Time) error { return s.AddIncidentNote(ctx, 2, "db failover", "bob", at, false) },
			[]holdEv{own(model.EventIncidentNote, 2, model.SEV1)}},
		{"SEV1 → SEV2 keeps the freeze", sev(2, model.SEV2), []holdEv{own(model.EventIncidentSeverity, 2, model.SEV2)}},
		{"resolve the last", resolve(2), []holdEv{
			own(model.EventIncidentResolved, 2, model.SEV2),
			{kind: model.EventFreezeOff, inc: 2, sev: model.SEV2, text: "change freeze OFF: INC-2 resolved"},
		}},
		{"SEV3 → SEV1 starts it", sev(3, model.SEV1), []holdEv{
			own(model.EventIncidentSeverity, 3, model.SEV1),
			{kind: model.EventFreezeOn, inc: 3, sev: model.SEV1, text: "change freeze ON: INC-3 SEV1 open" + freezeTail},
		}},
		{"mitigate the only one: still frozen", mitigate(3), []holdEv{own(model.EventIncidentMitigated, 3, model.SEV1)}},
		{"downgrade SEV1 → SEV3 ends it", sev(3, model.SEV3), []holdEv{
			own(model.EventIncidentSeverity, 3, model.SEV3),
			{kind: model.EventFreezeOff, inc: 3, sev: model.SEV3, text: "change freeze OFF: INC-3 downgraded to SEV3"},
		}},
		{"reopen a mitigated SEV3: no freeze", reopen(3), []holdEv{own(model.EventIncidentReopened, 3, model.SEV3)}},
		{"SEV3 → SEV2 on a reopened incident", sev(3, model.SEV2), []holdEv{
			own(model.EventIncidentSeverity, 3, model.SEV2),
			{kind: model.EventFreezeOn, inc: 3, sev: model.SEV2, text: "change freeze ON: INC-3 SEV2 open" + freezeTail},
		}},
		{"a repeated change writes nothing", sev(3, model.SEV2), nil},
	})
	if frozen, reason, _ := s.Freeze(ctx); !frozen || reason != "INC-3 SEV2 open" {
		t.Errorf("Freeze = %v %q, want frozen by INC-3 SEV2 open", frozen, reason)
	}
}

func TestRolloutHeldReleasedRecorded(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	seen := model.IncidentSeen{}
	canary := executing(t, s, testTemplate()) // #1 checkout-api, canary at its first stage
	search, err := s.StartDeployment(ctx, model.NewDeployment{Service: "search", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	noErr(t, err)
	_, err = s.StartExecution(ctx, search.ID, "alice", t0, true) // #2
	noErr(t, err)
	done := finishedDeployment(t, s, "billing", "production", t0, t0.Add(time.Minute), time.Time{}, false) // #3 completed
	if canary.ID != 1 || search.ID != 2 || done.ID != 3 || done.Status != model.StatusCompleted {
		t.Fatalf("setup: #%d #%d #%d %s", canary.ID, search.ID, done.ID, done.Status)
	}
	const (
		title1 = "#1 checkout-api v2.14.0 → production"
		title2 = "#2 search v6.18.0 → production"
		tail   = " — promote and finish need an override reason"
	)
	open := func(sev model.Severity, deploy int64) func(time.Time) error {
		return func(at time.Time) error {
			_, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: sev, DeploymentID: deploy}, "alice", at)
			return err
		}
	}
	link := func(id, deploy int64) func(time.Time) error {
		return func(at time.Time) error { return s.LinkIncident(ctx, id, deploy, seen, "bob", at) }
	}
	unlink := func(id int64) func(time.Time) error {
		return func(at time.Time) error { return s.UnlinkIncident(ctx, id, seen, "bob", at) }
	}
	sev := func(id int64, to model.Severity) func(time.Time) error {
		return func(at time.Time) error { return s.SetIncidentSeverity(ctx, id, seen, to, "bob", at) }
	}
	resolve := func(id int64) func(time.Time) error {
		return func(at time.Time) error { return s.ResolveIncident(ctx, id, seen, "", "bob", at) }
	}
	runHoldSteps(t, s, t0.Add(2*time.Minute+370*time.Millisecond), []holdStep{
		{"open SEV2 linked to the running canary", open(model.SEV2, 1), []holdEv{
			{kind: model.EventIncidentOpened, deploy: 1, inc: 1, sev: model.SEV2, ignoreText: true},
			{kind: model.EventFreezeOn, inc: 1, sev: model.SEV2, text: "change freeze ON: INC-1 SEV2 open" + freezeTail},
			{kind: model.EventRolloutHeld, deploy: 1, inc: 1, sev: model.SEV2, text: "HOLD on " + title1 + ": INC-1 SEV2 open" + tail},
		}},
		{"open SEV1 linked to none", open(model.SEV1, 0), []holdEv{own(model.EventIncidentOpened, 2, model.SEV1)}},
		{"link it to the held canary: already held", link(2, 1), []holdEv{own(model.EventIncidentLinked, 2, model.SEV1)}},
		{"unlink it: INC-1 still holds", unlink(2), []holdEv{own(model.EventIncidentUnlinked, 2, model.SEV1)}},
		{"link an existing SEV1 to a running rollout", link(2, 2), []holdEv{
			{kind: model.EventIncidentLinked, deploy: 2, inc: 2, sev: model.SEV1, ignoreText: true},
			{kind: model.EventRolloutHeld, deploy: 2, inc: 2, sev: model.SEV1, text: "HOLD on " + title2 + ": INC-2 SEV1 open" + tail},
		}},
		{"link it elsewhere", link(2, 1), []holdEv{
			{kind: model.EventIncidentLinked, deploy: 1, inc: 2, sev: model.SEV1, ignoreText: true},
			{kind: model.EventRolloutReleased, deploy: 2, inc: 2, sev: model.SEV1, text: "hold released on " + title2 + ": INC-2 linked to #1 instead"},
		}},
		{"unlink one of two holding", unlink(1), []holdEv{own(model.EventIncidentUnlinked, 1, model.SEV2)}},
		{"resolve the last holding: released, still frozen by INC-1", resolve(2), []holdEv{
			own(model.EventIncidentResolved, 2, model.SEV1),
			{kind: model.EventRolloutReleased, deploy: 1, inc: 2, sev: model.SEV1, text: "hold released on " + title1 + ": INC-2 resolved"},
		}},
		{"resolve the unlinked SEV2", resolve(1), []holdEv{
			own(model.EventIncidentResolved, 1, model.SEV2),
			{kind: model.EventFreezeOff, inc: 1, sev: model.SEV2, text: "change freeze OFF: INC-1 resolved"},
		}},
		{"open SEV3 linked to #2", open(model.SEV3, 2), []holdEv{
			{kind: model.EventIncidentOpened, deploy: 2, inc: 3, sev: model.SEV3, ignoreText: true},
		}},
		{"raise it to SEV1", sev(3, model.SEV1), []holdEv{
			own(model.EventIncidentSeverity, 3, model.SEV1),
			{kind: model.EventFreezeOn, inc: 3, sev: model.SEV1, text: "change freeze ON: INC-3 SEV1 open" + freezeTail},
			{kind: model.EventRolloutHeld, deploy: 2, inc: 3, sev: model.SEV1, text: "HOLD on " + title2 + ": INC-3 SEV1 open" + tail},
		}},
		{"mitigate: still holds", func(at time.Time) error { return s.MitigateIncident(ctx, 3, seen, "bob", at) },
			[]holdEv{own(model.EventIncidentMitigated, 3, model.SEV1)}},
		{"downgrade to SEV3", sev(3, model.SEV3), []holdEv{
			own(model.EventIncidentSeverity, 3, model.SEV3),
			{kind: model.EventFreezeOff, inc: 3, sev: model.SEV3, text: "change freeze OFF: INC-3 downgraded to SEV3"},
			{kind: model.EventRolloutReleased, deploy: 2, inc: 3, sev: model.SEV3, text: "hold released on " + title2 + ": INC-3 downgraded to SEV3"},
		}},
		{"a completed deployment is never held", open(model.SEV1, 3), []holdEv{
			{kind: model.EventIncidentOpened, deploy: 3, inc: 4, sev: model.SEV1, ignoreText: true},
			{kind: model.EventFreezeOn, inc: 4, sev: model.SEV1, text: "change freeze ON: INC-4 SEV1 open" + freezeTail},
		}},
		{"link it to the canary", link(4, 1), []holdEv{
			{kind: model.EventIncidentLinked, deploy: 1, inc: 4, sev: model.SEV1, ignoreText: true},
			{kind: model.EventRolloutHeld, deploy: 1, inc: 4, sev: model.SEV1, text: "HOLD on " + title1 + ": INC-4 SEV1 open" + tail},
		}},
		{"abort the held canary: it ended, nothing released", func(at time.Time) error {
			_, err := s.Abort(ctx, 1, model.RolloutSeen{}, "5xx on /pay", "bob", at)
			return err
		}, []holdEv{{kind: model.EventRolloutAbort, deploy: 1, ignoreText: true}}},
		{"resolve: the freeze ends, no release of an ended rollout", resolve(4), []holdEv{
			own(model.EventIncidentResolved, 4, model.SEV1),
			{kind: model.EventFreezeOff, inc: 4, sev: model.SEV1, text: "change freeze OFF: INC-4 resolved"},
		}},
	})
}

// A deployment linked to a SEV1 before its rollout started is held from the
// start: the rollout.held comes with Deployment Execution.
func TestRolloutHeldAtExecutionStart(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d, _ := startTestDeployment(t, s) // #1 api v1.2, planned
	runHoldSteps(t, s, t0.Add(450*time.Millisecond), []holdStep{
		{"a planned deployment is not held", func(at time.Time) error {
			_, err := s.OpenIncident(ctx, model.NewIncident{Title: "api 5xx", Severity: model.SEV2, DeploymentID: d.ID}, "alice", at)
			return err
		}, []holdEv{
			{kind: model.EventIncidentOpened, deploy: 1, inc: 1, sev: model.SEV2, ignoreText: true},
			{kind: model.EventFreezeOn, inc: 1, sev: model.SEV2, text: "change freeze ON: INC-1 SEV2 open" + freezeTail},
		}},
		{"its rollout starts held", func(at time.Time) error {
			_, err := s.StartExecution(ctx, d.ID, "alice", at, true)
			return err
		}, []holdEv{
			{kind: model.EventGateOverride, deploy: 1, ignoreText: true},
			{kind: model.EventExecutionStart, deploy: 1, ignoreText: true},
			{kind: model.EventRolloutStart, deploy: 1, ignoreText: true},
			{kind: model.EventRolloutHeld, deploy: 1, inc: 1, sev: model.SEV2,
				text: "HOLD on #1 api v1.2 → production: INC-1 SEV2 open — promote and finish need an override reason"},
		}},
		{"resolve releases it", func(at time.Time) error { return s.ResolveIncident(ctx, 1, model.IncidentSeen{}, "", "bob", at) }, []holdEv{
			own(model.EventIncidentResolved, 1, model.SEV2),
			{kind: model.EventFreezeOff, inc: 1, sev: model.SEV2, text: "change freeze OFF: INC-1 resolved"},
			{kind: model.EventRolloutReleased, deploy: 1, inc: 1, sev: model.SEV2, text: "hold released on #1 api v1.2 → production: INC-1 resolved"},
		}},
	})
}
