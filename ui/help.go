package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// helpScreenKeys is all the ? help answers to: closing, and scrolling when
// it is taller than the window (a short tmux split at 3 a.m.).
func (k KeyMap) helpScreenKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{{Title: "Help", Keys: []key.Binding{k.CloseHelp, k.Quit, k.Up, k.Down, k.PgUp, k.PgDown}}},
		Short:  []key.Binding{k.CloseHelp, k.Quit},
	}
}

func (m Model) handleHelpKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	page := max(m.bodyHeight()-2, 1)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.helpTop--
	case key.Matches(msg, m.keys.Down):
		m.helpTop++
	case key.Matches(msg, m.keys.PgUp):
		m.helpTop -= page
	case key.Matches(msg, m.keys.PgDown):
		m.helpTop += page
	case key.Matches(msg, m.keys.Quit) && msg.String() == "q":
		return m, tea.Quit
	case key.Matches(msg, m.keys.CloseHelp):
		m.mode = modeNormal
	}
	m.helpTop = min(max(m.helpTop, 0), max(len(m.helpLines())-(m.bodyHeight()-1), 0))
	return m, nil
}

// bodyHeight is the height between the header (and tabs) and the footer.
func (m Model) bodyHeight() int {
	l := m.layout
	return max(m.height-l.HeaderH-l.TabsH-l.FooterH, 0)
}

// shortHelp is the footer: the keys of whoever has them now that apply now
// (a disabled binding is not drawn).
func (m Model) shortHelp() []key.Binding { return m.scopeNow().Short }

// fullHelpView is the ? help in h lines: all of it when it fits, else the
// part from helpTop with a last line that says there is more and how to
// scroll to it.
func (m Model) fullHelpView(h int) []string {
	st := m.styles
	lines := m.helpLines()
	if len(lines) > h && h > 1 {
		top := min(max(m.helpTop, 0), len(lines)-(h-1))
		rest := len(lines) - top - (h - 1)
		lines = lines[top : top+h-1]
		if rest > 0 {
			lines = append(lines, st.Warn.Render(fit(fmt.Sprintf(" ▼ %d more lines below: ↓/pgdn scrolls", rest), m.width)))
		} else {
			lines = append(lines, st.Muted.Render(fit(" ▲ end of the keys: ↑/pgup scrolls back", m.width)))
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

// helpLines lists every key of the dashboard, a column per group: each
// pane's, then the global ones. It is the reference card, so it lists keys
// that do nothing at this moment too, but never an action a read-only
// session refuses.
func (m Model) helpLines() []string {
	k := m.readOnlyKeys(*m.keys)
	st := m.styles
	lines := []string{st.Section.Render(" Keys"), ""}
	// Pack the groups into rows as wide as the window allows, so every key
	// is listed at any width.
	hm := *m.help
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
	return append(lines, "",
		st.Muted.Render(" Every action is saved to the database before it shows as done, with who and when."),
		st.Muted.Render(" Times are local; t switches to UTC. Mouse capture is off so you can select text."))
}
