package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/data/pgtest"
)

// TestCLIDemoGenerateOnly builds the demo database without the dashboard
// and reads it with the other commands.
func TestCLIDemoGenerateOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a year of history (a few seconds)")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("FLIGHTDECK_DB", "")
	killed := plantDemoDir(t, tmp, "flightdeck-demo-killed", true, time.Hour)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"demo", "--generate-only", "--seed", "5"}, &out, &errb); code != exitOK {
		t.Fatalf("demo: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) || !strings.Contains(errb.String(), "removed 1 demo directory left by runs that were killed") {
		t.Errorf("the killed run's directory: %v; stderr %q", err, errb.String())
	}
	path, ok := strings.CutPrefix(out.String(), "demo database kept at ")
	path, _, _ = strings.Cut(path, " — ")
	if !ok || !strings.HasSuffix(out.String(), "open it again with flightdeck --db "+path+"\n") {
		t.Fatalf("demo printed %q", out.String())
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("demo directory: %v %v", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), demoRunning)); !os.IsNotExist(err) {
		t.Errorf("a kept demo still has its %s marker (%v): the next demo would not know it was kept", demoRunning, err)
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
	if out := fdScreen(t, path, "incident", "list"); !strings.Contains(out, "SEV2") || !strings.Contains(out, "NONE (needed)") ||
		!strings.Contains(out, "FREEZE") {
		t.Errorf("demo incidents:\n%s", out)
	}
	// A demo goes only into an empty database.
	fdFail(t, path, exitFail, "already holds data: the demo goes into an empty database", "demo", "--generate-only")
}

// plantDemoDir makes a demo directory in tmp as a run leaves it: with its
// .running marker (a run that was killed, or one still going) or without
// (a kept demo), aged by age.
func plantDemoDir(t *testing.T, tmp, name string, marker bool, age time.Duration) string {
	t.Helper()
	dir := filepath.Join(tmp, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	files := []string{"flightdeck.db"}
	if marker {
		files = append(files, demoRunning)
	}
	at := time.Now().Add(-age)
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRemoveKilledDemos: only directories of killed runs go; a run still
// going (its lock held), one just started, a kept demo and directories
// not of our naming stay.
func TestRemoveKilledDemos(t *testing.T) {
	tmp := t.TempDir()
	killed := plantDemoDir(t, tmp, demoDirPrefix+"1", true, time.Hour)
	running := plantDemoDir(t, tmp, demoDirPrefix+"2", true, time.Hour)
	held, err := data.HoldLock(filepath.Join(running, demoRunning))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	fresh := plantDemoDir(t, tmp, demoDirPrefix+"3", true, 0)
	kept := plantDemoDir(t, tmp, demoDirPrefix+"4", false, time.Hour)
	other := plantDemoDir(t, tmp, "someone-else", true, time.Hour)
	if n := removeKilledDemos(tmp); n != 1 {
		t.Errorf("removed %d, want 1", n)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("the killed run's directory is still there: %v", err)
	}
	for _, d := range []string{running, fresh, kept, other} {
		if _, err := os.Stat(filepath.Join(d, "flightdeck.db")); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(d), err)
		}
	}
}

// demo --db fills the database given, here an empty PostgreSQL one, keeps
// it, and says how to open it again without printing the password.
func TestCLIDemoOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a year of history (seconds)")
	}
	cliDB(t)
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))
	pw := pgPassword(t)
	fdFail(t, dsn, exitUsage, "demo never deletes a database it did not create", "demo", "--keep=false")
	start := time.Now()
	code, out, errOut := fd(t, dsn, "demo", "--generate-only", "--seed", "5")
	if code != exitOK {
		t.Fatalf("demo --db DSN: exit %d: %s", code, errOut)
	}
	t.Logf("the demo year into PostgreSQL in %v", time.Since(start).Round(100*time.Millisecond))
	want := "demo database kept at " + data.RedactDSN(dsn) + " — open it again with flightdeck --db " + withoutPassword(t, dsn) + "\n"
	if out != want || strings.Contains(out+errOut, pw) || !strings.Contains(errOut, "5002 deployments, 2002 incidents") {
		t.Errorf("demo printed %q, stderr %q; want %q", out, errOut, want)
	}
	if out := fdOK(t, dsn, "deploy", "status"); !strings.Contains(out, "2/4 · 25% — HOLD: INC-") {
		t.Errorf("demo canary status:\n%s", out)
	}
	fdFail(t, dsn, exitFail, "already holds data: the demo goes into an empty database", "demo", "--generate-only")
}

// TestDemoScale: --scale multiplies the default year exactly (10 is the
// 50,000 deployments, 20,000 incidents and 2,000,000 events .ci/bench
// measures), and a scale out of range is a usage error before anything is
// made (generating even 2× would take this test seconds; .ci/bench runs it).
func TestDemoScale(t *testing.T) {
	opt, err := demoOptions(7, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := (demo.Options{Seed: 7, Deployments: 50_000, Incidents: 20_000, Events: 2_000_000}); opt.Seed != want.Seed ||
		opt.Deployments != want.Deployments || opt.Incidents != want.Incidents || opt.Events != want.Events {
		t.Errorf("demoOptions(7, 10) = %+v, want the sizes of %+v", opt, want)
	}
	if opt, _ := demoOptions(1, 1); opt.Deployments != demo.DefaultDeployments || opt.Incidents != demo.DefaultIncidents || opt.Events != demo.DefaultEvents {
		t.Errorf("demoOptions(1, 1) = %+v: not the default year", opt)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("FLIGHTDECK_DB", "")
	for _, scale := range []string{"0", "-1", "26"} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"demo", "--generate-only", "--scale", scale}, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), "--scale must be 1 to 25") {
			t.Errorf("demo --scale %s: exit %d, stderr %q", scale, code, errb.String())
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("a refused --scale left %d entries in the temporary directory", len(entries))
	}
}
