package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pipelineBlocks is every ```sh block between <!-- pipeline --> and
// <!-- /pipeline --> in the README.
func pipelineBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "<!-- pipeline -->"), strings.Index(s, "<!-- /pipeline -->")
	if i < 0 || j < i {
		t.Fatal("README.md has no <!-- pipeline --> … <!-- /pipeline --> section")
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(s[i:j], -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		t.Fatal("the README's pipeline section has no ```sh block")
	}
	return blocks
}

// TestREADMEPipelineRuns runs each command block of the README's pipeline
// section as written, under bash -euo pipefail, with the built binary first
// on PATH as flightdeck and a fresh database. The configuration shortens
// every soak to a second so the rollout completes in seconds; the commands
// are the README's.
func TestREADMEPipelineRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a rollout")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		skipOrFail(t, "jq is not installed (.ci/run installs it)")
	}
	bin := flightdeckBin(t)
	binDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(binDir, "flightdeck")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	fast := "strategies:\n  canary:\n"
	for _, st := range []string{"canary-5", "canary-25", "canary-50", "canary-100"} {
		fast += "    - name: " + st + "\n      soak: 1s\n"
	}
	if err := os.WriteFile(cfg, []byte(fast), 0o600); err != nil {
		t.Fatal(err)
	}
	for n, block := range pipelineBlocks(t) {
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", block)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
			"FLIGHTDECK_DB="+filepath.Join(dir, "flightdeck.db"),
			"FLIGHTDECK_CONFIG="+cfg,
			"XDG_DATA_HOME="+filepath.Join(dir, "data"),
			"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
			"FLIGHTDECK_AS=", "CI=")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("README pipeline block %d failed: %v\n--- block\n%s--- output\n%s", n+1, err, block, out)
			continue
		}
		if !strings.Contains(string(out), `"outcome":"completed"`) && strings.Contains(block, "deploy wait") {
			t.Errorf("README pipeline block %d: deploy wait did not report completed:\n%s", n+1, out)
		}
		// The actor the block exported is the one recorded.
		if strings.Contains(block, "FLIGHTDECK_AS=ci-pipeline") {
			code, hist, errOut := fd(t, filepath.Join(dir, "flightdeck.db"), "history", "show", "1", "--json")
			if code != exitOK || !strings.Contains(hist, `"started_by": "ci-pipeline"`) {
				t.Errorf("history show 1 after the pipeline (exit %d, %s): want started_by ci-pipeline:\n%s", code, errOut, hist)
			}
		}
	}
}
