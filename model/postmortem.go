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
