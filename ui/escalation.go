package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// escalationPane shows every open incident, most urgent first, each with
// its whole ladder: role, person, absolute due time and countdown, and
// whether someone was reached. The cursor picks an incident or one step.
type escalationPane struct {
	incidents []model.Incident
	resolved  []model.Incident // recently resolved, for the postmortem clocks
	policy    model.EscalationPolicy
	updates   model.UpdatePolicy
	cursorInc int64 // incident under the cursor
	cursorRow int   // 0: the incident's header, n: step n
	rows      []escRow
	width     int
	height    int
	offset    int
}

type escRow struct {
	inc  int64
	step int // 0 for the header
}

func newEscalationPane(p model.EscalationPolicy, u model.UpdatePolicy) escalationPane {
	return escalationPane{policy: p, updates: u}
}

func (p *escalationPane) setSize(w, h int) { p.width, p.height = w, h }

// setData orders incidents by urgency as of now; the cursor stays on the
// same incident and step.
func (p *escalationPane) setData(incs []model.Incident, now time.Time) {
	p.incidents = append([]model.Incident(nil), incs...)
	model.SortByUrgency(p.incidents, p.policy, now)
	p.rows = nil // never p.rows[:0]: the old rows are the previous Model's
	for _, inc := range p.incidents {
		p.rows = append(p.rows, escRow{inc: inc.ID})
		for _, s := range p.policy.Steps {
			p.rows = append(p.rows, escRow{inc: inc.ID, step: s.Number})
		}
	}
	if _, ok := p.selectedIncident(); !ok && len(p.incidents) > 0 {
		p.cursorInc, p.cursorRow = p.incidents[0].ID, 0
	}
}

func (p *escalationPane) cursorIndex() int {
	for i, r := range p.rows {
		if r.inc == p.cursorInc && r.step == p.cursorRow {
			return i
		}
	}
	return 0
}

func (p *escalationPane) move(delta int) {
	if len(p.rows) == 0 {
		return
	}
	i := max(min(p.cursorIndex()+delta, len(p.rows)-1), 0)
	p.cursorInc, p.cursorRow = p.rows[i].inc, p.rows[i].step
}

func (p *escalationPane) selectedIncident() (model.Incident, bool) {
	for _, inc := range p.incidents {
		if inc.ID == p.cursorInc {
			return inc, true
		}
	}
	return model.Incident{}, false
}

// targetStep is the step an action applies to: the one under the cursor, or
// on a header the most urgent step that is due (else the next deadline).
func (p *escalationPane) targetStep(now time.Time) (model.Incident, model.StepStatus, bool) {
	inc, ok := p.selectedIncident()
	if !ok {
		return inc, model.StepStatus{}, false
	}
	ladder := p.policy.Ladder(inc, now)
	if p.cursorRow > 0 {
		for _, s := range ladder {
			if s.Step.Number == p.cursorRow {
				return inc, s, true
			}
		}
	}
	for _, s := range ladder {
		if s.State == model.StepOverdue || s.State == model.StepDue {
			return inc, s, true
		}
	}
	if s, ok := p.policy.NextDeadline(inc, now); ok {
		return inc, s, true
	}
	return inc, model.StepStatus{}, false
}

func (p *escalationPane) view(st Styles, now time.Time, loc *time.Location, focused bool) []string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return nil
	}
	post := p.postmortemLines(st, now, loc, w)
	if len(p.incidents) == 0 {
		lines := wrapLines(st, w, h, []styledLine{
			{st.OK, "✓ No open incidents: no escalation clocks running."},
			{st.Muted, "! opens one (or: flightdeck incident open --sev N TITLE). Clocks: On-call at once → Eng Lead 15 min after SEV1/2 → Director; Security Lead at once if security-related."},
		})
		if len(post) > 0 {
			lines = append(append(lines[:min(len(lines), 1)], ""), post...)
		}
		if len(lines) > h {
			lines = lines[:h]
		}
		return lines
	}
	// Show the whole ladders when they fit; otherwise only the steps that
	// still matter; otherwise one line per incident with its next deadline.
	// Each level is planned (cheap) and only the one shown is drawn.
	var plan []escLine
	cur := -1
	withPost := false
	for detail := 2; detail >= 0; detail-- {
		plan, cur = p.plan(now, focused, detail)
		if len(plan)+len(post) <= h {
			withPost = true
			break
		}
		if len(plan) <= h {
			break
		}
	}
	// Scroll so the cursor's line stays in view.
	n := len(plan)
	if withPost {
		n += len(post)
	}
	if cur >= 0 {
		if cur < p.offset {
			p.offset = cur
		}
		if cur >= p.offset+h {
			p.offset = cur - h + 1
		}
	}
	p.offset = max(min(p.offset, n-h), 0)
	lines := make([]string, 0, min(n-p.offset, h))
	for i := p.offset; i < min(n, p.offset+h); i++ {
		if i < len(plan) {
			lines = append(lines, p.draw(st, plan[i], now, loc, w))
		} else {
			lines = append(lines, post[i-len(plan)])
		}
	}
	return lines
}

// escLine is one line of the pane as planned: an incident's header, one
// of its steps, or its next stakeholder update.
type escLine struct {
	kind  escLineKind
	inc   *model.Incident // in p.incidents
	step  model.StepStatus
	due   time.Time // the update's
	sel   bool
	roleW int
}

type escLineKind int

const (
	escHeader escLineKind = iota
	escStep
	escUpdate
)

// plan lays out the incidents at a level of detail: 2 every step, 1 the
// steps still in play (and the cursor's), 0 headers with the next
// deadline; cur is the cursor's line (-1: none).
func (p *escalationPane) plan(now time.Time, focused bool, detail int) ([]escLine, int) {
	lines := make([]escLine, 0, len(p.incidents)*(len(p.policy.Steps)+2))
	cur := -1
	for i := range p.incidents {
		inc := &p.incidents[i]
		onHeader := p.cursorInc == inc.ID && p.cursorRow == 0
		if onHeader || detail == 0 && p.cursorInc == inc.ID {
			cur = len(lines)
		}
		lines = append(lines, escLine{kind: escHeader, inc: inc, sel: focused && onHeader})
		if detail == 0 {
			if s, ok := p.policy.NextDeadline(*inc, now); ok {
				lines = append(lines, escLine{kind: escStep, inc: inc, step: s, roleW: 8})
			}
			continue
		}
		ladder := p.policy.Ladder(*inc, now)
		roleW := 0
		for _, s := range ladder {
			roleW = max(roleW, len([]rune(roleLabel(s.Step))))
		}
		for _, s := range ladder {
			isCur := p.cursorInc == inc.ID && p.cursorRow == s.Step.Number
			if detail == 1 && !isCur && (s.State == model.StepNotNeeded || s.State == model.StepSkipped || s.State == model.StepAcknowledged) {
				continue
			}
			if isCur {
				cur = len(lines)
			}
			lines = append(lines, escLine{kind: escStep, inc: inc, step: s, sel: focused && isCur, roleW: min(roleW, 24)})
		}
		if due, ok := p.updates.NextUpdateDue(*inc); ok {
			lines = append(lines, escLine{kind: escUpdate, inc: inc, due: due})
		}
	}
	return lines, cur
}

// draw draws one planned line.
func (p *escalationPane) draw(st Styles, l escLine, now time.Time, loc *time.Location, w int) string {
	switch l.kind {
	case escHeader:
		return p.headerLine(st, *l.inc, now, loc, l.sel, w)
	case escStep:
		return p.stepLine(st, l.step, loc, l.sel, l.roleW, w)
	default:
		return p.updateLine(st, l.due, now, loc, w)
	}
}

func (p *escalationPane) headerLine(st Styles, inc model.Incident, now time.Time, loc *time.Location, sel bool, w int) string {
	marker := "  "
	if sel {
		marker = "▶ "
	}
	status := string(inc.Status)
	ic := "IC " + clean(inc.Commander)
	if inc.Commander == "" {
		ic = "no commander"
	}
	title := clean(inc.Title)
	if inc.Security {
		title = "[security] " + title
	}
	left := marker + sevStyle(st, inc.Severity).Render(inc.Severity.Label()) + " " + st.Section.Render(inc.Ref()) + " " + st.Text.Render(title)
	right := fmt.Sprintf("%s %s · %s", status, ago(now, inc.OpenedAt), ic)
	rs := st.Muted
	if inc.NeedsCommander() {
		rs = st.Warn
	}
	lw := w - len([]rune(right)) - 1
	if lw < 20 {
		return fit(left, w)
	}
	return pad(fit(left, lw), lw) + " " + rs.Render(right)
}

func roleLabel(s model.EscalationStep) string {
	role := s.ShortRole()
	if s.Person != "" {
		role += " (" + clean(s.Person) + ")"
	}
	return role
}

func (p *escalationPane) stepLine(st Styles, s model.StepStatus, loc *time.Location, sel bool, roleW, w int) string {
	marker := "    "
	if sel {
		marker = "  ▶ "
	}
	role := roleLabel(s.Step)
	due := "--:--"
	if !s.Due.IsZero() {
		due = s.Due.In(loc).Format("15:04")
	}
	var state string
	style := st.Muted
	switch s.State {
	case model.StepPending:
		state, style = "in "+model.FormatCountdown(s.Remaining), st.Text
	case model.StepDue:
		state, style = "DUE NOW", st.Warn
	case model.StepOverdue:
		state, style = "OVERDUE +"+model.FormatCountdown(s.Overdue), st.Danger
	case model.StepAcknowledged:
		who := clean(s.AckedBy)
		if s.Reached != "" && s.Reached != s.AckedBy {
			who = clean(s.Reached) + " (by " + who + ")"
		}
		state, style = "✓ acked "+s.AckedAt.In(loc).Format("15:04")+" "+who, st.OK
	case model.StepSkipped:
		state = "skipped"
	case model.StepNotNeeded:
		state = "not needed"
		if s.Why != "" {
			state += " · " + clean(s.Why)
		}
	}
	line := fmt.Sprintf("%s%d %s %s ", marker, s.Step.Number, pad(fit(role, roleW), roleW), due)
	out := st.Text.Render(line) + style.Render(state)
	if sel {
		out = st.Selected.Render(line) + style.Render(state)
	}
	return fit(out, w)
}

func (p *escalationPane) updateLine(st Styles, due, now time.Time, loc *time.Location, w int) string {
	phrase, reached := model.FormatLeftOrOverdue(now, due)
	if reached {
		return fit(st.Danger.Render(fmt.Sprintf("    stakeholder update %s (u posts one)", phrase)), w)
	}
	return fit(st.Muted.Render(fmt.Sprintf("    next stakeholder update %s %s", due.In(loc).Format("15:04"), phrase)), w)
}

// summary is the header's incident count by severity: "SEV1×1 SEV2×2".
func incidentSummary(incs []model.Incident) string {
	counts := map[model.Severity]int{}
	for _, i := range incs {
		counts[i.Severity]++
	}
	var parts []string
	for _, s := range model.Severities {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", s.Label(), counts[s]))
		}
	}
	return strings.Join(parts, " ")
}

// postmortemLines: the seed's "Schedule postmortem meeting within 24-48
// hours" for recently resolved incidents: the meeting's countdown once it
// is scheduled; before that the window; a SEV1/SEV2 still without a meeting
// 24 h after resolve is flagged until one is scheduled.
func (p *escalationPane) postmortemLines(st Styles, now time.Time, loc *time.Location, w int) []string {
	var out []string
	for _, inc := range p.resolved {
		var line string
		switch model.PostmortemStatusAt(inc, now) {
		case model.MeetingScheduled:
			m := inc.Meeting
			line = st.Text.Render(fmt.Sprintf("  %s postmortem meeting %s · in %s · owner %s", inc.Ref(), clockTime(m.At, now, loc),
				model.FormatCountdown(model.Left(now, m.At)), clean(m.Owner)))
		case model.MeetingUnscheduled:
			line = st.Danger.Render(fmt.Sprintf("  %s postmortem NOT SCHEDULED · %s since resolve · schedule within 24–48 h", inc.Ref(),
				model.FormatDurationShort(model.Elapsed(inc.ResolvedAt, now))))
		case model.MeetingToSchedule:
			_, latest, _ := model.PostmortemDue(inc)
			line = st.Muted.Render(fmt.Sprintf("  %s schedule postmortem within 24–48 h · by %s", inc.Ref(), clockTime(latest, now, loc)))
		default:
			continue
		}
		out = append(out, fit(line, w))
	}
	return out
}
