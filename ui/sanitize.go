package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// clean makes user text safe to draw on one line: escape sequences are
// removed, other control characters (and bidi overrides, which can reorder
// what people read) are dropped, and tabs and newlines become spaces.
func clean(s string) string {
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		case r == 0xfffd:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fit truncates s (which may hold styling) to width cells with an ellipsis.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// pad truncates or right-pads s to exactly width cells.
func pad(s string, width int) string {
	s = fit(s, width)
	if w := ansi.StringWidth(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}
