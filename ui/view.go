package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/model"
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
	switch {
	case m.mode == modeHelp:
		body = m.fullHelpView(bodyH)
	case m.screen != screenDashboard:
		// Full-screen views use the tab strip's line too.
		bodyH += l.TabsH
		lines = lines[:l.HeaderH]
		body = m.screenView(bodyH)
	default:
		body = m.bodyView(bodyH)
	}
	switch m.mode {
	case modeForm:
		body = placeOver(body, m.form.view(m.styles, m.width), m.width)
	case modeIncidentForm:
		body = placeOver(body, m.iform.view(m.styles, m.width), m.width)
	}
	// A wrapped prompt or question takes the lines it needs from the bottom
	// of the body rather than cutting its question.
	footer := m.footerView()
	if extra := len(footer) - l.FooterH; extra > 0 {
		extra = min(extra, len(body))
		body = body[:len(body)-extra]
	}
	lines = append(lines, body...)
	lines = append(lines, footer...)
	return clamp(lines, m.width, m.height)
}

// clamp guarantees the frame fits the window: no line wider, no extra lines.
func clamp(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = pad(l, w)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

func (m Model) bodyView(bodyH int) []string {
	l := m.layout
	st := m.styles
	d, has := m.focused()
	rendered := make(map[paneID][]string, paneCount)
	for p := paneID(0); p < paneCount; p++ {
		r := l.Panes[p]
		if !r.visible() {
			continue
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
		if !m.loaded && m.loadErr == nil {
			content = []string{st.Muted.Render("loading…")}
		}
		rendered[p] = renderPane(st, title, content, r, m.focus == p, l.Framed)
	}
	return compose(l, l.HeaderH+l.TabsH, bodyH, rendered)
}

// headerView: focused deployment, other active ones, incidents, clock.
func (m Model) headerView() string {
	st := m.styles
	w := m.width
	d, has := m.focused()
	left := st.HeaderTitle.Render(" flightdeck ")
	clock := m.now.In(m.loc()).Format("15:04:05") + " " + zoneName(m.now, m.loc())
	right := st.Header.Render(" " + clock + " ")
	room := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if room < 4 {
		return fit(st.Header.Render(pad(" "+clock, w)), w)
	}
	// The most detailed variant that fits wins. Incidents, the freeze and a
	// missing commander are never dropped before the deployment's details.
	incLong, incShort := "no open incidents", "no incidents"
	incs := m.escalation.incidents
	if len(incs) > 0 {
		incLong = incidentSummary(incs)
		incShort = incLong
		for _, i := range incs {
			if i.NeedsCommander() {
				incLong += " ⚑ " + i.Ref() + " NO COMMANDER"
				incShort += " ⚑" + i.Ref()
				break
			}
		}
	}
	if frozen, _ := model.Freeze(incs); frozen {
		incLong, incShort = "FREEZE │ "+incLong, "FREEZE "+incShort
	}
	var deps []string
	if has {
		others, othersShort := "", ""
		if n := len(m.deployments) - 1; n > 0 {
			others = fmt.Sprintf(" │ +%d active (s to switch)", n)
			othersShort = fmt.Sprintf(" │ +%d active", n)
		}
		// Strategy and stage: "canary 2/4 · 25%" once the rollout runs,
		// the checklist phase before.
		stage, stageShort := d.CurrentPhase(), ""
		if m.rollout.started && m.rollout.deploy.ID == d.ID {
			rs := m.rollout.status(m.now)
			stage = rs.Label + " " + stateWord(rs)
			stageShort = " " + rs.Label
		}
		full := fmt.Sprintf("#%d %s · %s %s", d.ID, clean(d.Title()), clean(string(d.Strategy)), stage)
		short := fmt.Sprintf("#%d %s %s%s", d.ID, clean(d.Service), clean(d.Version), stageShort)
		tiny := fmt.Sprintf("#%d %s%s", d.ID, clean(d.Service), stageShort)
		deps = []string{full + others, full + othersShort, short + othersShort, short, tiny, fmt.Sprintf("#%d", d.ID), ""}
	} else if m.loaded {
		deps = []string{"no active deployment", ""}
	} else {
		deps = []string{"loading…", ""}
	}
	// Try the pairs from most to least detailed: the deployment's stage
	// outranks the long form of the incident summary, never the summary.
	type pair struct{ dep, inc string }
	var tries []pair
	for _, dep := range deps {
		tries = append(tries, pair{dep, incLong}, pair{dep, incShort})
	}
	tries = append(tries, pair{"", incShort})
	var mid string
	for _, t := range tries {
		parts := []string{}
		if t.dep != "" {
			parts = append(parts, t.dep)
		}
		parts = append(parts, t.inc)
		mid = " " + strings.Join(parts, " │ ") + " "
		if ansi.StringWidth(mid) <= room {
			break
		}
	}
	return left + st.Header.Render(pad(mid, room)) + right
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

// footerView: the status line (or the open prompt) and the key help.
func (m Model) footerView() []string {
	st := m.styles
	w := m.width
	var status string
	helpLine := m.help.ShortHelpView(m.shortHelp())
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
	if m.opts.ReadOnly && status == "" {
		status = st.Warn.Render(fit(m.readOnlyNotice(), w))
	}
	if dialog != nil {
		if m.layout.FooterH < 2 {
			return dialog
		}
		return append(dialog, fit(helpLine, w))
	}
	if m.layout.FooterH < 2 {
		if status != "" || m.mode == modePrompt || m.mode == modeConfirm {
			return []string{fit(status, w)}
		}
		return []string{fit(helpLine, w)}
	}
	return []string{fit(status, w), fit(helpLine, w)}
}
