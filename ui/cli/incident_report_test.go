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
	for _, want := range []string{"# INC-1: checkout 5xx", "## Root cause\n\nbad flag", "db failover started", "## Postmortem", "Schedule the postmortem meeting between"} {
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
