package ui

import "github.com/charmbracelet/lipgloss"

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

// Styles is every style the dashboard draws with, built once.
type Styles struct {
	Header      lipgloss.Style
	HeaderTitle lipgloss.Style
	HeaderDim   lipgloss.Style

	// Pane frames: focus is shown by border shape as well as colour, so it
	// reads without colour too.
	Pane        lipgloss.Style
	PaneFocused lipgloss.Style
	Title       lipgloss.Style
	TitleFocus  lipgloss.Style

	Tab       lipgloss.Style
	TabActive lipgloss.Style

	Text     lipgloss.Style
	Muted    lipgloss.Style
	Accent   lipgloss.Style
	OK       lipgloss.Style
	Warn     lipgloss.Style
	Danger   lipgloss.Style
	Selected lipgloss.Style
	Section  lipgloss.Style
	Done     lipgloss.Style
	NA       lipgloss.Style

	// Banner is for what must not be missed (rollback criteria met); it is
	// reversed so it stands out even without colour.
	Banner lipgloss.Style

	StatusInfo  lipgloss.Style
	StatusError lipgloss.Style

	Dialog      lipgloss.Style
	DialogTitle lipgloss.Style
	Label       lipgloss.Style
}

// DefaultStyles builds the theme.
func DefaultStyles() Styles {
	base := lipgloss.NewStyle().Foreground(colorText)
	pane := lipgloss.NewStyle().
		Border(lipgloss.RoundedBorder(), false, true, true, true).
		BorderForeground(colorBorder).
		Padding(0, 1)
	return Styles{
		Header:      lipgloss.NewStyle().Foreground(colorText).Background(colorHeaderB),
		HeaderTitle: lipgloss.NewStyle().Foreground(colorAccent).Background(colorHeaderB).Bold(true),
		HeaderDim:   lipgloss.NewStyle().Foreground(colorMuted).Background(colorHeaderB),

		Pane:        pane,
		PaneFocused: pane.Border(lipgloss.ThickBorder(), false, true, true, true).BorderForeground(colorFocus),
		Title:       lipgloss.NewStyle().Foreground(colorMuted),
		TitleFocus:  lipgloss.NewStyle().Foreground(colorFocus).Bold(true),

		Tab:       lipgloss.NewStyle().Foreground(colorMuted),
		TabActive: lipgloss.NewStyle().Foreground(colorFocus).Bold(true).Underline(true),

		Text:     base,
		Muted:    lipgloss.NewStyle().Foreground(colorMuted),
		Accent:   lipgloss.NewStyle().Foreground(colorAccent),
		OK:       lipgloss.NewStyle().Foreground(colorOK),
		Warn:     lipgloss.NewStyle().Foreground(colorWarn).Bold(true),
		Danger:   lipgloss.NewStyle().Foreground(colorDanger).Bold(true),
		Selected: lipgloss.NewStyle().Background(colorSelBg).Bold(true),
		Section:  lipgloss.NewStyle().Foreground(colorAccent).Bold(true),
		Done:     lipgloss.NewStyle().Foreground(colorOK),
		NA:       lipgloss.NewStyle().Foreground(colorMuted).Italic(true),

		Banner: lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#ffffff", Dark: "#ffffff"}).
			Background(colorDanger).Bold(true).Reverse(false),

		StatusInfo:  lipgloss.NewStyle().Foreground(colorOK),
		StatusError: lipgloss.NewStyle().Foreground(colorDanger).Bold(true),

		Dialog:      lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(colorFocus).Padding(0, 1),
		DialogTitle: lipgloss.NewStyle().Foreground(colorFocus).Bold(true),
		Label:       lipgloss.NewStyle().Foreground(colorMuted),
	}
}

// paneFrame is the space a pane's frame takes: the style's borders and
// padding plus the title line drawn in place of the top border.
func (s Styles) paneFrame() (w, h int) {
	return s.Pane.GetHorizontalFrameSize(), s.Pane.GetVerticalFrameSize() + 1
}
