package model

import (
	"fmt"
	"strings"
	"time"
)

// DefaultHealthMaxAge is how old the latest health reading may be when a
// stage is promoted or finished without a reason (config: rollout:
// health_max_age). Five minutes is a third of the seed's 15-minute soak: a
// reading older than that says little about the traffic now on the canary.
const DefaultHealthMaxAge = 5 * time.Minute

// Gate is everything besides the soak clock that decides whether a rollout
// may move on without a recorded reason. The store builds it inside the
// action's transaction; the dashboard builds the same from its snapshot, so
// both show and enforce one rule. The zero Gate holds nothing and requires
// no health reading (HealthMaxAge 0), which is what replayed history needs.
type Gate struct {
	Criteria     []string   // why rollback criteria are met (CriteriaMet); empty when not
	Incidents    []Incident // open incidents linked to the deployment; Holding picks those that hold
	Health       Health     // the latest reading, with ProbeFailingSince
	HealthMaxAge time.Duration
	// OpenItems are the checklist items still open that finishing would leave
	// ("Smoke tests passed in production"); set only for finish.
	OpenItems []string
	OpenPhase string // the phase OpenItems belong to, for the wording
}

// CriteriaMet reports whether rollback criteria are met.
func (g Gate) CriteriaMet() bool { return len(g.Criteria) > 0 }

// Holding is the incidents that hold the rollout: SEV1 or SEV2, not yet
// resolved. A mitigated incident still holds: the impact stopped, the cause
// is not known, and more traffic on the suspect version is the last thing
// a mitigation needs.
func (g Gate) Holding() []Incident {
	var out []Incident
	for _, in := range g.Incidents {
		if in.Severity.Major() && in.Status.Active() {
			out = append(out, in)
		}
	}
	return out
}

// HoldText is "INC-1 SEV1 open" (and ", INC-3 SEV2 mitigated"), or "".
func (g Gate) HoldText() string {
	var parts []string
	for _, in := range g.Holding() {
		parts = append(parts, fmt.Sprintf("%s %s %s", in.Ref(), in.Severity.Label(), in.Status))
	}
	return strings.Join(parts, ", ")
}

// LinkedIncidents keeps the incidents linked to deploymentID.
func LinkedIncidents(all []Incident, deploymentID int64) []Incident {
	var out []Incident
	for _, in := range all {
		if deploymentID != 0 && in.DeploymentID == deploymentID {
			out = append(out, in)
		}
	}
	return out
}

// HealthCheck says whether the latest reading can back a decision now.
type HealthCheck struct {
	Required bool // the stage carries traffic and a max age is configured
	Fresh    bool // a reading taken during the current stage, no older than the max age, probe not failing since
	Has      bool // any reading at all
	// LastAt is the latest reading's time (zero when none); FailingSince the
	// probe's first failure after it (zero when the probe is fine).
	LastAt, FailingSince time.Time
	// Failures and Reason: the probe's failed readings since FailingSince
	// and the latest one's reason (0 and "" when not known).
	Failures   int
	Reason     string
	StageStart time.Time // readings before this belong to an earlier stage
	MaxAge     time.Duration
	Stage      string // "2/4 · 25%"
}

// CheckHealth judges the latest reading for the current stage at `now`.
// Unknown (not Fresh) when there is none, when it was taken before the
// stage started, when it is older than the max age, or when the probe has
// failed since it was taken.
func (g Gate) CheckHealth(r Rollout, now time.Time) HealthCheck {
	c := HealthCheck{MaxAge: g.HealthMaxAge, Has: g.Health.Has, LastAt: g.Health.At, FailingSince: g.Health.ProbeFailingSince,
		Failures: g.Health.ProbeFailures, Reason: g.Health.ProbeReason}
	if r.checkStarted() != nil {
		return c
	}
	c.Stage, c.StageStart = r.stageLabel(), r.StageStartedAt
	c.Required = g.HealthMaxAge > 0 && r.stage().Percent != 0 && r.Live()
	if !c.FailingSince.IsZero() && c.Has && !c.FailingSince.After(c.LastAt) {
		c.FailingSince, c.Failures, c.Reason = time.Time{}, 0, "" // failed before the reading: it recovered
	}
	c.Fresh = c.Has && r.Live() && !c.LastAt.Before(r.StageStartedAt) &&
		now.Sub(c.LastAt) <= g.HealthMaxAge && c.FailingSince.IsZero()
	if g.HealthMaxAge <= 0 {
		c.Fresh = c.Has && c.FailingSince.IsZero()
	}
	return c
}

// Text says why health is unknown, with since when, or "" when fresh:
// "no reading for 6m (probe failing since 09:55:23)", "no reading during
// stage 2/4 · 25% yet (last one 18m ago)", "no error rate recorded yet".
// Times are shown in loc.
func (c HealthCheck) Text(now time.Time, loc *time.Location) string {
	if c.Fresh {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	failing := ""
	if !c.FailingSince.IsZero() {
		failing = " (" + ProbeFailingText(c.FailingSince, c.Failures, c.Reason, loc) + ")"
	}
	switch {
	case !c.Has:
		return "no error rate recorded yet" + failing
	case c.LastAt.Before(c.StageStart):
		return fmt.Sprintf("no reading during stage %s yet (last one %s ago)%s", c.Stage, FormatDurationShort(now.Sub(c.LastAt)), failing)
	case failing == "" && c.MaxAge > 0:
		return fmt.Sprintf("no reading for %s (older than %s)", FormatDurationShort(now.Sub(c.LastAt)), FormatDurationExact(c.MaxAge))
	}
	return fmt.Sprintf("no reading for %s%s", FormatDurationShort(now.Sub(c.LastAt)), failing)
}

// Needs lists what moving on from the current stage at `at` would
// override, worst first: holding incidents, met criteria, unknown health,
// open items (finish), the soak left. Empty: nothing needs a reason.
func (g Gate) Needs(r Rollout, at time.Time) []string {
	if r.checkStarted() != nil {
		return nil
	}
	var out []string
	if h := g.HoldText(); h != "" {
		out = append(out, "HOLD: "+h)
	}
	if g.CriteriaMet() {
		out = append(out, "rollback criteria met ("+strings.Join(g.Criteria, "; ")+")")
	}
	if c := g.CheckHealth(r, at); c.Required && !c.Fresh {
		out = append(out, "health unknown: "+c.Text(at, time.UTC))
	}
	if !r.Live() {
		out = append(out, fmt.Sprintf("stage %s is not live yet (its soak never started: tick “%s”)", r.stageLabel(), LiveItemText))
	}
	if len(g.OpenItems) > 0 {
		out = append(out, OpenItemsText(g.OpenPhase, g.OpenItems))
	}
	if rem := r.remaining(at); rem > 0 {
		out = append(out, fmt.Sprintf("%s of the %s soak left", FormatCountdown(rem), FormatCountdown(r.stage().Soak)))
	}
	return out
}

// OpenItemsText is "15 Deployment Execution items open (Smoke tests passed
// in production, No spike in error rates or alerts triggered, …)": at most
// three named, so the line stays readable.
func OpenItemsText(phase string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	named := items
	more := ""
	if len(named) > 3 {
		named, more = named[:3], ", …"
	}
	if phase == "" {
		phase = "checklist"
	}
	return fmt.Sprintf("%s open (%s%s)", textCount(len(items), phase+" item", phase+" items"), strings.Join(named, ", "), more)
}

// OpenItems is the text of every item of phase that is neither done nor
// n/a, in checklist order.
func OpenItems(items []Item, phase string) []string {
	var out []string
	for _, it := range items {
		if it.Phase == phase && !it.State.Resolved() {
			out = append(out, it.Text)
		}
	}
	return out
}

// Assess is the rollout's status under the gate: one state, worst first.
// Ended states win; then HOLD (a SEV1/SEV2 open on the deployment), then
// ROLLBACK CRITERIA MET, then paused, not live, soaking; a served soak is
// READY only with a fresh health reading, else it needs one.
func (r Rollout) Assess(now time.Time, g Gate) RolloutStatus {
	s := r.Status(now, g.CriteriaMet())
	if r.checkStarted() != nil || r.Ended() {
		return s
	}
	switch {
	case len(g.Holding()) > 0:
		s.State = RolloutHold
	case s.State == RolloutReady:
		if c := g.CheckHealth(r, now); c.Required && !c.Fresh {
			s.State = RolloutNeedsHealth
		}
	}
	return s
}

// checkGate is the refusal when moving on needs a reason and none was
// given; the message lists everything that would be overridden.
func checkGate(r Rollout, at time.Time, g Gate, reason, action string) ([]string, error) {
	needs := g.Needs(r, at)
	if strings.TrimSpace(reason) != "" || len(needs) == 0 {
		return needs, nil
	}
	if rem := r.remaining(at); len(needs) == 1 && rem > 0 {
		return needs, needsReasonError{fmt.Sprintf("stage %s has %s of its %s soak left (ends %s UTC): give a reason to %s early",
			r.stageLabel(), FormatCountdown(rem), FormatCountdown(r.stage().Soak), textClock(r.soakEnd()), action)}
	}
	if len(needs) == 1 && g.CriteriaMet() {
		return needs, needsReasonError{fmt.Sprintf("rollback criteria are met: give an override reason to %s anyway, or abort to roll back", action)}
	}
	return needs, needsReasonError{strings.Join(needs, "; ") + ": give a reason to " + action + " anyway (recorded)"}
}

// CheckLeave refuses leaving open items behind without a reason; it is
// finish's rule for a rolled-back deployment, whose rollout has no stage
// left to gate.
func CheckLeave(phase string, open []string, reason, action string) error {
	if len(open) == 0 || strings.TrimSpace(reason) != "" {
		return nil
	}
	return needsReasonError{OpenItemsText(phase, open) + ": give a reason to " + action + " anyway (recorded)"}
}

// ProbeFailingText is the probe's failure spell as the status lines show
// it: "probe failing since 09:55:23, 12 attempts: HTTP 503" (without a
// count or reason when none is known), the time in loc.
func ProbeFailingText(since time.Time, attempts int, reason string, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	s := "probe failing since " + since.In(loc).Format(time.TimeOnly)
	if attempts > 0 {
		s += ", " + textCount(attempts, "attempt", "attempts")
	}
	if r := SanitizeLine(reason); r != "" {
		s += ": " + r
	}
	return s
}
