package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// ParseTheme is the one reading of --theme and $FLIGHTDECK_THEME: "dark",
// "light", or empty for "not said" (nil). The flag wins over the variable;
// anything else is an error that names where the bad value came from.
func ParseTheme(flag, env string) (dark *bool, err error) {
	v, what := strings.TrimSpace(flag), "--theme"
	if v == "" {
		v, what = strings.TrimSpace(env), "FLIGHTDECK_THEME"
	}
	switch strings.ToLower(v) {
	case "":
		return nil, nil
	case "dark":
		t := true
		return &t, nil
	case "light":
		f := false
		return &f, nil
	}
	return nil, fmt.Errorf("invalid %s %q: use dark or light", what, v)
}

// LocalDark decides the local terminal's theme without asking it (a query
// can stall for seconds, pitfalls A4): what was said, else $COLORFGBG (set
// by some terminals), else dark.
func LocalDark(said *bool, colorfgbg string) bool {
	if said != nil {
		return *said
	}
	if colorfgbg != "" {
		parts := strings.Split(colorfgbg, ";")
		switch parts[len(parts)-1] {
		case "7", "9", "10", "11", "12", "13", "14", "15":
			return false
		}
	}
	return true
}

// ApplyTheme sets the default renderer's background, so Lip Gloss never
// queries the terminal.
func ApplyTheme(dark bool) { lipgloss.SetHasDarkBackground(dark) }
