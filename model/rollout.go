package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Soak defaults. The seed says "monitor for 15-30 minutes": we take the lower
// bound per stage because a canary is promoted several times, and keep blue
// for the upper bound because it is the last cheap way back.
const (
	DefaultSoak  = 15 * time.Minute
	KeepBlueSoak = 30 * time.Minute
)

// NoPercent marks a stage whose audience is not a share of traffic
// (e.g. "internal users").
const NoPercent = -1

// Stage is one step of a rollout plan. Soak is the minimum time to watch the
// stage before promoting; promoting earlier needs a reason.
type Stage struct {
	Name    string // stable id, used by config to override the soak ("canary-25")
	Label   string // what people read ("25%", "validate green")
	Percent int    // share of traffic on the new version, or NoPercent
	Soak    time.Duration
	Note    string // the seed's wording for the step, for the pane
}

// Plan is the ordered stages of one strategy. It is plain data so
// configuration can override soak times.
type Plan struct {
	Strategy Strategy
	Stages   []Stage
}

// DefaultPlan is the seed's plan for a strategy ("Progressive Delivery
// Strategies"). The empty strategy gets canary, the default strategy; an
// unknown one gets a plan with no stages, which Start rejects.
//
// Blue-green: deploying and validating green carry no minimum soak —
// validation is done by people, who promote when it passes. Switching traffic
// soaks 15 min: that is the first time real users reach green, so the seed's
// "monitor for 15-30 minutes" applies. Keep blue then holds the old
// environment 30 min for a quick rollback before finishing.
func DefaultPlan(s Strategy) Plan {
	switch s {
	case StrategyCanary, "":
		return Plan{Strategy: StrategyCanary, Stages: []Stage{
			{Name: "canary-5", Label: "5%", Percent: 5, Soak: DefaultSoak, Note: "Deploy to small percentage of production traffic"},
			{Name: "canary-25", Label: "25%", Percent: 25, Soak: DefaultSoak, Note: "Gradually increase if metrics are healthy"},
			{Name: "canary-50", Label: "50%", Percent: 50, Soak: DefaultSoak, Note: "Gradually increase if metrics are healthy"},
			{Name: "canary-100", Label: "100%", Percent: 100, Soak: DefaultSoak, Note: "All traffic: final watch before finishing"},
		}}
	case StrategyBlueGreen:
		return Plan{Strategy: s, Stages: []Stage{
			{Name: "deploy-green", Label: "deploy green", Percent: 0, Soak: 0, Note: "Deploy to parallel environment (green)"},
			{Name: "validate-green", Label: "validate green", Percent: 0, Soak: 0, Note: "Run validation tests on green environment"},
			{Name: "switch-traffic", Label: "switch traffic", Percent: 100, Soak: DefaultSoak, Note: "Switch traffic from blue to green"},
			{Name: "keep-blue", Label: "keep blue", Percent: 100, Soak: KeepBlueSoak, Note: "Keep blue environment available for quick rollback"},
		}}
	case StrategyFeatureFlag:
		return Plan{Strategy: s, Stages: []Stage{
			{Name: "dark", Label: "deployed dark", Percent: 0, Soak: 0, Note: "Deploy code with feature disabled"},
			{Name: "internal", Label: "internal users", Percent: NoPercent, Soak: DefaultSoak, Note: "Enable for internal users first"},
			{Name: "segments", Label: "user segments", Percent: NoPercent, Soak: DefaultSoak, Note: "Gradually roll out to user segments"},
			{Name: "everyone", Label: "everyone", Percent: 100, Soak: DefaultSoak, Note: "Monitor and adjust rollout speed based on metrics"},
		}}
	case StrategyAllAtOnce:
		return Plan{Strategy: s, Stages: []Stage{
			{Name: "all", Label: "100%", Percent: 100, Soak: DefaultSoak, Note: "All traffic at once: watch before finishing"},
		}}
	}
	return Plan{Strategy: s}
}

// Validate rejects plans a rollout could not run through.
func (p Plan) Validate() error {
	if len(p.Stages) == 0 {
		return fmt.Errorf("rollout plan for %q has no stages: use one of %s", p.Strategy, strategyNames())
	}
	for i, st := range p.Stages {
		switch {
		case strings.TrimSpace(st.Label) == "":
			return fmt.Errorf("stage %d of the %s plan has no label", i+1, p.Strategy)
		case st.Soak < 0:
			return fmt.Errorf("stage %d (%s) has a negative soak %s", i+1, st.Label, st.Soak)
		case st.Percent < NoPercent || st.Percent > 100:
			return fmt.Errorf("stage %d (%s) has traffic %d%%: use 0-100, or -1 when not a percentage", i+1, st.Label, st.Percent)
		}
	}
	return nil
}

// WithSoak returns a copy of the plan with one stage's soak replaced; the
// stage is named by Name or Label, case-insensitively. This is how
// configuration overrides the defaults without mutating a shared plan.
func (p Plan) WithSoak(stage string, soak time.Duration) (Plan, error) {
	if soak < 0 {
		return p, fmt.Errorf("soak for %q is negative (%s): use 0 or more", stage, soak)
	}
	want := strings.ToLower(strings.TrimSpace(stage))
	for i, st := range p.Stages {
		if strings.ToLower(st.Name) == want || strings.ToLower(st.Label) == want {
			out := p.clone()
			out.Stages[i].Soak = soak
			return out, nil
		}
	}
	names := make([]string, len(p.Stages))
	for i, st := range p.Stages {
		names[i] = st.Name
	}
	return p, fmt.Errorf("the %s plan has no stage %q: use one of %s", p.Strategy, stage, strings.Join(names, ", "))
}

// SoakFrom is the sum of the soaks of stage i and every later stage.
func (p Plan) SoakFrom(i int) time.Duration {
	var d time.Duration
	for j := max(i, 0); j < len(p.Stages); j++ {
		d += p.Stages[j].Soak
	}
	return d
}

func (p Plan) clone() Plan {
	p.Stages = slices.Clone(p.Stages)
	return p
}

func strategyNames() string {
	names := make([]string, len(Strategies))
	for i, st := range Strategies {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// StageRecord is a stage that has ended: promoted out of, or finished.
type StageRecord struct {
	Stage       int
	StartedAt   time.Time
	SoakEndedAt time.Time // zero when promoted before the soak ended
	PromotedAt  time.Time // or finished at, for the last stage
	Paused      time.Duration
	Override    string // the reason, when promoting early or against met rollback criteria
	CriteriaMet bool   // rollback criteria were met when it was promoted (Override overrode them)
	// Overrode is what the override reason overrode, worst first (Gate.Needs),
	// for the event text; it is not stored.
	Overrode []string
}

// Rollout is the stored state of a deployment's rollout. It holds absolute
// UTC times and, while paused, the remaining duration — never a counter — so
// every process and every restart computes the same remaining time.
type Rollout struct {
	Plan           Plan
	Stage          int // index into Plan.Stages
	StartedAt      time.Time
	StageStartedAt time.Time

	Paused           bool
	PausedAt         time.Time     // zero when not paused
	RemainingAtPause time.Duration // soak left when paused; the truth while paused
	PausedTotal      time.Duration // closed pauses within the current stage
	// SoakEndedAt pins the current stage's soak end once a pause has seen it
	// pass, so pauses while waiting for a human do not move the end time.
	SoakEndedAt time.Time

	// LiveAt is when the first stage started taking traffic (GoLive): its
	// soak starts then, not when Deployment Execution began. Zero: not live.
	LiveAt time.Time

	AbortedAt    time.Time // set by Abort: rolling back
	RolledBackAt time.Time // set by RolledBack
	CompletedAt  time.Time // set by Finish

	History []StageRecord // stages that have ended, in order
}

// RolloutState is the rollout's state in words, as the pane shows it.
type RolloutState string

// Rollout states.
const (
	RolloutSoaking     RolloutState = "soaking"
	RolloutReady       RolloutState = "ready to promote"
	RolloutPaused      RolloutState = "paused"
	RolloutNotLive     RolloutState = "not live yet"
	RolloutNeedsHealth RolloutState = "needs a health reading"
	RolloutCriteriaMet RolloutState = "rollback criteria met"
	RolloutHold        RolloutState = "hold"
	RolloutRollingBack RolloutState = "rolling back"
	RolloutRolledBack  RolloutState = "rolled back"
	RolloutComplete    RolloutState = "complete"
)

// ErrNeedsReason matches (errors.Is) every refusal that a reason would lift:
// promoting or finishing before the soak ended, or while rollback criteria are
// met. The UI uses it to open a reason prompt instead of just showing an error.
var ErrNeedsReason = errors.New("a reason is required")

type needsReasonError struct{ msg string }

func (e needsReasonError) Error() string        { return e.msg }
func (e needsReasonError) Is(target error) bool { return target == ErrNeedsReason }

// Start begins a rollout of plan at its first stage, live at once: its
// soak starts at `at`. StartPending is the one that waits for the canary.
func Start(plan Plan, at time.Time) (Rollout, error) {
	r, err := StartPending(plan, at)
	if err != nil {
		return r, err
	}
	return GoLive(r, at)
}

// StartPending begins a rollout whose first stage is not taking traffic
// yet: its soak does not run until GoLive ("Deploy to staging/canary
// environment first" is ticked), so the 15 minutes cannot be served before
// the canary sees a request.
func StartPending(plan Plan, at time.Time) (Rollout, error) {
	if err := plan.Validate(); err != nil {
		return Rollout{}, err
	}
	at = at.UTC()
	return Rollout{Plan: plan.clone(), StartedAt: at, StageStartedAt: at}, nil
}

// GoLive marks the first stage live at `at`: its soak starts now.
func GoLive(r Rollout, at time.Time) (Rollout, error) {
	if err := r.checkActive("go live"); err != nil {
		return r, err
	}
	if r.Live() {
		return r, fmt.Errorf("stage %s is already live (since %s UTC)", r.stageLabel(), textClock(r.LiveAt))
	}
	at = r.notBefore(at)
	r.LiveAt, r.StageStartedAt = at, at
	return r, nil
}

// Live reports whether the rollout's first stage takes traffic.
func (r Rollout) Live() bool { return !r.LiveAt.IsZero() }

// ErrNotLive is the refusal to promote, finish or pause a rollout whose
// first stage does not take traffic yet.
var ErrNotLive = errors.New("not live yet")

func (r Rollout) checkLive(action string) error {
	if r.Live() {
		return nil
	}
	return fmt.Errorf("cannot %s: stage %s is %w — tick “%s” when it takes traffic (flightdeck deploy live), its soak starts then",
		action, r.stageLabel(), ErrNotLive, LiveItemText)
}

// Promote moves the rollout to its next stage. Whatever the gate lists
// (a holding incident, met rollback criteria, unknown health, the soak
// left) needs a reason, which is recorded. The last stage is left with
// Finish, so "promote" never completes a deploy by accident.
func Promote(r Rollout, at time.Time, reason string, g Gate) (Rollout, error) {
	at, err := r.checkRunning(at, "promote")
	if err != nil {
		return r, err
	}
	if r.Stage == len(r.Plan.Stages)-1 {
		return r, fmt.Errorf("stage %s is the last stage: use finish to complete the rollout", r.stageLabel())
	}
	rec, err := r.closeStage(at, reason, g, "promote")
	if err != nil {
		return r, err
	}
	next := r.withHistory(rec)
	if !next.Live() {
		next.LiveAt = at // promoted with a reason over "not live yet": it is now
	}
	next.Stage++
	next.StageStartedAt = at
	next.PausedTotal = 0
	next.SoakEndedAt = time.Time{}
	return next, nil
}

// Finish completes the rollout from its last stage, under the same rules as
// Promote, plus the gate's open checklist items: leaving any needs a reason.
func Finish(r Rollout, at time.Time, reason string, g Gate) (Rollout, error) {
	at, err := r.checkRunning(at, "finish")
	if err != nil {
		return r, err
	}
	if last := len(r.Plan.Stages) - 1; r.Stage != last {
		return r, fmt.Errorf("rollout is at stage %s: promote through every stage before finishing", r.stageLabel())
	}
	rec, err := r.closeStage(at, reason, g, "finish")
	if err != nil {
		return r, err
	}
	next := r.withHistory(rec)
	if !next.Live() {
		next.LiveAt = at
	}
	next.CompletedAt = at
	return next, nil
}

// Pause stops the soak clock and stores what is left of it as shown at `at`
// (whole seconds, by the clock rule), so the remaining time survives
// restarts exactly and reads the same while paused and just after resume.
func Pause(r Rollout, at time.Time) (Rollout, error) {
	if err := r.checkActive("pause"); err != nil {
		return r, err
	}
	if err := r.checkLive("pause"); err != nil {
		return r, err
	}
	if r.Paused {
		return r, fmt.Errorf("rollout is already paused (since %s UTC): resume it first", r.PausedAt.Format("15:04:05"))
	}
	at = r.notBefore(at)
	rem := r.remaining(at)
	if rem == 0 && r.SoakEndedAt.IsZero() {
		r.SoakEndedAt = r.soakEnd()
	}
	r.Paused, r.PausedAt, r.RemainingAtPause = true, at, rem
	return r, nil
}

// Resume restarts the soak clock: the soak now ends at `at` plus the stored
// remaining time.
func Resume(r Rollout, at time.Time) (Rollout, error) {
	if err := r.checkActive("resume"); err != nil {
		return r, err
	}
	if !r.Paused {
		return r, errors.New("rollout is not paused: nothing to resume")
	}
	r = r.closePause(r.notBefore(at))
	return r, nil
}

// Abort stops the rollout and starts the rollback. It is allowed in every
// running state, paused or not, and never needs a reason from the model: a
// rollback must never be blocked.
func Abort(r Rollout, at time.Time) (Rollout, error) {
	if err := r.checkActive("abort"); err != nil {
		return r, err
	}
	at = r.notBefore(at)
	if r.Paused {
		r = r.closePause(at)
	}
	r.AbortedAt = at
	return r, nil
}

// RolledBack records that the rollback finished: the previous version runs.
func RolledBack(r Rollout, at time.Time) (Rollout, error) {
	if err := r.checkStarted(); err != nil {
		return r, err
	}
	switch {
	case r.AbortedAt.IsZero():
		return r, errors.New("rollout is not rolling back: abort it first")
	case !r.RolledBackAt.IsZero():
		return r, fmt.Errorf("rollout was already rolled back at %s UTC", r.RolledBackAt.Format("15:04:05"))
	}
	r.RolledBackAt = r.notBefore(at)
	return r, nil
}

// Ended reports whether the stage timer has stopped for good (aborted or
// completed): pipelines waiting on a rollout stop here.
func (r Rollout) Ended() bool { return !r.AbortedAt.IsZero() || !r.CompletedAt.IsZero() }

// Started reports whether r is a rollout at all (the zero value is not).
func (r Rollout) Started() bool { return r.checkStarted() == nil }

// checkStarted guards against the zero value and corrupt stored records, so
// nothing below can index out of range.
func (r Rollout) checkStarted() error {
	if len(r.Plan.Stages) == 0 || r.StartedAt.IsZero() {
		return errors.New("no rollout started for this deployment")
	}
	if r.Stage < 0 || r.Stage >= len(r.Plan.Stages) {
		return fmt.Errorf("stored rollout is at stage %d but its plan has %d stages", r.Stage+1, len(r.Plan.Stages))
	}
	return nil
}

func (r Rollout) checkActive(action string) error {
	if err := r.checkStarted(); err != nil {
		return err
	}
	switch {
	case !r.CompletedAt.IsZero():
		return fmt.Errorf("cannot %s: rollout already completed at %s UTC", action, r.CompletedAt.Format("15:04:05"))
	case !r.RolledBackAt.IsZero():
		return fmt.Errorf("cannot %s: rollout was rolled back", action)
	case !r.AbortedAt.IsZero():
		return fmt.Errorf("cannot %s: rollout is rolling back", action)
	}
	return nil
}

// checkRunning is checkActive plus "not paused": moving on while the clock is
// stopped would skip whatever the pause was for.
func (r Rollout) checkRunning(at time.Time, action string) (time.Time, error) {
	if err := r.checkActive(action); err != nil {
		return at, err
	}
	if r.Paused {
		return at, fmt.Errorf("rollout is paused: resume it before you %s", action)
	}
	return r.notBefore(at), nil
}

// closeStage builds the record of the current stage ending at `at`, or the
// refusal when a reason is needed and missing.
func (r Rollout) closeStage(at time.Time, reason string, g Gate, action string) (StageRecord, error) {
	reason = strings.TrimSpace(reason)
	needs, err := checkGate(r, at, g, reason, action)
	if err != nil {
		return StageRecord{}, err
	}
	rem := r.remaining(at)
	rec := StageRecord{Stage: r.Stage, StartedAt: r.StageStartedAt, PromotedAt: at, Paused: r.PausedTotal, CriteriaMet: g.CriteriaMet()}
	if rem == 0 {
		rec.SoakEndedAt = r.soakEnd()
	}
	if len(needs) > 0 {
		rec.Override, rec.Overrode = reason, needs
	}
	return rec, nil
}

// withHistory returns r with rec appended to a fresh copy of History, so the
// caller's value never shares a backing array with the result.
func (r Rollout) withHistory(rec StageRecord) Rollout {
	h := make([]StageRecord, len(r.History), len(r.History)+1)
	copy(h, r.History)
	r.History = append(h, rec)
	return r
}

// closePause counts the pause in whole shown seconds (Elapsed), which keeps
// the soak end's sub-second phase: the soak then ends at ⌊end⌋+pause, so the
// first countdown after a resume is exactly the RemainingAtPause shown while
// paused (D22), and the pause table adds up with the clocks people saw.
func (r Rollout) closePause(at time.Time) Rollout {
	r.PausedTotal += Elapsed(r.PausedAt, at)
	r.Paused, r.PausedAt, r.RemainingAtPause = false, time.Time{}, 0
	return r
}

// notBefore treats a clock that jumped backwards as no time having passed, so
// stored records never hold negative durations. It also drops the monotonic
// reading and zone: stored times are UTC wall-clock times.
func (r Rollout) notBefore(at time.Time) time.Time {
	at = at.UTC()
	for _, t := range []time.Time{r.StartedAt, r.StageStartedAt, r.PausedAt, r.AbortedAt} {
		if at.Before(t) {
			at = t.UTC()
		}
	}
	return at
}

func (r Rollout) stage() Stage { return r.Plan.Stages[r.Stage] }

// stageLabel is "2/4 · 25%".
func (r Rollout) stageLabel() string {
	return fmt.Sprintf("%d/%d · %s", r.Stage+1, len(r.Plan.Stages), r.stage().Label)
}

// active is the time spent in the current stage up to `at`, excluding
// pauses, in shown seconds (clock rule: Elapsed); it stands still while
// paused and is never negative.
func (r Rollout) active(at time.Time) time.Duration {
	if !r.Live() {
		return 0 // the soak has not started: the canary takes no traffic yet
	}
	if r.Paused && at.After(r.PausedAt) {
		at = r.PausedAt
	}
	return max(Elapsed(r.StageStartedAt, at)-r.PausedTotal, 0)
}

// remaining is the soak left at `at`, in [0, soak], by the clock rule:
// Left(at, soakEnd), so the soak is over (0, ready) from the second its end
// is shown as. While paused it is the stored duration, so a paused timer is
// identical everywhere.
func (r Rollout) remaining(at time.Time) time.Duration {
	soak := r.stage().Soak
	switch {
	case r.Paused:
		return min(max(r.RemainingAtPause, 0), soak)
	case !r.SoakEndedAt.IsZero():
		return 0
	case !r.Live():
		return soak // the soak has not started: the canary takes no traffic yet
	}
	return min(Left(at, r.soakEnd()), soak)
}

// soakEnd is the absolute time the current stage's soak ends (or ended).
func (r Rollout) soakEnd() time.Time {
	if !r.SoakEndedAt.IsZero() {
		return r.SoakEndedAt
	}
	return r.StageStartedAt.Add(r.PausedTotal + r.stage().Soak)
}

// clock is `now`, or the moment the rollout ended: an ended rollout's figures
// no longer move.
func (r Rollout) clock(now time.Time) time.Time {
	switch {
	case !r.CompletedAt.IsZero():
		return r.CompletedAt
	case !r.AbortedAt.IsZero():
		return r.AbortedAt
	}
	return now
}

// RolloutStatus is everything the pane, the header and `deploy status` show,
// computed from the stored rollout and `now`.
type RolloutStatus struct {
	Stage      int // index of the current stage
	StageCount int
	StageLabel string // the stage's own label: "25%"
	Percent    int    // or NoPercent
	Label      string // "2/4 · 25%"
	Last       bool   // on the last stage: the next action is finish
	State      RolloutState
	Soak       time.Duration
	Elapsed    time.Duration // soak served so far, excluding pauses: Soak − Remaining
	Remaining  time.Duration // soak left in whole seconds (clock rule), never negative
	Waiting    time.Duration // time since the soak ended, excluding pauses
	EndsAt     time.Time     // when the soak ends; zero while paused or ended
	Next       string        // label of the next stage, "" on the last
	ETA        time.Time     // when the last soak (the finish) would end if promoted promptly; zero once ended
	Progress   float64       // Elapsed/Soak in [0, 1], 1 only once Remaining is 0 (and when there is no soak)
}

// Status is the rollout as of `now`. criteriaMet is whether rollback criteria
// are met (see RollbackRule and Declaration); it turns a running rollout into
// a hold. The zero Rollout gives the zero status.
func (r Rollout) Status(now time.Time, criteriaMet bool) RolloutStatus {
	if r.checkStarted() != nil {
		return RolloutStatus{}
	}
	st, n := r.stage(), len(r.Plan.Stages)
	at := r.clock(now)
	s := RolloutStatus{
		Stage: r.Stage, StageCount: n, StageLabel: st.Label, Percent: st.Percent,
		Label: r.stageLabel(), Last: r.Stage == n-1, Soak: st.Soak,
		Remaining: r.remaining(at),
	}
	s.Elapsed = st.Soak - s.Remaining
	if s.Remaining == 0 {
		s.Waiting = max(r.active(at)-st.Soak, 0)
	}
	s.Progress = 1
	if st.Soak > 0 {
		s.Progress = float64(s.Elapsed) / float64(st.Soak)
	}
	s.State = r.state(s.Remaining, criteriaMet)
	if !r.CompletedAt.IsZero() {
		s.Remaining, s.Progress = 0, 1 // Elapsed keeps what was served
	}
	if r.Ended() {
		return s
	}
	if !s.Last {
		s.Next = r.Plan.Stages[r.Stage+1].Label
	}
	if !r.Paused && r.Live() {
		s.EndsAt = r.soakEnd()
	}
	// From the shown second: clock + remaining + later soaks, so the ETA
	// shown is the soak end shown plus the rest of the plan.
	s.ETA = ShownAt(now.UTC()).Add(s.Remaining + r.Plan.SoakFrom(r.Stage+1))
	return s
}

// state picks the one word for the pane. Ended states win; then a hold,
// because met rollback criteria matter more than a stopped clock.
func (r Rollout) state(remaining time.Duration, criteriaMet bool) RolloutState {
	switch {
	case !r.CompletedAt.IsZero():
		return RolloutComplete
	case !r.RolledBackAt.IsZero():
		return RolloutRolledBack
	case !r.AbortedAt.IsZero():
		return RolloutRollingBack
	case criteriaMet:
		return RolloutCriteriaMet
	case r.Paused:
		return RolloutPaused
	case !r.Live():
		return RolloutNotLive
	case remaining == 0:
		return RolloutReady
	}
	return RolloutSoaking
}

// StageTime splits a stage's time into soaking (the soak clock running),
// waiting (soak over, a human has not promoted yet) and paused.
type StageTime struct {
	Stage     int
	Label     string
	StartedAt time.Time
	EndedAt   time.Time // zero for the current stage
	Soaking   time.Duration
	Waiting   time.Duration
	Paused    time.Duration
	Override  string
}

// StageTimes is the soaking vs waiting split of every stage reached so far,
// the current one up to `now` (or to the abort). It shows where a rollout's
// time went: the soak the plan asked for, or people not promoting.
func (r Rollout) StageTimes(now time.Time) []StageTime {
	if r.checkStarted() != nil {
		return nil
	}
	out := make([]StageTime, 0, len(r.History)+1)
	for _, h := range r.History {
		if h.Stage < 0 || h.Stage >= len(r.Plan.Stages) {
			continue
		}
		out = append(out, r.recordTime(h))
	}
	if !r.CompletedAt.IsZero() {
		return out
	}
	return append(out, r.currentTime(r.clock(now)))
}

func (r Rollout) recordTime(h StageRecord) StageTime {
	st := r.Plan.Stages[h.Stage]
	paused := max(h.Paused, 0)
	active := max(Elapsed(h.StartedAt, h.PromotedAt)-paused, 0)
	soaking := min(active, st.Soak)
	if !h.SoakEndedAt.IsZero() {
		soaking = st.Soak // served: promoted from the second its end was shown
	}
	return StageTime{Stage: h.Stage, Label: st.Label, StartedAt: h.StartedAt, EndedAt: h.PromotedAt,
		Soaking: soaking, Waiting: max(active-soaking, 0), Paused: paused, Override: h.Override}
}

func (r Rollout) currentTime(at time.Time) StageTime {
	paused := r.PausedTotal
	if r.Paused {
		paused += Elapsed(r.PausedAt, at)
	}
	active := r.active(at)
	soaking := r.stage().Soak - r.remaining(at)
	return StageTime{Stage: r.Stage, Label: r.stage().Label, StartedAt: r.StageStartedAt,
		Soaking: soaking, Waiting: max(active-soaking, 0), Paused: paused}
}
