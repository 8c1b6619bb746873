package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// executing starts a canary deployment of tpl and its rollout at t0.
func executing(t *testing.T, s *Store, tpl model.Template) model.Deployment {
	t.Helper()
	ctx := context.Background()
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v2.14.0"}, tpl, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = s.StartExecution(ctx, d.ID, "alice", t0, true); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustRollout(t *testing.T, s *Store, id int64) model.Rollout {
	t.Helper()
	r, ok, err := s.Rollout(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("Rollout(%d) = %v, %v", id, ok, err)
	}
	return r
}

// lastEvent is the newest event of a deployment; it fails unless it is of kind.
func lastEvent(t *testing.T, s *Store, id int64, kind model.EventKind) model.Event {
	t.Helper()
	evs := events(t, s, id)
	e := evs[len(evs)-1]
	if e.Kind != kind {
		t.Fatalf("last event is %s %q, want %s", e.Kind, e.Text, kind)
	}
	return e
}

func kinds(evs []model.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind))
	}
	return strings.Join(out, " ")
}

func ptr(f float64) *float64 { return &f }

func TestRolloutCanaryLifecycle(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

	r := mustRollout(t, s, d.ID)
	if r.Stage != 0 || !r.StartedAt.Equal(t0) || r.Plan.Strategy != model.StrategyCanary || len(r.Plan.Stages) != 4 || r.Plan.Stages[0].Soak != 15*time.Minute {
		t.Fatalf("started rollout: %+v", r)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutStart); e.Text != "started canary rollout at 1/4 · 5% (soak 15:00, ends 14:17:00 UTC)" || e.Actor != "alice" {
		t.Errorf("start event: %+v", e)
	}

	// A reading during the stage: promote early then needs a reason for the
	// soak alone.
	if _, _, err := s.RecordHealth(ctx, d.ID, 1.0, ptr(1.1), "dave", min(4)); err != nil {
		t.Fatal(err)
	}
	// Promote early: refused without a reason, nothing written.
	before := len(events(t, s, d.ID))
	_, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, " ", "bob", min(5))
	if !errors.Is(err, model.ErrNeedsReason) || !strings.Contains(err.Error(), "10:00 of its 15:00 soak left") {
		t.Fatalf("early promote: %v", err)
	}
	if n := len(events(t, s, d.ID)); n != before || mustRollout(t, s, d.ID).Stage != 0 {
		t.Fatal("refused promote wrote something")
	}
	// With a reason it goes, and the override is recorded.
	r, err = s.Promote(ctx, d.ID, model.RolloutSeen{}, "hotfix, verified in staging", "bob", min(5))
	if err != nil || r.Stage != 1 || len(r.History) != 1 || r.History[0].Override != "hotfix, verified in staging" || !r.StageStartedAt.Equal(min(5)) {
		t.Fatalf("promote with reason: %+v, %v", r, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutPromote); e.Actor != "bob" || !e.At.Equal(min(5)) ||
		e.Text != "promoted 1/4 · 5% → 2/4 · 25% despite 10:00 of the 15:00 soak left; override: hotfix, verified in staging (soak 15:00, ends 14:22:00 UTC)" {
		t.Errorf("promote event: %+v", e)
	}

	// Pause with 10 minutes left, restart, resume much later: still 10 minutes.
	if r, err = s.Pause(ctx, d.ID, model.RolloutSeen{}, "carol", min(10)); err != nil || !r.Paused || r.RemainingAtPause != 10*time.Minute {
		t.Fatalf("pause: %+v, %v", r, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutPause); e.Text != "paused 2/4 · 25% with 10:00 of the soak left" || e.Actor != "carol" {
		t.Errorf("pause event: %+v", e)
	}
	s.Close()
	s = openStore(t, path)
	r = mustRollout(t, s, d.ID)
	if st := r.Status(min(40), false); st.State != model.RolloutPaused || st.Remaining != 10*time.Minute {
		t.Errorf("after restart while paused: %+v", st)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "go", "bob", min(40)); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("promote while paused: %v", err)
	}
	if r, err = s.Resume(ctx, d.ID, model.RolloutSeen{}, "carol", min(40)); err != nil || r.Paused || r.PausedTotal != 30*time.Minute {
		t.Fatalf("resume: %+v, %v", r, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutResume); e.Text != "resumed 2/4 · 25%: 10:00 of the soak left, ends 14:52:00 UTC" {
		t.Errorf("resume event: %+v", e)
	}
	// Restart mid-countdown: another process sees the same remaining time.
	s2 := openStore(t, path)
	if st := mustRollout(t, s2, d.ID).Status(min(45), false); st.Remaining != 5*time.Minute || st.State != model.RolloutSoaking || !st.EndsAt.Equal(min(50)) {
		t.Errorf("second store mid-countdown: %+v", st)
	}

	// Health: a reading 6.1 points above baseline meets the default rule.
	met, why, err := s.RecordHealth(ctx, d.ID, 7.2, ptr(1.1), "dave", min(46))
	if err != nil || !met || why != "error rate 7.2% is 6.1 points above baseline 1.1% (rule: more than 5 points above baseline)" {
		t.Fatalf("RecordHealth: %v %q %v", met, why, err)
	}
	evs := events(t, s, d.ID)
	if got := kinds(evs[len(evs)-3:]); got != "health.recorded health.criteria_met health.latched" ||
		evs[len(evs)-2].Text != "ROLLBACK CRITERIA MET: "+why || evs[len(evs)-2].Actor != "dave" {
		t.Errorf("health events: %s %+v", got, evs[len(evs)-2])
	}
	// Still met, baseline carried forward: no second criteria_met event.
	if met, why, err = s.RecordHealth(ctx, d.ID, 7.5, nil, "dave", min(47)); err != nil || !met || !strings.Contains(why, "baseline 1.1%") {
		t.Fatalf("second reading: %v %q %v", met, why, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventHealthRecorded); !strings.HasPrefix(e.Text, "recorded health: error rate 7.5%") {
		t.Errorf("recorded event: %+v", e)
	}
	h, decl, err := s.RolloutHealth(ctx, d.ID)
	if err != nil || !h.Has || h.ErrorRate != 7.5 || h.BaselineErrorRate != 1.1 || !h.At.Equal(min(47)) || len(decl) != 1 || !decl[0].Latched {
		t.Errorf("RolloutHealth: %+v %v %v", h, decl, err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 7.5, nil, "dave", min(54)); err != nil {
		t.Fatal(err)
	}

	// Met criteria block promote even after the soak; an override lifts it.
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(55)); !errors.Is(err, model.ErrNeedsReason) || !strings.Contains(err.Error(), "rollback criteria are met") {
		t.Fatalf("promote against met criteria: %v", err)
	}
	if r, err = s.Promote(ctx, d.ID, model.RolloutSeen{}, "known noisy metric", "bob", min(55)); err != nil || r.Stage != 2 || !r.History[1].CriteriaMet || r.History[1].Override != "known noisy metric" {
		t.Fatalf("override: %+v, %v", r, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutPromote); !strings.Contains(e.Text, "despite rollback criteria met (error rate 7.2% is 6.1 points above baseline 1.1% (rule: more than 5 points above baseline) at 14:48:00 UTC (latched") ||
		!strings.Contains(e.Text, "override: known noisy metric") {
		t.Errorf("override event: %q", e.Text)
	}
	if met, _, err = s.RecordHealth(ctx, d.ID, 1.3, nil, "dave", min(56)); err != nil || met {
		t.Fatalf("healthy reading: %v %v", met, err)
	}
	// The breach stays latched after the good reading, until cleared.
	if g, err := s.RolloutGate(ctx, d.ID); err != nil || !g.CriteriaMet() {
		t.Fatalf("latched after a good reading: %+v %v", g, err)
	}
	if err := s.ClearCriteria(ctx, d.ID, "batch job spike, explained", "bob", min(57)); err != nil {
		t.Fatal(err)
	}

	// Ready to promote: written once per stage, dated when the soak ended.
	if wrote, err := s.MarkReady(ctx, d.ID, 2, min(60)); err != nil || wrote {
		t.Errorf("MarkReady before the soak ended: %v %v", wrote, err)
	}
	if wrote, err := s.MarkReady(ctx, d.ID, 1, min(71)); err != nil || wrote {
		t.Errorf("MarkReady of a past stage: %v %v", wrote, err)
	}
	for i, st := range []*Store{s, s2, s} {
		wrote, err := st.MarkReady(ctx, d.ID, 2, min(71))
		if err != nil || wrote != (i == 0) {
			t.Errorf("MarkReady #%d: %v %v", i, wrote, err)
		}
	}
	var ready []model.Event
	for _, e := range events(t, s, d.ID) {
		if e.Kind == model.EventRolloutReady {
			ready = append(ready, e)
		}
	}
	if len(ready) != 1 || !ready[0].At.Equal(min(70)) || ready[0].Actor != SystemActor || ready[0].Text != "3/4 · 50% soak ended (15:00): ready to promote" {
		t.Errorf("ready events: %+v", ready)
	}

	// After the soak, with a fresh reading, no reason is needed; the last
	// stage is left by finish.
	if _, _, err := s.RecordHealth(ctx, d.ID, 1.2, nil, "dave", min(70)); err != nil {
		t.Fatal(err)
	}
	if r, err = s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(71)); err != nil || r.Stage != 3 || r.History[2].Override != "" {
		t.Fatalf("promote after soak: %+v %v", r, err)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(90)); err == nil || !strings.Contains(err.Error(), "use finish") {
		t.Errorf("promote past the last stage: %v", err)
	}
	if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(80)); !errors.Is(err, model.ErrNeedsReason) {
		t.Errorf("early finish: %v", err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 1.2, nil, "dave", min(85)); err != nil {
		t.Fatal(err)
	}
	// Two Deployment Execution items are open: finishing needs a reason.
	if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(86)); !errors.Is(err, model.ErrNeedsReason) ||
		err.Error() != "2 Deployment Execution items open (Deploy to canary, Run smoke tests): give a reason to finish anyway (recorded)" {
		t.Errorf("finish with open items: %v", err)
	}
	if r, err = s.Finish(ctx, d.ID, model.RolloutSeen{}, "smoke tests run by hand", "bob", min(86)); err != nil || !r.CompletedAt.Equal(min(86)) || len(r.History) != 4 {
		t.Fatalf("finish: %+v %v", r, err)
	}
	got, _ := s.Deployment(ctx, d.ID)
	if got.Status != model.StatusCompleted || !got.FinishedAt.Equal(min(86)) || !got.UpdatedAt.Equal(min(86)) || !got.RollbackAt.IsZero() {
		t.Errorf("deployment after finish: %+v", got)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutFinish); e.Text != "finished the rollout at 4/4 · 100%: deployment completed despite 2 Deployment Execution items open (Deploy to canary, Run smoke tests); override: smoke tests run by hand" || e.Actor != "bob" {
		t.Errorf("finish event: %+v", e)
	}
	times := r.StageTimes(min(100))
	if len(times) != 4 || times[0].Override == "" || times[1].Paused != 30*time.Minute || times[2].Waiting != time.Minute {
		t.Errorf("stage times: %+v", times)
	}
	if _, err := s.Pause(ctx, d.ID, model.RolloutSeen{}, "bob", min(90)); err == nil || !strings.Contains(err.Error(), "already completed") {
		t.Errorf("pause after completion: %v", err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 1, nil, "bob", min(90)); !errors.Is(err, ErrInvalid) {
		t.Errorf("health of a completed deployment: %v", err)
	}

	want := "deploy.started deploy.gate_override deploy.execution rollout.start health.recorded rollout.promote rollout.pause rollout.resume " +
		"health.recorded health.criteria_met health.latched health.recorded health.recorded rollout.promote health.recorded health.cleared " +
		"rollout.ready health.recorded rollout.promote health.recorded rollout.finish"
	if got := kinds(events(t, s, d.ID)); got != want {
		t.Errorf("timeline:\n got %s\nwant %s", got, want)
	}
}

func TestRolloutAbortRollbackAndStabilityWatch(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, mdtemplate.Builtin())
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	if _, err := s.GoLive(ctx, d.ID, "alice", t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.4, ptr(0.4), "dave", min(14)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(15)); err != nil {
		t.Fatal(err)
	}

	r, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "5xx spike on /pay", "bob", min(20))
	if err != nil || !r.AbortedAt.Equal(min(20)) || r.Status(min(21), false).State != model.RolloutRollingBack {
		t.Fatalf("abort: %+v %v", r, err)
	}
	got, _ := s.Deployment(ctx, d.ID)
	if got.Status != model.StatusInProgress || !got.RollbackAt.Equal(min(20)) || got.CurrentPhase() != model.PhaseRollback || !got.RollingBack() {
		t.Errorf("deployment after abort: %+v phase %s", got, got.CurrentPhase())
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutAbort); e.Text != "aborted the rollout at 2/4 · 25%: rolling back — 5xx spike on /pay" || e.Actor != "bob" {
		t.Errorf("abort event: %+v", e)
	}
	if _, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(21)); err == nil || !strings.Contains(err.Error(), "rolling back") {
		t.Errorf("second abort: %v", err)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "why not", "bob", min(21)); err == nil || !strings.Contains(err.Error(), "rolling back") {
		t.Errorf("promote while rolling back: %v", err)
	}
	if wrote, err := s.MarkReady(ctx, d.ID, 1, min(40)); err != nil || wrote {
		t.Errorf("MarkReady while rolling back: %v %v", wrote, err)
	}

	// Ticking "Verify previous version is running correctly" starts the watch.
	items, _, _ := s.Checklist(ctx, d.ID)
	var verify, other model.Item
	for _, it := range items {
		switch {
		case model.StartsStabilityWatch(it):
			verify = it
		case it.Phase == model.PhaseRollback && other.ID == 0:
			other = it
		}
	}
	if verify.ID == 0 {
		t.Fatal("built-in template has no stability item")
	}
	if _, err := s.SetItemState(ctx, other.ID, "", model.ItemDone, "", "bob", min(22)); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Deployment(ctx, d.ID); !got.StabilityAt.IsZero() {
		t.Errorf("another item started the watch: %+v", got)
	}
	if _, err := s.SetItemState(ctx, verify.ID, "", model.ItemDone, "", "bob", min(25)); err != nil {
		t.Fatal(err)
	}
	if e := lastEvent(t, s, d.ID, model.EventItemDone); !strings.Contains(e.Text, "stability watch started (15 min), ends 14:42:00 UTC") {
		t.Errorf("tick event: %q", e.Text)
	}
	got, _ = s.Deployment(ctx, d.ID)
	if rem, ok := got.StabilityRemaining(min(30)); !ok || rem != 10*time.Minute || !got.StabilityAt.Equal(min(25)) {
		t.Errorf("stability watch: %v %v %+v", rem, ok, got)
	}
	// Reopening and ticking again does not restart the clock.
	for i, st := range []model.ItemState{model.ItemTodo, model.ItemDone} {
		if _, err := s.SetItemState(ctx, verify.ID, "", st, "", "bob", min(27+i)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ = s.Deployment(ctx, d.ID); !got.StabilityAt.Equal(min(25)) {
		t.Errorf("re-tick moved the watch: %v", got.StabilityAt)
	}
	if e := lastEvent(t, s, d.ID, model.EventItemDone); strings.Contains(e.Text, "stability") {
		t.Errorf("re-tick claims a new watch: %q", e.Text)
	}

	// Finish while rolling back records the rollback done.
	if r, err = s.Finish(ctx, d.ID, model.RolloutSeen{}, "v2.13.4 stable", "bob", min(39)); err != nil || !r.RolledBackAt.Equal(min(39)) {
		t.Fatalf("finish rollback: %+v %v", r, err)
	}
	got, _ = s.Deployment(ctx, d.ID)
	if got.Status != model.StatusRolledBack || !got.FinishedAt.Equal(min(39)) || got.CurrentPhase() != model.PhaseRollback || got.RollingBack() {
		t.Errorf("deployment after rollback: %+v", got)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutRolledBack); e.Text != "rolled back from 2/4 · 25%: previous version restored; stability watch had 01:00 left; left 4 Rollback items open "+
		"(Execute rollback procedure (revert deployment, restore database if needed), Monitor for 15 minutes to confirm stability, "+
		"Document root cause and action items in incident report, …); override: v2.13.4 stable" {
		t.Errorf("rolled back event: %q", e.Text)
	}
	if _, err := s.Finish(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(50)); err == nil {
		t.Error("finish after rollback succeeded")
	}
}

func TestAbortPlannedDeployment(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, _ := startTestDeployment(t, s)
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", t0); err == nil || !strings.Contains(err.Error(), "is planned: start Deployment Execution first") {
		t.Errorf("promote planned: %v", err)
	}
	r, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "wrong version", "bob", t0.Add(time.Minute))
	if err != nil || r.Started() {
		t.Fatalf("abort planned: %+v %v", r, err)
	}
	got, _ := s.Deployment(ctx, d.ID)
	if got.Status != model.StatusAborted || !got.FinishedAt.Equal(t0.Add(time.Minute)) || !got.RollbackAt.IsZero() {
		t.Errorf("aborted deployment: %+v", got)
	}
	if _, ok, err := s.Rollout(ctx, d.ID); ok || err != nil {
		t.Errorf("rollout of an aborted plan: %v %v", ok, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutAbort); e.Text != "aborted before Deployment Execution started — wrong version" {
		t.Errorf("event: %+v", e)
	}
	if _, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "", "bob", t0.Add(2*time.Minute)); err == nil || !strings.Contains(err.Error(), "is aborted") {
		t.Errorf("second abort: %v", err)
	}
	if _, _, err := s.Rollout(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing deployment: %v", err)
	}
}

func TestDeclareAndClearCriteria(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	at := t0.Add(20 * time.Minute) // the first soak is over

	if err := s.DeclareCriterion(ctx, d.ID, "critical", " ", "erin", at); !errors.Is(err, model.ErrDeclarationReason) || !errors.Is(err, ErrInvalid) {
		t.Errorf("declare without reason: %v", err)
	}
	if err := s.DeclareCriterion(ctx, d.ID, "vibes", "bad", "erin", at); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown criterion: %v", err)
	}
	for range 2 { // the retry writes nothing
		if err := s.DeclareCriterion(ctx, d.ID, "critical", "checkout returns 500", "erin", at); err != nil {
			t.Fatal(err)
		}
	}
	_, decl, err := s.RolloutHealth(ctx, d.ID)
	if err != nil || len(decl) != 1 || decl[0].Criterion != model.CriterionCriticalBroken || decl[0].By != "erin" || decl[0].Reason != "checkout returns 500" || !decl[0].At.Equal(at) {
		t.Fatalf("declarations: %+v %v", decl, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventHealthDeclared); e.Text != "declared ROLLBACK CRITERIA MET: Critical functionality is broken: checkout returns 500" {
		t.Errorf("declare event: %+v", e)
	}
	if n := strings.Count(kinds(events(t, s, d.ID)), string(model.EventHealthDeclared)); n != 1 {
		t.Errorf("%d declare events", n)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", at); !errors.Is(err, model.ErrNeedsReason) {
		t.Errorf("promote with a declared criterion: %v", err)
	}
	if err := s.ClearCriteria(ctx, d.ID, "", "erin", at); !errors.Is(err, ErrInvalid) {
		t.Errorf("clear without reason: %v", err)
	}
	if err := s.ClearCriteria(ctx, d.ID, "it was the test tenant", "erin", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if e := lastEvent(t, s, d.ID, model.EventHealthCleared); e.Text != "cleared 1 declared rollback criterion as a false alarm (Critical functionality is broken): it was the test tenant" {
		t.Errorf("clear event: %+v", e)
	}
	if _, decl, _ = s.RolloutHealth(ctx, d.ID); len(decl) != 0 {
		t.Errorf("declarations after clear: %+v", decl)
	}
	if err := s.ClearCriteria(ctx, d.ID, "again", "erin", at.Add(time.Minute)); !errors.Is(err, ErrNothingToClear) {
		t.Errorf("second clear: %v", err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.5, ptr(0.5), "dave", at.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", at.Add(2*time.Minute)); err != nil || r.Stage != 1 {
		t.Errorf("promote after clear: %+v %v", r, err)
	}
}

func TestRecordHealthInputAndRule(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	ctx := context.Background()
	d, _ := startTestDeployment(t, s) // planned: a baseline may be taken before the deploy
	if _, _, err := s.RecordHealth(ctx, d.ID, 2, nil, "dave", t0); !errors.Is(err, ErrNoBaseline) || !errors.Is(err, ErrInvalid) {
		t.Errorf("no baseline: %v", err)
	}
	for _, c := range []struct {
		rate, base float64
	}{{101, 1}, {-1, 1}, {2, 100.5}} {
		if _, _, err := s.RecordHealth(ctx, d.ID, c.rate, ptr(c.base), "dave", t0); !errors.Is(err, ErrInvalid) {
			t.Errorf("RecordHealth(%v, %v): %v", c.rate, c.base, err)
		}
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 2, ptr(2), "dave", t0); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A relative rule from Options decides instead of the default.
	rule := model.RollbackRule{Kind: model.RuleKindRelative, Threshold: 50}
	s2, err := Open(ctx, path, Options{RollbackRule: rule})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Rule() != rule || newStore(t).Rule() != model.DefaultRollbackRule() {
		t.Errorf("rules: %+v", s2.Rule())
	}
	met, why, err := s2.RecordHealth(ctx, d.ID, 3.1, nil, "dave", t0.Add(time.Minute))
	if err != nil || !met || why != "error rate 3.1% is 55% above baseline 2% (rule: more than 50% above baseline)" {
		t.Errorf("relative rule: %v %q %v", met, why, err)
	}
	if _, err := Open(ctx, path, Options{RollbackRule: model.RollbackRule{Kind: "vibes"}}); err == nil {
		t.Error("a bad rule was accepted")
	}
}

func TestLegacyExecutingDeploymentGetsRollout(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	// As if it entered execution under schema 1, before rollouts existed.
	if _, err := s.db.Exec(`DELETE FROM rollouts`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.5, ptr(0.5), "dave", t0.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	r, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", t0.Add(16*time.Minute))
	if err != nil || r.Stage != 1 || !r.StartedAt.Equal(t0) {
		t.Fatalf("promote of a legacy deployment: %+v %v", r, err)
	}
	evs := events(t, s, d.ID)
	if got := kinds(evs[len(evs)-2:]); got != "rollout.start rollout.promote" {
		t.Errorf("events: %s", got)
	}
}

func TestMigrateFromSchema1(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	if _, err := raw.Exec(ms[0].sql); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA application_id = 1179403339; PRAGMA user_version = 1;
		INSERT INTO deployments (service, version, environment, strategy, status, template, started_by, created_at, updated_at, execution_at)
		VALUES ('api', 'v1', 'production', 'blue-green', 'in_progress', 'builtin', 'alice', 1, 1, 1)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	s := openStore(t, path)
	d, err := s.Deployment(context.Background(), 1)
	if err != nil || d.Status != model.StatusInProgress || !d.RollbackAt.IsZero() || !d.StabilityAt.IsZero() {
		t.Fatalf("migrated deployment: %+v %v", d, err)
	}
	if _, ok, err := s.Rollout(context.Background(), 1); ok || err != nil {
		t.Errorf("migrated rollout: %v %v", ok, err)
	}
	// The first action gives it a blue-green rollout timed from execution.
	r, err := s.Promote(context.Background(), 1, model.RolloutSeen{}, "", "bob", t0)
	if err != nil || r.Plan.Strategy != model.StrategyBlueGreen || r.Stage != 1 {
		t.Errorf("promote after migration: %+v %v", r, err)
	}
}

func TestWatcherSeesOtherConnections(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	other := openStore(t, path)
	ctx := context.Background()
	w, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if changed, err := w.Changed(ctx); err != nil || changed {
		t.Fatalf("idle: %v %v", changed, err)
	}
	// SQLite's data_version moves with the commit; PostgreSQL delivers
	// the commit's notification a moment later: poll for it.
	changedSoon := func() (bool, error) {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			changed, err := w.Changed(ctx)
			if changed || err != nil || !onPostgres() || time.Now().After(deadline) {
				return changed, err
			}
		}
	}
	startTestDeployment(t, other)
	if changed, err := changedSoon(); err != nil || !changed {
		t.Fatalf("after another store wrote: %v %v", changed, err)
	}
	if changed, _ := w.Changed(ctx); changed {
		t.Error("one commit reported twice")
	}
	// The store's own pool is "another connection" too.
	startTestDeployment(t, s)
	if changed, _ := changedSoon(); !changed {
		t.Error("own pool's write not seen")
	}
	if err := w.Close(); err != nil || w.Close() != nil {
		t.Error("close")
	}
	if _, err := w.Changed(ctx); err == nil {
		t.Error("closed watcher answered")
	}
}

func TestReadOnlyStoreNeverMarksReady(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	d := executing(t, s, testTemplate())
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if wrote, err := ro.MarkReady(context.Background(), d.ID, 0, t0.Add(time.Hour)); wrote || err != nil {
		t.Errorf("read-only MarkReady: %v %v", wrote, err)
	}
	if _, err := ro.Promote(context.Background(), d.ID, model.RolloutSeen{}, "", "bob", t0.Add(time.Hour)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only promote: %v", err)
	}
}

// Two dashboards pressing promote at once: the second sees the new stage in
// its own transaction and is refused, so the rollout moves one stage, and
// every dashboard noticing the soak end writes one ready event between them.
func TestConcurrentPromoteAndReady(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	d := executing(t, s, testTemplate())
	ctx := context.Background()
	stores := []*Store{s, openStore(t, path), openStore(t, path), openStore(t, path)}

	at := t0.Add(16 * time.Minute)
	type result struct {
		wrote bool
		err   error
	}
	ready := make(chan result, len(stores))
	for _, st := range stores {
		go func() {
			wrote, err := st.MarkReady(ctx, d.ID, 0, at)
			ready <- result{wrote, err}
		}()
	}
	wrote := 0
	for range stores {
		r := <-ready
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.wrote {
			wrote++
		}
	}
	if wrote != 1 {
		t.Errorf("%d stores wrote the ready event", wrote)
	}

	if _, _, err := s.RecordHealth(ctx, d.ID, 0.5, ptr(0.5), "dave", at.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, len(stores))
	for _, st := range stores {
		go func() {
			_, err := st.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", at)
			errs <- err
		}()
	}
	promoted := 0
	for range stores {
		err := <-errs
		switch {
		case err == nil:
			promoted++
		case !errors.Is(err, model.ErrNeedsReason):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if promoted != 1 || mustRollout(t, s, d.ID).Stage != 1 {
		t.Errorf("promoted %d times, stage %d", promoted, mustRollout(t, s, d.ID).Stage)
	}
}
