package cli

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// withoutPassword is dsn with the password taken out of it.
func withoutPassword(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal("the test database's DSN is not a URL")
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// TestPostgresPasswordNeverShown runs commands of every kind with the
// password in the DSN — successes, refusals, errors, the files and
// environment they hand on — and finds the password in none of it.
func TestPostgresPasswordNeverShown(t *testing.T) {
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))
	pw := pgPassword(t)
	cliDB(t) // a private XDG_DATA_HOME, no $FLIGHTDECK_DB
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	cmd := script(t, `echo "$FLIGHTDECK_DB" >> "`+envFile+`"`)
	cfg := writeConfig(t, "notify:\n  command: ['"+cmd+"']\n  timeout: 5s\n")
	missing := strings.Replace(dsn, "/fd_", "/nosuchdb_", 1)
	seen := map[string]bool{}
	var all strings.Builder
	for _, c := range []struct {
		db   string
		args []string
	}{
		{dsn, []string{"deploy", "start", "api", "v1.2"}},
		{dsn, []string{"deploy", "status"}},
		{dsn, []string{"incident", "open", "--sev", "2", "checkout down"}},
		{dsn, []string{"--config", cfg, "notify", "--once"}},
		{dsn, []string{"--config", cfg, "notify", "--test"}},
		{dsn, []string{"version"}},
		{dsn, []string{"version", "--json"}},
		{dsn, []string{"config", "check"}},
		{dsn, []string{"config", "check", "--json"}},
		{dsn, []string{"export"}},
		{dsn, []string{"backup", filepath.Join(dir, "b.db")}},
		{dsn, []string{"backup", filepath.Join(dir, "b.db"), "--json"}}, // refused: it exists
		{dsn, []string{"migrate", "--to", filepath.Join(dir, "m.db"), "--json"}},
		{dsn, []string{"migrate", "--to", filepath.Join(dir, "m.db")}}, // refused: not empty
		{filepath.Join(dir, "m.db"), []string{"migrate", "--to", dsn}}, // refused: not empty
		{dsn, []string{"migrate", "--to", dsn}},                        // refused: the same
		{dsn, []string{"demo", "--generate-only"}},                     // refused: not empty
		{dsn, []string{"deploy", "promote", "--deploy", "7"}},          // refused: no such deployment
		{missing, []string{"deploy", "status"}},                        // no such database
		{missing, []string{"--read-only", "incident", "list"}},
	} {
		code, out, errOut := fd(t, c.db, c.args...)
		all.WriteString(out + errOut)
		seen[strings.Join(c.args, " ")] = seen[strings.Join(c.args, " ")] || code == exitOK
		if strings.Contains(out+errOut, pw) {
			t.Errorf("flightdeck %s (exit %d) shows the password:\n%s%s", strings.Join(c.args, " "), code, out, errOut)
		}
	}
	for _, must := range []string{"deploy status", "version --json", "config check", "export", "migrate --to " + filepath.Join(dir, "m.db") + " --json"} {
		if !seen[must] {
			t.Errorf("flightdeck %s did not succeed", must)
		}
	}
	for _, want := range []string{"database:   PostgreSQL postgres://flightdeck:xxxxx@", `"database_engine":"PostgreSQL"`, "(--db)",
		"the backup is a SQLite copy of postgres://flightdeck:xxxxx@", "createdb nosuchdb_"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no command said %q", want)
		}
	}
	// What a notify command is handed: the DSN without its password.
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line != withoutPassword(t, dsn) {
			t.Errorf("a notify command got FLIGHTDECK_DB=%q, want %q", line, withoutPassword(t, dsn))
		}
	}
	// Neither the backup nor the copy holds it: they hold the data only.
	for _, f := range []string{"b.db", "m.db"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || strings.Contains(string(b), pw) {
			t.Errorf("%s: %v, or it holds the password", f, err)
		}
	}
}

// The password can come from where libpq looks for it: ~/.pgpass (mode
// 600) or PGPASSWORD, with a DSN that holds none. A wrong one gets the
// login message, in one line, not the driver's.
func TestPostgresPasswordSources(t *testing.T) {
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))
	pw := pgPassword(t)
	bare := withoutPassword(t, dsn)
	cliDB(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "")

	// Neither: refused at login.
	fdFail(t, bare, exitFail, "PostgreSQL refused the login to "+bare, "deploy", "status")

	// ~/.pgpass.
	if err := os.WriteFile(filepath.Join(home, ".pgpass"), []byte("*:*:*:flightdeck:"+pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := fdOK(t, bare, "deploy", "start", "api", "v1.2"); !strings.HasPrefix(out, "started deployment #1") {
		t.Errorf("with ~/.pgpass: %q", out)
	}
	if err := os.Remove(filepath.Join(home, ".pgpass")); err != nil {
		t.Fatal(err)
	}

	// PGPASSWORD.
	t.Setenv("PGPASSWORD", pw)
	if out := fdOK(t, bare, "deploy", "status"); !strings.Contains(out, "#1 api v1.2") {
		t.Errorf("with PGPASSWORD: %q", out)
	}

	// A wrong one: the login message, one line, nothing of the driver's.
	t.Setenv("PGPASSWORD", "not-the-password")
	code, out, errOut := fd(t, bare, "deploy", "status")
	want := "flightdeck: open: PostgreSQL refused the login to " + bare + " (password authentication failed for user \"flightdeck\"): check the user, and the password in PGPASSWORD or ~/.pgpass\n"
	if code != exitFail || out != "" || errOut != want {
		t.Errorf("a wrong password: exit %d, stdout %q, stderr\n%q\nwant\n%q", code, out, errOut, want)
	}
	// And in the DSN itself: the same, with the password hidden.
	wrong := strings.Replace(dsn, ":"+pw+"@", ":not-the-password@", 1)
	code, _, errOut = fd(t, wrong, "deploy", "status")
	if code != exitFail || strings.Contains(errOut, "not-the-password") || !strings.Contains(errOut, "PostgreSQL refused the login to postgres://flightdeck:xxxxx@") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("a wrong password in the DSN: exit %d, %q", code, errOut)
	}
}
