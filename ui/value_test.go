package ui

import (
	"testing"
	"time"
)

// TestUpdateLeavesItsModel: Bubble Tea's Model is a value, and the large,
// rarely changed parts of ours are shared behind pointers between the Model
// handed to Update and the one it returns (app.go). Whatever a message does
// — a key in each pane, typing in each dialog, a tick — the Model handed in
// must draw exactly as before.
func TestUpdateLeavesItsModel(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 120, 40)
	steps := []string{
		"j", "j", "space", "k", "tab", "tab", "j", "tab", "j", "1", "k", "k", "z", "Z", "Z", "j",
		// Typing appends: bubbles' textinput shares its rune buffer between
		// copies, so a rune inserted mid-text shows in the copy it came
		// from too (as before the pointers; harmless to the program, which
		// keeps no old Model).
		"e", "a", "b", "left", "right", "c", "esc", // a note prompt
		"x", "n", "/", "a", "enter", // n/a with a reason
		"n", "w", "e", "b", "tab", "v", "9", "tab", "left", "esc", // the deployment form
		"!", "d", "b", "tab", "right", "tab", "esc", // the incident form
		"?", "j", "esc", // help
		"H", "j", "esc", // history
		"4", "j", "3", "/", "x", "esc", "u",
	}
	tick := t0
	for i, k := range steps {
		before := m.View()
		var next Model
		if i%5 == 4 {
			tick = tick.Add(time.Second)
			next = update(t, m, tickMsg{t: tick, gen: m.clockGen})
			if m.View() != before {
				t.Fatalf("step %d: a tick changed the Model it was handed", i)
			}
			m = next
			before = m.View()
		}
		next = keys(t, m, k)
		if after := m.View(); after != before {
			t.Fatalf("step %d (%q, mode %d): Update changed the Model it was handed:\nbefore:\n%s\nafter:\n%s", i, k, m.mode, before, after)
		}
		m = next
	}
}
