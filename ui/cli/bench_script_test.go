package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchScriptOptions: .ci/bench, which the README's Performance section
// runs by hand, documents every option the README shows, and refuses a bad
// one before it builds or measures anything (a full run takes 11–20 minutes,
// so it is not part of go test).
func TestBenchScriptOptions(t *testing.T) {
	script := filepath.Join("..", "..", ".ci", "bench")
	out, err := exec.Command("bash", script, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf(".ci/bench --help: %v\n%s", err, out)
	}
	for _, opt := range []string{"--scale N", "--quick", "--check", "--no-postgres", "--fresh", "--only LIST", "startup,metrics,key,idle"} {
		if !strings.Contains(string(out), opt) {
			t.Errorf(".ci/bench --help does not mention %q:\n%s", opt, out)
		}
	}
	for args, want := range map[string]string{"--scale 0": "--scale must be 1 to 25", "--scale x": "--scale must be a whole number", "--bogus": "unknown argument --bogus"} {
		cmd := exec.Command("bash", append([]string{script}, strings.Fields(args)...)...)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), want) {
			t.Errorf(".ci/bench %s: %v, %q; want exit 2 saying %q", args, err, out, want)
		}
	}
}
