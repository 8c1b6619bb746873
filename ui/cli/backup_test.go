package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCLIBackup(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1.2")
	fdOK(t, db, "check", "1")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout errors")
	dest := filepath.Join(t.TempDir(), "backup.db")

	out := fdOK(t, db, "backup", dest)
	want := `^backed up 1 deployment, 1 incident, \d+ events to .*backup\.db \(0\.\d MB\)\n$`
	if onPostgres() {
		want = `^backed up 1 deployment, 1 incident, \d+ events to .*backup\.db \(0\.\d MB\)\n` +
			`the backup is a SQLite copy of postgres://\S+ \(open it with --db \S+backup\.db\); for the server itself use pg_dump, e\.g\. pg_dump -Fc -f flightdeck\.dump 'postgres://\S+'\n$`
	}
	if !regexp.MustCompile(want).MatchString(out) {
		t.Errorf("backup printed %q", out)
	}
	fi, err := os.Stat(dest)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v", fi, err)
	}
	// --db opens the backup, with everything in it.
	if out := fdOK(t, dest, "deploy", "status"); !strings.Contains(out, "Pre-Deployment 1/20") {
		t.Errorf("deploy status of the backup:\n%s", out)
	}

	fdFail(t, db, exitUsage, dest+" exists: choose a new name", "backup", dest)
	fdFail(t, db, exitUsage, "backup needs one new file", "backup")
	fdFail(t, db, exitUsage, "does not exist: create it", "backup", filepath.Join(t.TempDir(), "no", "b.db"))
}
