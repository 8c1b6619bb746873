package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// D1 with two dashboards on one database: alice opens the early-promote
// prompt at 5%, bob promotes to 25%, alice submits. Refused: the canary
// stays at 25% and alice's screen names bob.
func TestE2EStalePromoteFromTwoDashboards(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "web", "v9.9.9")
	cli(t, db, "deploy", "promote", "--reason", "e2e: skip Pre-Deployment")
	cli(t, db, "deploy", "live")                                               // the canary takes traffic: its soak starts
	cli(t, db, "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4") // a fresh reading: only the soak needs a reason
	bin := flightdeckBin(t)
	alice, bob := newTmux(t), newTmux(t)
	alice.start(80, 24, bin, "--db", db, "--as", "alice")
	bob.start(80, 24, bin, "--db", db, "--as", "bob")
	for _, x := range []*tmux{alice, bob} {
		x.waitText(" left ")
		x.keys("2")
	}
	alice.keys("p")
	alice.waitText("promote anyway because")

	bob.keys("p")
	bob.waitText("promote anyway because")
	bob.keys("bob early", "Enter")
	bob.waitText("✓ promoted to 25%")

	// Alice's prompt is still open, above a header that already says 25%.
	alice.waitFor("alice's header at 25% with her prompt open", func(s string) bool {
		return strings.Contains(s, "2/4 · 25%") && strings.Contains(s, "promote anyway because")
	})
	alice.keys("alice early", "Enter")
	s := alice.waitText("promoted by bob")
	if !regexp.MustCompile(`✗ web is at 2/4 · 25% since \d\d:\d\d:\d\d UTC, promoted by bob — nothing changed`).MatchString(s) {
		t.Errorf("alice's status line does not name bob's promote:\n%s", s)
	}
	if strings.Contains(s, "✓ promoted") || strings.Contains(s, "promote anyway because") {
		t.Errorf("alice's screen shows a success or a dialog still open:\n%s", s)
	}
	if st := cli(t, db, "deploy", "status"); !strings.Contains(st, "2/4 · 25%") {
		t.Errorf("the canary moved on from 25%%:\n%s", st)
	}
	for _, e := range exportJSON(t, db).Events {
		if e.Actor == "alice" && e.Kind == "rollout.promote" {
			t.Error("alice's stale promote was recorded")
		}
	}
	for _, x := range []*tmux{alice, bob} {
		x.keys("q")
		x.waitExit()
	}
}

// D11 with two dashboards: both resolve INC-1; the second is told who
// resolved it, when and with which root cause, and that theirs was not
// recorded.
func TestE2EStaleResolveFromTwoDashboards(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "incident", "open", "--sev", "2", "--deploy", "none", "checkout", "5xx")
	bin := flightdeckBin(t)
	alice, bob := newTmux(t), newTmux(t)
	alice.start(120, 40, bin, "--db", db, "--as", "alice")
	bob.start(120, 40, bin, "--db", db, "--as", "bob")
	for _, x := range []*tmux{alice, bob} {
		x.waitText("INC-1")
		x.keys("4", "R")
		x.waitText("root cause")
	}
	alice.keys("x", "Enter")
	alice.waitText("Resolve INC-1")
	alice.keys("y")
	alice.waitText("✓ INC-1 resolved")

	bob.keys("y", "Enter")
	bob.waitText("Resolve INC-1")
	bob.keys("y")
	s := bob.waitText("already resolved by alice")
	if !regexp.MustCompile(`✗ INC-1 was already resolved by alice at \d\d:\d\d:\d\d UTC \(root cause: x\) — your root cause was not recorded`).MatchString(s) {
		t.Errorf("bob's status line:\n%s", s)
	}
	if strings.Contains(s, "✓ INC-1 resolved") {
		t.Errorf("bob is told his resolve happened:\n%s", s)
	}
	show := cli(t, db, "incident", "show", "INC-1")
	if !strings.Contains(show, "root cause: x") || strings.Count(show, "resolved") == 0 || strings.Contains(show, "root cause: y") {
		t.Errorf("incident show:\n%s", show)
	}
	for _, x := range []*tmux{alice, bob} {
		x.keys("q")
		x.waitExit()
	}
}

// D33 as a retrying script would do it: the built binary runs
// `incident ack INC-1 --reached carol` twice while a dashboard watches.
// The second run acknowledges nothing, says who acknowledged step 1, and
// the dashboard's Eng Lead step stays unacknowledged.
func TestE2EAckTwiceFromCLIAcksOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "incident", "open", "--sev", "1", "checkout 5xx in EU")
	x := newTmux(t)
	x.start(120, 40, flightdeckBin(t), "--db", db, "--as", "ic-maria")
	x.waitText("Eng Lead")

	first := cli(t, db, "--as", "ci", "incident", "ack", "INC-1", "--reached", "carol")
	if !strings.Contains(first, "step 1 On-call DevOps Engineer acknowledged (reached carol)") {
		t.Fatalf("first ack: %s", first)
	}
	second := cli(t, db, "--as", "ci", "incident", "ack", "INC-1", "--reached", "carol")
	if !regexp.MustCompile(`INC-1 step 1 \(On-call DevOps Engineer\) was already acknowledged by ci at \d\d:\d\d:\d\d UTC \(reached carol\) — nothing changed`).MatchString(second) {
		t.Fatalf("second ack must say step 1 was already acknowledged, and by whom:\n%s", second)
	}
	s := x.waitFor("the dashboard shows step 1 acknowledged", func(s string) bool { return strings.Contains(s, "carol") })
	if regexp.MustCompile(`Eng Lead[^\n]*(acked|✓)`).MatchString(s) {
		t.Errorf("the second ack acknowledged the Eng Lead step:\n%s", s)
	}
	acks := 0
	for _, e := range exportJSON(t, db).Events {
		if e.Kind == "incident.ack" {
			acks++
		}
	}
	if acks != 1 {
		t.Errorf("%d acknowledgements recorded, want 1", acks)
	}
	x.keys("q")
	x.waitExit()
}
