package cli

import (
	"context"
	"os"
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
