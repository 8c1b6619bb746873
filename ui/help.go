package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// helpScreenKeys is all the ? help answers to.
func (k KeyMap) helpScreenKeys() keyScope { return oneGroup("Help", k.CloseHelp, k.Quit) }

func (m Model) handleHelpKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Quit) && msg.String() == "q":
		return m, tea.Quit
	case key.Matches(msg, m.keys.CloseHelp):
		m.mode = modeNormal
	}
	return m, nil
}

// shortHelp is the footer: the keys of whoever has them now that apply now
// (a disabled binding is not drawn).
func (m Model) shortHelp() []key.Binding { return m.scopeNow().Short }

// fullHelpView lists every key of the dashboard, a column per group: each
// pane's, then the global ones. It is the reference card, so it lists keys
// that do nothing at this moment too, but never an action a read-only
// session refuses.
func (m Model) fullHelpView(h int) []string {
	k := m.readOnlyKeys(m.keys)
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
	for _, g := range k.dashboardGroups() {
		keys := hm.FullHelpView([][]key.Binding{g.Keys})
		if keys == "" { // every key of it is disabled
			continue
		}
		block := st.Accent.Render(g.Title) + "\n" + keys
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
