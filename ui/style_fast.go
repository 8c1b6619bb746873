package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// style is a Lip Gloss style that renders a one-line string faster when
// that gives the same bytes. Lip Gloss measures and re-splits every string
// it renders (margins, borders, alignment are applied whether set or not):
// over a third of an idle frame's time was Render. For a style of colours
// and attributes only, Render(s) is its escape sequence, s and the reset;
// mk finds out, by rendering probes, whether the style is one of those,
// and Render then writes those three pieces for a string without line
// breaks, tabs or carriage returns. Any other style or string goes to Lip
// Gloss. Every lipgloss.Style method is there (embedded); the ones that
// derive a new style return a lipgloss.Style, rendered by Lip Gloss.
type style struct {
	lipgloss.Style
	fast      bool
	pre, post string
}

// fastProbes are strings a style of colours and attributes alone renders
// as pre+s+post; a style that pads, aligns, wraps, borders, cuts or styles
// spaces apart (underline) changes at least one of them.
var fastProbes = []string{"", "x", "a b", "  two  spaces  ", "wide 世界 é", "\x1b[1mbold\x1b[0m inside", strings.Repeat("long ", 60)}

func mk(s lipgloss.Style) style {
	const mark = "\x00"
	out := s.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 || strings.Count(out, mark) != 1 {
		return style{Style: s}
	}
	st := style{Style: s, fast: true, pre: out[:i], post: out[i+len(mark):]}
	for _, p := range fastProbes {
		if s.Render(p) != st.pre+p+st.post {
			return style{Style: s}
		}
	}
	return st
}

// Render is lipgloss.Style.Render, the same bytes.
func (s style) Render(strs ...string) string {
	if s.fast && len(strs) == 1 && !strings.ContainsAny(strs[0], "\n\t\r") {
		return s.pre + strs[0] + s.post
	}
	return s.Style.Render(strs...)
}
