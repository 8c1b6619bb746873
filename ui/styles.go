package ui

import (
	"strconv"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Palette: semantic colours, adaptive to light and dark backgrounds. View code
// picks styles from Styles; nothing else in ui names a colour.
var (
	colorText    = lipgloss.AdaptiveColor{Light: "#1f2328", Dark: "#e6edf3"}
	colorMuted   = lipgloss.AdaptiveColor{Light: "#57606a", Dark: "#8b949e"}
	colorAccent  = lipgloss.AdaptiveColor{Light: "#0550ae", Dark: "#58a6ff"}
	colorOK      = lipgloss.AdaptiveColor{Light: "#116329", Dark: "#3fb950"}
	colorWarn    = lipgloss.AdaptiveColor{Light: "#7d4e00", Dark: "#d29922"}
	colorDanger  = lipgloss.AdaptiveColor{Light: "#a40e26", Dark: "#f85149"}
	colorBorder  = lipgloss.AdaptiveColor{Light: "#8c959f", Dark: "#484f58"}
	colorFocus   = lipgloss.AdaptiveColor{Light: "#0550ae", Dark: "#58a6ff"}
	colorSelBg   = lipgloss.AdaptiveColor{Light: "#ddf4ff", Dark: "#1f3a5f"}
	colorHeaderB = lipgloss.AdaptiveColor{Light: "#eaeef2", Dark: "#161b22"}
)

// Styles is every style the dashboard draws with, built once. It is a
// handle on one shared set, read only: a Model is copied on every message
// and a Styles into every view function, and the set is 15 KB.
type Styles struct{ *styleSet }

// styleSet is the styles themselves (fields promoted through Styles).
type styleSet struct {
	Header      style
	HeaderTitle style
	HeaderDim   style

	// Pane frames: focus is shown by border shape as well as colour, so it
	// reads without colour too.
	Pane        style
	PaneFocused style
	Title       style
	TitleFocus  style

	Tab       style
	TabActive style

	Text     style
	Muted    style
	Accent   style
	OK       style
	Warn     style
	Danger   style
	Selected style
	Section  style
	Done     style
	NA       style

	// Banner is for what must not be missed (rollback criteria met); it is
	// reversed so it stands out even without colour.
	Banner style

	StatusInfo  style
	StatusError style

	Dialog      style
	DialogTitle style
	Label       style

	// Plain is the renderer's unstyled base, for styles built at draw time.
	Plain style
	// Cursor is the text inputs' cursor (reverse video).
	Cursor style
}

// DefaultStyles builds the theme on the default renderer (this terminal).
func DefaultStyles() Styles { return StylesFor(lipgloss.DefaultRenderer()) }

// StylesFor builds the theme on a renderer. Over SSH each session has its
// own renderer, so colours follow the client's terminal, not the server's
// (pitfalls E34).
func StylesFor(r *lipgloss.Renderer) Styles {
	c := func(ac lipgloss.AdaptiveColor) lipgloss.TerminalColor { return resolved(r, ac) }
	base := r.NewStyle().Foreground(c(colorText))
	pane := r.NewStyle().
		Border(lipgloss.RoundedBorder(), false, true, true, true).
		BorderForeground(c(colorBorder)).
		Padding(0, 1)
	return Styles{&styleSet{
		Header:      mk(r.NewStyle().Foreground(c(colorText)).Background(c(colorHeaderB))),
		HeaderTitle: mk(r.NewStyle().Foreground(c(colorAccent)).Background(c(colorHeaderB)).Bold(true)),
		HeaderDim:   mk(r.NewStyle().Foreground(c(colorMuted)).Background(c(colorHeaderB))),

		Pane:        mk(pane),
		PaneFocused: mk(pane.Border(lipgloss.ThickBorder(), false, true, true, true).BorderForeground(c(colorFocus))),
		Title:       mk(r.NewStyle().Foreground(c(colorMuted))),
		TitleFocus:  mk(r.NewStyle().Foreground(c(colorFocus)).Bold(true)),

		Tab:       mk(r.NewStyle().Foreground(c(colorMuted))),
		TabActive: mk(r.NewStyle().Foreground(c(colorFocus)).Bold(true).Underline(true)),

		Text:     mk(base),
		Muted:    mk(r.NewStyle().Foreground(c(colorMuted))),
		Accent:   mk(r.NewStyle().Foreground(c(colorAccent))),
		OK:       mk(r.NewStyle().Foreground(c(colorOK))),
		Warn:     mk(r.NewStyle().Foreground(c(colorWarn)).Bold(true)),
		Danger:   mk(r.NewStyle().Foreground(c(colorDanger)).Bold(true)),
		Selected: mk(r.NewStyle().Background(c(colorSelBg)).Bold(true)),
		Section:  mk(r.NewStyle().Foreground(c(colorAccent)).Bold(true)),
		Done:     mk(r.NewStyle().Foreground(c(colorOK))),
		NA:       mk(r.NewStyle().Foreground(c(colorMuted)).Italic(true)),

		Banner: mk(r.NewStyle().Foreground(c(lipgloss.AdaptiveColor{Light: "#ffffff", Dark: "#ffffff"})).
			Background(c(colorDanger)).Bold(true).Reverse(false)),

		StatusInfo:  mk(r.NewStyle().Foreground(c(colorOK))),
		StatusError: mk(r.NewStyle().Foreground(c(colorDanger)).Bold(true)),

		Dialog:      mk(r.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(c(colorFocus)).Padding(0, 1)),
		DialogTitle: mk(r.NewStyle().Foreground(c(colorFocus)).Bold(true)),
		Label:       mk(r.NewStyle().Foreground(c(colorMuted))),

		Plain:  mk(r.NewStyle()),
		Cursor: mk(r.NewStyle().Reverse(true)),
	}}
}

// resolved is ac as renderer r draws it, worked out once. Lip Gloss
// converts a hex colour for the terminal's profile on every Render (for
// 256 colours a nearest-colour search in HSLuv space), a large part of an
// idle frame's time; the colour's number for the profile is taken as it
// is, to the same escape sequence.
func resolved(r *lipgloss.Renderer, ac lipgloss.AdaptiveColor) lipgloss.TerminalColor {
	hex := ac.Light
	if r.HasDarkBackground() {
		hex = ac.Dark
	}
	switch p := r.ColorProfile(); p {
	case termenv.ANSI256, termenv.ANSI:
		switch tc := p.Convert(termenv.RGBColor(hex)).(type) {
		case termenv.ANSI256Color:
			return lipgloss.Color(strconv.Itoa(int(tc)))
		case termenv.ANSIColor:
			return lipgloss.Color(strconv.Itoa(int(tc)))
		}
	}
	return lipgloss.Color(hex)
}

// paneFrame is the space a pane's frame takes: the style's borders and
// padding plus the title line drawn in place of the top border.
func (s Styles) paneFrame() (w, h int) {
	return s.Pane.GetHorizontalFrameSize(), s.Pane.GetVerticalFrameSize() + 1
}
