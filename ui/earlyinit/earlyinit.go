// Package earlyinit settles the terminal background before Bubble Tea's
// package init runs. Bubble Tea v1 asks the terminal for its background colour
// in init() and waits up to five seconds for an answer, which stalls every
// command, --help included, on terminals that never answer (pitfalls A4).
// Setting the background explicitly first makes that query a no-op.
//
// Go initialises packages that are ready in import-path order, so this works
// only while this package's path ("github.com/octoacme/flightdeck/…") sorts before
// "github.com/charmbracelet/bubbletea"; a start-up test guards it.
package earlyinit

import (
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

func init() {
	lipgloss.SetHasDarkBackground(!Light(os.Args[1:], os.Getenv))
}

// Light decides the theme without asking the terminal: --theme, then
// $FLIGHTDECK_THEME, then $COLORFGBG (set by some terminals), else dark.
func Light(args []string, getenv func(string) string) bool {
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--theme="); ok {
			return strings.EqualFold(v, "light")
		}
		if a == "--theme" && i+1 < len(args) {
			return strings.EqualFold(args[i+1], "light")
		}
	}
	if v := getenv("FLIGHTDECK_THEME"); v != "" {
		return strings.EqualFold(v, "light")
	}
	if v := getenv("COLORFGBG"); v != "" {
		parts := strings.Split(v, ";")
		bg := parts[len(parts)-1]
		switch bg {
		case "7", "9", "10", "11", "12", "13", "14", "15":
			return true
		}
	}
	return false
}
