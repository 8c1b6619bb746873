package cli

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Holds that hold, end to end: the dashboard and the CLI on one database.

// liveCanary is a canary deployment through Pre-Deployment, live, with a
// healthy reading just taken.
func liveCanary(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	cli(t, db, "deploy", "promote", "--reason", "e2e: skip Pre-Deployment")
	cli(t, db, "deploy", "live")
	cli(t, db, "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4")
	return db
}

// cliFail runs the binary expecting a non-zero exit; it returns stdout and stderr.
func cliFail(t *testing.T, db string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(flightdeckBin(t), append([]string{"--db", db}, args...)...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err == nil {
		t.Fatalf("flightdeck %s succeeded:\n%s", strings.Join(args, " "), out.String())
	}
	return out.String(), errOut.String()
}

// D2: a SEV1 opened from the CLI and linked to the deployment puts the
// dashboard's rollout on HOLD; p asks for an override naming it, and the
// reason is recorded.
func TestE2ESev1HoldsRollout(t *testing.T) {
	db := liveCanary(t)
	x := newTmux(t)
	x.start(120, 40, flightdeckBin(t), "--db", db)
	x.waitText("SOAKING")
	cli(t, db, "incident", "open", "--sev", "1", "--deploy", "1", "checkout 5xx at 100% of EU traffic")
	s := x.waitText("HOLD: INC-1 SEV1 open")
	if strings.Contains(s, "READY TO PROMOTE") || strings.Contains(s, "p promotes") {
		t.Fatalf("READY shown under a hold:\n%s", s)
	}
	x.keys("2")
	x.waitText("▶ 2 Rollout")
	x.keys("p")
	// The question names the hold first (the footer may cut its end).
	x.waitFor("the prompt naming the hold first", func(s string) bool {
		return regexp.MustCompile(`HOLD: INC-1 SEV1 open; \d\d:\d\d of the 15:00 soak left`).MatchString(s)
	})
	x.keys("Enter") // empty: refused, the prompt stays
	x.waitText("a reason is required")
	x.keys("-l", "e2e: INC-1 is the payment provider")
	x.keys("Enter")
	x.waitText("stage 2/4 · 25%")
	x.waitText("despite HOLD: INC-1 SEV1 open")
	if out := cli(t, db, "deploy", "status"); !strings.Contains(out, "rollout:  2/4 · 25% — HOLD: INC-1 SEV1 open — promote and finish need --reason") {
		t.Errorf("status:\n%s", out)
	}
	_, errOut := cliFail(t, db, "deploy", "promote")
	if !strings.Contains(errOut, "HOLD: INC-1 SEV1 open") || !strings.Contains(errOut, "pass --reason TEXT") {
		t.Errorf("CLI promote under hold: %s", errOut)
	}
}

// D5: a breach recorded with deploy health latches: a good reading after
// it leaves ROLLBACK CRITERIA MET on the dashboard until it is cleared.
func TestE2EBreachLatchesUntilCleared(t *testing.T) {
	db := liveCanary(t)
	x := newTmux(t)
	x.start(120, 40, flightdeckBin(t), "--db", db)
	x.waitText("SOAKING")
	cli(t, db, "deploy", "health", "--error-rate", "9.5")
	x.waitText("ROLLBACK CRITERIA MET")
	cmd := exec.Command(flightdeckBin(t), "--db", db, "deploy", "health", "--error-rate", "0.6")
	outb, err := cmd.CombinedOutput() // the advice is a hint: on stderr
	out := string(outb)
	if err != nil || !strings.Contains(out, "the earlier breach stays latched") {
		t.Errorf("good reading: %s", out)
	}
	s := x.waitText("error rate 0.60% vs baseline 0.40%")
	if !strings.Contains(s, "ROLLBACK CRITERIA MET") || strings.Contains(s, "READY") || strings.Contains(s, "✓ error rate") {
		t.Fatalf("the good reading wiped the breach:\n%s", s)
	}
	if _, errOut := cliFail(t, db, "deploy", "promote"); !strings.Contains(errOut, "rollback criteria met (error rate 9.5% is 9.1 points above baseline 0.4%") {
		t.Errorf("promote: %s", errOut)
	}
	cli(t, db, "deploy", "clear-criteria", "--reason", "e2e: the 9.5% was the load test")
	x.waitFor("the banner to go", func(s string) bool {
		return strings.Contains(s, "cleared") && !strings.Contains(s, "ROLLBACK CRITERIA MET ")
	})
}

// D8: finish with open items is refused without a reason, in the CLI
// (which lists them) and on the dashboard (which asks for one).
func TestE2EFinishWithOpenItems(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once", "--at", "-20m")
	s := openTestStore(t, db)
	ctx := context.Background()
	start := time.Now().Add(-16 * time.Minute)
	if _, err := s.StartExecution(ctx, 1, "bob", start, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GoLive(ctx, 1, "bob", start); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, 1, 0.4, ptrF(0.4), "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	out, errOut := cliFail(t, db, "deploy", "finish")
	if !strings.Contains(out, "Deployment Execution open:\n   [ ] Verify deployment window and change freeze status\n") ||
		!strings.Contains(out, "   [ ] Smoke tests passed in production\n") ||
		!strings.Contains(errOut, "14 Deployment Execution items open (") || !strings.Contains(errOut, "pass --reason TEXT") {
		t.Fatalf("CLI finish:\n%s\n%s", out, errOut)
	}
	x := newTmux(t)
	x.start(120, 40, flightdeckBin(t), "--db", db)
	x.waitText("READY TO FINISH")
	x.keys("2")
	x.waitText("▶ 2 Rollout")
	x.keys("f")
	x.waitText("14 Deployment Execution items open (")
	x.keys("Enter")
	x.waitText("a reason is required")
	x.keys("-l", "e2e: verified in the release ticket")
	x.keys("Enter")
	x.waitText("✓ api v1 → production completed")
	x.waitText("deployment completed despite 14 Deplo")
	if st := cli(t, db, "deploy", "status", "--deploy", "1"); !strings.Contains(st, "#1 api v1 → production (all-at-once) — completed") {
		t.Errorf("status:\n%s", st)
	}
}
