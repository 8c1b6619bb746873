package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The flightdeck binary runs a one-action command on one processor and
// gives the commands that keep running or do bulk work the runtime's
// default back (ui/procs, main.go): LongRunning is called for those, as the
// command starts, and for no other.
func TestLongRunningCalledForTheCommandsThatKeepRunning(t *testing.T) {
	calls := 0
	LongRunning = func() { calls++ }
	t.Cleanup(func() { LongRunning = nil })
	db := filepath.Join(t.TempDir(), "fd.db")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--db", db, "--as", "ci", "deploy", "list"}, 0},
		{[]string{"--db", db, "--as", "ci", "check", "7", "--note", "x"}, 0}, // refused: no item 7
		{[]string{"--help"}, 0},
		{[]string{"--db", db, "--as", "ci", "migrate"}, 1}, // refused after it starts: no --to
		{[]string{"--db", db, "--as", "ci", "notify", "--help"}, 0},
	} {
		calls = 0
		var out, errb bytes.Buffer
		Run(context.Background(), tc.args, &out, &errb)
		if calls != tc.want {
			t.Errorf("%s: LongRunning called %d times, want %d (stderr %q)", strings.Join(tc.args, " "), calls, tc.want, errb.String())
		}
	}
	// The others start a terminal, a server or a long job: look them up in the tree.
	root := newRootCmd(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for name := range longRunning {
		cmd, _, err := root.Find(strings.Fields(name))
		if err != nil || (name != "" && cmd.Name() != name) {
			t.Fatalf("longRunning names %q, not a command: %v", name, err)
		}
		calls = 0
		keepsRunning(cmd)
		if calls != 1 {
			t.Errorf("%q: LongRunning called %d times, want 1", name, calls)
		}
	}
	for _, name := range []string{"check", "deploy", "incident", "batch", "history"} {
		cmd, _, _ := root.Find(strings.Fields(name))
		calls = 0
		keepsRunning(cmd)
		if calls != 0 {
			t.Errorf("%q: LongRunning called %d times, want 0", name, calls)
		}
	}
}
