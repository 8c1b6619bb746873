package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Full-screen views: history lists, one deployment or incident in detail,
// delivery metrics. They read through Options.History; esc backs out.

func (m Model) openHistory() (tea.Model, tea.Cmd) {
	if m.opts.History == nil {
		m.setStatus("history is not available with this store", true)
		return m, nil
	}
	m.screen = screenHistory
	m.hist.loaded = false
	m.relayout()
	return m, historyCmd(m.opts.History, m.hist.query(), m.hist.incidents)
}

func (m Model) handleScreenKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch m.screen {
	case screenHistory:
		h := &m.hist
		switch {
		case key.Matches(msg, k.Back):
			m.screen = screenDashboard
			m.relayout()
		case key.Matches(msg, k.Up):
			h.move(-1)
		case key.Matches(msg, k.Down):
			h.move(1)
		case key.Matches(msg, k.PgUp):
			h.move(-max(h.height-3, 1))
		case key.Matches(msg, k.PgDown):
			h.move(max(h.height-3, 1))
		case key.Matches(msg, k.Top):
			h.move(-h.count())
		case key.Matches(msg, k.Bottom):
			h.move(h.count())
		case key.Matches(msg, k.SwitchList):
			h.incidents = !h.incidents
			h.statusIdx, h.cursor, h.offset, h.loaded = 0, 0, 0, false
			return m, historyCmd(m.opts.History, h.query(), h.incidents)
		case key.Matches(msg, k.StatusFilter):
			h.statusIdx++
			h.cursor, h.offset, h.loaded = 0, 0, false
			return m, historyCmd(m.opts.History, h.query(), h.incidents)
		case key.Matches(msg, k.Search):
			m.openPrompt("filter by service or environment", "text; empty shows all", h.q.Service, func(m *Model, v string) (tea.Cmd, string) {
				m.hist.q.Service = v
				m.hist.cursor, m.hist.offset, m.hist.loaded = 0, 0, false
				return historyCmd(m.opts.History, m.hist.query(), m.hist.incidents), ""
			})
		case key.Matches(msg, k.Open):
			if id, ok := h.selectedID(); ok {
				m.screen = screenDetail
				m.detail = detailView{}
				m.relayout()
				return m, detailCmd(m.opts.History, id, h.incidents)
			}
		case key.Matches(msg, k.Quit) && msg.String() == "q":
			return m, tea.Quit
		}
	case screenDetail:
		switch {
		case key.Matches(msg, k.Back):
			m.screen = screenHistory
			m.relayout()
		case key.Matches(msg, k.Quit) && msg.String() == "q":
			return m, tea.Quit
		default:
			var cmd tea.Cmd
			m.detail.vp, cmd = m.detail.vp.Update(msg)
			return m, cmd
		}
	case screenMetrics:
		return m.handleMetricsKey(msg)
	case screenLinks:
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Links):
			m.screen = screenDashboard
			m.relayout()
		case key.Matches(msg, k.Quit) && msg.String() == "q":
			return m, tea.Quit
		}
	}
	return m, nil
}

// screenKeys is what the full-screen view in front answers to. The views
// have their own keys (tab and s mean something else there), so the
// dashboard's global keys do not apply.
func (m Model) screenKeys() keyScope {
	k := m.keys
	switch m.screen {
	case screenHistory:
		return k.historyKeys()
	case screenDetail:
		return k.detailKeys()
	case screenMetrics:
		return k.metricsKeys()
	case screenLinks:
		return k.linksKeys()
	}
	return keyScope{}
}

// linksKeys: esc, or L again, closes the links.
func (k KeyMap) linksKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{{"Links", []key.Binding{k.Back, k.Links, k.Quit}}},
		Short:  []key.Binding{k.Back, k.Quit},
	}
}

func (m Model) screenView(h int) []string {
	var lines []string
	switch m.screen {
	case screenHistory:
		lines = m.hist.view(m.styles, m.now, m.loc())
	case screenDetail:
		if m.detail.dep == nil && m.detail.inc == nil && m.detail.err == nil {
			lines = []string{m.styles.Muted.Render("loading…")}
		} else {
			lines = []string{m.detail.vp.View()}
			lines = splitLines(lines)
		}
	case screenMetrics:
		lines = m.metricsView(h)
	case screenLinks:
		lines = m.linksView()
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

// linksView lists the team's Resources (the seed's runbooks, infrastructure
// docs, dashboards and on-call schedule), as configured.
func (m Model) linksView() []string {
	st := m.styles
	w := m.width
	lines := []string{fit(st.Section.Render(" Links ")+st.Muted.Render(" the team's resources · set them in the config file (flightdeck config example)"), w), ""}
	if len(m.opts.Links) == 0 {
		return append(lines, st.Muted.Render(fit("No links configured: add a links: section to the config file.", w)))
	}
	nameW := 0
	for _, l := range m.opts.Links {
		nameW = max(nameW, len([]rune(clean(l.Name))))
	}
	for _, l := range m.opts.Links {
		name := st.Text.Render(pad(clean(l.Name), nameW+2))
		if l.Unset || l.URL == "" {
			lines = append(lines, fit(name+st.Warn.Render("not set")+st.Muted.Render(" — "+clean(l.Hint)), w))
			continue
		}
		lines = append(lines, fit(name+st.Accent.Render(clean(l.URL)), w))
	}
	return lines
}
