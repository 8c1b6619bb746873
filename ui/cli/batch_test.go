package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// batchFile writes lines to a file for flightdeck batch FILE.
func batchFile(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "actions.txt")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCLIBatch: each line runs as the command would alone, on the one
// database the batch opened, with the batch's --as unless the line gives
// its own; comments and blank lines are skipped.
func TestCLIBatch(t *testing.T) {
	db := emptyDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	out := fdOK(t, db, "batch", batchFile(t,
		"# pre-flight",
		`check 1 --deploy 1 --note "smoke tests green, see #42"`,
		"",
		"--as bob check 2 --deploy 1",
		"check 3 --deploy 1 --note 'it''s fine'",
	))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("batch printed %d lines, want 3 (one per command):\n%s", len(lines), out)
	}
	for i, want := range []string{"smoke tests green, see #42 (alice,", "(bob,", "its fine (alice,"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %q, want it to contain %q", i+1, lines[i], want)
		}
	}
	// The same database, read by a command of its own: every line committed.
	export := fdOK(t, db, "export")
	for _, want := range []string{"smoke tests green, see #42", "its fine"} {
		if !strings.Contains(export, want) {
			t.Errorf("export does not hold %q after the batch", want)
		}
	}
}

// TestCLIBatchStopsAtTheFirstFailure: the failing line is named, its exit
// code is the batch's, the lines before it stay recorded and none after it
// runs, unless --keep-going.
func TestCLIBatchStopsAtTheFirstFailure(t *testing.T) {
	db := emptyDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	file := batchFile(t,
		"check 1 --deploy 1 --note before",
		"check 99 --deploy 1 --note missing",
		"check 2 --deploy 1 --note after",
	)
	code, out, errOut := fd(t, db, "batch", file)
	if code == exitOK || !strings.Contains(errOut, "flightdeck: line 2: ") || !strings.Contains(errOut, "batch stopped at line 2 of "+file) {
		t.Fatalf("exit %d, stderr %q: want a failure naming line 2", code, errOut)
	}
	lineCode, _, _ := fd(t, db, "check", "99", "--deploy", "1", "--note", "missing")
	if code != lineCode {
		t.Errorf("batch exit %d, want the failing line's own exit code %d", code, lineCode)
	}
	if !strings.Contains(out, "before") || strings.Contains(out, "after") {
		t.Errorf("stdout %q: want line 1 run and line 3 not", out)
	}

	code, out, errOut = fd(t, db, "batch", "--keep-going", file)
	if code != lineCode || !strings.Contains(out, "after") || !strings.Contains(errOut, "1 of 3 lines of "+file+" failed (line 2)") {
		t.Errorf("--keep-going: exit %d, stdout %q, stderr %q: want line 3 run, line 2 named, exit %d", code, out, errOut, lineCode)
	}
}

// TestCLIBatchRefuses: what a line may not do is refused with the line and
// the reason, before anything runs.
func TestCLIBatchRefuses(t *testing.T) {
	db := emptyDB(t)
	other := filepath.Join(t.TempDir(), "other.db")
	for _, c := range []struct{ line, msg string }{
		{"serve", "line 1: serve is not run in a batch: it runs until stopped"},
		{"demo", "line 1: demo is not run in a batch"},
		{"batch x.txt", "line 1: batch is not run in a batch: batches do not nest"},
		{"--as bob", "line 1: the dashboard is not run in a batch"},
		{"--db " + other + " deploy start api v1", "line 1: --db is not accepted on a batch line: the batch runs on the database it opened"},
		{"deploy start api v1 --config x.yaml", "line 1: --config is not accepted on a batch line"},
		{"template import - --name team", "line 1: cannot read the template from stdin: line 1 reads stdin, but stdin is the batch itself"},
		{`check 1 --note "unclosed`, "line 1: No closing quotation: check the quotes"},
		{"no-such-command", `line 1: unknown command "no-such-command"`},
	} {
		code, _, errOut := fd(t, db, "batch", batchFile(t, c.line))
		if code == exitOK || !strings.Contains(errOut, c.msg) {
			t.Errorf("batch line %q: exit %d, stderr %q; want %q", c.line, code, errOut, c.msg)
		}
	}
	if _, err := os.Stat(other); err == nil {
		t.Errorf("a line's --db created %s", other)
	}
}

// TestCLIBatchEmptyAndMissing: an empty batch says what to write; a file
// that cannot be read is named.
func TestCLIBatchEmptyAndMissing(t *testing.T) {
	db := emptyDB(t)
	code, _, errOut := fd(t, db, "batch", batchFile(t, "# nothing yet", ""))
	if code != exitOK || !strings.Contains(errOut, "no commands in ") || !strings.Contains(errOut, "give one per line") {
		t.Errorf("empty batch: exit %d, stderr %q", code, errOut)
	}
	missing := filepath.Join(t.TempDir(), "nope.txt")
	fdFail(t, db, exitFail, "cannot read the batch "+missing, "batch", missing)

	// Opened as its first line's command would open it: a read of a
	// mistyped --db names the path instead of creating an empty database.
	typo := filepath.Join(t.TempDir(), "typo.db")
	fdFail(t, typo, exitFail, "line 1: no database at "+typo, "batch", batchFile(t, "deploy status"))
	if _, err := os.Stat(typo); err == nil {
		t.Errorf("a batch of reads created %s", typo)
	}
}
