package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// The war room on PostgreSQL: serve on a DSN, two dashboards over SSH, a
// pipeline writing from another process and a command sent over SSH;
// every change reaches every session through the database (LISTEN/NOTIFY),
// and the password shows nowhere — not in the banner, not in the log.
func TestServeOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and serves over SSH")
	}
	requireSSHTools(t)
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))
	pw := pgPassword(t)
	dir := t.TempDir()
	dataHome, configHome := filepath.Join(dir, "data"), filepath.Join(dir, "config")
	writeServeConfig(t, configHome)
	env := []string{"XDG_DATA_HOME=" + dataHome, "XDG_CONFIG_HOME=" + configHome, "FLIGHTDECK_CONFIG=", "FLIGHTDECK_DB=", "DEBUG=1"}
	cli(t, dsn, "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")
	teamKey, teamPub := sshKey(t, dir, "team")
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte("principals=\"alice,bob\" "+teamPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, dir, env, dsn, "--authorized-keys", keys)
	if !strings.Contains(srv.out.String(), "database postgres://flightdeck:xxxxx@") {
		t.Errorf("the banner does not name the database without its password:\n%s", srv.out.String())
	}

	alice, _ := sshPane(t, 120, 40, srv.port, teamKey, "alice")
	alice.waitText("▶ [ ] All automated tests passing in CI")
	bob, _ := sshPane(t, 120, 40, srv.port, teamKey, "bob")
	bob.waitText("▶ [ ] All automated tests passing in CI")

	step(t, "a tick in one session shows in the other", func() {
		start := time.Now()
		alice.keys("Space")
		bob.waitFor("alice's tick", func(s string) bool {
			return strings.Contains(s, "[x] All a") && strings.Contains(s, "Alice Liddell (ssh SHA256:")
		})
		t.Logf("alice's tick in bob's session after %v", time.Since(start).Round(time.Millisecond))
	})
	step(t, "a write from another process shows in both", func() {
		start := time.Now()
		cli(t, dsn, "check", "Code reviewed and approved by required reviewers", "--note", "pipeline-note-1", "--as", "pipeline")
		alice.waitText("pipeline-note-1")
		bob.waitText("pipeline-note-1")
		t.Logf("a CLI write from another process in both sessions after %v", time.Since(start).Round(time.Millisecond))
	})
	step(t, "a command over SSH runs on the server's database", func() {
		start := time.Now()
		out, code := sshRun(t, append(sshArgs(srv.port, teamKey), "alice@127.0.0.1", "incident", "open", "--sev", "2", "checkout errors")...)
		if code != 0 || !strings.Contains(out, "opened INC-1 SEV2") {
			t.Fatalf("incident open over SSH: exit %d, %q", code, out)
		}
		bob.waitText("INC-1")
		t.Logf("an incident opened over SSH in bob's session after %v", time.Since(start).Round(time.Millisecond))
		if out := cli(t, dsn, "incident", "list"); !strings.Contains(out, "INC-1") {
			t.Errorf("incident list on the database:\n%s", out)
		}
		out, code = sshRun(t, append(sshArgs(srv.port, teamKey), "alice@127.0.0.1", "version")...)
		if code != 0 || !strings.Contains(out, "database:   PostgreSQL postgres://flightdeck:xxxxx@") || strings.Contains(out, pw) {
			t.Errorf("version over SSH: exit %d, %q", code, out)
		}
	})
	step(t, "SIGTERM ends the sessions", func() {
		srv.stop(syscall.SIGTERM)
		alice.waitExit()
		bob.waitExit()
	})
	log, _ := os.ReadFile(filepath.Join(dir, "flightdeck-debug.log"))
	if strings.Contains(srv.out.String(), pw) || strings.Contains(string(log), pw) {
		t.Errorf("the server's output or debug log holds the password")
	}
}
