package cli

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// TestREADMEPostgresRuns runs the README's PostgreSQL set-up as written:
// the ```sh blocks between <!-- postgres --> and <!-- /postgres -->, in
// order, in one shell. The reader's environment is the sandbox's: PGHOST,
// PGPORT, PGUSER (and PGSSLMODE) name the test server, its password is in
// ~/.pgpass, PostgreSQL's client tools are on PATH, and FLIGHTDECK_DB is
// the team's SQLite file, holding one deployment. FLIGHTDECK_README reads
// another file (the text before it is merged).
func TestREADMEPostgresRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README on PostgreSQL")
	}
	path := os.Getenv("FLIGHTDECK_README")
	if path == "" {
		path = "../../README.md"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start, end := markerLine(readme, "<!-- postgres -->"), markerLine(readme, "<!-- /postgres -->")
	if start < 0 || end < start {
		t.Skipf("SKIPPED: %s has no PostgreSQL section between <!-- postgres --> and <!-- /postgres -->", path)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme[start:end], -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 2 {
		t.Fatalf("only %d sh blocks in the PostgreSQL section", len(blocks))
	}
	server := pgtest.Server(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal("the test server's DSN is not a URL")
	}
	pw, _ := u.User.Password()
	pgBin := "/usr/lib/postgresql/15/bin"
	for _, tool := range []string{"createdb", "pg_dump"} {
		if _, err := os.Stat(filepath.Join(pgBin, tool)); err != nil {
			skipOrFail(t, "%s is not installed (.ci/run installs postgresql-15)", tool)
		}
	}
	// The README creates the database "flightdeck": ours alone on the
	// test server, dropped before and after.
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS flightdeck WITH (FORCE)"); err != nil {
			t.Fatal(err)
		}
	}
	drop()
	t.Cleanup(drop)

	bin := flightdeckBin(t)
	binDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(binDir, "flightdeck")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".pgpass"), []byte("*:*:*:"+u.User.Username()+":"+pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	team := filepath.Join(dir, "team.db")
	env := []string{"PATH=" + binDir + ":" + pgBin + ":" + os.Getenv("PATH"), "HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"FLIGHTDECK_DB=" + team, "FLIGHTDECK_CONFIG=", "FLIGHTDECK_AS=", "USER=reader", "TZ=UTC",
		"PGHOST=" + u.Hostname(), "PGPORT=" + u.Port(), "PGUSER=" + u.User.Username()} // nothing else of ours: no PGPASSWORD
	if mode := u.Query().Get("sslmode"); mode != "" {
		env = append(env, "PGSSLMODE="+mode)
	}
	seed := exec.Command(bin, "--db", team, "--as", "alice", "deploy", "start", "checkout-api", "v2.14.0")
	seed.Dir, seed.Env = dir, env
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("seed the team's file: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", strings.Join(blocks, "\n"))
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	t.Logf("the README's PostgreSQL blocks:\n%s", out)
	if err != nil {
		t.Fatalf("the README's PostgreSQL blocks failed: %v", err)
	}
	if strings.Contains(string(out), pw) {
		t.Error("the output shows the password")
	}
	for _, want := range []string{"copied 1 deployment, 0 incidents, ", "#1 checkout-api v2.14.0", "the backup is a SQLite copy of postgres:///flightdeck"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	for _, pattern := range []string{"flightdeck-2*.db", "flightdeck.dump", "flightdeck-local.db"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pattern)); len(m) != 1 {
			t.Errorf("no %s after the README's blocks", pattern)
		}
	}
	// The copy back holds the team's deployment.
	if out := fdOK(t, filepath.Join(dir, "flightdeck-local.db"), "deploy", "status"); !strings.Contains(out, "#1 checkout-api v2.14.0") {
		t.Errorf("the local copy:\n%s", out)
	}
}

// markerLine is where a line holding only marker starts in text, or -1.
func markerLine(text, marker string) int {
	if loc := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(marker) + `$`).FindStringIndex(text); loc != nil {
		return loc[0]
	}
	return -1
}
