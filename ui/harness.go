package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Harness drives a dashboard synchronously, without a terminal: for the
// benchmarks and tools that measure start-up, View and Update. It performs
// the same reads the running program does.
type Harness struct{ m Model }

// NewHarness builds a dashboard of w x h and loads its first snapshot.
func NewHarness(st Store, opts Options, w, h int) *Harness {
	m := New(st, opts)
	m.arm = func(int) tea.Cmd { return nil }
	nm, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m = nm.(Model)
	nm, _ = m.Update(loadCmd(st, 0, m.log.query)())
	return &Harness{m: nm.(Model)}
}

// View renders the current frame.
func (h *Harness) View() string { return h.m.View() }

// ViewAfresh renders the current frame with nothing kept from earlier
// frames: the frame after a key or a reload (View after a tick keeps the
// panes the clock does not change).
func (h *Harness) ViewAfresh() string {
	m := h.m
	m.cache = nil
	return m.View()
}

// Tick delivers one clock tick at t (the 1 s clock of the running program).
func (h *Harness) Tick(t time.Time) {
	nm, _ := h.m.Update(tickMsg{t: t, gen: h.m.clockGen})
	h.m = nm.(Model)
}

// Key delivers one key press without running the command it returns, so a
// benchmark measures Update alone.
func (h *Harness) Key(msg tea.KeyMsg) {
	nm, _ := h.m.Update(msg)
	h.m = nm.(Model)
}

// Reload performs the read a change notification triggers.
func (h *Harness) Reload() {
	nm, _ := h.m.Update(h.m.load(h.m.focusID)())
	h.m = nm.(Model)
}

// Press delivers a key and runs what it starts — for an action, the write
// (one committed transaction) and the reload that shows it — so a benchmark
// measures key press → committed to disk → on screen.
func (h *Harness) Press(msg tea.KeyMsg) {
	nm, cmd := h.m.Update(msg)
	h.m = nm.(Model)
	h.run(cmd)
}

func (h *Harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	default:
		nm, next := h.m.Update(msg)
		h.m = nm.(Model)
		h.run(next)
	}
}
