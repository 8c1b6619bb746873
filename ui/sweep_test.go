package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// Every size from 1x1 to 250x80 (a sampled grid), through Update and
// View, in every view: no panic, no line wider than the window, no more
// lines than it has.
func TestResizeSweepEveryView(t *testing.T) {
	if testing.Short() {
		t.Skip("sweep")
	}
	st := finished(t)
	withIncidentData(t, st)
	views := []struct {
		name string
		keys []string
	}{
		{"dashboard", nil},
		{"rollout focused", []string{"2"}},
		{"log focused", []string{"3"}},
		{"escalation focused", []string{"4"}},
		{"help", []string{"?"}},
		{"deploy form", []string{"n"}},
		{"incident form", []string{"!"}},
		{"prompt", []string{"1", "x"}},
		{"history", []string{"H"}},
		{"detail", []string{"H", "enter"}},
		{"metrics", []string{"M"}},
	}
	widths := []int{1, 2, 3, 5, 9, 15, 19, 20, 21, 30, 40, 59, 60, 79, 80, 81, 99, 100, 119, 120, 121, 160, 199, 200, 250}
	heights := []int{1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 17, 20, 23, 24, 25, 30, 40, 50, 60, 80}
	for _, v := range views {
		m := newTestModel(t, st, 100, 30)
		m = keys(t, m, v.keys...)
		for _, w := range widths {
			for _, h := range heights {
				m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
				out := m.View()
				lines := strings.Split(out, "\n")
				if len(lines) > h {
					t.Fatalf("%s at %dx%d: %d lines", v.name, w, h, len(lines))
				}
				for i, l := range lines {
					if lw := ansiWidth(l); lw > w {
						t.Fatalf("%s at %dx%d: line %d is %d wide: %q", v.name, w, h, i, lw, l)
					}
					if !utf8.ValidString(l) {
						t.Fatalf("%s at %dx%d: line %d is not valid UTF-8", v.name, w, h, i)
					}
				}
			}
		}
	}
}

func withIncidentData(t *testing.T, st *fakeStore) {
	t.Helper()
	ctx := t.Context()
	_, _ = st.StartDeployment(ctx, modelNew("checkout-api", "v9"), builtinTemplate(), "alice", t0)
}
