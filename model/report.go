package model

import (
	"fmt"
	"strings"
	"time"
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
	Events     []Event     // the incident's timeline, in order
	Policy     EscalationPolicy
	Links      []Link // the team's Resources: runbooks, dashboards, on-call schedule
	Checklist  []Item // the linked deployment's checklist, for its state
	// StarredOnly limits the timeline to the starred key moments.
	StarredOnly bool
	Now         time.Time
}

// IncidentReport renders the incident as a Markdown report: the facts, the
// escalation ladder as it stood, the starred key moments, the whole
// timeline, root cause and action items, and when the postmortem is due.
// Times are UTC so the report reads the same in every time zone.
func IncidentReport(in ReportInput) string {
	inc := in.Incident
	var b strings.Builder
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	md := mdEscape

	fmt.Fprintf(&b, "# %s: %s\n\n", inc.Ref(), md(inc.Title))
	fmt.Fprintf(&b, "| | |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| Severity | %s (%s): %s |\n", inc.Severity.Label(), inc.Severity.Name(), inc.Severity.Definition())
	if len(inc.SeverityHistory) > 0 {
		var h []string
		for _, c := range inc.SeverityHistory {
			h = append(h, fmt.Sprintf("%s → %s at %s by %s", c.From.Label(), c.To.Label(), ts(c.At), md(c.By)))
		}
		fmt.Fprintf(&b, "| Severity changes | %s |\n", strings.Join(h, "; "))
	}
	fmt.Fprintf(&b, "| Status | %s |\n", inc.Status)
	fmt.Fprintf(&b, "| Opened | %s by %s |\n", ts(inc.OpenedAt), md(inc.OpenedBy))
	if !inc.MitigatedAt.IsZero() {
		fmt.Fprintf(&b, "| Mitigated | %s (%s after opening) |\n", ts(inc.MitigatedAt), FormatDurationShort(Elapsed(inc.OpenedAt, inc.MitigatedAt)))
	}
	if !inc.ResolvedAt.IsZero() {
		fmt.Fprintf(&b, "| Resolved | %s (%s after opening) |\n", ts(inc.ResolvedAt), FormatDurationShort(Elapsed(inc.OpenedAt, inc.ResolvedAt)))
	}
	fmt.Fprintf(&b, "| Commander | %s |\n", orDash(md(inc.Commander)))
	if inc.Scribe != "" || inc.Comms != "" {
		fmt.Fprintf(&b, "| Scribe / Comms | %s / %s |\n", orDash(md(inc.Scribe)), orDash(md(inc.Comms)))
	}
	sec := "no"
	if inc.Security {
		sec = "yes, flagged " + ts(inc.SecurityAt)
	}
	fmt.Fprintf(&b, "| Security-related | %s |\n", sec)
	if d := in.Deployment; d != nil && d.ID != 0 {
		fmt.Fprintf(&b, "| Deployment | #%d %s (%s, %s) |\n", d.ID, md(d.Title()), d.Strategy, d.Status.Label())
	}

	if len(in.Checklist) > 0 {
		fmt.Fprintf(&b, "\n## Deployment checklist\n\n")
		for _, ph := range Group(in.Checklist, nil).Phases {
			pr := ph.Progress()
			fmt.Fprintf(&b, "- %s: %d of %d done, %d n/a", md(ph.Name), pr.Done, pr.Total, pr.NA)
			if open := pr.Open(); open > 0 {
				fmt.Fprintf(&b, ", **%d open**", open)
			}
			b.WriteString("\n")
		}
	}

	fmt.Fprintf(&b, "\n## Root cause\n\n%s\n", orText(md(inc.RootCause), "_Not recorded yet._"))

	fmt.Fprintf(&b, "\n## Escalation\n\n| Step | Role | Due | State | Reached |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range in.Policy.Ladder(inc, in.Now) {
		due := "—"
		if !s.Due.IsZero() {
			due = ts(s.Due)
		}
		state := string(s.State)
		if s.State == StepOverdue {
			state = "overdue by " + FormatDurationShort(s.Overdue)
		}
		if s.Why != "" {
			state += " (" + md(s.Why) + ")"
		}
		reached := "—"
		if s.State == StepAcknowledged {
			reached = strings.TrimSpace(md(s.Reached) + " (acknowledged by " + md(s.AckedBy) + " " + ts(s.AckedAt) + ")")
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", s.Step.Number, md(s.Step.Role), due, state, reached)
	}

	fmt.Fprintf(&b, "\n## Key moments\n\n")
	n := 0
	for _, e := range in.Events {
		if e.Starred {
			fmt.Fprintf(&b, "- %s — %s: %s\n", ts(e.At), md(e.Actor), md(e.Text))
			n++
		}
	}
	if n == 0 {
		b.WriteString("_None starred: star timeline entries with `*` in the incident log._\n")
	}

	if in.StarredOnly {
		fmt.Fprintf(&b, "\n## Timeline (starred entries only)\n\n")
	} else {
		fmt.Fprintf(&b, "\n## Timeline\n\n")
	}
	shown := 0
	for _, e := range in.Events {
		if in.StarredOnly && !e.Starred {
			continue
		}
		shown++
		star := ""
		if e.Starred {
			star = " ★"
		}
		fmt.Fprintf(&b, "- %s — %s: %s%s\n", ts(e.At), md(e.Actor), md(e.Text), star)
	}
	if shown == 0 {
		b.WriteString("_No events._\n")
	}

	fmt.Fprintf(&b, "\n## Action items\n\n")
	if len(inc.ActionItems) == 0 {
		b.WriteString("- [ ] Document root cause and action items in incident report\n")
	}
	for _, a := range inc.ActionItems {
		fmt.Fprintf(&b, "- [ ] %s\n", md(a))
	}

	if len(in.Links) > 0 {
		fmt.Fprintf(&b, "\n## Resources\n\n")
		for _, l := range in.Links {
			if l.Unset || l.URL == "" {
				fmt.Fprintf(&b, "- %s: _not set_ (%s)\n", md(l.Name), md(l.Hint))
			} else {
				fmt.Fprintf(&b, "- [%s](%s)\n", md(l.Name), SanitizeLine(l.URL))
			}
		}
	}

	fmt.Fprintf(&b, "\n## Postmortem\n\n")
	if inc.ResolvedAt.IsZero() {
		b.WriteString("Schedule the postmortem meeting within 24–48 hours of resolution (not resolved yet).\n")
	} else {
		fmt.Fprintf(&b, "Schedule the postmortem meeting between %s and %s.\n", ts(inc.ResolvedAt.Add(PostmortemEarliest)), ts(inc.ResolvedAt.Add(PostmortemLatest)))
	}
	return b.String()
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
