package model

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// PostmortemWindow is the seed's "Schedule postmortem meeting within 24-48
// hours": due at the earliest 24 h and at the latest 48 h after resolution.
const (
	PostmortemEarliest = 24 * time.Hour
	PostmortemLatest   = 48 * time.Hour
)

// ReportInput is everything an incident report is built from.
type ReportInput struct {
	Incident   Incident
	Deployment *Deployment // the linked deployment, if any
	// Events is the incident's timeline in time order, with the linked
	// deployment's events (data.Store.IncidentTimeline; Event.FromDeployment
	// tells them apart, TimelineTag marks them).
	Events    []Event
	Policy    EscalationPolicy
	Links     []Link // the team's Resources: runbooks, dashboards, on-call schedule
	Checklist []Item // the linked deployment's checklist, for its state
	// Meeting is the scheduled postmortem meeting; nil: not scheduled.
	Meeting *PostmortemMeeting
	// StarredOnly limits the timeline to the starred key moments.
	StarredOnly bool
	Now         time.Time
}

// Report is the report's content, computed once: the Markdown and the
// JSON (incident report --json) are two renderings of it.
type Report struct {
	Incident      Incident
	Deployment    *Deployment
	PeakSeverity  Severity
	FinalSeverity Severity
	Times         IncidentTimes
	Ladder        []ReportStep
	KeyMoments    []Event
	Timeline      []Event
	StarredOnly   bool
	Checklist     []PhaseGroup
	Links         []Link
	Meeting       *PostmortemMeeting
	// MeetingEarliest / MeetingLatest: the 24–48 h window after
	// resolution; zero while unresolved.
	MeetingEarliest, MeetingLatest time.Time
	Now                            time.Time
}

// ReportStep is one escalation step as it ran: its due time, what
// happened to it (State), and who did that when (By, At).
type ReportStep struct {
	Number  int
	Role    string
	Due     time.Time // zero: never scheduled
	State   StepState
	Overdue time.Duration // while due/overdue (frozen at resolution)
	Why     string
	Reached string    // acknowledged: who was reached
	By      string    // acknowledged: who recorded it; skipped/escalated: who did it
	At      time.Time // when By acted
}

// BuildReport computes the report's content from its input.
func BuildReport(in ReportInput) Report {
	inc := in.Incident
	r := Report{Incident: inc, Deployment: in.Deployment, PeakSeverity: PeakSeverity(inc), FinalSeverity: inc.Severity,
		Times: Times(inc), StarredOnly: in.StarredOnly, Links: in.Links, Meeting: in.Meeting, Now: in.Now}
	if in.Deployment != nil && in.Deployment.ID == 0 {
		r.Deployment = nil
	}
	if e, l, ok := PostmortemDue(inc); ok {
		r.MeetingEarliest, r.MeetingLatest = e, l
	}
	for _, s := range in.Policy.Ladder(inc, in.Now) {
		st := ReportStep{Number: s.Step.Number, Role: s.Step.Role, Due: s.Due, State: s.State, Overdue: s.Overdue, Why: s.Why}
		switch s.State {
		case StepAcknowledged:
			st.Reached, st.By, st.At = s.Reached, s.AckedBy, s.AckedAt
		case StepSkipped:
			// the latest skip-to past this step made it skipped
			for _, m := range inc.Escalations {
				if m.Kind == ManualSkipTo && m.Step > s.Step.Number && !m.At.After(in.Now) {
					st.By, st.At = m.By, m.At
				}
			}
		default:
			for _, m := range inc.Escalations {
				if m.Step == s.Step.Number && st.At.IsZero() && !m.At.After(in.Now) {
					st.By, st.At = m.By, m.At
				}
			}
		}
		r.Ladder = append(r.Ladder, st)
	}
	for _, e := range in.Events {
		if e.Starred {
			r.KeyMoments = append(r.KeyMoments, e)
		}
		if !in.StarredOnly || e.Starred {
			r.Timeline = append(r.Timeline, e)
		}
	}
	if len(in.Checklist) > 0 {
		r.Checklist = Group(in.Checklist, nil).Phases
	}
	return r
}

// reportWidth is where the report's paragraphs wrap, so a review diff of
// the Markdown stays readable.
const reportWidth = 78

// IncidentReport renders the incident as a Markdown report for a review:
// the facts, summary, impact, detection, TTA/TTM/TTR, the escalation
// ladder as it ran, root cause and contributing factors, lessons learned,
// action items, the key moments and the whole timeline, the postmortem's
// owner, status and meeting. Times are UTC with seconds so the report reads
// the same in every time zone and six events in one minute stay apart.
func IncidentReport(in ReportInput) string {
	return BuildReport(in).Markdown()
}

// ReportTime is an instant as the report writes it: "2026-12-01 09:30:12
// UTC" (the clock rule's shown second).
func ReportTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return ShownAt(t).UTC().Format("2006-01-02 15:04:05 UTC")
}

// clock is an instant on the incident's day as "09:30:12 UTC", with the
// date in front on any other day.
func (r Report) clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if t.UTC().Format("2006-01-02") == r.Incident.OpenedAt.UTC().Format("2006-01-02") {
		return ShownAt(t).UTC().Format("15:04:05 UTC")
	}
	return ReportTime(t)
}

// Markdown renders the report.
func (r Report) Markdown() string {
	inc := r.Incident
	pm := inc.Postmortem
	var b strings.Builder
	md := mdEscape
	ts := ReportTime

	fmt.Fprintf(&b, "# %s: %s\n\n", inc.Ref(), md(inc.Title))
	fmt.Fprintf(&b, "| | |\n| --- | --- |\n")
	sevText := func(s Severity) string { return fmt.Sprintf("%s (%s): %s", s.Label(), s.Name(), s.Definition()) }
	fmt.Fprintf(&b, "| Peak severity | %s |\n", sevText(r.PeakSeverity))
	fmt.Fprintf(&b, "| Final severity | %s |\n", sevText(r.FinalSeverity))
	if len(inc.SeverityHistory) > 0 {
		var h []string
		for _, c := range inc.SeverityHistory {
			h = append(h, fmt.Sprintf("%s → %s at %s by %s", c.From.Label(), c.To.Label(), r.clock(c.At), md(c.By)))
		}
		fmt.Fprintf(&b, "| Severity changes | %s |\n", strings.Join(h, "; "))
	}
	fmt.Fprintf(&b, "| Status | %s |\n", inc.Status)
	fmt.Fprintf(&b, "| Opened | %s by %s |\n", ts(inc.OpenedAt), md(inc.OpenedBy))
	fmt.Fprintf(&b, "| Commander | %s |\n", orDash(md(inc.Commander)))
	if inc.Scribe != "" || inc.Comms != "" {
		fmt.Fprintf(&b, "| Scribe / Comms | %s / %s |\n", orDash(md(inc.Scribe)), orDash(md(inc.Comms)))
	}
	sec := "no"
	if inc.Security {
		sec = "yes, flagged " + ts(inc.SecurityAt)
	}
	fmt.Fprintf(&b, "| Security-related | %s |\n", sec)
	if d := r.Deployment; d != nil {
		fmt.Fprintf(&b, "| Deployment | #%d %s (%s, %s) |\n", d.ID, md(d.Title()), d.Strategy, d.Status.Label())
	}
	fmt.Fprintf(&b, "| Postmortem owner | %s |\n", orText(md(pm.Owner), "_not assigned_"))
	status := pm.State().Label()
	if !pm.StatusAt.IsZero() {
		status += fmt.Sprintf(" (since %s, by %s)", ts(pm.StatusAt), md(pm.StatusBy))
	}
	fmt.Fprintf(&b, "| Postmortem status | %s |\n", status)

	section := func(title, text, missing string) {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", title, orText(mdParagraphs(text), missing))
	}
	section("Summary", pm.Summary, "_Not written yet: flightdeck incident postmortem "+inc.Ref()+" --summary TEXT._")
	section("Impact", pm.Impact, "_Not written yet: who was affected, how many, for how long (--impact TEXT)._")

	fmt.Fprintf(&b, "\n## Detection\n\n")
	if pm.DetectedAt.IsZero() {
		fmt.Fprintf(&b, "%s\n", wrapWords(fmt.Sprintf("Detected: _time not recorded_ (--detected-at TIME); opened %s.", r.clock(inc.OpenedAt))))
	} else {
		rel := FormatHMS(Elapsed(pm.DetectedAt, inc.OpenedAt)) + " before opening"
		if pm.DetectedAt.After(inc.OpenedAt) {
			rel = FormatHMS(Elapsed(inc.OpenedAt, pm.DetectedAt)) + " after opening"
		}
		fmt.Fprintf(&b, "Detected at %s (%s).\n", r.clock(pm.DetectedAt), rel)
	}
	fmt.Fprintf(&b, "\n%s\n", orText(mdParagraphs(pm.Detection), "_How it was detected is not written yet (--detection TEXT)._"))

	r.writeTimes(&b)
	r.writeLadder(&b)

	fmt.Fprintf(&b, "\n## Root cause\n\n%s\n", orText(mdParagraphs(inc.RootCause), "_Not recorded yet._"))
	section("Contributing factors", pm.Contributing, "_None recorded (--contributing TEXT)._")

	fmt.Fprintf(&b, "\n## Lessons learned\n")
	for _, l := range []struct{ title, text, flag string }{
		{"What went well", pm.WentWell, "--lessons-well"}, {"What went wrong", pm.WentWrong, "--lessons-wrong"},
		{"Where we got lucky", pm.Lucky, "--lessons-lucky"},
	} {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n", l.title, orText(mdParagraphs(l.text), "_Not written yet ("+l.flag+" TEXT)._"))
	}

	r.writeActionItems(&b)

	fmt.Fprintf(&b, "\n## Key moments\n\n")
	for _, e := range r.KeyMoments {
		fmt.Fprintf(&b, "- %s — %s: %s%s\n", r.clock(e.At), md(e.Actor), r.tag(e), md(e.Text))
	}
	if len(r.KeyMoments) == 0 {
		b.WriteString("_None starred: star timeline entries with `*` in the incident log._\n")
	}

	r.writeTimeline(&b)

	if len(r.Checklist) > 0 {
		fmt.Fprintf(&b, "\n## Deployment checklist\n\n")
		for _, ph := range r.Checklist {
			pr := ph.Progress()
			fmt.Fprintf(&b, "- %s: %d of %d done, %d n/a", md(ph.Name), pr.Done, pr.Total, pr.NA)
			if open := pr.Open(); open > 0 {
				fmt.Fprintf(&b, ", **%d open**", open)
			}
			b.WriteString("\n")
		}
	}

	if len(r.Links) > 0 {
		fmt.Fprintf(&b, "\n## Resources\n\n")
		for _, l := range r.Links {
			if l.Unset || l.URL == "" {
				fmt.Fprintf(&b, "- %s: _not set_ (%s)\n", md(l.Name), md(l.Hint))
			} else {
				fmt.Fprintf(&b, "- [%s](%s)\n", md(l.Name), SanitizeLine(l.URL))
			}
		}
	}

	r.writeMeeting(&b)
	return b.String()
}

// writeTimes is the TTA / TTM / TTR table (see IncidentTimes for the rule).
func (r Report) writeTimes(b *strings.Builder) {
	inc := r.Incident
	t := r.Times
	fmt.Fprintf(b, "\n## Time to acknowledge, mitigate, resolve\n\n")
	fmt.Fprintf(b, "Measured from the opening, %s, in whole seconds.\n\n", r.clock(inc.OpenedAt))
	b.WriteString("| Measure | At | Time |\n| --- | --- | --- |\n")
	row := func(name string, at time.Time, d time.Duration, has bool, missing string) {
		if !has {
			fmt.Fprintf(b, "| %s | — | _%s_ |\n", name, missing)
			return
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, r.clock(at), FormatHMS(d))
	}
	row("TTA (first acknowledgement)", t.AckedAt, t.TTA, t.HasTTA, "no step acknowledged")
	mit := "TTM (mitigated)"
	if inc.MitigatedAt.IsZero() && t.HasTTM {
		mit = "TTM (resolved without a separate mitigation)"
	}
	row(mit, t.MitigatedAt, t.TTM, t.HasTTM, "not mitigated yet")
	row("TTR (resolved)", inc.ResolvedAt, t.TTR, t.HasTTR, "not resolved yet")
}

// writeLadder is the escalation ladder as it ran.
func (r Report) writeLadder(b *strings.Builder) {
	md := mdEscape
	fmt.Fprintf(b, "\n## Escalation\n\n| Step | Role | Due | Outcome | By | At |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, s := range r.Ladder {
		due := "—"
		if !s.Due.IsZero() {
			due = r.clock(s.Due)
		}
		out := string(s.State)
		switch s.State {
		case StepAcknowledged:
			if s.Reached != "" {
				out += ": reached " + md(s.Reached)
			}
		case StepDue, StepOverdue:
			out = "not acknowledged, overdue by " + FormatHMS(s.Overdue)
			if r.Incident.Status == IncidentResolved {
				out += " at resolution"
			}
		}
		if s.Why != "" {
			out += " (" + md(s.Why) + ")"
		}
		at := "—"
		if !s.At.IsZero() {
			at = r.clock(s.At)
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s |\n", s.Number, md(s.Role), due, out, orDash(md(s.By)), at)
	}
}

// writeActionItems is the action item table.
func (r Report) writeActionItems(b *strings.Builder) {
	md := mdEscape
	fmt.Fprintf(b, "\n## Action items\n\n")
	if len(r.Incident.ActionItems) == 0 {
		fmt.Fprintf(b, "_None yet: flightdeck incident action %s \"TEXT\" --owner NAME --due YYYY-MM-DD --kind prevent._\n", r.Incident.Ref())
		return
	}
	b.WriteString("| # | Action | Kind | Owner | Due | Done |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, a := range r.Incident.ActionItems {
		due := orDash(FormatDueDate(a.Due))
		if a.Overdue(r.Now) {
			due += " **overdue**"
		}
		done := "no"
		if a.Done {
			done = "yes, " + ts0(a.DoneAt)
			if a.DoneBy != "" {
				done += " by " + md(a.DoneBy)
			}
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s |\n", a.Position, md(a.Text), orDash(string(a.Kind)), orDash(md(a.Owner)), due, done)
	}
}

func ts0(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return ShownAt(t).UTC().Format("2006-01-02")
}

// writeTimeline is the timeline section: every event (or only the starred
// ones), in order, one row each. It is one function so the rows' format
// changes in one place.
func (r Report) writeTimeline(b *strings.Builder) {
	md := mdEscape
	if r.StarredOnly {
		fmt.Fprintf(b, "\n## Timeline (starred entries only)\n\n")
	} else {
		fmt.Fprintf(b, "\n## Timeline\n\n")
	}
	for _, e := range r.Timeline {
		star := ""
		if e.Starred {
			star = " ★"
		}
		fmt.Fprintf(b, "- %s — %s: %s%s%s\n", r.clock(e.At), md(e.Actor), r.tag(e), md(e.Text), star)
	}
	if len(r.Timeline) == 0 {
		b.WriteString("_No events._\n")
	}
}

// tag marks an event of the linked deployment: "\\[\\#7 checkout-api\\] "
// (escaped; mdEscape trims, so the space is added after it), "" for the
// incident's own.
func (r Report) tag(e Event) string {
	if t := TimelineTag(e, r.Incident.ID, r.Deployment); t != "" {
		return mdEscape(t) + " "
	}
	return ""
}

// writeMeeting is the postmortem meeting: scheduled, or the window to
// schedule it in.
func (r Report) writeMeeting(b *strings.Builder) {
	md := mdEscape
	fmt.Fprintf(b, "\n## Postmortem meeting\n\n")
	if m := r.Meeting; m != nil && !m.At.IsZero() {
		fmt.Fprintf(b, "Scheduled for %s", ReportTime(m.At))
		if m.Owner != "" {
			fmt.Fprintf(b, ", run by %s", md(m.Owner))
		}
		if m.Where != "" {
			fmt.Fprintf(b, ", %s", md(m.Where))
		}
		b.WriteString(".\n")
		if m.ScheduledBy != "" {
			fmt.Fprintf(b, "\nScheduled by %s at %s.\n", md(m.ScheduledBy), ReportTime(m.ScheduledAt))
		}
		return
	}
	if r.MeetingEarliest.IsZero() {
		b.WriteString("Not scheduled. Schedule it within 24–48 hours of resolution (not resolved yet).\n")
		return
	}
	fmt.Fprintf(b, "%s\n", wrapWords(fmt.Sprintf("Not scheduled. Schedule it within 24–48 h of resolution: between %s and %s.",
		ReportTime(r.MeetingEarliest), ReportTime(r.MeetingLatest))))
}

// mdParagraphs is user text as Markdown paragraphs: escaped, each
// paragraph (blank-line separated) wrapped at reportWidth, lines without
// trailing spaces.
func mdParagraphs(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var paras []string
	for _, p := range strings.Split(s, "\n\n") {
		words := strings.Fields(mdEscape(strings.Join(strings.Fields(SanitizeText(p)), " ")))
		if len(words) == 0 {
			continue
		}
		paras = append(paras, wrapWords(strings.Join(words, " ")))
	}
	return strings.Join(paras, "\n\n")
}

// wrapWords wraps one paragraph at reportWidth.
func wrapWords(s string) string {
	{
		words := strings.Fields(s)
		var lines []string
		line := ""
		for _, w := range words {
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > reportWidth:
				lines = append(lines, line)
				line = w
			default:
				line += " " + w
			}
		}
		lines = append(lines, line)
		return strings.Join(lines, "\n")
	}
}

// mdEscape keeps user text from breaking the report's Markdown (tables,
// emphasis, headings) and from driving the terminal it is printed to: the
// one sanitiser removes escape sequences whole, controls and bidi overrides.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, "#", `\#`)
	return r.Replace(strings.TrimSpace(SanitizeLine(s)))
}

func orDash(s string) string { return orText(s, "—") }

func orText(s, alt string) string {
	if strings.TrimSpace(s) == "" {
		return alt
	}
	return s
}

// PostmortemDue is when the postmortem meeting should happen (the window
// after resolution) and whether the incident is resolved.
func PostmortemDue(inc Incident) (earliest, latest time.Time, ok bool) {
	if inc.ResolvedAt.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	return inc.ResolvedAt.Add(PostmortemEarliest), inc.ResolvedAt.Add(PostmortemLatest), true
}
