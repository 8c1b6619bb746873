package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// TestKeptPanesDrawAsNew: the frame drawn with the checklist and the log
// kept from earlier frames (view_cache.go) is the frame drawn from scratch,
// through keys in every pane, dialogs, reloads, resizes and ticks — across
// midnight too, where the log and the checklist start showing dates; and
// the lines clamp leaves unmeasured are the window's width.
func TestKeptPanesDrawAsNew(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 120, 40)
	// The reference: every pane drawn, and every line measured and padded
	// (as clamp did for every line before it knew which were exact).
	fresh := func(m Model) string {
		m.cache = nil
		lines := strings.Split(m.View(), "\n")
		for i, l := range lines {
			lines[i] = pad(l, m.width)
		}
		return strings.Join(lines, "\n")
	}
	tick := time.Date(t0.Year(), t0.Month(), t0.Day(), 23, 59, 57, 0, time.UTC)
	steps := []string{
		"j", "space", "j", "x", "n", "/", "a", "enter", "tab", "tab", "j", "k", "3", "v", "v", "v", "v",
		"1", "z", "Z", "Z", "]", "[", "e", "o", "k", "enter", "!", "d", "b", "tab", "tab", "enter",
		"4", "j", "2", "3", "/", "c", "enter", "/", "enter", "*", "*", "t", "t",
	}
	for i, k := range steps {
		tick = tick.Add(time.Second)
		m = update(t, m, tickMsg{t: tick, gen: m.clockGen})
		if got, want := m.View(), fresh(m); got != want {
			t.Fatalf("step %d, the tick at %s: kept panes drew\n%s\nwant\n%s", i, tick.Format(time.TimeOnly), got, want)
		}
		m = keys(t, m, k)
		if got, want := m.View(), fresh(m); got != want {
			t.Fatalf("step %d (%q): kept panes drew\n%s\nwant\n%s", i, k, got, want)
		}
		if i == len(steps)/2 {
			m = update(t, m, tea.WindowSizeMsg{Width: 200, Height: 50})
			m = update(t, m, m.load(m.focusID)())
		}
	}
}
