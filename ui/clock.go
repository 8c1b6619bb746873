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

// pollingTick is tick that first calls poll (RunOptions.Poll) each time it
// fires, in the clock's goroutine: a commit elsewhere is asked about once a
// second at no wake-up of its own.
func pollingTick(poll func()) func(gen int) tea.Cmd {
	return func(gen int) tea.Cmd {
		return tea.Every(time.Second, func(t time.Time) tea.Msg {
			poll()
			return tickMsg{t: t, gen: gen}
		})
	}
}

// freshNow reads the clock when data arrives (a reload, an action's result,
// a history page): the data may hold times after the last tick, such as an
// incident opened at x.15 s, and rendering it with the tick's older now
// would show "Eng Lead in 15:01" until the next tick (D4). The clock never
// moves backwards, and the one tick stays the only thing that re-renders on
// its own; this only makes the frame that shows new data exact.
func (m *Model) freshNow() {
	if now := m.opts.Now(); now.After(m.now) {
		m.now = now
	}
}

func (m Model) handleClock(msg tickMsg) (Model, tea.Cmd) {
	if msg.gen != m.clockGen {
		return m, nil
	}
	m.now = msg.t
	m, retry := m.retryOutage()
	return m, tea.Batch(m.arm(m.clockGen), m.checkAlerts(), retry)
}
