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

// TestREADMECommandBlocks holds the README to its word: every ```sh block is
// either run here as written (marked <!-- run -->, in README order, in one
// sandbox: a fresh database, HOME and XDG directories, the built binary
// first on PATH as flightdeck), run by the pipeline test (inside <!--
// pipeline -->) or the PostgreSQL one (inside <!-- postgres -->), or marked <!-- not run: why; the test that covers it -->.
// A block with no mark fails, so a new block must be classified.
func TestREADMECommandBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README")
	}
	for _, tool := range []string{"jq", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "%s is not installed (.ci/run installs it)", tool)
		}
	}
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	pipeStart, pipeEnd := strings.Index(readme, "<!-- pipeline -->"), strings.Index(readme, "<!-- /pipeline -->")
	pgStart, pgEnd := markerLine(readme, "<!-- postgres -->"), markerLine(readme, "<!-- /postgres -->")
	block := regexp.MustCompile("(?s)(<!-- (run|not run: [^>]*) -->\n)?```sh\n(.*?)```")
	var run []string
	for _, m := range block.FindAllStringSubmatchIndex(readme, -1) {
		at := m[0]
		line := strings.Count(readme[:at], "\n") + 1
		text := readme[m[6]:m[7]]
		switch {
		case at > pipeStart && at < pipeEnd:
			// TestREADMEPipelineRuns runs it.
		case at > pgStart && at < pgEnd:
			// TestREADMEPostgresRuns runs it, on a PostgreSQL server.
		case m[2] < 0:
			t.Errorf("README.md:%d: a ```sh block with no <!-- run --> or <!-- not run: why; the test that covers it --> mark:\n%s", line, text)
		case readme[m[4]:m[5]] == "run":
			run = append(run, text)
		default:
			why := readme[m[4]:m[5]]
			if !regexp.MustCompile(`Test\w+`).MatchString(why) {
				t.Errorf("README.md:%d: %q names no test that covers the block", line, why)
			}
		}
	}
	if len(run) < 3 {
		t.Fatalf("only %d README blocks are run: the marks are lost", len(run))
	}
	bin := flightdeckBin(t)
	binDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(binDir, "flightdeck")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := []string{"PATH=" + binDir + ":" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "FLIGHTDECK_DB=" + filepath.Join(dir, "fd.db"), "FLIGHTDECK_CONFIG=",
		"FLIGHTDECK_AS=", "USER=reader", "TZ=UTC", "GIT_CEILING_DIRECTORIES=" + dir}
	for i, script := range run {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("README block %d failed: %v\n--- block\n%s--- output\n%s", i+1, err, script, out)
		}
		t.Logf("README block %d:\n%s", i+1, out)
	}
}
