package ui

import (
	"strings"

	"github.com/octoacme/flightdeck/model"

	"github.com/charmbracelet/x/ansi"
)

// clean makes user text safe to draw on one line (model.SanitizeLine, the
// one sanitiser of every output).
func clean(s string) string { return model.SanitizeLine(s) }

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
