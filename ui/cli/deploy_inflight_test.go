package cli

import (
	"strings"
	"testing"
)

// A second deployment of a service in flight is refused, naming the one in
// flight, until --reason says why; the override is on the new deployment's
// timeline.
func TestCLIDeploySecondInFlightNeedsReason(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	fdOK(t, db, "deploy", "promote", "--reason", "checked in CHG-1234") // execution: canary at 5%
	fdOK(t, db, "deploy", "promote", "--deploy", "1", "--reason", "seen enough")

	fdFail(t, db, exitFail,
		"checkout-api already has #1 v2.14.0 in progress at 25% in production — to start checkout-api v2.14.1 beside it pass --reason REASON (it is recorded), or finish or abort #1 first",
		"deploy", "start", "checkout-api", "v2.14.1")
	if out := fdOK(t, db, "deploy", "status"); strings.Contains(out, "v2.14.1") {
		t.Fatalf("refused start wrote a deployment:\n%s", out)
	}
	fdFail(t, db, exitUsage, "--reason", "deploy", "start", "checkout-api", "v2.14.1", "--reason", " ")

	// Another environment is not in flight.
	fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.1", "--env", "staging")

	out := fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.1", "--reason", "tax hotfix, v2.14.0 will be aborted")
	wantLines(t, "with --reason", out, "started deployment #3: checkout-api v2.14.1 → production (canary)",
		"started beside #1 v2.14.0, still in flight: recorded on the timeline\n")
	wantLines(t, "log", fdOK(t, db, "history", "show", "3"),
		"started checkout-api v2.14.1 → production while #1 v2.14.0 in progress at 25% in production: tax hotfix, v2.14.0 will be aborted")
}
