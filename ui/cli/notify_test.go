package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// script writes an executable shell script into a temporary directory and
// returns its path; the scripts are the commands under test.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cmd.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLINotify(t *testing.T) {
	db := cliDB(t)
	dir := t.TempDir()
	cmd := script(t, `echo "$FLIGHTDECK_EVENT|$FLIGHTDECK_MESSAGE" >> "`+dir+`/runs"`)
	cfg := writeConfig(t, "notify:\n  command: ['"+cmd+"']\n  timeout: 5s\n")
	out := fdOK(t, db, "--config", cfg, "notify", "--test")
	if !strings.Contains(out, "notify command ran: exit 0") {
		t.Errorf("--test: %s", out)
	}
	fdOK(t, db, "--config", cfg, "incident", "open", "--sev", "2", "payments failing")
	out = fdOK(t, db, "--config", cfg, "notify", "--once")
	if !strings.Contains(out, "notified escalation due: INC-1 step 1") {
		t.Errorf("--once output: %s", out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "runs"))
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "test|") ||
		!strings.HasPrefix(lines[1], "escalation_due|INC-1 SEV2 “payments failing”: escalate to On-call DevOps Engineer") {
		t.Errorf("runs:\n%s", b)
	}
	fdFail(t, db, exitUsage, "give one of --once, --watch or --test", "--config", cfg, "notify")
	fdFail(t, db, exitFail, "neither notify nor probe", "notify", "--once")

	failing := writeConfig(t, "notify:\n  command: ['"+script(t, "exit 3")+"']\n")
	fdOK(t, db, "--config", cfg, "incident", "open", "--sev", "1", "again")
	fdFail(t, db, exitFail, "1 command(s) failed", "--config", failing, "notify", "--once")
}
