package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIDemoGenerateOnly builds the demo database without the dashboard
// and reads it with the other commands.
func TestCLIDemoGenerateOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a year of history (a few seconds)")
	}
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("FLIGHTDECK_DB", "")
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"demo", "--generate-only", "--seed", "5"}, &out, &errb); code != exitOK {
		t.Fatalf("demo: exit %d: %s", code, errb.String())
	}
	path, ok := strings.CutPrefix(out.String(), "demo database kept at ")
	path, _, _ = strings.Cut(path, " — ")
	if !ok || !strings.HasSuffix(out.String(), "open it again with flightdeck --db "+path+"\n") {
		t.Fatalf("demo printed %q", out.String())
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("demo directory: %v %v", fi.Mode(), err)
	}
	if !strings.Contains(errb.String(), "5002 deployments, 2002 incidents") {
		t.Errorf("demo stderr: %q", errb.String())
	}
	if m := metricsJSONOf(t, path); m.DeploymentFrequency.Deployments < 300 || m.LeadTime.N < 250 {
		t.Errorf("demo metrics: %+v", m)
	}
	if out := fdOK(t, path, "deploy", "status"); !strings.Contains(out, "2/4 · 25% — HOLD: INC-") {
		t.Errorf("demo canary status:\n%s", out)
	}
	if out := fdOK(t, path, "incident", "list"); !strings.Contains(out, "SEV2") || !strings.Contains(out, "NONE (needed)") ||
		!strings.Contains(out, "FREEZE") {
		t.Errorf("demo incidents:\n%s", out)
	}
	fdFail(t, path, exitUsage, "demo makes its own database", "demo")
}
