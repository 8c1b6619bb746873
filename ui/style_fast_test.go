package ui

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestFastStylesRenderAsLipGloss: every style of Styles, on every profile
// and background, renders what Lip Gloss renders, for the strings the
// dashboard draws (plain, spaced, wide, styled inside, empty, long) and for
// those the fast path leaves to Lip Gloss (line breaks, tabs).
func TestFastStylesRenderAsLipGloss(t *testing.T) {
	texts := []string{"", " ", "OVERDUE +10:16", "    2 Eng Lead 18:52 ", "in 04:44", "▶ [ ] item  ", "SEV1", "世界 wide é",
		"\x1b[1;38;5;75mINC-1\x1b[0m and more", strings.Repeat("x", 300), "two\nlines", "a\ttab", "cr\r\nlf"}
	fast := 0
	for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		for _, dark := range []bool{true, false} {
			r := lipgloss.NewRenderer(io.Discard)
			r.SetColorProfile(p)
			r.SetHasDarkBackground(dark)
			set := reflect.ValueOf(*StylesFor(r).styleSet)
			for i := 0; i < set.NumField(); i++ {
				st := set.Field(i).Interface().(style)
				if st.fast {
					fast++
				}
				for _, s := range texts {
					if got, want := st.Render(s), st.Style.Render(s); got != want {
						t.Errorf("profile %v, dark %v, %s.Render(%q) = %q, want %q", p, dark, set.Type().Field(i).Name, s, got, want)
					}
				}
			}
		}
	}
	if fast == 0 {
		t.Error("no style takes the fast path")
	}
}
