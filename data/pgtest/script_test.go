package pgtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCIPostgresScript runs the README's steps for a test server as
// written — eval "$(.ci/postgres start)", use it, .ci/postgres stop — and
// checks that the server it started answers on the DSN it exported, and
// that stop removes it.
func TestCIPostgresScript(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DefaultBin, "initdb")); err != nil {
		missing(t, "no PostgreSQL server binaries in "+DefaultBin+": install postgresql-15, as .ci/run does")
	}
	script, err := filepath.Abs("../../.ci/postgres")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FLIGHTDECK_PG_DIR=") && !strings.HasPrefix(kv, "FLIGHTDECK_TEST_POSTGRES=") {
			env = append(env, kv)
		}
	}
	start := exec.Command("bash", script, "start")
	start.Env = env
	out, err := start.Output()
	if err != nil {
		t.Fatalf(".ci/postgres start: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^export FLIGHTDECK_TEST_POSTGRES='?([^'\n]+)'?$`).FindSubmatch(out)
	d := regexp.MustCompile(`(?m)^export FLIGHTDECK_PG_DIR='?([^'\n]+)'?$`).FindSubmatch(out)
	if m == nil || d == nil {
		t.Fatalf(".ci/postgres start printed no exports:\n%s", out)
	}
	dsn, dir := string(m[1]), string(d[1])
	stopped := false
	defer func() {
		if !stopped {
			_ = exec.Command("bash", script, "stop", dir).Run()
		}
	}()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("the exported DSN does not connect: %v", err)
	}
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1: %d %v", one, err)
	}
	_ = conn.Close(context.Background())

	stop := exec.Command("bash", script, "stop", dir)
	stop.Env = env
	if out, err := stop.CombinedOutput(); err != nil {
		t.Fatalf(".ci/postgres stop: %v\n%s", err, out)
	}
	stopped = true
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stop left %s (%v)", dir, err)
	}
}
