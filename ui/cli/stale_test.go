package cli

import (
	"regexp"
	"strings"
	"testing"
)

// Repeated CLI calls are idempotent or refused with the current state,
// never applied to the next thing (D33, D11, D1 from a script).
func TestCLIRepeatedCallsAreNotAppliedToTheNextThing(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1.2")
	fdOK(t, db, "deploy", "promote", "--reason", "skip the checks in the test")

	// promote --to: the first moves 5% → 25%, the repeat says who did it and when.
	out := fdOK(t, db, "--as", "bob", "deploy", "promote", "--to", "25%", "--reason", "early")
	wantLines(t, "promote --to 25%", out, "#1 api: promoted to 2/4 · 25%")
	out = fdOK(t, db, "deploy", "promote", "--to", "25%", "--reason", "early")
	if !regexp.MustCompile(`^#1 api: already at 2/4 · 25% since \d\d:\d\d:\d\d UTC, promoted by bob — nothing changed\n$`).MatchString(out) {
		t.Errorf("repeated promote --to 25%%: %q", out)
	}
	fdFail(t, db, exitStale, "api is at 2/4 · 25% since", "deploy", "promote", "--to", "100%", "--reason", "x")
	fdFail(t, db, exitUsage, `--to "30%" is not a stage of this rollout: use one of 5%, 25%, 50%, 100%`, "deploy", "promote", "--to", "30%")
	if out := fdOK(t, db, "deploy", "status"); !strings.Contains(out, "2/4 · 25%") {
		t.Errorf("the refused promotes moved the rollout:\n%s", out)
	}

	// ack twice without --step: the second acknowledges nothing and says who did.
	fdOK(t, db, "incident", "open", "--sev", "1", "--deploy", "none", "checkout", "down")
	out = fdOK(t, db, "incident", "ack", "INC-1", "--reached", "carol")
	wantLines(t, "first ack", out, "INC-1 step 1 On-call DevOps Engineer acknowledged (reached carol)")
	out = fdOK(t, db, "incident", "ack", "INC-1", "--reached", "carol")
	if !regexp.MustCompile(`^INC-1 step 1 \(On-call DevOps Engineer\) was already acknowledged by alice at \d\d:\d\d:\d\d UTC \(reached carol\) — nothing changed; no other step is due now: name one to acknowledge it\n$`).MatchString(out) {
		t.Errorf("second ack: %q", out)
	}
	fdFail(t, db, exitStale, "INC-1 step 1 (On-call DevOps Engineer) was already acknowledged by alice", "incident", "ack", "INC-1", "--reached", "dave")
	show := fdOK(t, db, "incident", "show", "INC-1")
	if n := strings.Count(show, "acknowledged step"); n != 1 {
		t.Errorf("want one acknowledgement, got %d:\n%s", n, show)
	}

	// resolve twice: the second is refused with who, when and their root cause.
	fdOK(t, db, "incident", "resolve", "INC-1", "--yes", "--root-cause", "bad flag")
	code, _, errOut := fd(t, db, "--as", "bob", "incident", "resolve", "INC-1", "--yes", "--root-cause", "my cause")
	if code != exitStale || !regexp.MustCompile(`INC-1 was already resolved by alice at \d\d:\d\d:\d\d UTC \(root cause: bad flag\) — your root cause was not recorded`).MatchString(errOut) {
		t.Errorf("second resolve: exit %d, %q", code, errOut)
	}
	// mitigate twice is idempotent.
	fdOK(t, db, "incident", "open", "--sev", "3", "--deploy", "none", "slow")
	fdOK(t, db, "incident", "mitigate", "INC-2")
	wantLines(t, "second mitigate", fdOK(t, db, "incident", "mitigate", "INC-2"), "INC-2 is already mitigated")
}
