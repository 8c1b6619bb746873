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
	if !strings.Contains(out, "✓ command (command): test notice delivered") {
		t.Errorf("--test: %s", out)
	}
	fdOK(t, db, "--config", cfg, "incident", "open", "--sev", "2", "payments failing")
	out = fdOK(t, db, "--config", cfg, "notify", "--once")
	if !strings.Contains(out, "notify command: delivered incident_opened incident_opened:INC-1:") ||
		!strings.Contains(out, "notify command: delivered escalation_due escalation_due:1:1:") {
		t.Errorf("--once output: %s", out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "runs"))
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "test|") ||
		!strings.HasPrefix(lines[1], "incident_opened|INC-1 SEV2 “payments failing”: opened SEV2") ||
		!strings.HasPrefix(lines[2], "freeze_on|INC-1 SEV2 “payments failing”: change freeze ON") ||
		!strings.HasPrefix(lines[3], "escalation_due|INC-1 SEV2 “payments failing”: escalation step 1 due at") {
		t.Errorf("runs:\n%s", b)
	}
	fdFail(t, db, exitUsage, "give one of --once, --watch or --test", "--config", cfg, "notify")
	fdFail(t, db, exitFail, "the configuration has no notifications and no probe", "notify", "--once")
	fdFail(t, db, exitUsage, `no sender named "chat": the configuration has command (command)`, "--config", cfg, "notify", "--test", "--sender", "chat")

	failing := writeConfig(t, "notify:\n  command: ['"+script(t, "echo 'curl: (7) refused' >&2; exit 3")+"']\n")
	fdOK(t, db, "--config", cfg, "incident", "open", "--sev", "1", "again")
	fdFail(t, db, exitFail, "1 delivery or probe run(s) failed", "--config", failing, "notify", "--once")
	fdFail(t, db, exitFail, "1 of 1 sender(s) failed the test", "--config", failing, "notify", "--test")
}
