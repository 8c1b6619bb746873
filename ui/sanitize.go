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

// pad truncates or right-pads s to exactly width cells (fit, then the
// spaces; s is measured once when it fits, as most lines do).
func pad(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// lineBreak is how a one-line row shows a line break in multi-line text
// (a note, a root cause); the full text is wrapped where it is shown in
// full (wrapBlock).
const lineBreak = " ⏎ "

// oneLine is s safe for a one-line row: its lines joined with lineBreak,
// blank lines dropped.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r") {
		return clean(s)
	}
	var parts []string
	for _, l := range strings.Split(model.SanitizeText(s), "\n") {
		if l = strings.TrimSpace(clean(l)); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, lineBreak)
}

// wrapBlock is s shown in full in w cells: each of its lines (blank ones
// kept) wrapped at word boundaries, every line after the first indented by
// indent spaces (the first line is prefix's, indented or not by the caller).
func wrapBlock(s string, w, indent int) []string {
	w = max(w-indent, 8)
	var out []string
	for _, l := range strings.Split(strings.TrimRight(model.SanitizeText(s), "\n"), "\n") {
		l = strings.TrimRight(clean(l), " ")
		if l == "" {
			out = append(out, "")
			continue
		}
		out = append(out, strings.Split(ansi.Wrap(l, w, ""), "\n")...)
	}
	for i := 1; i < len(out); i++ {
		if out[i] != "" {
			out[i] = strings.Repeat(" ", indent) + out[i]
		}
	}
	return out
}
