package model

import (
	"fmt"
	"strings"
	"time"
)

// The postmortem: what a review starts from (Google SRE book, PagerDuty and
// Atlassian templates). It lives on the incident; the report renders it.

// PostmortemStatus is where the written postmortem is in its review.
type PostmortemStatus string

// Postmortem statuses. The rule (PostmortemStatus.CheckNext):
//   - forward one step at a time: draft → in-review → published;
//   - back to draft from in-review or published, with a reason (a reviewer
//     sends it back, or a published postmortem is reopened for a
//     correction), which the timeline keeps;
//   - nothing else: a draft is never published without a review, and
//     in-review is never reached from published without going back to draft.
const (
	PostmortemDraft     PostmortemStatus = "draft"
	PostmortemInReview  PostmortemStatus = "in-review"
	PostmortemPublished PostmortemStatus = "published"
)

// PostmortemStatuses lists the statuses in their order.
var PostmortemStatuses = []PostmortemStatus{PostmortemDraft, PostmortemInReview, PostmortemPublished}

// Label is the status as a report shows it: "in review".
func (s PostmortemStatus) Label() string { return strings.ReplaceAll(string(s), "-", " ") }

// ParsePostmortemStatus accepts draft, in-review (in review, review) and
// published.
func ParsePostmortemStatus(s string) (PostmortemStatus, error) {
	switch strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "_", " ")), " ")) {
	case "draft":
		return PostmortemDraft, nil
	case "in-review", "in review", "review":
		return PostmortemInReview, nil
	case "published", "publish":
		return PostmortemPublished, nil
	}
	return "", fmt.Errorf("%q is not a postmortem status: use draft, in-review or published", s)
}

// CheckNext explains why the postmortem cannot go from s to next, or
// returns nil. reason is required to go back to draft.
func (s PostmortemStatus) CheckNext(next PostmortemStatus, reason string) error {
	if s == "" {
		s = PostmortemDraft
	}
	switch {
	case s == next:
		return nil
	case s == PostmortemDraft && next == PostmortemInReview, s == PostmortemInReview && next == PostmortemPublished:
		return nil
	case next == PostmortemDraft:
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("the postmortem is %s: going back to draft needs a reason (--reason \"what must change\")", s.Label())
		}
		return nil
	case s == PostmortemDraft && next == PostmortemPublished:
		return fmt.Errorf("the postmortem is a draft: it is published after its review (--status in-review first, then published)")
	default:
		return fmt.Errorf("the postmortem is %s: it goes back to draft (with --reason) before it is reviewed again", s.Label())
	}
}

// Postmortem is the written part of the review.
type Postmortem struct {
	Summary    string
	Impact     string    // who, how many, how long
	Detection  string    // how it was detected
	DetectedAt time.Time // when it was detected; zero: not recorded (the report says so)
	// Contributing is the contributing factors, beside the incident's root cause.
	Contributing string
	// Lessons learned.
	WentWell, WentWrong, Lucky string
	Owner                      string
	Status                     PostmortemStatus // "" reads as draft
	StatusAt                   time.Time
	StatusBy                   string
}

// State is the status, draft when never set.
func (p Postmortem) State() PostmortemStatus {
	if p.Status == "" {
		return PostmortemDraft
	}
	return p.Status
}

// PostmortemEdit is a change to the postmortem's fields: nil leaves a field
// as it is, a pointer to "" clears it.
type PostmortemEdit struct {
	Summary, Impact, Detection, Contributing *string
	WentWell, WentWrong, Lucky, Owner        *string
	DetectedAt                               *time.Time
	Status                                   *PostmortemStatus
	Reason                                   string // why the status goes back to draft
}

// Empty says whether the edit changes nothing.
func (e PostmortemEdit) Empty() bool {
	return e.Summary == nil && e.Impact == nil && e.Detection == nil && e.Contributing == nil && e.WentWell == nil &&
		e.WentWrong == nil && e.Lucky == nil && e.Owner == nil && e.DetectedAt == nil && e.Status == nil
}

// PostmortemField is one text field of the postmortem, by the name the CLI
// flag, the JSON key's stem and the timeline use.
type PostmortemField struct {
	Name  string // "summary", "lessons-well", …
	Label string // "Summary", "What went well", …
	get   func(*Postmortem) *string
	edit  func(*PostmortemEdit) **string
}

// PostmortemFields are the postmortem's text fields in report order.
var PostmortemFields = []PostmortemField{
	{"summary", "Summary", func(p *Postmortem) *string { return &p.Summary }, func(e *PostmortemEdit) **string { return &e.Summary }},
	{"impact", "Impact", func(p *Postmortem) *string { return &p.Impact }, func(e *PostmortemEdit) **string { return &e.Impact }},
	{"detection", "Detection", func(p *Postmortem) *string { return &p.Detection }, func(e *PostmortemEdit) **string { return &e.Detection }},
	{"contributing", "Contributing factors", func(p *Postmortem) *string { return &p.Contributing }, func(e *PostmortemEdit) **string { return &e.Contributing }},
	{"lessons-well", "What went well", func(p *Postmortem) *string { return &p.WentWell }, func(e *PostmortemEdit) **string { return &e.WentWell }},
	{"lessons-wrong", "What went wrong", func(p *Postmortem) *string { return &p.WentWrong }, func(e *PostmortemEdit) **string { return &e.WentWrong }},
	{"lessons-lucky", "Where we got lucky", func(p *Postmortem) *string { return &p.Lucky }, func(e *PostmortemEdit) **string { return &e.Lucky }},
	{"owner", "Postmortem owner", func(p *Postmortem) *string { return &p.Owner }, func(e *PostmortemEdit) **string { return &e.Owner }},
}

// Get is the field's value on p.
func (f PostmortemField) Get(p Postmortem) string { return *f.get(&p) }

// Set makes e set the field to v.
func (f PostmortemField) Set(e *PostmortemEdit, v string) { *f.edit(e) = &v }

// Apply returns p with the edit applied, the names of the fields it
// changed (in PostmortemFields order, then "detected-at", "status"), and
// the error of a refused status change. at and by stamp a status change.
func (p Postmortem) Apply(e PostmortemEdit, by string, at time.Time) (Postmortem, []string, error) {
	var changed []string
	for _, f := range PostmortemFields {
		if v := *f.edit(&e); v != nil && *f.get(&p) != *v {
			*f.get(&p) = *v
			changed = append(changed, f.Name)
		}
	}
	if e.DetectedAt != nil && !e.DetectedAt.Equal(p.DetectedAt) {
		p.DetectedAt = *e.DetectedAt
		changed = append(changed, "detected-at")
	}
	if e.Status != nil && *e.Status != p.State() {
		if err := p.State().CheckNext(*e.Status, e.Reason); err != nil {
			return p, nil, err
		}
		p.Status, p.StatusAt, p.StatusBy = *e.Status, at, by
		changed = append(changed, "status")
	}
	return p, changed, nil
}

// ActionKind is what an action item does about the next incident.
type ActionKind string

// Action item kinds (PagerDuty / Google SRE: prevent, mitigate, detect).
const (
	ActionPrevent  ActionKind = "prevent"
	ActionMitigate ActionKind = "mitigate"
	ActionDetect   ActionKind = "detect"
)

// ParseActionKind accepts prevent, mitigate and detect; "" is no kind.
func ParseActionKind(s string) (ActionKind, error) {
	switch k := ActionKind(strings.ToLower(strings.TrimSpace(s))); k {
	case "", ActionPrevent, ActionMitigate, ActionDetect:
		return k, nil
	}
	return "", fmt.Errorf("%q is not an action item kind: use prevent, mitigate or detect", s)
}

// ActionItem is one follow-up action, numbered from 1 on its incident.
type ActionItem struct {
	Position int
	Text     string
	Owner    string
	Due      time.Time // a date (midnight UTC); zero: none
	Kind     ActionKind
	Done     bool
	DoneAt   time.Time
	DoneBy   string
}

// ActionItemEdit changes an action item: nil leaves a field as it is.
type ActionItemEdit struct {
	Owner *string
	Due   *time.Time // a zero time clears it
	Kind  *ActionKind
	Done  *bool
}

// ParseDueDate reads an action item's due date: YYYY-MM-DD (a day, UTC).
func ParseDueDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a due date: write the day as YYYY-MM-DD, e.g. 2026-12-08", s)
	}
	return d, nil
}

// FormatDueDate is a due date as written: "2026-12-08", "" when none.
func FormatDueDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// Overdue says whether an open item's due day has passed at now.
func (a ActionItem) Overdue(now time.Time) bool {
	return !a.Done && !a.Due.IsZero() && !now.UTC().Before(a.Due.AddDate(0, 0, 1))
}

// PostmortemMeeting is the postmortem meeting as scheduled. Stream J's
// scheduling fills it (ReportInput.Meeting); the report shows "not
// scheduled" while it is nil.
type PostmortemMeeting struct {
	At          time.Time
	Owner       string
	ScheduledBy string
	ScheduledAt time.Time
	Where       string // a room or a link; may be empty
	// Sequence counts how often it was moved (0 first): the invite's
	// SEQUENCE, so a calendar replaces the earlier invite (same UID).
	Sequence int
}

// IncidentTimes are the review's headline durations, each from the
// incident's opening, computed with the clock rule (Elapsed: shown seconds,
// never rounded up, never negative).
//   - TTA, time to acknowledge: opening → the first acknowledgement of any
//     escalation step (the earliest Ack.At);
//   - TTM, time to mitigate: opening → mitigated; an incident resolved
//     without being marked mitigated counts its resolution (the impact
//     stopped then at the latest);
//   - TTR, time to resolve: opening → resolved.
//
// A duration whose end has not happened is not set (its Has… is false).
type IncidentTimes struct {
	TTA, TTM, TTR          time.Duration
	HasTTA, HasTTM, HasTTR bool
	AckedAt, MitigatedAt   time.Time
}

// Times computes inc's TTA, TTM and TTR.
func Times(inc Incident) IncidentTimes {
	var t IncidentTimes
	for _, a := range inc.Acks {
		if t.AckedAt.IsZero() || a.At.Before(t.AckedAt) {
			t.AckedAt = a.At
		}
	}
	if !t.AckedAt.IsZero() {
		t.TTA, t.HasTTA = Elapsed(inc.OpenedAt, t.AckedAt), true
	}
	t.MitigatedAt = inc.MitigatedAt
	if t.MitigatedAt.IsZero() {
		t.MitigatedAt = inc.ResolvedAt
	}
	if !t.MitigatedAt.IsZero() {
		t.TTM, t.HasTTM = Elapsed(inc.OpenedAt, t.MitigatedAt), true
	}
	if !inc.ResolvedAt.IsZero() {
		t.TTR, t.HasTTR = Elapsed(inc.OpenedAt, inc.ResolvedAt), true
	}
	return t
}

// PeakSeverity is the highest severity inc ever had: its severity at
// opening and every severity it was changed to (SEV1 is the highest).
func PeakSeverity(inc Incident) Severity {
	peak := inc.Severity
	for _, c := range inc.SeverityHistory {
		for _, s := range []Severity{c.From, c.To} {
			if s.Valid() && s < peak {
				peak = s
			}
		}
	}
	return peak
}

// FormatHMS is a duration as the report writes it: "4m 07s", "1h 02m 03s",
// "45s"; whole seconds (the clock rule has already truncated it).
func FormatHMS(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// PostmortemMeetingDuration is how long the invite books.
const PostmortemMeetingDuration = time.Hour

// PostmortemRequired says whether an incident needs a postmortem meeting:
// a resolved SEV1 or SEV2 (its final severity or any it had on the way).
func PostmortemRequired(inc Incident) bool {
	if inc.ResolvedAt.IsZero() {
		return false
	}
	if inc.Severity <= SEV2 {
		return true
	}
	for _, c := range inc.SeverityHistory {
		if c.From <= SEV2 || c.To <= SEV2 {
			return true
		}
	}
	return false
}

// MeetingState is where an incident's postmortem scheduling stands at now.
type MeetingState int

const (
	MeetingNotNeeded   MeetingState = iota // not resolved, or not SEV1/SEV2
	MeetingToSchedule                      // resolved < 24 h ago, none scheduled yet
	MeetingUnscheduled                     // resolved ≥ 24 h ago and still none scheduled: flagged
	MeetingScheduled                       // scheduled, not held yet
	MeetingHeld                            // its time has passed
)

// PostmortemStatusAt is the incident's meeting state at now. The rule: the
// meeting should be scheduled within 24–48 h of resolution (the seed's
// rollback step); a SEV1/SEV2 still without one 24 h after resolution is
// flagged (MeetingUnscheduled), and stays flagged until one is scheduled.
func PostmortemStatusAt(inc Incident, now time.Time) MeetingState {
	if m := inc.Meeting; m != nil {
		if Reached(now, m.At.Add(PostmortemMeetingDuration)) {
			return MeetingHeld
		}
		return MeetingScheduled
	}
	if !PostmortemRequired(inc) {
		return MeetingNotNeeded
	}
	if Reached(now, inc.ResolvedAt.Add(PostmortemEarliest)) {
		return MeetingUnscheduled
	}
	return MeetingToSchedule
}

// PostmortemFlag is the one-line flag for an incident whose meeting is not
// scheduled 24 h after resolution, "" otherwise: what incident list, incident
// show and the escalation pane print.
func PostmortemFlag(inc Incident, now time.Time) string {
	if PostmortemStatusAt(inc, now) != MeetingUnscheduled {
		return ""
	}
	latest := inc.ResolvedAt.Add(PostmortemLatest)
	if Reached(now, latest) {
		return fmt.Sprintf("postmortem NOT SCHEDULED (%s since resolve; schedule within 24–48 h): flightdeck incident postmortem schedule %s --at …",
			FormatDurationShort(Elapsed(inc.ResolvedAt, now)), inc.Ref())
	}
	return fmt.Sprintf("postmortem not scheduled (%s since resolve; schedule within 24–48 h, %s left): flightdeck incident postmortem schedule %s --at …",
		FormatDurationShort(Elapsed(inc.ResolvedAt, now)), FormatCountdown(Left(now, latest)), inc.Ref())
}

// MaxMeetingLead is how far ahead a meeting may be scheduled.
const MaxMeetingLead = 90 * 24 * time.Hour

// CheckMeetingTime refuses a meeting time in the past (beyond ClockSkew) or
// more than MaxMeetingLead ahead.
func CheckMeetingTime(at, now time.Time) error {
	now = now.Round(0).UTC()
	if at.Before(now.Add(-ClockSkew)) {
		return fmt.Errorf("--at %s is in the past (it is %s now): a meeting is scheduled ahead, e.g. --at \"tomorrow 10:00\" or +24h",
			at.UTC().Format("2006-01-02 15:04 MST"), now.Format("2006-01-02 15:04 MST"))
	}
	if at.After(now.Add(MaxMeetingLead)) {
		return fmt.Errorf("--at %s is more than %d days ahead: schedule it within 24–48 h of resolution", at.UTC().Format("2006-01-02 15:04 MST"), int(MaxMeetingLead/(24*time.Hour)))
	}
	return nil
}

// ParseFutureTime reads a time ahead, for scheduling: everything ParseTime
// reads for a date, plus
//
//	+2h, +1d, in 2h          that long from now
//	14:00, 14:00:30          the next 14:00 in loc (today, or tomorrow when it has passed)
//	tomorrow 10:00           10:00 tomorrow in loc
//
// Relative times into the past (-5m, 5m ago) are ParseTime's and are
// returned as such: CheckMeetingTime refuses them with a message.
func ParseFutureTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.Round(0)
	in := strings.TrimSpace(s)
	low := strings.ToLower(in)
	if rest, ok := strings.CutPrefix(low, "+"); ok {
		return aheadBy(in, rest, now)
	}
	if rest, ok := strings.CutPrefix(low, "in "); ok {
		return aheadBy(in, rest, now)
	}
	day := now.In(loc)
	clock := in
	explicitDay := false
	if rest, ok := strings.CutPrefix(low, "tomorrow"); ok {
		day, clock, explicitDay = day.AddDate(0, 0, 1), strings.TrimSpace(rest), true
		if clock == "" {
			return time.Time{}, fmt.Errorf("cannot read the time %q: say when tomorrow, e.g. \"tomorrow 10:00\"", in)
		}
	}
	if len(clock) <= len("15:04:05.000000000") && !strings.Contains(clock, "-") && strings.Contains(clock, ":") {
		h, m, sec, ns, ok := parseClock(clock)
		if !ok {
			return time.Time{}, fmt.Errorf("cannot read the time %q: a time of day is HH:MM or HH:MM:SS, 00:00 to 23:59:59", in)
		}
		t, err := wallTime(day.Year(), day.Month(), day.Day(), h, m, sec, ns, loc, in)
		if err != nil {
			return time.Time{}, err
		}
		if !explicitDay && !t.After(now) {
			next := day.AddDate(0, 0, 1)
			if t, err = wallTime(next.Year(), next.Month(), next.Day(), h, m, sec, ns, loc, in); err != nil {
				return time.Time{}, err
			}
		}
		return t.UTC(), nil
	}
	if explicitDay {
		return time.Time{}, fmt.Errorf("cannot read the time %q: after tomorrow give a time of day, e.g. \"tomorrow 10:00\"", in)
	}
	t, err := ParseTime(in, now, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w; or ahead: +2h, \"in 2h\", 14:00 (the next one), \"tomorrow 10:00\"", err)
	}
	return t, nil
}

func aheadBy(in, d string, now time.Time) (time.Time, error) {
	dur, ok := parseAgo(strings.TrimSpace(d))
	if !ok || dur <= 0 {
		return time.Time{}, fmt.Errorf("cannot read the time %q: ahead is +2h, +1d or \"in 30m\" (units s m h d w)", in)
	}
	return now.Add(dur).UTC(), nil
}
