package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// View draws the whole screen. It never draws outside width x height.
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	l := m.layout
	if l.Mode == modeTooSmall {
		msg := fmt.Sprintf("flightdeck needs at least %dx%d (now %dx%d)", minWidth, minHeight, m.width, m.height)
		return clamp([]string{m.styles.Warn.Render(msg)}, m.width, m.height)
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.headerView())
	if l.TabsH > 0 {
		lines = append(lines, m.tabsView())
	}
	bodyH := m.height - l.HeaderH - l.TabsH - l.FooterH
	var body []string
	var exact []bool // body lines known to be the window's width
	switch {
	case m.mode == modeHelp:
		body = m.fullHelpView(bodyH)
	case m.screen != screenDashboard:
		// Full-screen views use the tab strip's line too.
		bodyH += l.TabsH
		lines = lines[:l.HeaderH]
		body = m.screenView(bodyH)
	default:
		body, exact = m.bodyView(bodyH)
	}
	switch m.mode {
	case modeForm:
		body, exact = placeOver(body, m.form.view(m.styles, m.width), m.width), nil
	case modeIncidentForm:
		body, exact = placeOver(body, m.iform.view(m.styles, m.width), m.width), nil
	}
	// A wrapped prompt or question takes the lines it needs from the bottom
	// of the body rather than cutting its question.
	footer := m.footerView()
	if extra := len(footer) - l.FooterH; extra > 0 {
		extra = min(extra, len(body))
		body = body[:len(body)-extra]
	}
	known := make([]bool, len(lines), m.height)
	if exact != nil {
		known = append(known, exact[:len(body)]...)
	}
	lines = append(lines, body...)
	lines = append(lines, footer...)
	return clampKnown(lines, known, m.width, m.height)
}

// clamp guarantees the frame fits the window: no line wider, no extra lines.
func clamp(lines []string, w, h int) string { return clampKnown(lines, nil, w, h) }

// clampKnown is clamp, with the lines exact[i] says are w wide already
// left as they are.
func clampKnown(lines []string, exact []bool, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if i < len(exact) && exact[i] {
			continue
		}
		lines[i] = pad(l, w)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

func (m Model) bodyView(bodyH int) ([]string, []bool) {
	l := m.layout
	st := m.styles
	d, has := m.focused()
	rendered := make(map[paneID][]string, paneCount)
	for p := paneID(0); p < paneCount; p++ {
		r := l.Panes[p]
		if !r.visible() {
			continue
		}
		if keptPane(p) {
			if lines, ok := m.cache.get(p, m.paneKey(p)); ok {
				rendered[p] = lines
				continue
			}
		}
		var content []string
		title := fmt.Sprintf("%d %s", p+1, paneNames[p])
		switch p {
		case paneChecklist:
			content = m.checklist.view(st, m.now, m.loc(), m.focus == p)
			if has {
				title += " · " + clean(d.Service) + " " + clean(d.Version)
			}
		case paneRollout:
			content = m.rollout.view(st, m.now, m.loc())
		case paneLog:
			content = m.log.view(st, m.now, m.loc(), m.focus == p)
			if f := m.log.filterLabel(); f != "" {
				title += " · " + f
			}
		case paneEscalation:
			content = m.escalation.view(st, m.now, m.loc(), m.focus == p)
			if n := len(m.escalation.incidents); n > 0 {
				title += fmt.Sprintf(" · %d open", n)
			}
		}
		if !m.loaded {
			// Nothing read yet: never empty panes that would read as
			// "no deployments, no incidents".
			content = []string{st.Muted.Render("loading…")}
			if m.loadErr != nil {
				content = []string{st.Muted.Render("not read yet: the database did not answer")}
			}
		}
		rendered[p] = renderPane(st, title, content, r, m.focus == p, l.Framed)
		if keptPane(p) {
			m.cache.put(p, m.paneKey(p), rendered[p])
		}
	}
	var rows *rowCache
	if m.cache != nil {
		rows = &m.cache.rows
	}
	return composeExact(l, l.HeaderH+l.TabsH, bodyH, rendered, rows)
}

// paneKey is what pane p's framed lines, kept between frames, depend on.
func (m Model) paneKey(p paneID) paneKey {
	return paneKey{gen: m.gen, day: dayOf(m.now, m.loc()), loc: m.loc(), r: m.layout.Panes[p],
		focused: m.focus == p, framed: m.layout.Framed, loaded: m.loaded, failed: m.loadErr != nil}
}

// headerView draws headerLine for the dashboard's state: focused
// deployment, other active ones, the safety flags and the clock.
func (m Model) headerView() string {
	st := m.styles
	title, mid, clock := headerLine(m.headerInfoOf(), m.width)
	line := st.Header.Render(mid) + st.Header.Render(clock)
	if title != "" {
		line = st.HeaderTitle.Render(title) + line
	}
	return fit(line, m.width)
}

// tabsView is the narrow layout's pane strip.
func (m Model) tabsView() string {
	st := m.styles
	parts := make([]string, 0, paneCount)
	for p := paneID(0); p < paneCount; p++ {
		label := fmt.Sprintf("%d %s", p+1, paneNames[p])
		if p == m.focus {
			parts = append(parts, st.TabActive.Render("["+label+"]"))
		} else {
			parts = append(parts, st.Tab.Render(" "+label+" "))
		}
	}
	line := strings.Join(parts, "")
	if ansi.StringWidth(line) > m.width {
		// Numbers only, the focused one named.
		parts = parts[:0]
		for p := paneID(0); p < paneCount; p++ {
			if p == m.focus {
				parts = append(parts, st.TabActive.Render(fmt.Sprintf("[%d %s]", p+1, paneNames[p])))
			} else {
				parts = append(parts, st.Tab.Render(fmt.Sprintf(" %d ", p+1)))
			}
		}
		line = strings.Join(parts, "")
	}
	return fit(line, m.width)
}

// maxStatusLines bounds a wrapped message in the footer.
const maxStatusLines = 4

// footerView: the status line (or the open prompt) and the key help.
func (m Model) footerView() []string {
	st := m.styles
	w := m.width
	var status string
	helpLine := m.shortHelpLine()
	var dialog []string
	switch m.mode {
	case modePrompt:
		dialog = m.prompt.lines(st, w)
	case modeConfirm:
		dialog = m.choice.lines(st, w)
	default:
		if m.status != "" {
			s := st.StatusInfo
			if m.statusErr {
				s = st.StatusError
			}
			status = s.Render(fit(clean(m.status), w))
		}
	}
	if status == "" && dialog == nil && m.outage != "" {
		status = m.outageLine(w)
	}
	if status == "" && dialog == nil && len(m.failingSenders) > 0 {
		status = st.StatusError.Render(fit("✗ "+clean(m.failingSenders[0].Text(m.loc())), w))
	}
	if m.opts.ReadOnly && status == "" {
		status = st.Warn.Render(fit(m.readOnlyNotice(), w))
	}
	if dialog != nil {
		if m.layout.FooterH < 2 {
			return dialog
		}
		if m.outage != "" {
			// Typing a note during an outage: the outage stays in view,
			// in place of the key help.
			return append(dialog, m.outageLine(w))
		}
		return append(dialog, fit(helpLine, w))
	}
	if m.layout.FooterH < 2 {
		if status != "" || m.mode == modePrompt || m.mode == modeConfirm {
			return []string{fit(status, w)}
		}
		return []string{fit(helpLine, w)}
	}
	// A message too long for its line (a refusal naming who changed what,
	// or the database it cannot reach) takes the key help's line too, and
	// up to maxStatusLines from the bottom of the body, rather than lose
	// its end ("nothing was changed"): the help is back on the next key,
	// which clears the message.
	if m.status != "" && dialog == nil && ansi.StringWidth(clean(m.status)) > w {
		s := st.StatusInfo
		if m.statusErr {
			s = st.StatusError
		}
		parts := strings.Split(ansi.Wrap(clean(m.status), w, ""), "\n")
		if len(parts) > maxStatusLines {
			parts = parts[:maxStatusLines]
			parts[len(parts)-1] = fit(parts[len(parts)-1]+" …", w)
		}
		out := make([]string, len(parts))
		for i, p := range parts {
			out[i] = s.Render(fit(p, w))
		}
		return out
	}
	return []string{fit(status, w), fit(helpLine, w)}
}
