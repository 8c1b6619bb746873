package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIncidentReportCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout", "5xx")
	fdOK(t, db, "incident", "note", "INC-1", "db failover started")
	fdOK(t, db, "incident", "resolve", "INC-1", "--root-cause", "bad flag", "--yes")
	out := fdOK(t, db, "incident", "report", "inc-1")
	for _, want := range []string{"# INC-1: checkout 5xx", "## Root cause\n\nbad flag", "db failover started", "## Postmortem meeting", "Schedule it within 24–48 h of resolution: between"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	file := filepath.Join(t.TempDir(), "INC-1.md")
	if got := fdOK(t, db, "incident", "report", "1", "--out", file); !strings.Contains(got, "wrote the INC-1 report to") {
		t.Fatalf("output %q", got)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != out {
		t.Fatalf("file differs from stdout report (%v)", err)
	}
	if code, _, stderr := fd(t, db, "incident", "report", "INC-9"); code != 1 || !strings.Contains(stderr, "INC-9") {
		t.Fatalf("missing incident: code %d, %q", code, stderr)
	}
}

// issue 13, defect 1: --out never replaces a file, and never the live
// database or one of its sidecars (which once renamed the report over the
// database and exited 0).
func TestIncidentReportOutNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "fd.db")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout 5xx")
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	fdFail(t, db, exitUsage, "is the database itself", "incident", "report", "INC-1", "--out", db)
	fdFail(t, db, exitUsage, "is the database's write-ahead log", "incident", "report", "INC-1", "--out", db+"-wal")
	fdFail(t, db, exitUsage, "is the database's journal", "incident", "report", "INC-1", "--out", db+"-journal")
	other := filepath.Join(dir, "notes.md")
	if err := os.WriteFile(other, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	fdFail(t, db, exitUsage, "exists: choose a new name", "incident", "report", "INC-1", "--out", other)
	if b, _ := os.ReadFile(other); string(b) != "keep me" {
		t.Fatalf("an existing file was replaced: %q", b)
	}
	if after, err := os.ReadFile(db); err != nil || len(after) < len(before)/2 {
		t.Fatalf("the database was damaged: %v (%d bytes, was %d)", err, len(after), len(before))
	}
	// The database still works, and a new name is written.
	fdOK(t, db, "incident", "note", "INC-1", "still here")
	fresh := filepath.Join(dir, "INC-1.md")
	fdOK(t, db, "incident", "report", "INC-1", "--out", fresh)
	if b, err := os.ReadFile(fresh); err != nil || !strings.Contains(string(b), "# INC-1: checkout 5xx") {
		t.Fatalf("report not written: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".report-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
