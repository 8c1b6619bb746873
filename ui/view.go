package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
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
	lines = append(lines, body...)
	lines = append(lines, m.footerView()...)
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
			stage = rs.Label + " " + strings.ToUpper(string(rs.State))
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
	switch m.mode {
	case modePrompt:
		status = m.prompt.view(st, w)
	case modeConfirm:
		status = st.Warn.Render(fit(clean(m.choice.question), w))
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
	helpLine := m.help.ShortHelpView(m.shortHelp())
	if m.layout.FooterH < 2 {
		if status != "" || m.mode == modePrompt || m.mode == modeConfirm {
			return []string{fit(status, w)}
		}
		return []string{fit(helpLine, w)}
	}
	return []string{fit(status, w), fit(helpLine, w)}
}

// shortHelp is the footer: the focused pane's keys first, then global ones.
func (m Model) shortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modePrompt:
		return []key.Binding{k.Submit, k.Cancel}
	case modeConfirm:
		return []key.Binding{key.NewBinding(key.WithKeys("y"), key.WithHelp("y/1–4", "answer")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("any other key", "cancel"))}
	case modeForm, modeIncidentForm:
		return []key.Binding{k.Field, k.Submit, k.Cancel}
	case modeHelp:
		return []key.Binding{key.NewBinding(key.WithKeys("?"), key.WithHelp("?/esc", "close help")), k.Quit}
	}
	if m.screen != screenDashboard {
		return m.screenBindings()
	}
	if m.opts.ReadOnly {
		return []key.Binding{k.NextPane, k.Up, k.Down, k.Collapse, k.PrevPhase, k.NextPhase, k.SevFilter, k.Search, k.UTC, k.Help, k.Quit}
	}
	var b []key.Binding
	switch m.focus {
	case paneChecklist:
		pb := m.checklist.bindings(k)
		// The footer shows the actions; movement is in the full help.
		b = append(b, pb[2:8]...)
	case paneRollout:
		for _, rb := range m.rollout.bindings(k, m.now) {
			if rb.Enabled() {
				b = append(b, rb)
			}
		}
	case paneLog:
		for _, lb := range m.log.bindings(k)[2:] {
			if lb.Enabled() {
				b = append(b, lb)
			}
		}
	case paneEscalation:
		for _, eb := range m.escalation.bindings(k) {
			if eb.Enabled() {
				b = append(b, eb)
			}
		}
	}
	if m.focus != paneEscalation {
		b = append(b, k.OpenIncident)
	}
	b = append(b, k.NewDeploy, k.NextPane, k.History, k.Metrics, k.Help, k.Quit)
	return b
}

// fullHelpView lists every binding in columns.
func (m Model) fullHelpView(h int) []string {
	k := m.keys
	groups := [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PgUp, k.PgDown},
		{k.Toggle, k.NA, k.Note, k.Collapse, k.CollapseAll, k.PrevPhase, k.NextPhase},
		{k.Promote, k.Pause, k.Finish, k.Abort, k.Health, k.Declare, k.ClearCriteria},
		{k.NextPane, k.PrevPane, k.Pane1, k.Pane2, k.Pane3, k.Pane4},
		{k.Star, k.LogNote, k.SevFilter, k.Search, k.StarredOnly},
		{k.OpenIncident, k.Ack, k.EscalateNow, k.SkipTo, k.Commander, k.Update, k.Severity, k.Mitigate, k.Resolve},
		{k.NewDeploy, k.NextDeploy, k.PrevDeploy, k.History, k.Metrics, k.Links, k.UTC, k.Help, k.Quit},
	}
	st := m.styles
	lines := []string{st.Section.Render(" Keys"), ""}
	// Pack the groups into rows as wide as the window allows, so every key
	// is listed at any width.
	hm := m.help
	hm.Width = 0
	var row []string
	rowW := 0
	flush := func() {
		if len(row) == 0 {
			return
		}
		for _, l := range strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, row...), "\n") {
			lines = append(lines, " "+l)
		}
		lines = append(lines, "")
		row, rowW = nil, 0
	}
	titles := []string{"Move", "Checklist (1)", "Rollout (2)", "Panes", "Incident log (3)", "Escalation (4)", "Everywhere"}
	for gi, g := range groups {
		block := hm.FullHelpView([][]key.Binding{g})
		if gi < len(titles) {
			block = st.Accent.Render(titles[gi]) + "\n" + block
		}
		bw := lipgloss.Width(block) + 4
		if rowW > 0 && rowW+bw > m.width-1 {
			flush()
		}
		row = append(row, st.Plain.PaddingRight(4).Render(block))
		rowW += bw
	}
	flush()
	lines = append(lines, "",
		st.Muted.Render(" Every action is saved to the database before it shows as done, with who and when."),
		st.Muted.Render(" Times are local; t switches to UTC. Mouse capture is off so you can select text."))
	if len(lines) > h && h > 0 {
		lines = append(lines[:h-1], st.Warn.Render(fit(" … more keys below: make the window taller to see them all", m.width)))
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}
