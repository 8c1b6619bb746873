package cli

import (
	"io"
	"strings"
	"testing"
)

// asTerminal makes the CLI take stdout for a terminal (aligned tables) for
// the rest of the test.
func asTerminal(t *testing.T) {
	t.Helper()
	was := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	t.Cleanup(func() { isTerminal = was })
}

// fdScreen runs flightdeck as on a terminal and returns what a person
// sees: stdout, then the hints on stderr. It fails unless it exits 0.
func fdScreen(t *testing.T, db string, args ...string) string {
	t.Helper()
	was := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = was }()
	code, out, errOut := fd(t, db, args...)
	if code != exitOK {
		t.Fatalf("flightdeck %s: exit %d\nstderr: %s", strings.Join(args, " "), code, errOut)
	}
	return out + errOut
}
