package ui

import (
	"io"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestResolvedColoursDrawTheSame: a colour worked out once for the
// renderer draws the same escape sequences as the adaptive colour Lip Gloss
// converts on every Render, on every profile and background.
func TestResolvedColoursDrawTheSame(t *testing.T) {
	palette := []lipgloss.AdaptiveColor{colorText, colorMuted, colorAccent, colorOK, colorWarn, colorDanger,
		colorBorder, colorFocus, colorSelBg, colorHeaderB, {Light: "#ffffff", Dark: "#ffffff"}}
	for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		for _, dark := range []bool{true, false} {
			r := lipgloss.NewRenderer(io.Discard)
			r.SetColorProfile(p)
			r.SetHasDarkBackground(dark)
			for _, ac := range palette {
				want := r.NewStyle().Foreground(ac).Background(ac).Render("x")
				c := resolved(r, ac)
				if got := r.NewStyle().Foreground(c).Background(c).Render("x"); got != want {
					t.Errorf("profile %v, dark %v, %v: %q, want %q", p, dark, ac, got, want)
				}
			}
		}
	}
}
