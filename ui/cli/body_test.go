package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseUpdateBody(t *testing.T) {
	c, a, n, err := parseUpdateBody("Conditions: checkout failing\n  for 5% of EU users\nActions:\nrolling back v2.14.1\nNeeds: a DBA\n")
	if err != nil || !strings.HasPrefix(c, "checkout failing") || !strings.HasSuffix(c, "for 5% of EU users") || a != "rolling back v2.14.1" || n != "a DBA" {
		t.Errorf("got %q %q %q %v", c, a, n, err)
	}
	if _, _, _, err := parseUpdateBody("just some text\n"); err == nil {
		t.Errorf("a body without sections was accepted")
	}
}

// TestBodyFileKeepsLines: long text from a file keeps its line breaks in
// notes and root causes, and update sections are read.
func TestBodyFileKeepsLines(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout 5xx")
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fdOK(t, db, "incident", "note", "INC-1", "--body-file", write("note.txt", "first line\nsecond line\n"))
	fdOK(t, db, "incident", "root-cause", "INC-1", "--body-file", write("rc.txt", "pool exhausted\nby the new retry loop\n"))
	fdOK(t, db, "incident", "update", "INC-1", "--body-file", write("upd.txt", "Conditions: failing\nActions: rolling back\n"))
	show := fdOK(t, db, "incident", "show", "INC-1", "--json")
	for _, want := range []string{`first line\nsecond line`, `pool exhausted\nby the new retry loop`, `failing`, `rolling back`} {
		if !strings.Contains(show, want) {
			t.Errorf("incident show --json lacks %q:\n%s", want, show)
		}
	}
	fdFail(t, db, exitUsage, "--body-file", "incident", "note", "INC-1", "--body-file", filepath.Join(dir, "missing.txt"))
}

// TestPostmortemBodyFile: a postmortem text field from a file keeps its
// lines; --field and --body-file go together.
func TestPostmortemBodyFile(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "incident", "open", "--sev", "1", "checkout 5xx")
	p := filepath.Join(t.TempDir(), "wrong.md")
	if err := os.WriteFile(p, []byte("- the canary had no 5xx alert\n- the rollback took 9 minutes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fdOK(t, db, "incident", "postmortem", "INC-1", "--field", "lessons-wrong", "--body-file", p)
	fdOK(t, db, "incident", "postmortem", "INC-1", "--field", "summary", "--body-file", p)
	show := fdOK(t, db, "incident", "show", "INC-1", "--json")
	if strings.Count(show, `- the canary had no 5xx alert\n- the rollback took 9 minutes`) != 2 {
		t.Errorf("the two fields lack the file's lines:\n%s", show)
	}
	fdFail(t, db, exitUsage, "--body-file needs --field NAME", "incident", "postmortem", "INC-1", "--body-file", p)
	fdFail(t, db, exitUsage, "--field summary needs --body-file", "incident", "postmortem", "INC-1", "--field", "summary")
	fdFail(t, db, exitUsage, "give the summary once", "incident", "postmortem", "INC-1", "--field", "summary", "--body-file", p, "--summary", "x")
}
