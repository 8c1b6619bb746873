// Package earlyinit keeps Bubble Tea's package init from stalling.
//
// Bubble Tea v1 asks the terminal for its background colour in init() and
// waits up to five seconds for an answer, which stalls every command,
// --version included, on a terminal that never answers (pitfalls A4).
// termenv skips that query when $CI is set. This package sets CI for the
// duration of package initialisation and Restore (called first thing by
// ui/cli) takes it away again, so nothing after start-up ever sees it; the
// theme is then set explicitly (ui.ApplyTheme), never asked of the terminal.
//
// Why this runs before Bubble Tea whatever the module path: Go initialises
// packages in dependency order, breaking ties by import path. This package
// imports only syscall, so it is ready as soon as syscall is. Bubble Tea
// needs "os" (through termenv and its own files), and "os" itself imports
// syscall; so once syscall is initialised both this package and "os" are
// candidates, and this one wins the tie whenever its path sorts before
// "os" — true of any path under a domain name (github.com/…, gitlab.…,
// example.org/…). It does not depend on sorting before
// github.com/charmbracelet/bubbletea, which the previous trick did. Adding
// an import here other than syscall breaks that argument; a test in this
// package and the silent-terminal start-up test in ui/cli keep it.
package earlyinit

import "syscall"

const marker = "flightdeck-earlyinit"

var (
	set         bool
	prev        string // CI as the environment had it
	prevPresent bool
)

func init() {
	prev, prevPresent = syscall.Getenv("CI")
	if prev != "" {
		return // a real CI value: termenv skips the query anyway
	}
	set = syscall.Setenv("CI", marker) == nil
}

// Restore gives CI back the value the environment had (unset, or empty),
// if it is still ours. Call it before anything reads the environment for
// real.
func Restore() {
	if !set {
		return
	}
	set = false
	if v, _ := syscall.Getenv("CI"); v != marker {
		return
	}
	if prevPresent {
		_ = syscall.Setenv("CI", prev)
	} else {
		_ = syscall.Unsetenv("CI")
	}
}
