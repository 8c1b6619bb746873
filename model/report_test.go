package model

import (
	"strings"
	"testing"
	"time"
)

func TestIncidentReport(t *testing.T) {
	open := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	inc := Incident{ID: 7, Title: "checkout | 5xx *after* deploy", Severity: SEV2, Status: IncidentResolved,
		OpenedAt: open, OpenedBy: "alice", ResolvedAt: open.Add(65 * time.Minute), Commander: "dave",
		RootCause: "bad flag", ActionItems: []ActionItem{{Position: 1, Text: "add a canary alert", Owner: "erin", Kind: ActionDetect}},
		Acks: []Ack{{Step: 1, At: open.Add(time.Minute), By: "alice", Reached: "carol"}}}
	dep := Deployment{ID: 3, Service: "checkout-api", Version: "v2.14.0", Environment: "production", Strategy: StrategyCanary, Status: StatusRolledBack}
	events := []Event{
		{At: open, Actor: "alice", Text: "opened"},
		{At: open.Add(5 * time.Minute), Actor: "bob", Text: "db failover started", Starred: true},
		{At: open.Add(65 * time.Minute), Actor: "dave", Text: "resolved"},
	}
	links := []Link{{Name: "Runbooks", URL: "https://wiki.example/runbooks"}, {Name: "On-Call Schedule", Unset: true, Hint: "Link to PagerDuty/Opsgenie schedule"}}
	r := IncidentReport(ReportInput{Incident: inc, Deployment: &dep, Events: events, Policy: DefaultPolicy(), Links: links, Now: open.Add(2 * time.Hour)})
	for _, want := range []string{
		`# INC-7: checkout \| 5xx \*after\* deploy`,
		"| Final severity | SEV2 (High): Major feature broken, significant user impact |",
		"| TTR (resolved) | 15:05:00 UTC | 1h 05m 00s |",
		"| Commander | dave |",
		"| Deployment | #3 checkout-api v2.14.0 → production (canary, rolled back) |",
		"## Root cause\n\nbad flag",
		"| 1 | On-call DevOps Engineer | 14:00:00 UTC | acknowledged: reached carol | alice | 14:01:00 UTC |",
		"## Key moments\n\n- 14:05:00 UTC — bob: db failover started\n",
		"- 14:05:00 UTC — bob: db failover started ★",
		"| 1 | add a canary alert | detect | erin | — | no |",
		"between 2026-11-26\n15:05:00 UTC and 2026-11-27 15:05:00 UTC.",
		"## Resources\n\n- [Runbooks](https://wiki.example/runbooks)\n- On-Call Schedule: _not set_ (Link to PagerDuty/Opsgenie schedule)",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
	// Nothing starred, unresolved: the report says so instead of leaving gaps.
	inc.ResolvedAt, inc.Status, inc.RootCause = time.Time{}, IncidentOpen, ""
	r = IncidentReport(ReportInput{Incident: inc, Events: events[:1], Policy: DefaultPolicy(), Now: open})
	items := []Item{{Phase: PhasePreDeployment, Section: "S", Text: "a", State: ItemDone}, {Phase: PhasePreDeployment, Section: "S", Text: "b", State: ItemTodo}}
	r = IncidentReport(ReportInput{Incident: inc, Events: events, Checklist: items, StarredOnly: true, Policy: DefaultPolicy(), Now: open})
	if !strings.Contains(r, "- Pre-Deployment: 1 of 2 done, 0 n/a, **1 open**") || !strings.Contains(r, "## Timeline (starred entries only)") ||
		strings.Contains(r, "— alice: opened") || !strings.Contains(r, "db failover started ★") {
		t.Errorf("checklist state or starred-only timeline wrong:\n%s", r)
	}
	r = IncidentReport(ReportInput{Incident: inc, Events: events[:1], Policy: DefaultPolicy(), Now: open})
	for _, want := range []string{"_Not recorded yet._", "_None starred", "(not resolved yet)"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// Issue 13 defect 8: the report is printed to terminals; user text in it
// loses escape sequences whole (not just their ESC) and bidi overrides.
func TestIncidentReportSanitises(t *testing.T) {
	open := time.Date(2026, 11, 25, 14, 2, 0, 500_000_000, time.UTC)
	inc := Incident{ID: 9, Title: "pay\x1b]52;c;aGk=\x07ments \u202edown", Severity: SEV2, Status: IncidentOpen, OpenedAt: open, OpenedBy: "mal\u009b31mlory"}
	events := []Event{{At: open, Actor: "x\u009d0;pwn\u009c", Kind: EventIncidentNote, Text: "note \x1b[2J here"}}
	r := IncidentReport(ReportInput{Incident: inc, Events: events, Policy: DefaultPolicy(), Links: []Link{{Name: "run\u202ebook", URL: "https://x/\x1b[31m"}}, Now: open})
	for _, bad := range []string{"\x1b", "\u009b", "\u009d", "\u202e", "]52", "aGk=", "pwn", "31m"} {
		if strings.Contains(r, bad) {
			t.Errorf("report contains %q:\n%s", bad, r)
		}
	}
	for _, want := range []string{"# INC-9: payments down", "by mallory |", "note  here"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
}
