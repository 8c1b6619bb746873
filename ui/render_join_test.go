package ui

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// cells is what a terminal shows for s: each printed rune with the SGR
// state it was printed in (the sequences since the last reset).
func cells(s string) []string {
	var out []string
	var state []string
	for len(s) > 0 {
		if strings.HasPrefix(s, "\x1b[") {
			m := strings.IndexByte(s, 'm')
			seq := s[:m+1]
			if seq == "\x1b[0m" || seq == "\x1b[m" {
				state = nil
			} else {
				state = append(state, seq)
			}
			s = s[m+1:]
			continue
		}
		r := []rune(s)[0]
		out = append(out, strings.Join(state, "")+string(r))
		s = s[len(string(r)):]
	}
	return out
}

// TestJoinRunsDrawsTheSameCells: panes side by side, framed and coloured as
// on a 256-colour terminal, joined with their shared colour run on, show
// the same cells in the same colours as joined plainly.
func TestJoinRunsDrawsTheSameCells(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	st := StylesFor(r)
	a := renderPane(st, "2 Rollout", []string{st.Text.Render("04:44 left"), "", st.Muted.Render("next")}, rect{0, 0, 30, 5}, false, true)
	b := renderPane(st, "4 Escalation", []string{st.Danger.Render("OVERDUE +10:16"), st.Text.Render("in 04:44")}, rect{30, 0, 30, 5}, false, true)
	c := renderPane(st, "1 Checklist", []string{st.Selected.Render("▶ [ ] item")}, rect{60, 0, 30, 5}, true, true)
	saved := 0
	for i := range a {
		plain := a[i] + b[i] + c[i]
		joined := joinRuns([]string{a[i], b[i], c[i]})
		if got, want := cells(joined), cells(plain); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("line %d:\n got %q\nwant %q", i, joined, plain)
		}
		saved += len(plain) - len(joined)
	}
	if saved == 0 {
		t.Error("no colour run was joined")
	}
}
