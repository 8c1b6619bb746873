package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestPostmortemReportDoneWhen is issue 16's report check, through the CLI
// on one database: for an incident opened during a canary, the report has
// the deployment's events in time order (the promote during the SEV1, the
// ROLLBACK CRITERIA MET, the abort), the peak severity, TTA/TTM/TTR, and an
// action item with its owner and due date.
func TestPostmortemReportDoneWhen(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	fdOK(t, db, "deploy", "promote", "--reason", "pre-flight in the ticket")
	fdOK(t, db, "deploy", "live")
	fdOK(t, db, "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4")
	fdOK(t, db, "incident", "open", "--sev", "2", "--deploy", "1", "checkout 5xx at 5%")
	fdOK(t, db, "incident", "sev", "INC-1", "1")
	fdOK(t, db, "incident", "ack", "INC-1", "--reached", "ana")
	fdOK(t, db, "deploy", "promote", "--reason", "the on-call says the 5xx are the old version")
	fdOK(t, db, "deploy", "health", "--error-rate", "9.5")
	fdOK(t, db, "deploy", "abort", "--yes", "--reason", "5xx on /pay")
	fdOK(t, db, "incident", "mitigate", "INC-1")
	fdOK(t, db, "incident", "sev", "INC-1", "2")
	fdOK(t, db, "incident", "action", "INC-1", "alert on pool saturation", "--owner", "sam", "--due", "2026-12-08", "--kind", "detect")
	fdOK(t, db, "incident", "resolve", "INC-1", "--yes", "--root-cause", "connection pool exhausted by the retry loop")
	rep := fdOK(t, db, "incident", "report", "INC-1")
	for _, want := range []string{
		"| Peak severity | SEV1", "| Final severity | SEV2",
		"TTA", "TTM", "TTR",
		"| alert on pool saturation | detect | sam | 2026-12-08 |",
		`\[\#1 checkout-api\] promoted`, `\[\#1 checkout-api\] ROLLBACK CRITERIA MET`, `\[\#1 checkout-api\] aborted the rollout`,
	} {
		if !strings.Contains(rep, want) {
			t.Errorf("the report lacks %q:\n%s", want, rep)
		}
	}
	// The timeline is in time order, with seconds.
	i, j := strings.Index(rep, "\n## Timeline"), -1
	if i < 0 {
		t.Fatalf("no timeline:\n%s", rep)
	}
	if j = strings.Index(rep[i+1:], "\n## "); j < 0 {
		j = len(rep) - i - 1
	}
	stamp := regexp.MustCompile(`(?m)^- (\d\d:\d\d:\d\d) UTC`)
	var last string
	for _, m := range stamp.FindAllStringSubmatch(rep[i:i+1+j], -1) {
		if m[1] < last {
			t.Errorf("timeline out of order: %s after %s\n%s", m[1], last, rep[i:i+1+j])
		}
		last = m[1]
	}
	if last == "" {
		t.Errorf("no timeline rows with seconds:\n%s", rep[i:i+1+j])
	}
}
