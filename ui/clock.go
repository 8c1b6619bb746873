package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// tickMsg is the one clock of the dashboard: every countdown is recomputed
// from stored times on it. gen drops ticks from an older chain, so there is
// never more than one tick a second however often the clock is re-armed.
type tickMsg struct {
	t   time.Time
	gen int
}

// tick arms the clock; tea.Every aligns to whole seconds, so every process
// showing the same deadline flips its digits together.
func tick(gen int) tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tickMsg{t: t, gen: gen} })
}

func (m Model) handleClock(msg tickMsg) (Model, tea.Cmd) {
	if msg.gen != m.clockGen {
		return m, nil
	}
	m.now = msg.t
	return m, tea.Batch(m.arm(m.clockGen), m.checkAlerts())
}
