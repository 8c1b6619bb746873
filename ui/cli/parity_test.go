package cli

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/pgtest"
)

// clocked runs flightdeck commands in-process on one database with a
// clock that moves a fixed step per command, so two runs of one sequence
// print the same times whatever the wall clock does.
type clocked struct {
	t    *testing.T
	db   string
	now  time.Time
	step time.Duration
}

type ran struct {
	args           []string
	code           int
	stdout, stderr string
}

func (c *clocked) run(args ...string) ran {
	c.t.Helper()
	c.now = c.now.Add(c.step)
	at := c.now
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: newCleanWriter(&out), stderr: newCleanWriter(&errb), now: func() time.Time { return at }}
	// The store's own clock too (it stamps exports and backdated notes).
	st, err := data.Open(context.Background(), c.db, data.Options{})
	if err != nil {
		c.t.Fatalf("open %s: %v", data.RedactDSN(c.db), err)
	}
	a.store = st.WithClock(a.now)
	code := a.execute(context.Background(), append([]string{"--db", c.db, "--as", "alice"}, args...))
	return ran{args, code, out.String(), errb.String()}
}

// cliSequence is what a team does in a day, command by command: a
// deployment through its checklist and rollout, an incident from open to
// report, the read commands over both, refusals included (their wording
// must match too).
func cliSequence(t *testing.T, c *clocked, dir string) []ran {
	tpl := filepath.Join(dir, "team.md") // the same file for both runs: its path is printed
	if err := os.WriteFile(tpl, []byte("# Team\n\n## Pre-Deployment\n\n### Checks\n\n- [ ] tests pass\n\n## Deployment Execution\n\n### Steps\n\n- [ ] Deploy to staging/canary environment first\n- [ ] smoke tests\n\n## Rollback\n\n### Steps\n\n- [ ] roll back\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out []ran
	for _, args := range [][]string{
		{"deploy", "start", "api", "v1.2"},
		{"check", "1"},
		{"check", "2", "--na", "docs-only change"},
		{"check", "3", "--note", "Snyk clean, see run 7731"},
		{"check", "1"}, // already done
		{"deploy", "status"},
		{"deploy", "status", "--json"},
		{"template", "import", tpl, "--name", "team"},
		{"template", "list"},
		{"template", "show", "team"},
		{"deploy", "start", "web", "v2.0", "--template", "team"},
		{"check", "42", "--deploy", "2"},
		{"deploy", "promote", "--deploy", "2"}, // starts Deployment Execution
		{"check", "43", "--deploy", "2"},       // the canary takes traffic
		{"deploy", "health", "--deploy", "2", "--error-rate", "1.2", "--baseline", "1.0"},
		{"deploy", "promote", "--deploy", "2"}, // refused: the soak has not ended
		{"deploy", "promote", "--deploy", "2", "--reason", "looks fine"},
		{"deploy", "pause", "--deploy", "2"},
		{"deploy", "resume", "--deploy", "2"},
		{"deploy", "status", "--deploy", "2"},
		{"incident", "open", "--sev", "2", "checkout errors after web v2.0"},
		{"incident", "link", "INC-1", "--deploy", "2"},
		{"incident", "ack", "INC-1", "--step", "1", "--reached", "Priya"},
		{"incident", "commander", "INC-1", "dave"},
		{"incident", "note", "INC-1", "rolled the cache back"},
		{"incident", "update", "INC-1", "--conditions", "checkout failing for 5%", "--actions", "rolling back web"},
		{"deploy", "abort", "--deploy", "2", "--yes", "--reason", "errors"},
		{"deploy", "declare", "performance", "--deploy", "1", "--reason", "p99 doubled"},
		{"incident", "mitigate", "INC-1"},
		{"incident", "list"},
		{"incident", "show", "INC-1"},
		{"incident", "star", "15"},
		{"incident", "root-cause", "INC-1", "a bad cache key"},
		{"incident", "resolve", "INC-1", "--yes"},
		{"incident", "action", "INC-1", "alert on cache misses", "--owner", "dave"},
		{"incident", "postmortem", "INC-1", "--summary", "a bad cache key broke checkout"},
		{"incident", "show", "INC-1", "--json"},
		{"incident", "report", "INC-1"},
		{"incident", "open", "--sev", "4", "typo on the status page"},
		{"incident", "resolve", "INC-9", "--yes"}, // refused: no such incident
		{"history"},
		{"history", "show", "2"},
		{"metrics"},
		{"metrics", "--json"},
		{"export"},
	} {
		out = append(out, c.run(args...))
	}
	return out
}

// TestCLISameOnBothEngines runs one day's sequence of commands on a new
// SQLite file and on a new PostgreSQL database: every command prints the
// same (stdout, stderr, exit code), the database's name aside.
func TestCLISameOnBothEngines(t *testing.T) {
	t.Setenv("FLIGHTDECK_DB", "")
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("FLIGHTDECK_CONFIG", "")
	t0 := time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)
	file := filepath.Join(t.TempDir(), "flightdeck.db")
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))
	dir := t.TempDir()
	onFile := cliSequence(t, &clocked{t: t, db: file, now: t0, step: 20 * time.Second}, dir)
	onPG := cliSequence(t, &clocked{t: t, db: dsn, now: t0, step: 20 * time.Second}, dir)
	norm := func(s, db string) string {
		s = strings.ReplaceAll(s, db, "DB")
		return strings.ReplaceAll(s, data.RedactDSN(db), "DB")
	}
	if os.Getenv("FD_SHOW") != "" {
		for _, r := range onPG {
			t.Logf("$ flightdeck %s  (exit %d)\n%s%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
		}
	}
	refused := 0
	for i := range onFile {
		f, p := onFile[i], onPG[i]
		if f.code != exitOK {
			refused++
		}
		if f.code != p.code || norm(f.stdout, file) != norm(p.stdout, dsn) || norm(f.stderr, file) != norm(p.stderr, dsn) {
			t.Errorf("flightdeck %s differs:\nSQLite     exit %d\n%s%s\nPostgreSQL exit %d\n%s%s",
				strings.Join(f.args, " "), f.code, f.stdout, f.stderr, p.code, p.stdout, p.stderr)
		}
	}
	// The sequence says something: most commands succeed, the refusals
	// are the ones meant.
	if refused != 2 {
		for _, r := range onFile {
			if r.code != exitOK {
				t.Logf("refused: flightdeck %s: %s", strings.Join(r.args, " "), r.stderr)
			}
		}
		t.Errorf("%d commands were refused, want 2 (the promote before the soak ended, the missing incident)", refused)
	}
}

// pgPassword is the password in the test server's DSN, which no output
// may contain.
func pgPassword(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(pgtest.Server(t))
	if err != nil {
		t.Fatal("the test server's DSN is not a URL")
	}
	pw, ok := u.User.Password()
	if !ok || len(pw) < 8 {
		t.Fatal("the test server's DSN has no password to look for")
	}
	return pw
}
