package cli

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cliRun runs the binary and returns its exit code, stdout and stderr.
func cliRun(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(flightdeckBin(t), append([]string{"--db", db}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("flightdeck %s: %v", strings.Join(args, " "), err)
	}
	return 0, stdout.String(), stderr.String()
}

// Honest links and the second deployment, end to end: incident open without
// --deploy does not link; the dashboard's form offers the focused deployment
// as a choice; a second deploy start of a service in flight is refused
// without --reason, and with one the dashboard keeps its focus on the live
// canary; n in the dashboard warns the same way.
func TestE2EHonestLinksAndSecondDeployment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	cli(t, db, "deploy", "promote", "--reason", "e2e: skip Pre-Deployment")    // canary at 5%
	cli(t, db, "deploy", "live")                                               // the canary takes traffic: its soak starts
	cli(t, db, "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4") // a fresh reading: only the soak needs a reason
	x := newTmux(t)
	x.start(120, 40, flightdeckBin(t), "--db", db, "--as", "alice")
	x.waitText(" left ")

	// The CLI does not guess: not linked, with a hint on stderr.
	code, out, errOut := cliRun(t, db, "incident", "open", "--sev", "3", "search latency")
	if code != 0 || strings.Contains(out, "linked") || !strings.Contains(errOut, "flightdeck incident link INC-1 --deploy 1") {
		t.Fatalf("incident open: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if show := cli(t, db, "incident", "show", "INC-1"); strings.Contains(show, "deployment: #1") {
		t.Fatalf("INC-1 was linked:\n%s", show)
	}
	x.waitText("SEV3 INC-1")

	// The form offers the focused deployment; choosing it links.
	x.keys("!")
	x.waitText("● none: not caused by a deployment")
	x.waitText("○ #1 checkout-api v2.14.0 → production (focused)")
	x.keys("-l", "checkout 5xx")
	x.keys("Tab", "3", "Tab", "Tab", "Right")
	x.waitText("● #1 checkout-api v2.14.0 → production (focused)")
	x.keys("Enter")
	x.waitText("linked to #1")
	if show := cli(t, db, "incident", "show", "INC-2"); !strings.Contains(show, "deployment: #1") {
		t.Fatalf("INC-2 not linked to #1:\n%s", show)
	}

	// A second deployment of checkout-api: refused without --reason.
	code, _, errOut = cliRun(t, db, "deploy", "start", "checkout-api", "v2.14.1")
	if code != 1 || !strings.Contains(errOut, "checkout-api already has #1 v2.14.0 in progress at 5% in production") ||
		!strings.Contains(errOut, "--reason") {
		t.Fatalf("second deploy start: exit %d, stderr %q", code, errOut)
	}
	out = cli(t, db, "deploy", "start", "checkout-api", "v2.14.1", "--reason", "e2e: tax hotfix")
	if !strings.Contains(out, "started deployment #2") {
		t.Fatalf("with --reason: %s", out)
	}
	// The dashboard sees #2 and keeps the focus on the live canary #1.
	s := x.waitText("+1 active")
	head, _, _ := strings.Cut(s, "\n")
	if !strings.Contains(head, "#1 checkout-api") || !strings.Contains(s, " left ") {
		t.Fatalf("focus left the live canary:\n%s", s)
	}

	// n in the dashboard warns before a third.
	x.keys("n")
	x.waitText("Start a deployment")
	x.keys("-l", "checkout-api")
	x.keys("Tab")
	x.keys("-l", "v2.14.2")
	x.keys("Enter")
	x.waitText("checkout-api already has #1 v2.14.0 in progress at 5% in production — start anyway?")
	x.keys("Escape")
	x.waitFor("the warning to close", func(s string) bool { return !strings.Contains(s, "start anyway?") })
	if out := cli(t, db, "deploy", "status"); strings.Contains(out, "v2.14.2") {
		t.Fatalf("cancelled start wrote a deployment:\n%s", out)
	}
}
