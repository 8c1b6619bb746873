package model

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StepTrigger says when an escalation step's clock starts.
type StepTrigger string

// Step triggers.
const (
	// TriggerAtOpen: due Delay after the incident was opened.
	TriggerAtOpen StepTrigger = "at-open"
	// TriggerAfterMajor: due Delay after the incident last became SEV1/SEV2
	// (see Incident.MajorSince); not needed while it is SEV3/SEV4.
	TriggerAfterMajor StepTrigger = "after-major"
	// TriggerManual: only when someone escalates to it (escalate-now, skip-to).
	TriggerManual StepTrigger = "manual"
	// TriggerSecurity: due Delay after the incident was flagged
	// security-related; not needed without the flag. Security steps run
	// beside the main path: skip-to never skips them.
	TriggerSecurity StepTrigger = "security"
)

// Valid reports whether t is a known trigger.
func (t StepTrigger) Valid() bool {
	switch t {
	case TriggerAtOpen, TriggerAfterMajor, TriggerManual, TriggerSecurity:
		return true
	}
	return false
}

// EscalationStep is one rung of the escalation ladder.
//
// Severities limits when the step is scheduled automatically (empty: every
// severity). Any step can be reached manually whatever the severity.
type EscalationStep struct {
	Number     int
	Role       string
	Person     string // who fills the role; empty when not configured
	Delay      time.Duration
	Severities []Severity
	Trigger    StepTrigger
}

// AppliesTo reports whether the step is scheduled automatically for s.
func (s EscalationStep) AppliesTo(sev Severity) bool {
	return len(s.Severities) == 0 || slices.Contains(s.Severities, sev)
}

// Roles of the seed's "Escalation Path".
const (
	RoleOnCall   = "On-call DevOps Engineer"
	RoleEngLead  = "Engineering Lead"
	RoleDirector = "Product/Engineering Director"
	RoleSecurity = "Security Lead"
)

// ShortRole is the role's name for narrow columns: "Eng Lead".
func (s EscalationStep) ShortRole() string {
	switch strings.ToLower(strings.TrimSpace(s.Role)) {
	case strings.ToLower(RoleOnCall):
		return "On-call"
	case strings.ToLower(RoleEngLead):
		return "Eng Lead"
	case strings.ToLower(RoleDirector):
		return "Director"
	case strings.ToLower(RoleSecurity):
		return "Security"
	}
	return s.Role
}

// Describe says when the step is due, for help text and reports:
// "15m after it became SEV1/SEV2 (SEV1, SEV2)".
func (s EscalationStep) Describe() string {
	var when string
	switch s.Trigger {
	case TriggerAtOpen:
		when = "at open"
		if s.Delay > 0 {
			when = FormatDurationExact(s.Delay) + " after open"
		}
	case TriggerAfterMajor:
		when = FormatDurationExact(s.Delay) + " after it became SEV1/SEV2"
	case TriggerManual:
		return "manual"
	case TriggerSecurity:
		when = "when flagged security-related"
		if s.Delay > 0 {
			when = FormatDurationExact(s.Delay) + " after flagged security-related"
		}
	default:
		return "unknown trigger " + strconv.Quote(string(s.Trigger))
	}
	if len(s.Severities) > 0 {
		when += " (" + escSeverityList(s.Severities) + " only; manual otherwise)"
	}
	return when
}

func escSeverityList(sevs []Severity) string {
	parts := make([]string, len(sevs))
	for i, s := range sevs {
		parts[i] = s.Label()
	}
	return strings.Join(parts, ", ")
}

// EscalationPolicy is the escalation ladder as data. Steps are in order of
// Number; that order is the main path skip-to moves along.
type EscalationPolicy struct {
	Steps []EscalationStep
}

// DefaultPolicy is the seed's "Escalation Path":
//
//  1. On-call DevOps Engineer, at open, every severity;
//  2. Engineering Lead, 15 min after the incident became SEV1/SEV2 if it is
//     not resolved;
//  3. Product/Engineering Director, 45 min after it became SEV1 — 30 min
//     after the Engineering Lead was due — for SEV1; manual otherwise;
//  4. Security Lead, at once when the incident is flagged security-related.
func DefaultPolicy() EscalationPolicy {
	return EscalationPolicy{Steps: []EscalationStep{
		{Number: 1, Role: RoleOnCall, Trigger: TriggerAtOpen},
		{Number: 2, Role: RoleEngLead, Delay: 15 * time.Minute, Severities: []Severity{SEV1, SEV2}, Trigger: TriggerAfterMajor},
		{Number: 3, Role: RoleDirector, Delay: 45 * time.Minute, Severities: []Severity{SEV1}, Trigger: TriggerAfterMajor},
		{Number: 4, Role: RoleSecurity, Trigger: TriggerSecurity},
	}}
}

// Validate explains what is wrong with a policy, or returns nil.
func (p EscalationPolicy) Validate() error {
	if len(p.Steps) == 0 {
		return fmt.Errorf("escalation policy has no steps")
	}
	prev := 0
	for _, s := range p.Steps {
		where := fmt.Sprintf("escalation step %d", s.Number)
		switch {
		case s.Number <= 0:
			return fmt.Errorf("escalation step number %d: number steps from 1", s.Number)
		case s.Number <= prev:
			return fmt.Errorf("%s: steps must be in increasing order of number, each once", where)
		case strings.TrimSpace(s.Role) == "":
			return fmt.Errorf("%s: role is empty", where)
		case s.Delay < 0:
			return fmt.Errorf("%s: delay %s is negative", where, s.Delay)
		case !s.Trigger.Valid():
			return fmt.Errorf("%s: unknown trigger %q: use at-open, after-major, manual or security", where, s.Trigger)
		}
		for _, sev := range s.Severities {
			if !sev.Valid() {
				return fmt.Errorf("%s: severity %d is not valid: use SEV1–SEV4", where, int(sev))
			}
		}
		prev = s.Number
	}
	return nil
}

// Step finds a step by number.
func (p EscalationPolicy) Step(number int) (EscalationStep, bool) {
	for _, s := range p.Steps {
		if s.Number == number {
			return s, true
		}
	}
	return EscalationStep{}, false
}

// WithRoster fills Person for steps without one from a role → person map.
// Roles match case-insensitively by full or short name ("Eng Lead").
func (p EscalationPolicy) WithRoster(roster map[string]string) EscalationPolicy {
	steps := slices.Clone(p.Steps)
	for i, s := range steps {
		if s.Person != "" {
			continue
		}
		for role, person := range roster {
			if strings.EqualFold(strings.TrimSpace(role), s.Role) || strings.EqualFold(strings.TrimSpace(role), s.ShortRole()) {
				steps[i].Person = strings.TrimSpace(person)
				break
			}
		}
	}
	return EscalationPolicy{Steps: steps}
}

// StepState is where one escalation step stands.
type StepState string

// Step states.
const (
	// StepPending: scheduled, due time not reached.
	StepPending StepState = "pending"
	// StepDue: the due time passed less than StepDueGrace ago, not acknowledged.
	StepDue StepState = "due"
	// StepOverdue: the due time passed StepDueGrace or more ago, not acknowledged.
	StepOverdue StepState = "overdue"
	// StepAcknowledged: someone recorded that the person was reached.
	StepAcknowledged StepState = "acknowledged"
	// StepSkipped: a skip-to a later step passed over it.
	StepSkipped StepState = "skipped"
	// StepNotNeeded: not scheduled for this incident (severity, trigger,
	// no security flag, lowered below SEV2), or resolved before it was due.
	StepNotNeeded StepState = "not needed"
)

// Active reports whether the step still has a clock someone must act on.
func (s StepState) Active() bool { return s == StepPending || s == StepDue || s == StepOverdue }

// StepDueGrace is how long a step reads "due" before it turns "overdue".
const StepDueGrace = time.Minute

// StepStatus is one rung of an incident's ladder at a moment.
type StepStatus struct {
	Step  EscalationStep
	Due   time.Time // zero when the step was never scheduled
	State StepState
	// Remaining is the time left before Due while pending; otherwise 0.
	// Overdue is how long ago Due passed while due or overdue; otherwise 0.
	// Both follow the clock rule (clock.go): whole shown seconds, the step
	// due from the second Due is shown as, +01:00 a minute after it.
	Remaining time.Duration
	Overdue   time.Duration
	// AckedBy recorded the acknowledgement; Reached is who was reached.
	AckedBy, Reached string
	AckedAt          time.Time
	// Why explains a skipped, not-needed or manually escalated step.
	Why string
}

// Ladder is every step's state for inc at now — a pure function of the
// incident's history and now, never of when it was last computed.
//
// Rules, in order of precedence:
//   - acknowledged: an Ack for the step at or before now (the earliest counts);
//   - skipped: a skip-to a later step of the main path passed over it (a later
//     escalate-now or skip-to on this step brings it back);
//   - not needed: never scheduled — at-open/security steps whose Severities
//     exclude the current severity, after-major steps while SEV3/SEV4 (a
//     downgrade cancels them, a new upgrade schedules them again from that
//     moment), SEV1-only steps on a SEV2, manual steps nobody escalated to,
//     the security step without the flag — or the incident was resolved at or
//     before the due time;
//   - pending before Due, due for StepDueGrace after it, overdue afterwards
//     (by the clock rule: due from the second Due is shown as).
//
// Escalate-now and skip-to make their step due at that moment (or keep an
// earlier scheduled time). Mitigation does not stop the clocks: the seed's
// rule is "not resolved". A resolved incident's ladder is frozen at
// ResolvedAt: a step missed before resolution stays overdue by the amount
// it was missed.
func (p EscalationPolicy) Ladder(inc Incident, now time.Time) []StepStatus {
	eff := now
	resolved := inc.Status == IncidentResolved && !inc.ResolvedAt.After(now)
	if resolved && !inc.ResolvedAt.IsZero() {
		eff = inc.ResolvedAt
	}
	sev := inc.SeverityAt(eff)
	majorSince, major := inc.MajorSince(eff)

	// Manual escalations, oldest first, as of eff.
	type manual struct {
		forced  time.Time
		forceBy ManualEscalation
		skipBy  *ManualEscalation
	}
	man := make([]manual, len(p.Steps))
	idx := func(number int) int {
		return slices.IndexFunc(p.Steps, func(s EscalationStep) bool { return s.Number == number })
	}
	escs := slices.Clone(inc.Escalations)
	slices.SortStableFunc(escs, func(a, b ManualEscalation) int { return a.At.Compare(b.At) })
	for k := range escs {
		m := escs[k]
		j := idx(m.Step)
		if j < 0 || m.At.After(eff) || (m.Kind != ManualEscalateNow && m.Kind != ManualSkipTo) {
			continue
		}
		if man[j].forced.IsZero() {
			man[j].forced, man[j].forceBy = m.At, m
		}
		man[j].skipBy = nil
		if m.Kind == ManualSkipTo && p.Steps[j].Trigger != TriggerSecurity {
			for e := 0; e < j; e++ {
				// A step paged with escalate-now stays "paged, not reached":
				// skipping past it must not relabel a page as skipped.
				paged := !man[e].forced.IsZero() && man[e].forceBy.Kind == ManualEscalateNow
				if p.Steps[e].Trigger != TriggerSecurity && !paged {
					man[e].skipBy = &escs[k]
				}
			}
		}
	}

	out := make([]StepStatus, len(p.Steps))
	for j, st := range p.Steps {
		s := StepStatus{Step: st}
		due, why := escScheduled(st, inc, sev, major, majorSince, eff)
		if f := man[j].forced; !f.IsZero() && (due.IsZero() || f.Before(due)) {
			due = f
			why = escManualWhy("escalated", man[j].forceBy)
		}
		s.Due = due
		ack, acked := escFirstAck(inc.Acks, st.Number, now)
		switch {
		case acked:
			s.State, s.AckedBy, s.Reached, s.AckedAt = StepAcknowledged, ack.By, ack.Reached, ack.At
			s.Why = why
		case man[j].skipBy != nil:
			s.State = StepSkipped
			s.Why = escManualWhy(fmt.Sprintf("skipped to step %d", man[j].skipBy.Step), *man[j].skipBy)
		case due.IsZero():
			s.State, s.Why = StepNotNeeded, why
		case resolved && !Reached(eff, due):
			s.State, s.Why = StepNotNeeded, "resolved before it was due"
		case !Reached(eff, due):
			s.State, s.Remaining, s.Why = StepPending, Left(eff, due), why
		default:
			s.Overdue = Elapsed(due, eff)
			s.State, s.Why = StepOverdue, why
			if s.Overdue < StepDueGrace {
				s.State = StepDue
			}
		}
		out[j] = s
	}
	return out
}

// escScheduled is a step's automatic due time (zero when not scheduled) and,
// when not scheduled, why.
func escScheduled(st EscalationStep, inc Incident, sev Severity, major bool, majorSince, eff time.Time) (time.Time, string) {
	switch st.Trigger {
	case TriggerAtOpen:
		if !st.AppliesTo(sev) {
			return time.Time{}, fmt.Sprintf("automatic for %s only", escSeverityList(st.Severities))
		}
		return inc.OpenedAt.Add(st.Delay), ""
	case TriggerAfterMajor:
		if !major {
			if escWasMajor(inc, eff) {
				return time.Time{}, fmt.Sprintf("lowered to %s", sev.Label())
			}
			return time.Time{}, fmt.Sprintf("%s: only SEV1/SEV2 escalate", sev.Label())
		}
		if !st.AppliesTo(sev) {
			return time.Time{}, fmt.Sprintf("automatic for %s only; escalate manually", escSeverityList(st.Severities))
		}
		return majorSince.Add(st.Delay), ""
	case TriggerManual:
		return time.Time{}, "manual: escalate to it when needed"
	case TriggerSecurity:
		at := inc.SecurityAt
		if at.IsZero() {
			at = inc.OpenedAt
		}
		if !inc.Security || at.After(eff) {
			return time.Time{}, "not flagged security-related"
		}
		if !st.AppliesTo(sev) {
			return time.Time{}, fmt.Sprintf("automatic for %s only", escSeverityList(st.Severities))
		}
		return at.Add(st.Delay), ""
	}
	return time.Time{}, fmt.Sprintf("unknown trigger %q", st.Trigger)
}

// escWasMajor reports whether the incident was SEV1/SEV2 at any time up to at.
func escWasMajor(inc Incident, at time.Time) bool {
	hist := inc.severityHistory()
	if inc.initialSeverity(hist).Major() {
		return true
	}
	for _, c := range hist {
		if !c.At.After(at) && c.To.Major() {
			return true
		}
	}
	return false
}

func escManualWhy(what string, m ManualEscalation) string {
	s := what
	if m.By != "" {
		s += " by " + m.By
	}
	if r := strings.TrimSpace(m.Reason); r != "" {
		s += ": " + r
	}
	return s
}

func escFirstAck(acks []Ack, step int, now time.Time) (Ack, bool) {
	var best Ack
	found := false
	for _, a := range acks {
		if a.Step != step || a.At.After(now) {
			continue
		}
		if !found || a.At.Before(best.At) {
			best, found = a, true
		}
	}
	return best, found
}

// NextDeadline is the step someone must act on first: among pending, due
// and overdue steps, the one with the earliest due time (so the most overdue
// one when any is overdue). ok is false when there is none, and always for a
// resolved incident.
func (p EscalationPolicy) NextDeadline(inc Incident, now time.Time) (StepStatus, bool) {
	return escNext(inc, p.Ladder(inc, now))
}

func escNext(inc Incident, ladder []StepStatus) (StepStatus, bool) {
	if inc.Status == IncidentResolved {
		return StepStatus{}, false
	}
	var best StepStatus
	found := false
	for _, s := range ladder {
		if !s.State.Active() {
			continue
		}
		if !found || s.Due.Before(best.Due) {
			best, found = s, true
		}
	}
	return best, found
}

// NextEscalation is the step "escalate now" reaches when no step is named:
// the first step of the main path after the last one already reached (due,
// overdue, acknowledged or skipped) that is pending or not needed. ok is
// false for a resolved incident or when the ladder is exhausted.
func (p EscalationPolicy) NextEscalation(inc Incident, now time.Time) (EscalationStep, bool) {
	if inc.Status == IncidentResolved {
		return EscalationStep{}, false
	}
	ladder := p.Ladder(inc, now)
	last := -1
	for j, s := range ladder {
		if s.Step.Trigger == TriggerSecurity {
			continue
		}
		switch s.State {
		case StepDue, StepOverdue, StepAcknowledged, StepSkipped:
			last = j
		}
	}
	for j := last + 1; j < len(ladder); j++ {
		s := ladder[j]
		if s.Step.Trigger != TriggerSecurity && (s.State == StepPending || s.State == StepNotNeeded) {
			return s.Step, true
		}
	}
	return EscalationStep{}, false
}

// CheckAck explains why step cannot be acknowledged on inc, or returns nil.
// A resolved incident may still record an acknowledgement after the fact.
func (p EscalationPolicy) CheckAck(inc Incident, step int, now time.Time) error {
	if _, ok := p.Step(step); !ok {
		return p.escNoStep(step)
	}
	if a, ok := escFirstAck(inc.Acks, step, now); ok {
		who := a.Reached
		if who == "" {
			who = "someone"
		}
		return fmt.Errorf("%s step %d is already acknowledged (%s reached)", inc.Ref(), step, who)
	}
	return nil
}

// CheckManual explains why an escalate-now or skip-to cannot be recorded, or
// returns the trimmed reason. Both need a reason, for the timeline.
func (p EscalationPolicy) CheckManual(inc Incident, kind ManualKind, step int, reason string, now time.Time) (string, error) {
	if kind != ManualEscalateNow && kind != ManualSkipTo {
		return "", fmt.Errorf("unknown manual escalation %q: use escalate-now or skip-to", kind)
	}
	if !inc.Status.Active() {
		return "", fmt.Errorf("%s is resolved: nothing left to escalate", inc.Ref())
	}
	if _, ok := p.Step(step); !ok {
		return "", p.escNoStep(step)
	}
	for _, s := range p.Ladder(inc, now) {
		if s.Step.Number != step {
			continue
		}
		switch s.State {
		case StepAcknowledged:
			return "", fmt.Errorf("%s step %d (%s) is already acknowledged", inc.Ref(), step, s.Step.Role)
		case StepDue, StepOverdue:
			if kind == ManualEscalateNow {
				return "", fmt.Errorf("%s step %d (%s) is already due: acknowledge it once %s is reached", inc.Ref(), step, s.Step.Role, s.Step.ShortRole())
			}
		}
	}
	return incCheckText("reason", reason, MaxReason, "say why, it goes in the timeline")
}

func (p EscalationPolicy) escNoStep(step int) error {
	nums := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		nums[i] = strconv.Itoa(s.Number)
	}
	return fmt.Errorf("there is no escalation step %d: the policy has steps %s", step, strings.Join(nums, ", "))
}

// NoEscalationDeadline is Urgency's value for an incident with no running
// escalation clock.
const NoEscalationDeadline time.Duration = math.MaxInt64

// Urgency is a sort key, smaller is more urgent: the time until the next
// deadline of the ladder, negative when overdue (never shown to people as
// such). NoEscalationDeadline when there is none.
func Urgency(inc Incident, ladder []StepStatus, now time.Time) time.Duration {
	s, ok := escNext(inc, ladder)
	if !ok {
		return NoEscalationDeadline
	}
	return s.Due.Sub(now)
}

// SortByUrgency orders incidents for the escalation pane, in place: overdue
// first (most overdue first), then the soonest deadline, then unresolved
// before resolved, then by severity (SEV1 first), then oldest first.
func SortByUrgency(incs []Incident, p EscalationPolicy, now time.Time) {
	type keyed struct {
		inc Incident
		urg time.Duration
	}
	ks := make([]keyed, len(incs))
	for i, inc := range incs {
		ks[i] = keyed{inc, Urgency(inc, p.Ladder(inc, now), now)}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.urg, b.urg); c != 0 {
			return c
		}
		if ar, br := !a.inc.Status.Active(), !b.inc.Status.Active(); ar != br {
			if ar {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(a.inc.Severity, b.inc.Severity); c != 0 {
			return c
		}
		if c := a.inc.OpenedAt.Compare(b.inc.OpenedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.inc.ID, b.inc.ID)
	})
	for i := range ks {
		incs[i] = ks[i].inc
	}
}
