package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/muesli/termenv"
)

// TestSoakBarIsTheProgressBar: the soak bar draws what bubbles' progress
// bar drew (glyphs, colours, cells filled), with each run of cells in one
// colour sequence instead of one per cell.
func TestSoakBarIsTheProgressBar(t *testing.T) {
	for _, prof := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		for _, width := range []int{4, 17, 72} {
			for _, p := range []float64{0, 0.004, 0.01, 0.33, 0.5, 0.999, 1, 1.2} {
				old := progress.New(progress.WithSolidFill(colorAccent.Dark), progress.WithoutPercentage(), progress.WithColorProfile(prof))
				old.Width = width
				want := mergeRuns(old.ViewAs(barFill(p, width)))
				got := newSoakBar(prof, colorAccent.Dark).view(p, width)
				if got != want {
					t.Errorf("profile %v, %d cells, %.3f: got %q, want %q", prof, width, p, got, want)
				}
			}
		}
	}
}

// mergeRuns joins a run of cells that each carry the same colour sequence
// ("\x1b[94m█\x1b[0m" each) into one sequence around the run.
func mergeRuns(s string) string {
	type cell struct{ seq, glyph string }
	var cells []cell
	for s != "" {
		if !strings.HasPrefix(s, "\x1b[") {
			return s // not a bar of coloured cells (no colour profile)
		}
		m := strings.IndexByte(s, 'm')
		seq := s[:m+1]
		rest := s[m+1:]
		end := strings.Index(rest, "\x1b[0m")
		cells = append(cells, cell{seq, rest[:end]})
		s = rest[end+len("\x1b[0m"):]
	}
	var out strings.Builder
	for i := 0; i < len(cells); {
		j := i
		var run strings.Builder
		for j < len(cells) && cells[j].seq == cells[i].seq {
			run.WriteString(cells[j].glyph)
			j++
		}
		out.WriteString(cells[i].seq + run.String() + "\x1b[0m")
		i = j
	}
	return out.String()
}
