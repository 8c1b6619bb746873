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

// tlLine is one timeline entry as the test reads it: the time offset from
// t0, the kind, where it comes from and its severity badge.
func tlLine(e model.Event, incID int64) string {
	src := "inc"
	if e.FromDeployment(incID) {
		src = fmt.Sprintf("#%d", e.DeploymentID)
	}
	star := ""
	if e.Starred {
		star = " *"
	}
	sev := "-"
	if e.Severity.Valid() {
		sev = e.Severity.Label()
	}
	return fmt.Sprintf("%s %s %s %s%s", e.At.Sub(t0), e.Kind, src, sev, star)
}

// Issue 16 deliver 1 (review D14, D30): an incident opened during a canary
// reads, in time order, what happened to the deployment while it ran.
func TestIncidentTimelineMergesLinkedDeployment(t *testing.T) {
	ctx := context.Background()
	entered := t0.Add(time.Hour)
	s := newStore(t).WithClock(func() time.Time { return entered })
	seen := model.IncidentSeen{}
	canary := executing(t, s, testTemplate()) // #1 checkout-api, canary stage 1 live at t0
	other, err := s.StartDeployment(ctx, model.NewDeployment{Service: "search", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	noErr(t, err)
	_, err = s.StartExecution(ctx, other.ID, "alice", t0, true) // #2: another deployment's events stay out
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

	// Long before the incident: a pre-deploy tick (absent) and a starred
	// one (present: a key moment whenever it happened).
	_, err = s.SetItemState(ctx, item(model.PhasePreDeployment, "Code reviewed and approved").ID, model.ItemTodo, model.ItemDone, "", "alice", at(time.Second))
	noErr(t, err)
	_, err = s.SetItemState(ctx, item(model.PhasePreDeployment, "On-call engineer identified").ID, model.ItemTodo, model.ItemDone, "", "alice", at(2*time.Second))
	noErr(t, err)
	starred := lastEvent(t, s, canary.ID, model.EventItemDone)
	noErr(t, s.StarEvent(ctx, starred.ID, true, "bob", at(3*time.Second)))

	_, err = s.Promote(ctx, canary.ID, model.RolloutSeen{}, "soak cut short for the test", "alice", at(10*time.Minute+125*ms)) // stage 2 starts: the window opens
	noErr(t, err)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2, DeploymentID: canary.ID}, "bob", at(11*time.Minute+250*ms))
	noErr(t, err)
	noErr(t, s.SetIncidentSeverity(ctx, inc.ID, seen, model.SEV1, "bob", at(13*time.Minute+500*ms)))
	_, err = s.Promote(ctx, canary.ID, model.RolloutSeen{}, "the fix needs 25%", "alice", at(14*time.Minute)) // during the SEV1
	noErr(t, err)
	_, err = s.Promote(ctx, other.ID, model.RolloutSeen{}, "other team", "carol", at(14*time.Minute+100*ms))
	noErr(t, err)
	base := 0.4
	met, _, err := s.RecordHealth(ctx, canary.ID, 9, &base, "probe", at(15*time.Minute))
	noErr(t, err)
	if !met {
		t.Fatal("9% against 0.4% should meet the rollback criteria")
	}
	_, err = s.Abort(ctx, canary.ID, model.RolloutSeen{}, "5xx on /pay", "alice", at(16*time.Minute))
	noErr(t, err)
	_, err = s.SetItemState(ctx, item(model.PhaseRollback, "Announce rollback decision").ID, model.ItemTodo, model.ItemDone, "", "alice", at(17*time.Minute))
	noErr(t, err)
	// Backdated notes, written last: each sits where it happened, badged
	// with the severity then (SEV2 until 13:00.5, SEV1 from then).
	noErr(t, s.AddIncidentNote(ctx, inc.ID, "db failover started", "bob", at(13*time.Minute+499*ms), false))
	noErr(t, s.AddIncidentNote(ctx, inc.ID, "failover done", "bob", at(13*time.Minute+500*ms), false))
	// Before the opening: refused unless forced; more than 24 h, never.
	err = s.AddIncidentNote(ctx, inc.ID, "first alert", "bob", at(11*time.Minute+249*ms), false)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("a note before the opening without force: %v", err)
	}
	noErr(t, s.AddIncidentNote(ctx, inc.ID, "first alert", "bob", at(8*time.Minute), true))
	if err := s.AddIncidentNote(ctx, inc.ID, "typo", "bob", at(11*time.Minute+250*ms-model.MaxNoteLead-ms), true); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a note 24 h + 1 ms before the opening, forced: %v", err)
	}
	noErr(t, s.ResolveIncident(ctx, inc.ID, seen, "bad config in v2.14.0", "bob", at(20*time.Minute)))
	// After the resolve: the deployment's story is no longer the incident's.
	_, err = s.Promote(ctx, other.ID, model.RolloutSeen{}, "other team", "carol", at(20*time.Minute+100*ms))
	noErr(t, err)
	_, err = s.SetItemState(ctx, item(model.PhaseRollback, "Announce rollback decision").ID, model.ItemDone, model.ItemTodo, "", "alice", at(21*time.Minute))
	noErr(t, err)

	got := must[[]model.Event](t)(s.IncidentTimeline(ctx, inc.ID))
	var lines []string
	for _, e := range got {
		lines = append(lines, tlLine(e, inc.ID))
	}
	want := []string{
		"2s check.done #1 - *",
		"8m0s incident.note inc SEV2",
		"10m0.125s rollout.promote #1 -",
		"11m0.25s incident.opened inc SEV2",
		"11m0.25s freeze.on inc SEV2",
		"11m0.25s rollout.held inc SEV2",
		"13m0.499s incident.note inc SEV2",
		"13m0.5s incident.severity inc SEV1",
		"13m0.5s incident.note inc SEV1",
		"14m0s rollout.promote #1 -",
		"15m0s health.criteria_met #1 -",
		"15m0s health.latched #1 -",
		"16m0s rollout.abort #1 -",
		"17m0s check.done #1 -",
		"20m0s incident.resolved inc SEV1",
		"20m0s freeze.off inc SEV1",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range got {
		if e.Kind == model.EventIncidentNote && e.At.Before(entered) && !strings.Contains(e.Text, "(backdated: entered 15:02:00 UTC)") {
			t.Errorf("note %q does not say it was backdated", e.Text)
		}
	}

	// The report: the starred pre-deploy tick is a key moment (D14), and the
	// deployment's events are tagged in the timeline.
	d, err := s.Deployment(ctx, canary.ID)
	noErr(t, err)
	incNow, err := s.Incident(ctx, inc.ID)
	noErr(t, err)
	report := model.IncidentReport(model.ReportInput{Incident: incNow, Deployment: &d, Events: got, Now: at(time.Hour)})
	keys := report[strings.Index(report, "## Key moments"):strings.Index(report, "## Timeline")]
	if !strings.Contains(keys, "alice: \\[\\#1 checkout-api\\] checked \"On-call engineer identified\"") {
		t.Errorf("key moments lack the starred checklist tick:\n%s", keys)
	}
	timeline := report[strings.Index(report, "## Timeline"):]
	for _, w := range []string{"\\[\\#1 checkout-api\\] aborted", "\\[\\#1 checkout-api\\] ROLLBACK CRITERIA MET"} {
		if !strings.Contains(timeline, w) {
			t.Errorf("report timeline lacks %q:\n%s", w, timeline)
		}
	}
}
