package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/data"
)

// Defect 10: read commands on a read-only database file, --read-only on
// subcommands, and a mistyped --db for a read command.
var readCommands = [][]string{
	{"deploy", "status"},
	{"incident", "list"},
	{"export"},
	{"history"},
	{"metrics"},
}

// emptyDB is a new, migrated database with nothing in it: read commands
// refuse a path with no database at all.
func emptyDB(t *testing.T) string {
	t.Helper()
	db := cliDB(t)
	st, err := data.Open(context.Background(), db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

func seededDB(t *testing.T) string {
	t.Helper()
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1.2")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout errors")
	return db
}

func TestReadCommandsOnReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write any file; --read-only below covers the read-only open")
	}
	db := seededDB(t)
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(db, 0o600) })
	for _, args := range readCommands {
		fdOK(t, db, args...)
	}
	// A write still says what to do.
	fdFail(t, db, exitFail, "read-only for you", "deploy", "start", "api", "v1.3")
}

func TestReadOnlyFlagOnSubcommands(t *testing.T) {
	db := seededDB(t)
	before, _ := os.ReadFile(db)
	for _, args := range readCommands {
		fdOK(t, db, append([]string{"--read-only"}, args...)...)
		fdOK(t, db, append(args, "--read-only")...)
	}
	fdFail(t, db, exitFail, "open read-only (--read-only): nothing was changed", "--read-only", "incident", "open", "--sev", "3", "x")
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Error("--read-only commands changed the database file")
	}
}

func TestReadCommandRefusesMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	cliDB(t)
	typo := filepath.Join(dir, "flightdek.db")
	for _, args := range readCommands {
		fdFail(t, typo, exitFail, "no database at "+typo+" — check --db, or run a command that creates it (flightdeck deploy start …)", args...)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("a read command created files: %s", strings.Join(names, ", "))
	}
}

// The same as another user (CI runs as root, who can write any file): a
// database file and directory that user may only read serve every read
// command, with no -wal or -shm for SQLite to create, and a write says
// what to do. Run through setpriv as nobody.
func TestReadCommandsOnReadOnlyFileAsAnotherUser(t *testing.T) {
	sqliteOnly(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to another user; TestReadCommandsOnReadOnlyFile covers a non-root run")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		skipOrFail(t, "setpriv (util-linux) not installed")
	}
	src := seededDB(t)
	dir, err := os.MkdirTemp("", "flightdeck-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "fd.db")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, b, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // nobody may enter, not write
		t.Fatal(err)
	}
	bin := flightdeckBin(t)
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		cmd := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin, "--db", db}, args...)...)
		cmd.Env = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "none"), "XDG_DATA_HOME=" + filepath.Join(dir, "none"), "PATH=/usr/bin:/bin", "CI="}
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	for _, args := range readCommands {
		if out, code := run(args...); code != 0 {
			t.Errorf("%v as nobody on a read-only file: exit %d\n%s", args, code, out)
		}
	}
	out, code := run("deploy", "start", "web", "v2")
	if code == 0 || !strings.Contains(out, "read-only for you") {
		t.Errorf("a write as nobody: exit %d\n%s", code, out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("reading created files beside the database: %v", entries)
	}
}
