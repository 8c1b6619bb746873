package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// wantStale fails unless err is a stale refusal with exactly msg, and no
// event was written since n.
func wantStale(t *testing.T, what string, err error, msg string, evs func() int, n int) {
	t.Helper()
	if !errors.Is(err, model.ErrStale) {
		t.Fatalf("%s: got %v, want a stale refusal", what, err)
	}
	var se *model.StaleError
	if !errors.As(err, &se) || se.Msg != msg {
		t.Errorf("%s:\n got  %q\n want %q", what, err, msg)
	}
	if got := evs(); got != n {
		t.Errorf("%s: the refusal wrote %d events", what, got-n)
	}
}

// Each rollout action decided on a rollout someone has since moved is
// refused in its own transaction, naming who moved it and when (D1).
func TestRolloutActionsRefuseStaleSeen(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	count := func() int { return len(events(t, s, d.ID)) }

	aliceSaw := model.SeenRollout(mustRollout(t, s, d.ID)) // stage 1/4 · 5%, prompt opened
	if _, err := s.Promote(ctx, d.ID, aliceSaw, "bob early", "bob", at(41.25)); err != nil {
		t.Fatal(err)
	}
	n := count()
	_, err := s.Promote(ctx, d.ID, aliceSaw, "alice early", "alice", at(50))
	wantStale(t, "promote", err, "checkout-api is at 2/4 · 25% since 14:02:41 UTC, promoted by bob — nothing changed", count, n)
	if r := mustRollout(t, s, d.ID); r.Stage != 1 {
		t.Fatalf("the stale promote moved the rollout to stage %d", r.Stage)
	}
	for _, c := range []struct {
		what string
		do   func() error
	}{
		{"pause", func() error { _, err := s.Pause(ctx, d.ID, aliceSaw, "alice", at(50)); return err }},
		{"abort", func() error { _, err := s.Abort(ctx, d.ID, aliceSaw, "x", "alice", at(50)); return err }},
		{"finish", func() error { _, err := s.Finish(ctx, d.ID, aliceSaw, "x", "alice", at(50)); return err }},
	} {
		wantStale(t, c.what, c.do(), "checkout-api is at 2/4 · 25% since 14:02:41 UTC, promoted by bob — nothing changed", count, n)
	}

	// Bob pauses; alice's promote and pause decided on the running stage are refused.
	running := model.SeenRollout(mustRollout(t, s, d.ID))
	if _, err := s.Pause(ctx, d.ID, running, "bob", at(60.999)); err != nil {
		t.Fatal(err)
	}
	n = count()
	_, err = s.Promote(ctx, d.ID, running, "go", "alice", at(61))
	wantStale(t, "promote after pause", err, "checkout-api was paused at 2/4 · 25% by bob at 14:03:00 UTC — nothing changed", count, n)
	_, err = s.Pause(ctx, d.ID, running, "alice", at(61))
	wantStale(t, "pause after pause", err, "checkout-api was paused at 2/4 · 25% by bob at 14:03:00 UTC — nothing changed", count, n)

	// Decided on what is stored, it goes through.
	if _, err := s.Resume(ctx, d.ID, model.SeenRollout(mustRollout(t, s, d.ID)), "alice", at(62)); err != nil {
		t.Fatalf("resume on the state seen: %v", err)
	}
}

// Two people resolve one incident: the second is told who resolved it,
// when and with which root cause, and theirs is not silently dropped (D11).
func TestIncidentActionsRefuseStaleSeen(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	ok := must[model.Incident](t)
	inc := openInc(t, s, model.SEV2, 0, t0)
	count := func() int { return len(incEvents(t, s, inc.ID)) }
	seen := model.SeenIncident(inc) // both dashboards show INC-1 open

	noErr(t, s.ResolveIncident(ctx, inc.ID, seen, "x", "alice", t0.Add(7*time.Second+300*time.Millisecond)))
	n := count()
	wantStale(t, "second resolve", s.ResolveIncident(ctx, inc.ID, seen, "y", "bob", t0.Add(8*time.Second)),
		"INC-1 was already resolved by alice at 14:02:07 UTC (root cause: x) — your root cause was not recorded", count, n)
	if got := ok(s.Incident(ctx, inc.ID)).RootCause; got != "x" {
		t.Errorf("root cause = %q, want alice's", got)
	}
	// The CLI reads the incident as resolved and asks again: refused too.
	resolved := model.SeenIncident(ok(s.Incident(ctx, inc.ID)))
	wantStale(t, "resolve a resolved incident", s.ResolveIncident(ctx, inc.ID, resolved, "", "bob", t0.Add(9*time.Second)),
		"INC-1 was already resolved by alice at 14:02:07 UTC (root cause: x) — nothing changed", count, n)
	wantStale(t, "mitigate a resolved incident", s.MitigateIncident(ctx, inc.ID, seen, "bob", t0.Add(9*time.Second)),
		"INC-1 was already resolved by alice at 14:02:07 UTC (root cause: x) — nothing changed", count, n)
	wantStale(t, "severity on a resolved incident", s.SetIncidentSeverity(ctx, inc.ID, seen, model.SEV1, "bob", t0.Add(9*time.Second)),
		"INC-1 was already resolved by alice at 14:02:07 UTC (root cause: x) — nothing changed", count, n)

	// A second incident: ack, severity, commander, update.
	inc2 := openInc(t, s, model.SEV1, 0, t0)
	count2 := func() int { return len(incEvents(t, s, inc2.ID)) }
	seen2 := model.SeenIncident(inc2)
	noErr(t, s.AckStep(ctx, inc2.ID, seen2, 1, "carol", "alice", t0.Add(time.Minute)))
	n = count2()
	wantStale(t, "second ack of step 1", s.AckStep(ctx, inc2.ID, seen2, 1, "dave", "bob", t0.Add(2*time.Minute)),
		"INC-2 step 1 (On-call DevOps Engineer) was already acknowledged by alice at 14:03:00 UTC (reached carol) — nothing changed", count2, n)
	// Without a step, only a step that is due now is acknowledged: step 2 is
	// pending (nobody paged it), so nothing is, and the answer names step 1.
	err := s.AckStep(ctx, inc2.ID, model.SeenIncident(ok(s.Incident(ctx, inc2.ID))), 0, "carol", "alice", t0.Add(2*time.Minute))
	wantStale(t, "ack without a step, none due", err,
		"INC-2 step 1 (On-call DevOps Engineer) was already acknowledged by alice at 14:03:00 UTC (reached carol) — nothing changed; no other step is due now: name one to acknowledge it", count2, n)
	wantStale(t, "escalate on a ladder acked since", s.EscalateNow(ctx, inc2.ID, seen2, 2, "customers", "bob", t0.Add(2*time.Minute)),
		"INC-2's escalation changed at 14:03:00 UTC: alice acknowledged step 1 (On-call DevOps Engineer): reached carol — nothing changed, look again", count2, n)

	noErr(t, s.SetIncidentSeverity(ctx, inc2.ID, seen2, model.SEV2, "alice", t0.Add(3*time.Minute)))
	n = count2()
	wantStale(t, "severity decided on SEV1", s.SetIncidentSeverity(ctx, inc2.ID, seen2, model.SEV3, "bob", t0.Add(4*time.Minute)),
		"INC-2 is SEV2 since 14:05:00 UTC (set by alice) — nothing changed", count2, n)

	noErr(t, s.SetCommander(ctx, inc2.ID, seen2, "", "erin", "alice", t0.Add(5*time.Minute)))
	n = count2()
	wantStale(t, "commander decided on none", s.SetCommander(ctx, inc2.ID, seen2, "", "frank", "bob", t0.Add(6*time.Minute)),
		"INC-2's commander is erin since 14:07:00 UTC (named by alice) — nothing changed", count2, n)

	u := model.StakeholderUpdate{Conditions: "checkout failing", Actions: "rolling back"}
	noErr(t, s.PostUpdate(ctx, inc2.ID, seen2, u, "alice", t0.Add(7*time.Minute)))
	n = count2()
	wantStale(t, "update without seeing alice's", s.PostUpdate(ctx, inc2.ID, seen2, u, "bob", t0.Add(8*time.Minute)),
		"alice posted a stakeholder update to INC-2 at 14:09:00 UTC — read it first; your update was not posted", count2, n)
}

func TestItemChangeRefusesStaleSeen(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	it := items[0]
	count := func() int { return len(events(t, s, d.ID)) }
	if _, err := s.SetItemState(ctx, it.ID, it.State, model.ItemNA, "not this time", "bob", t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	n := count()
	_, err := s.SetItemState(ctx, it.ID, it.State, model.ItemDone, "", "alice", t0.Add(100*time.Second))
	wantStale(t, "tick an item bob marked n/a", err, "“"+it.Text+"” was marked n/a by bob at 14:03:30 UTC — nothing changed", count, n)
	// Already in the asked state: idempotent, no error, nothing written.
	if _, err := s.SetItemState(ctx, it.ID, it.State, model.ItemNA, "not this time", "alice", t0.Add(110*time.Second)); err != nil || count() != n {
		t.Fatalf("repeat: %v, %d events", err, count()-n)
	}
}

// A note written over one someone changed since the prompt opened is
// refused with who and what; a second start of Deployment Execution says
// who started it. Nothing is written either time.
func TestStaleNoteAndRepeatedExecutionStart(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: "v1"}, testTemplate(), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := s.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	it := items[0]
	aliceSaw := model.SeenNote(it)
	if _, err := s.SetItemNote(ctx, it.ID, model.SeenNote(it), "ticket OPS-12", "bob", t0.Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetItemNote(ctx, it.ID, aliceSaw, "looks fine", "alice", t0.Add(2*time.Second))
	if !errors.Is(err, model.ErrStale) || !strings.Contains(err.Error(), "changed by bob at 14:02:01 UTC") || !strings.Contains(err.Error(), "OPS-12") {
		t.Fatalf("stale note: %v", err)
	}
	got, _, _ := s.Checklist(ctx, d.ID)
	if got[0].Note != "ticket OPS-12" {
		t.Fatalf("bob's note was replaced: %q", got[0].Note)
	}

	if _, err := s.StartExecution(ctx, d.ID, "bob", t0.Add(3*time.Second), true); err != nil {
		t.Fatal(err)
	}
	before, _ := s.DeploymentTimeline(ctx, d.ID)
	_, err = s.StartExecution(ctx, d.ID, "alice", t0.Add(4*time.Second), true)
	if !errors.Is(err, model.ErrStale) || !strings.Contains(err.Error(), "already started by bob at 14:02:03 UTC") {
		t.Fatalf("second start: %v", err)
	}
	after, _ := s.DeploymentTimeline(ctx, d.ID)
	if len(after) != len(before) {
		t.Fatalf("a refused start wrote %d events", len(after)-len(before))
	}
}
