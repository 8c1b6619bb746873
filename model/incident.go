package model

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Severity is an incident's SEV level from the seed's "Severity Levels":
// SEV1 is the most severe. The zero value is "no severity" and is invalid.
type Severity int

// Severity levels (seed "Incident Response" → "Severity Levels").
const (
	SEV1 Severity = 1 + iota // Critical
	SEV2                     // High
	SEV3                     // Medium
	SEV4                     // Low
)

// Severities lists every severity, most severe first.
var Severities = []Severity{SEV1, SEV2, SEV3, SEV4}

// Valid reports whether s is SEV1–SEV4.
func (s Severity) Valid() bool { return s >= SEV1 && s <= SEV4 }

// Major reports whether s is SEV1 or SEV2: the severities that escalate to
// the Engineering Lead, need a commander and stakeholder updates, and freeze
// deployments.
func (s Severity) Major() bool { return s == SEV1 || s == SEV2 }

// Label is the badge text: "SEV1". An invalid severity reads "SEV?".
func (s Severity) Label() string {
	if !s.Valid() {
		return "SEV?"
	}
	return "SEV" + strconv.Itoa(int(s))
}

// String is Label, so %v prints "SEV2".
func (s Severity) String() string { return s.Label() }

// Name is the seed's one-word name: Critical, High, Medium or Low.
func (s Severity) Name() string {
	switch s {
	case SEV1:
		return "Critical"
	case SEV2:
		return "High"
	case SEV3:
		return "Medium"
	case SEV4:
		return "Low"
	}
	return "Unknown"
}

// Definition is the seed's wording for the level, verbatim.
func (s Severity) Definition() string {
	switch s {
	case SEV1:
		return "Complete service outage or data loss"
	case SEV2:
		return "Major feature broken, significant user impact"
	case SEV3:
		return "Minor feature issue, workaround available"
	case SEV4:
		return "Cosmetic issue or minor bug"
	}
	return ""
}

// Describe is the one-line help text for pickers and errors:
// "SEV1 (Critical): Complete service outage or data loss".
func (s Severity) Describe() string {
	return fmt.Sprintf("%s (%s): %s", s.Label(), s.Name(), s.Definition())
}

// ParseSeverity accepts "1", "sev1", "SEV1", "S1", "sev 1", "sev-1" and the
// names "critical", "high", "medium", "low" (case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	for _, sev := range Severities {
		if norm == strings.ToLower(sev.Name()) {
			return sev, nil
		}
	}
	// A separator only between the prefix and the digit ("sev-1", "sev 1"):
	// stripping every '-' made "-1" read as SEV1.
	digits := norm
	if d, ok := strings.CutPrefix(norm, "sev"); ok {
		digits = strings.TrimLeft(d, " -_")
	} else if d, ok := strings.CutPrefix(norm, "s"); ok {
		digits = strings.TrimLeft(d, " -_")
	}
	if n, err := strconv.Atoi(digits); err == nil && (n < 1 || n > 4) {
		return 0, fmt.Errorf("severity %q is outside 1–4: %s", s, severityChoices())
	}
	if len(digits) == 1 && digits[0] >= '1' && digits[0] <= '4' {
		return Severity(digits[0] - '0'), nil
	}
	if strings.TrimSpace(s) == "" {
		return 0, fmt.Errorf("severity is missing: %s", severityChoices())
	}
	return 0, fmt.Errorf("unknown severity %q: %s", s, severityChoices())
}

func severityChoices() string {
	parts := make([]string, len(Severities))
	for i, s := range Severities {
		parts[i] = s.Label() + " " + s.Name()
	}
	return "use 1–4 or SEV1–SEV4 (" + strings.Join(parts, ", ") + ")"
}

// ValidateSeverity explains why s is not a usable severity, or returns nil.
func ValidateSeverity(s Severity) error {
	if s == 0 {
		return fmt.Errorf("severity is missing: %s", severityChoices())
	}
	if !s.Valid() {
		return fmt.Errorf("severity %d is not valid: %s", int(s), severityChoices())
	}
	return nil
}

// IncidentStatus is where an incident is in its life.
//
// Transitions: open → mitigated → resolved, and open → resolved directly.
// A mitigated incident may go back to open when the mitigation does not hold
// (recorded as incident.reopened). Resolved is final: a recurrence is a new
// incident, so a resolved incident's clocks and report never change under it.
type IncidentStatus string

// Incident statuses.
const (
	IncidentOpen      IncidentStatus = "open"
	IncidentMitigated IncidentStatus = "mitigated"
	IncidentResolved  IncidentStatus = "resolved"
)

// Valid reports whether s is a known status.
func (s IncidentStatus) Valid() bool {
	return s == IncidentOpen || s == IncidentMitigated || s == IncidentResolved
}

// Active reports whether the incident still needs attention (open or
// mitigated, i.e. not resolved).
func (s IncidentStatus) Active() bool { return s == IncidentOpen || s == IncidentMitigated }

// CanBecome explains why s cannot move to next, or returns nil.
func (s IncidentStatus) CanBecome(next IncidentStatus) error {
	if !next.Valid() {
		return fmt.Errorf("unknown incident status %q: use open, mitigated or resolved", next)
	}
	if s == next {
		return fmt.Errorf("the incident is already %s", s)
	}
	switch s {
	case IncidentOpen:
		return nil // → mitigated or resolved
	case IncidentMitigated:
		return nil // → resolved, or back to open when the mitigation did not hold
	case IncidentResolved:
		return fmt.Errorf("the incident is resolved, which is final: open a new incident for a recurrence")
	}
	return fmt.Errorf("unknown incident status %q", s)
}

// SeverityChange records one change of severity after the incident opened.
type SeverityChange struct {
	At       time.Time
	From, To Severity
	By       string
}

// Ack records that the person behind an escalation step was reached.
type Ack struct {
	Step    int // EscalationStep.Number
	At      time.Time
	By      string // who recorded it
	Reached string // who was reached
}

// ManualKind is the kind of a manual escalation.
type ManualKind string

// Manual escalation kinds.
const (
	// ManualEscalateNow makes one step due at once.
	ManualEscalateNow ManualKind = "escalate-now"
	// ManualSkipTo makes one step due at once and marks every earlier,
	// unacknowledged step of the main path skipped.
	ManualSkipTo ManualKind = "skip-to"
)

// ManualEscalation is an escalate-now or skip-to-step, with its reason.
type ManualEscalation struct {
	Kind   ManualKind
	Step   int // EscalationStep.Number
	At     time.Time
	By     string
	Reason string
}

// Incident is one incident, INC-n.
//
// Severity is the current severity; SeverityHistory holds every change after
// opening (the severity at open is the first change's From), so the
// escalation clocks know when the incident became SEV1/SEV2.
type Incident struct {
	ID           int64
	Title        string
	Severity     Severity
	Status       IncidentStatus
	Security     bool
	SecurityAt   time.Time // when the security flag was set; zero: at open
	DeploymentID int64     // 0 when none

	Commander, Scribe, Comms string

	OpenedAt, MitigatedAt, ResolvedAt time.Time
	OpenedBy                          string

	RootCause   string
	ActionItems []ActionItem // numbered from 1, in order
	Postmortem  Postmortem
	Meeting     *PostmortemMeeting // the postmortem meeting; nil until scheduled

	SeverityHistory []SeverityChange
	Acks            []Ack
	Escalations     []ManualEscalation

	LastUpdateAt time.Time // last stakeholder update; zero when none
}

// Ref is the incident's public id: "INC-7".
func (i Incident) Ref() string { return "INC-" + strconv.FormatInt(i.ID, 10) }

// ParseIncidentRef accepts "INC-7", "inc-7", "#7" and "7".
func ParseIncidentRef(s string) (int64, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	if n, ok := strings.CutPrefix(norm, "inc-"); ok {
		norm = n
	} else if n, ok := strings.CutPrefix(norm, "inc"); ok {
		norm = n
	} else if n, ok := strings.CutPrefix(norm, "#"); ok {
		norm = n
	}
	id, err := strconv.ParseInt(norm, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an incident id: use INC-7 or 7", s)
	}
	return id, nil
}

// MaxIncidentTitle is the longest title accepted, in characters.
const MaxIncidentTitle = 200

// ValidateIncidentTitle trims a title and checks it: not empty, at most
// MaxIncidentTitle characters, valid UTF-8 and free of control characters.
func ValidateIncidentTitle(title string) (string, error) {
	return incCheckText("title", title, MaxIncidentTitle, `say what is broken, e.g. "checkout returns 500s"`)
}

// incCheckText trims s and validates it as one line of user text. hint, when
// not empty, makes the text required and says what to write.
func incCheckText(field, s string, max int, hint string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if hint == "" {
			return "", nil
		}
		return "", fmt.Errorf("%s is empty: %s", field, hint)
	}
	if err := CheckLine(field, s); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("%s is %d characters: keep it to %d", field, n, max)
	}
	return s, nil
}

// NewIncident is what a person or pipeline supplies to open an incident.
type NewIncident struct {
	Title        string
	Severity     Severity
	Security     bool
	DeploymentID int64 // 0: none (callers default it to the focused active deployment)
}

// Normalize trims and validates; the error names the field and the fix.
func (n NewIncident) Normalize() (NewIncident, error) {
	title, err := ValidateIncidentTitle(n.Title)
	if err != nil {
		return n, err
	}
	n.Title = title
	if err := ValidateSeverity(n.Severity); err != nil {
		return n, err
	}
	if n.DeploymentID < 0 {
		return n, fmt.Errorf("deployment id %d is not valid", n.DeploymentID)
	}
	return n, nil
}

// Open validates n and returns the open incident it describes, opened by
// `by` at `at`. ID is left zero for the store to assign.
func (n NewIncident) Open(by string, at time.Time) (Incident, error) {
	n, err := n.Normalize()
	if err != nil {
		return Incident{}, err
	}
	inc := Incident{
		Title:        n.Title,
		Severity:     n.Severity,
		Status:       IncidentOpen,
		Security:     n.Security,
		DeploymentID: n.DeploymentID,
		OpenedAt:     at,
		OpenedBy:     strings.TrimSpace(by),
	}
	if n.Security {
		inc.SecurityAt = at
	}
	return inc, nil
}

// Transition moves the incident to status `to` at `at`, setting MitigatedAt
// or ResolvedAt. Reopening a mitigated incident clears MitigatedAt (the
// timeline keeps the earlier mitigation).
func (i Incident) Transition(to IncidentStatus, at time.Time) (Incident, error) {
	if err := i.Status.CanBecome(to); err != nil {
		return i, fmt.Errorf("%s: %w", i.Ref(), err)
	}
	if !i.OpenedAt.IsZero() && at.Before(i.OpenedAt) {
		return i, fmt.Errorf("%s: %s at %s would be before the incident was opened (%s): date it at or after that",
			i.Ref(), to, at.UTC().Format("2006-01-02 15:04:05 MST"), i.OpenedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	switch to {
	case IncidentMitigated:
		i.MitigatedAt = at
	case IncidentResolved:
		if !i.MitigatedAt.IsZero() && at.Before(i.MitigatedAt) {
			return i, fmt.Errorf("%s: resolved at %s would be before it was mitigated (%s): date it at or after that",
				i.Ref(), at.UTC().Format("2006-01-02 15:04:05 MST"), i.MitigatedAt.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		i.ResolvedAt = at
	case IncidentOpen:
		i.MitigatedAt = time.Time{}
	}
	i.Status = to
	return i, nil
}

// SetSeverity changes the severity at `at` and appends the change to
// SeverityHistory (a fresh slice: the receiver's history is not modified).
func (i Incident) SetSeverity(to Severity, by string, at time.Time) (Incident, error) {
	if err := ValidateSeverity(to); err != nil {
		return i, err
	}
	if to == i.Severity {
		return i, fmt.Errorf("%s is already %s", i.Ref(), to)
	}
	if !i.OpenedAt.IsZero() && at.Before(i.OpenedAt) {
		return i, fmt.Errorf("%s: the severity change would be before the incident was opened", i.Ref())
	}
	i.SeverityHistory = append(slices.Clip(i.SeverityHistory),
		SeverityChange{At: at, From: i.Severity, To: to, By: strings.TrimSpace(by)})
	i.Severity = to
	return i, nil
}

// SetSecurity sets or clears the security flag at `at`. Setting it makes the
// Security Lead step due at once.
func (i Incident) SetSecurity(on bool, at time.Time) (Incident, error) {
	if on == i.Security {
		if on {
			return i, fmt.Errorf("%s is already flagged security-related", i.Ref())
		}
		return i, fmt.Errorf("%s is not flagged security-related", i.Ref())
	}
	i.Security = on
	if on {
		i.SecurityAt = at
	} else {
		i.SecurityAt = time.Time{}
	}
	return i, nil
}

// severityHistory is SeverityHistory sorted by time, ignoring invalid entries.
func (i Incident) severityHistory() []SeverityChange {
	out := make([]SeverityChange, 0, len(i.SeverityHistory))
	for _, c := range i.SeverityHistory {
		if c.To.Valid() {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b SeverityChange) int { return a.At.Compare(b.At) })
	return out
}

// initialSeverity is the severity the incident was opened with.
func (i Incident) initialSeverity(hist []SeverityChange) Severity {
	if len(hist) > 0 && hist[0].From.Valid() {
		return hist[0].From
	}
	if len(hist) > 0 {
		return hist[0].To
	}
	return i.Severity
}

// SeverityAt is the severity the incident had at `at`, from its history.
// At or after the last change it is the current Severity.
func (i Incident) SeverityAt(at time.Time) Severity {
	hist := i.severityHistory()
	sev := i.initialSeverity(hist)
	for k, c := range hist {
		if c.At.After(at) {
			return sev
		}
		if k == len(hist)-1 {
			break
		}
		sev = c.To
	}
	return i.Severity
}

// MajorSince is the moment the incident last became SEV1 or SEV2 (from SEV3
// or SEV4, or at opening), as of `at`; ok is false when it is not SEV1/SEV2
// at `at`. A change between SEV1 and SEV2 does not move it; lowering to
// SEV3/SEV4 clears it, and raising again starts it afresh.
func (i Incident) MajorSince(at time.Time) (since time.Time, ok bool) {
	hist := i.severityHistory()
	sev := i.initialSeverity(hist)
	if sev.Major() {
		since = i.OpenedAt
	}
	last := i.OpenedAt
	applied := 0
	for _, c := range hist {
		if c.At.After(at) {
			break
		}
		applied++
		if !sev.Major() && c.To.Major() {
			since = c.At
		}
		sev = c.To
		last = c.At
		if !sev.Major() {
			since = time.Time{}
		}
	}
	if applied == len(hist) {
		// The record's current severity wins over incomplete history.
		sev = i.Severity
		if sev.Major() && since.IsZero() {
			since = last
		}
	}
	if !sev.Major() {
		return time.Time{}, false
	}
	return since, true
}

// NeedsCommander reports whether the incident must be flagged until a
// commander is named: an open or mitigated SEV1/SEV2 without one.
func (i Incident) NeedsCommander() bool {
	return i.Status.Active() && i.Severity.Major() && strings.TrimSpace(i.Commander) == ""
}

// UpdatePolicy is how often stakeholders get an update for SEV1 and SEV2
// incidents; a zero interval turns the reminder off for that severity.
type UpdatePolicy struct {
	SEV1, SEV2 time.Duration
}

// DefaultUpdatePolicy updates stakeholders every 30 min for SEV1 and every
// 60 min for SEV2.
func DefaultUpdatePolicy() UpdatePolicy {
	return UpdatePolicy{SEV1: 30 * time.Minute, SEV2: 60 * time.Minute}
}

// Interval is the update interval for a severity; ok is false when updates
// are not required for it.
func (p UpdatePolicy) Interval(s Severity) (time.Duration, bool) {
	var d time.Duration
	switch s {
	case SEV1:
		d = p.SEV1
	case SEV2:
		d = p.SEV2
	}
	return d, d > 0
}

// incFarFuture stands for "as of now, after every recorded change".
var incFarFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// NextUpdateDue is when the next stakeholder update is due: one interval
// (by the current severity) after the last update, or after the incident
// last became SEV1/SEV2 when no update has been posted since. ok is false
// for resolved incidents, SEV3/SEV4, and severities with no interval.
// Mitigated incidents still owe updates until resolved.
func (p UpdatePolicy) NextUpdateDue(inc Incident) (time.Time, bool) {
	if !inc.Status.Active() {
		return time.Time{}, false
	}
	since, major := inc.MajorSince(incFarFuture)
	if !major {
		return time.Time{}, false
	}
	d, ok := p.Interval(inc.Severity)
	if !ok {
		return time.Time{}, false
	}
	base := since
	if inc.LastUpdateAt.After(base) {
		base = inc.LastUpdateAt
	}
	return base.Add(d), true
}

// StakeholderUpdate is a status update in the Conditions / Actions / Needs
// (CAN) format.
type StakeholderUpdate struct {
	Conditions string // what is happening and the impact now
	Actions    string // what is being done
	Needs      string // what the responders need; optional
}

// MaxUpdateField is the longest accepted Conditions, Actions or Needs text.
const MaxUpdateField = 1000

// Normalize collapses line breaks and tabs into spaces, trims, and checks
// that Conditions and Actions are given and nothing holds control characters.
func (u StakeholderUpdate) Normalize() (StakeholderUpdate, error) {
	flat := func(s string) string {
		return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
			return r == '\n' || r == '\r' || r == '\t'
		}), " ")
	}
	var err error
	if u.Conditions, err = incCheckText("conditions", flat(u.Conditions), MaxUpdateField, "say what is happening and who is affected"); err != nil {
		return u, err
	}
	if u.Actions, err = incCheckText("actions", flat(u.Actions), MaxUpdateField, "say what is being done about it"); err != nil {
		return u, err
	}
	if u.Needs, err = incCheckText("needs", flat(u.Needs), MaxUpdateField, ""); err != nil {
		return u, err
	}
	return u, nil
}

// Validate is Normalize's error alone.
func (u StakeholderUpdate) Validate() error {
	_, err := u.Normalize()
	return err
}

// Text renders the update on three lines:
//
//	Conditions: …
//	Actions: …
//	Needs: …
//
// An empty Needs reads "none".
func (u StakeholderUpdate) Text() string {
	return strings.Join(u.lines(), "\n")
}

// OneLine renders the update on one line, fields separated by " | ".
func (u StakeholderUpdate) OneLine() string {
	return strings.Join(u.lines(), " | ")
}

func (u StakeholderUpdate) lines() []string {
	needs := strings.TrimSpace(u.Needs)
	if needs == "" {
		needs = "none"
	}
	return []string{
		"Conditions: " + strings.TrimSpace(u.Conditions),
		"Actions: " + strings.TrimSpace(u.Actions),
		"Needs: " + needs,
	}
}

// ParseStakeholderUpdate reads the output of Text or OneLine back (labels
// are case-insensitive; lines without a label continue the previous field)
// and normalizes it. "Needs: none" reads back as an empty Needs.
func ParseStakeholderUpdate(text string) (StakeholderUpdate, error) {
	var u StakeholderUpdate
	var cur *string
	for _, line := range strings.Split(strings.ReplaceAll(text, " | ", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		lower := strings.ToLower(line)
		matched := false
		for _, f := range []struct {
			label string
			dst   *string
		}{{"conditions:", &u.Conditions}, {"actions:", &u.Actions}, {"needs:", &u.Needs}} {
			if strings.HasPrefix(lower, f.label) {
				cur, matched = f.dst, true
				*cur = strings.TrimSpace(line[len(f.label):])
				break
			}
		}
		if matched {
			continue
		}
		if cur == nil {
			return u, fmt.Errorf("update must start with \"Conditions:\" (then \"Actions:\" and \"Needs:\")")
		}
		*cur = strings.TrimSpace(*cur + " " + line)
	}
	if strings.EqualFold(u.Needs, "none") {
		u.Needs = ""
	}
	return u.Normalize()
}

// Freeze reports whether new deployments are frozen: while any SEV1/SEV2 is
// not resolved (open or mitigated — a mitigation can still fall over). The
// reason names each incident, most severe first: "INC-3 SEV1 open, INC-5
// SEV2 mitigated". Deploying anyway needs an override with a reason
// (ValidateFreezeOverride), recorded as freeze.override.
func Freeze(incidents []Incident) (frozen bool, reason string) {
	var hold []Incident
	for _, inc := range incidents {
		if inc.Status.Active() && inc.Severity.Major() {
			hold = append(hold, inc)
		}
	}
	if len(hold) == 0 {
		return false, ""
	}
	slices.SortStableFunc(hold, func(a, b Incident) int {
		if a.Severity != b.Severity {
			return int(a.Severity) - int(b.Severity)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	parts := make([]string, len(hold))
	for k, inc := range hold {
		parts[k] = fmt.Sprintf("%s %s %s", inc.Ref(), inc.Severity.Label(), inc.Status)
	}
	return true, strings.Join(parts, ", ")
}

// MaxReason is the longest accepted reason (override, escalation, n/a).
const MaxReason = 500

// ValidateFreezeOverride checks the reason for deploying during a freeze and
// returns it trimmed.
func ValidateFreezeOverride(reason string) (string, error) {
	return incCheckText("override reason", reason, MaxReason, `say why this deployment cannot wait, e.g. "hotfix for INC-3"`)
}

// ParseWhen reads a time for the log, for backdating an entry: ParseTime's
// grammar, "" meaning now, and nothing after now (beyond ClockSkew, which
// reads as now): the log records what happened. The result is in UTC with
// no monotonic clock reading.
func ParseWhen(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return now.Round(0).UTC(), nil
	}
	t, err := ParseTime(s, now, loc)
	if err != nil {
		return time.Time{}, err
	}
	return NotFuture(strings.TrimSpace(s)+":", t, now)
}

// MaxNoteLead is how long before an incident opened a note may be dated:
// the alert that led to it ("first alert fired", --at 14:02) belongs on its
// timeline, a date years back is a typo.
const MaxNoteLead = 24 * time.Hour

// CheckNoteTime explains why a note dated at cannot go on i's timeline, or
// returns nil. A note dated before the incident opened is refused unless
// force says the writer means it (the alert that led to the incident); more
// than MaxNoteLead before opening is refused even then.
func (i Incident) CheckNoteTime(at time.Time, force bool) error {
	if i.OpenedAt.IsZero() || !at.Before(i.OpenedAt) {
		return nil
	}
	opened := i.OpenedAt.UTC().Format("2006-01-02 15:04:05.000 MST")
	when := at.UTC().Format("2006-01-02 15:04:05.000 MST")
	if at.Before(i.OpenedAt.Add(-MaxNoteLead)) {
		return fmt.Errorf("%s opened at %s: a note can be dated at most %s before that (the alerts that led to it), and %s is earlier — check --at",
			i.Ref(), opened, FormatDurationExact(MaxNoteLead), when)
	}
	if !force {
		return fmt.Errorf("%s opened at %s and the note is dated %s, %s before that: if it really happened before the incident opened (the alert that led to it), force it (flightdeck incident note --force, or @TIME! in the dashboard's note prompt), else check the time",
			i.Ref(), opened, when, FormatDurationExact(i.OpenedAt.Sub(at)))
	}
	return nil
}
