package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// rolloutT0 is the fixed start of every rollout test (model_test.go has its own t0).
var rolloutT0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func mustStart(t *testing.T, s Strategy, at time.Time) Rollout {
	t.Helper()
	r, err := Start(DefaultPlan(s), at)
	if err != nil {
		t.Fatalf("Start(%s): %v", s, err)
	}
	return r
}

// rolloutOK unwraps a transition's result, failing the test on an error:
// r = ok(Promote(...)).
func rolloutOK(t *testing.T) func(Rollout, error) Rollout {
	return func(r Rollout, err error) Rollout {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return r
	}
}

func wantErr(t *testing.T, err error, sub string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		t.Fatalf("err = %v, want one containing %q", err, sub)
	}
}

func TestDefaultPlans(t *testing.T) {
	m := time.Minute
	cases := []struct {
		s       Strategy
		labels  []string
		percent []int
		soaks   []time.Duration
	}{
		{StrategyCanary, []string{"5%", "25%", "50%", "100%"}, []int{5, 25, 50, 100}, []time.Duration{15 * m, 15 * m, 15 * m, 15 * m}},
		{StrategyBlueGreen, []string{"deploy green", "validate green", "switch traffic", "keep blue"}, []int{0, 0, 100, 100}, []time.Duration{0, 0, 15 * m, 30 * m}},
		{StrategyFeatureFlag, []string{"deployed dark", "internal users", "user segments", "everyone"}, []int{0, NoPercent, NoPercent, 100}, []time.Duration{0, 15 * m, 15 * m, 15 * m}},
		{StrategyAllAtOnce, []string{"100%"}, []int{100}, []time.Duration{15 * m}},
	}
	for _, c := range cases {
		t.Run(string(c.s), func(t *testing.T) {
			p := DefaultPlan(c.s)
			if p.Strategy != c.s || len(p.Stages) != len(c.labels) {
				t.Fatalf("plan = %+v", p)
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			for i, st := range p.Stages {
				if st.Label != c.labels[i] || st.Percent != c.percent[i] || st.Soak != c.soaks[i] || st.Name == "" || st.Note == "" {
					t.Errorf("stage %d = %+v, want %q %d%% %s", i, st, c.labels[i], c.percent[i], c.soaks[i])
				}
			}
		})
	}
	if p := DefaultPlan(""); p.Strategy != StrategyCanary {
		t.Errorf("empty strategy gives %q, want canary", p.Strategy)
	}
	if _, err := Start(DefaultPlan("big-bang"), rolloutT0); err == nil || !strings.Contains(err.Error(), "no stages") {
		t.Errorf("unknown strategy: err = %v", err)
	}
}

func TestPlanWithSoak(t *testing.T) {
	p := DefaultPlan(StrategyCanary)
	q, err := p.WithSoak("25%", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if q.Stages[1].Soak != 30*time.Minute || p.Stages[1].Soak != 15*time.Minute {
		t.Errorf("override leaked or missing: %s / %s", q.Stages[1].Soak, p.Stages[1].Soak)
	}
	if q, _ = p.WithSoak("CANARY-50", 0); q.Stages[2].Soak != 0 {
		t.Errorf("by name: %s", q.Stages[2].Soak)
	}
	_, err = p.WithSoak("75%", time.Minute)
	wantErr(t, err, "canary-5, canary-25")
	_, err = p.WithSoak("5%", -time.Minute)
	wantErr(t, err, "negative")
	// DefaultPlan hands out fresh slices: a caller's edit never leaks.
	p.Stages[0].Soak = time.Hour
	if DefaultPlan(StrategyCanary).Stages[0].Soak != DefaultSoak {
		t.Error("DefaultPlan shares its stages")
	}
	bad := Plan{Strategy: StrategyCanary, Stages: []Stage{{Label: "x", Percent: 101}}}
	wantErr(t, bad.Validate(), "traffic 101%")
}

func TestRolloutStatusOverSoak(t *testing.T) {
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)
	end := t0.Add(15 * time.Minute)
	cases := []struct {
		name      string
		now       time.Time
		state     RolloutState
		elapsed   time.Duration
		remaining time.Duration
		waiting   time.Duration
		progress  float64
	}{
		{"at start", t0, RolloutSoaking, 0, 15 * time.Minute, 0, 0},
		{"mid-soak", t0.Add(7*time.Minute + 30*time.Second), RolloutSoaking, 450 * time.Second, 450 * time.Second, 0, 0.5},
		{"1s before end", end.Add(-time.Second), RolloutSoaking, 15*time.Minute - time.Second, time.Second, 0, float64(15*time.Minute-time.Second) / float64(15*time.Minute)},
		// The clock rule: the end's second is shown as reached from its start.
		{"1ns before end", end.Add(-1), RolloutSoaking, 15*time.Minute - time.Second, time.Second, 0, float64(15*time.Minute-time.Second) / float64(15*time.Minute)},
		{"exactly at soak end", end, RolloutReady, 15 * time.Minute, 0, 0, 1},
		{"after", end.Add(4 * time.Minute), RolloutReady, 15 * time.Minute, 0, 4 * time.Minute, 1},
		{"hours after: never negative", end.Add(10 * time.Hour), RolloutReady, 15 * time.Minute, 0, 10 * time.Hour, 1},
		{"clock behind start", t0.Add(-5 * time.Minute), RolloutSoaking, 0, 15 * time.Minute, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := r.Status(c.now, false)
			if s.State != c.state || s.Elapsed != c.elapsed || s.Remaining != c.remaining || s.Waiting != c.waiting || s.Progress != c.progress {
				t.Errorf("got state %q elapsed %s remaining %s waiting %s progress %v", s.State, s.Elapsed, s.Remaining, s.Waiting, s.Progress)
			}
			if s.Label != "1/4 · 5%" || s.Stage != 0 || s.StageCount != 4 || s.Next != "25%" || s.Percent != 5 || s.Last {
				t.Errorf("stage fields: %+v", s)
			}
			if !s.EndsAt.Equal(end) {
				t.Errorf("EndsAt = %s, want %s", s.EndsAt, end)
			}
			if want := ShownAt(c.now).Add(c.remaining + 45*time.Minute); !s.ETA.Equal(want) {
				t.Errorf("ETA = %s, want %s", s.ETA, want)
			}
			if s.Remaining < 0 {
				t.Error("negative remaining")
			}
		})
	}
	if s := r.Status(t0, true); s.State != RolloutCriteriaMet {
		t.Errorf("criteria met: state %q", s.State)
	}
}

func TestRolloutETA(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	cases := []struct {
		s    Strategy
		want time.Duration
	}{
		{StrategyCanary, 60 * time.Minute},
		{StrategyBlueGreen, 45 * time.Minute},
		{StrategyFeatureFlag, 45 * time.Minute},
		{StrategyAllAtOnce, 15 * time.Minute},
	}
	for _, c := range cases {
		if got := mustStart(t, c.s, t0).Status(t0, false).ETA; !got.Equal(t0.Add(c.want)) {
			t.Errorf("%s: ETA %s, want t0+%s", c.s, got, c.want)
		}
	}
	// Stage 2 of a canary, 5 minutes in: 10 left here + 15 + 15 after.
	r := mustStart(t, StrategyCanary, t0)
	r = ok(Promote(r, t0.Add(20*time.Minute), "", Gate{}))
	now := t0.Add(25 * time.Minute)
	if s := r.Status(now, false); !s.ETA.Equal(now.Add(40*time.Minute)) || s.Label != "2/4 · 25%" || s.Next != "50%" {
		t.Errorf("stage 2: %+v", s)
	}
	// While paused the ETA slides with now, from the stored remaining time.
	r = ok(Pause(r, now))
	later := now.Add(time.Hour)
	if s := r.Status(later, false); !s.ETA.Equal(later.Add(40 * time.Minute)) {
		t.Errorf("paused ETA %s", s.ETA)
	}
	// Blue-green's zero-soak stages are ready at once.
	bg := mustStart(t, StrategyBlueGreen, t0)
	if s := bg.Status(t0, false); s.State != RolloutReady || s.Progress != 1 || s.Percent != 0 || s.Label != "1/4 · deploy green" {
		t.Errorf("blue-green start: %+v", s)
	}
}

func TestRolloutPauseResume(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)
	r = ok(Pause(r, t0.Add(5*time.Minute)))
	if r.RemainingAtPause != 10*time.Minute || !r.PausedAt.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("pause stored %s at %s", r.RemainingAtPause, r.PausedAt)
	}
	_, err := Pause(r, t0.Add(6*time.Minute))
	wantErr(t, err, "already paused (since 14:05:00 UTC)")

	// A restart: the record goes through millisecond storage and back.
	stored := r
	stored.PausedAt = time.UnixMilli(r.PausedAt.UnixMilli()).UTC()
	stored.StageStartedAt = time.UnixMilli(r.StageStartedAt.UnixMilli()).UTC()
	for _, now := range []time.Time{t0.Add(5 * time.Minute), t0.Add(time.Hour), t0.Add(72 * time.Hour)} {
		s := stored.Status(now, false)
		if s.State != RolloutPaused || s.Remaining != 10*time.Minute || s.Elapsed != 5*time.Minute || !s.EndsAt.IsZero() || s.Progress != 1.0/3 {
			t.Errorf("paused at %s: %+v", now, s)
		}
	}

	resumeAt := t0.Add(65 * time.Minute)
	r = ok(Resume(stored, resumeAt))
	s := r.Status(resumeAt, false)
	if !s.EndsAt.Equal(resumeAt.Add(10*time.Minute)) || s.Remaining != 10*time.Minute || s.State != RolloutSoaking {
		t.Errorf("after resume: %+v", s)
	}
	if r.PausedTotal != time.Hour || r.Paused {
		t.Errorf("PausedTotal %s paused %v", r.PausedTotal, r.Paused)
	}
	if s := r.Status(resumeAt.Add(10*time.Minute), false); s.State != RolloutReady || s.Remaining != 0 {
		t.Errorf("soak should end exactly at resume+remaining: %+v", s)
	}
	_, err = Resume(r, resumeAt)
	wantErr(t, err, "not paused")
}

func TestRolloutPauseAfterSoakPinsEnd(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)
	r = ok(Pause(r, t0.Add(20*time.Minute)))
	r = ok(Resume(r, t0.Add(30*time.Minute)))
	s := r.Status(t0.Add(32*time.Minute), false)
	if !s.EndsAt.Equal(t0.Add(15*time.Minute)) || s.State != RolloutReady || s.Waiting != 7*time.Minute {
		t.Errorf("pausing while ready moved the soak end: %+v", s)
	}
}

func TestRolloutClockBackwards(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)
	r = ok(Pause(r, t0.Add(10*time.Minute)))
	// The clock steps back 8 minutes before resume: no negative pause.
	r = ok(Resume(r, t0.Add(2*time.Minute)))
	if r.PausedTotal != 0 {
		t.Errorf("PausedTotal %s", r.PausedTotal)
	}
	r = ok(Promote(r, t0.Add(-time.Hour), "clock test", Gate{}))
	if h := r.History[0]; h.PromotedAt.Before(h.StartedAt) || r.StageStartedAt.Before(t0) {
		t.Errorf("record runs backwards: %+v", h)
	}
	for _, st := range r.StageTimes(t0.Add(-time.Hour)) {
		if st.Soaking < 0 || st.Waiting < 0 || st.Paused < 0 {
			t.Errorf("negative stage time: %+v", st)
		}
	}
	if s := r.Status(t0.Add(-time.Hour), false); s.Remaining != 15*time.Minute || s.Elapsed != 0 {
		t.Errorf("status with clock behind: %+v", s)
	}
}

func TestRolloutPromote(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)

	_, err := Promote(r, t0.Add(7*time.Minute+30*time.Second), "  ", Gate{})
	wantErr(t, err, "stage 1/4 · 5% has 07:30 of its 15:00 soak left (ends 14:15:00 UTC): give a reason to promote early")
	if !errors.Is(err, ErrNeedsReason) {
		t.Error("early promote should match ErrNeedsReason")
	}

	early := ok(Promote(r, t0.Add(10*time.Minute), " metrics flat, on-call agrees ", Gate{}))
	if len(r.History) != 0 {
		t.Fatal("Promote changed its input")
	}
	h := early.History[0]
	if h.Override != "metrics flat, on-call agrees" || !h.SoakEndedAt.IsZero() || !h.PromotedAt.Equal(t0.Add(10*time.Minute)) || h.CriteriaMet {
		t.Errorf("early record: %+v", h)
	}
	if early.Stage != 1 || !early.StageStartedAt.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("not at stage 2: %+v", early)
	}

	onTime := ok(Promote(r, t0.Add(15*time.Minute), "", Gate{}))
	if h := onTime.History[0]; h.Override != "" || !h.SoakEndedAt.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("on-time record: %+v", h)
	}
	noted := ok(Promote(r, t0.Add(16*time.Minute), "looks good", Gate{}))
	if noted.History[0].Override != "" {
		t.Error("a reason that overrode nothing is not an override")
	}

	_, err = Promote(r, t0.Add(20*time.Minute), "", metGate)
	wantErr(t, err, "rollback criteria are met: give an override reason to promote anyway, or abort to roll back")
	if !errors.Is(err, ErrNeedsReason) {
		t.Error("criteria refusal should match ErrNeedsReason")
	}
	over := ok(Promote(r, t0.Add(20*time.Minute), "spike is a known batch job", metGate))
	if h := over.History[0]; h.Override != "spike is a known batch job" || !h.CriteriaMet {
		t.Errorf("override record: %+v", h)
	}

	paused := ok(Pause(r, t0.Add(20*time.Minute)))
	_, err = Promote(paused, t0.Add(21*time.Minute), "go", Gate{})
	wantErr(t, err, "paused: resume it before you promote")

	// Through to the last stage, where promote points to finish.
	last := onTime
	for i := 0; i < 2; i++ {
		last = ok(Promote(last, last.StageStartedAt.Add(15*time.Minute), "", Gate{}))
	}
	if s := last.Status(last.StageStartedAt, false); s.Label != "4/4 · 100%" || !s.Last || s.Next != "" {
		t.Errorf("last stage: %+v", s)
	}
	_, err = Promote(last, last.StageStartedAt.Add(time.Hour), "", Gate{})
	wantErr(t, err, "4/4 · 100% is the last stage: use finish")
}

func TestRolloutFinish(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)
	_, err := Finish(r, t0.Add(time.Hour), "", Gate{})
	wantErr(t, err, "at stage 1/4 · 5%: promote through every stage before finishing")

	one := mustStart(t, StrategyAllAtOnce, t0)
	_, err = Finish(one, t0.Add(5*time.Minute), "", Gate{})
	wantErr(t, err, "give a reason to finish early")
	_, err = Finish(one, t0.Add(20*time.Minute), "", metGate)
	wantErr(t, err, "override reason to finish anyway")

	done := ok(Finish(one, t0.Add(20*time.Minute), "", Gate{}))
	s := done.Status(t0.Add(3*time.Hour), false)
	if s.State != RolloutComplete || s.Remaining != 0 || s.Progress != 1 || !s.ETA.IsZero() || !s.EndsAt.IsZero() || !done.Ended() {
		t.Errorf("complete: %+v", s)
	}
	if len(done.History) != 1 || !done.History[0].PromotedAt.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("finish record: %+v", done.History)
	}
	for name, f := range map[string]func(Rollout, time.Time) (Rollout, error){"pause": Pause, "resume": Resume, "abort": Abort} {
		_, err := f(done, t0.Add(4*time.Hour))
		wantErr(t, err, "cannot "+name+": rollout already completed at 14:20:00 UTC")
	}
	_, err = Promote(done, t0.Add(4*time.Hour), "x", Gate{})
	wantErr(t, err, "already completed")
}

func TestRolloutAbortAndRollBack(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	r := mustStart(t, StrategyCanary, t0)
	r = ok(Promote(r, t0.Add(15*time.Minute), "", Gate{}))
	_, err := RolledBack(r, t0.Add(20*time.Minute))
	wantErr(t, err, "not rolling back: abort it first")

	r = ok(Pause(r, t0.Add(20*time.Minute)))
	ab := ok(Abort(r, t0.Add(23*time.Minute)))
	if ab.Paused || ab.PausedTotal != 3*time.Minute || !ab.AbortedAt.Equal(t0.Add(23*time.Minute)) {
		t.Errorf("abort while paused: %+v", ab)
	}
	s := ab.Status(t0.Add(2*time.Hour), true)
	if s.State != RolloutRollingBack || s.Elapsed != 5*time.Minute || s.Remaining != 10*time.Minute || !s.ETA.IsZero() || s.Next != "" {
		t.Errorf("rolling back (frozen at abort): %+v", s)
	}
	_, err = Abort(ab, t0.Add(24*time.Minute))
	wantErr(t, err, "cannot abort: rollout is rolling back")
	_, err = Promote(ab, t0.Add(24*time.Minute), "x", Gate{})
	wantErr(t, err, "rolling back")

	rb := ok(RolledBack(ab, t0.Add(30*time.Minute)))
	if st := rb.Status(t0.Add(3*time.Hour), false).State; st != RolloutRolledBack {
		t.Errorf("state %q", st)
	}
	_, err = RolledBack(rb, t0.Add(31*time.Minute))
	wantErr(t, err, "already rolled back at 14:30:00 UTC")
	_, err = Abort(rb, t0.Add(31*time.Minute))
	wantErr(t, err, "rolled back")

	times := rb.StageTimes(t0.Add(3 * time.Hour))
	if len(times) != 2 || times[1].Soaking != 5*time.Minute || times[1].Paused != 3*time.Minute || times[1].Waiting != 0 {
		t.Errorf("stage times frozen at abort: %+v", times)
	}
}

func TestRolloutStageTimes(t *testing.T) {
	ok := rolloutOK(t)
	t0 := rolloutT0
	m := time.Minute
	r := mustStart(t, StrategyCanary, t0)
	// Stage 1: soak 15, a human promotes 5 later.
	r = ok(Promote(r, t0.Add(20*m), "", Gate{}))
	// Stage 2: paused 3 during the soak, promoted 2 after it ended.
	r = ok(Pause(r, t0.Add(25*m)))
	r = ok(Resume(r, t0.Add(28*m)))
	r = ok(Promote(r, t0.Add(40*m), "", Gate{}))
	// Stage 3: promoted early after 6.
	r = ok(Promote(r, t0.Add(46*m), "urgent fix", Gate{}))
	// Stage 4 (current): soak ends at 61, paused 62-66 while waiting, now 70.
	r = ok(Pause(r, t0.Add(62*m)))
	r = ok(Resume(r, t0.Add(66*m)))
	got := r.StageTimes(t0.Add(70 * m))
	want := []StageTime{
		{Stage: 0, Label: "5%", StartedAt: t0, EndedAt: t0.Add(20 * m), Soaking: 15 * m, Waiting: 5 * m},
		{Stage: 1, Label: "25%", StartedAt: t0.Add(20 * m), EndedAt: t0.Add(40 * m), Soaking: 15 * m, Waiting: 2 * m, Paused: 3 * m},
		{Stage: 2, Label: "50%", StartedAt: t0.Add(40 * m), EndedAt: t0.Add(46 * m), Soaking: 6 * m, Override: "urgent fix"},
		{Stage: 3, Label: "100%", StartedAt: t0.Add(46 * m), Soaking: 15 * m, Waiting: 5 * m, Paused: 4 * m},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d stages: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stage %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// Current stage while paused: the open pause counts, soaking stands still.
	p := ok(Pause(r, t0.Add(72*m)))
	cur := p.StageTimes(t0.Add(80 * m))[3]
	if cur.Soaking != 15*m || cur.Waiting != 7*m || cur.Paused != 12*m {
		t.Errorf("current while paused: %+v", cur)
	}
	// Finished: every stage is a record, none is "current".
	done := ok(Finish(r, t0.Add(75*m), "", Gate{}))
	if ts := done.StageTimes(t0.Add(5 * time.Hour)); len(ts) != 4 || ts[3].Waiting != 10*m || ts[3].EndedAt != t0.Add(75*m) {
		t.Errorf("finished: %+v", ts)
	}
}

func TestRolloutZeroValue(t *testing.T) {
	var r Rollout
	if s := r.Status(rolloutT0, true); s != (RolloutStatus{}) {
		t.Errorf("zero status: %+v", s)
	}
	if r.StageTimes(rolloutT0) != nil || r.Started() {
		t.Error("zero rollout has stage times or counts as started")
	}
	_, err := Promote(r, rolloutT0, "x", Gate{})
	wantErr(t, err, "no rollout started")
	_, err = Pause(r, rolloutT0)
	wantErr(t, err, "no rollout started")
	bad := mustStart(t, StrategyCanary, rolloutT0)
	bad.Stage = 7
	_, err = Abort(bad, rolloutT0)
	wantErr(t, err, "stage 8 but its plan has 4 stages")
	if s := bad.Status(rolloutT0, false); s.StageCount != 0 {
		t.Error("corrupt record should not produce a status")
	}
}

func TestRolloutStartStoresUTC(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	r := mustStart(t, StrategyCanary, time.Now().In(loc))
	if r.StartedAt.Location() != time.UTC || r.StageStartedAt != r.StartedAt {
		t.Errorf("start time not UTC wall clock: %v", r.StartedAt)
	}
	if r.StartedAt.String() != r.StartedAt.Round(0).String() {
		t.Error("monotonic reading kept")
	}
}

func TestFormatCountdown(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00"},
		{-5 * time.Second, "00:00"},
		{time.Nanosecond, "00:00"},
		{999 * time.Millisecond, "00:00"},
		{59*time.Second + 900*time.Millisecond, "00:59"},
		{time.Minute, "01:00"},
		{7*time.Minute + 30*time.Second, "07:30"},
		{15 * time.Minute, "15:00"},
		{59*time.Minute + 59*time.Second + 1, "59:59"},
		{time.Hour, "1:00:00"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1:02:03"},
		{26 * time.Hour, "26:00:00"},
	}
	for _, c := range cases {
		if got := FormatCountdown(c.d); got != c.want {
			t.Errorf("FormatCountdown(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}

// metGate is a gate whose rollback criteria are met.
var metGate = Gate{Criteria: []string{"error rate 9.5% is 9.1 points above baseline 0.4%"}}
