package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wantLines fails unless out contains every line fragment of want.
func wantLines(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

func TestCLIIncidentLifecycle(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1.2")

	out := fdScreen(t, db, "incident", "open", "--sev", "2", "--deploy", "1", "checkout", "errors")
	wantLines(t, "incident open", out,
		"opened INC-1 SEV2 \"checkout errors\" (linked to #1 api)\n",
		"escalation:\n",
		"  1  On-call DevOps Engineer",
		"  2  Engineering Lead               ",
		" in 15:00\n",
		"not needed: automatic for SEV1 only; escalate manually",
		"no commander yet: name one with flightdeck incident commander INC-1 NAME",
		"deploys are frozen until INC-1 is resolved")
	if !strings.HasPrefix(out, "opened INC-1") {
		t.Errorf("open output starts %q", out)
	}

	// The freeze: refused (exit 1) unless overridden with a reason.
	fdFail(t, db, exitFail, "deploys are frozen: INC-1 SEV2 open — to deploy anyway pass --override-freeze REASON", "deploy", "start", "web", "v2")
	fdFail(t, db, exitUsage, "--override-freeze: override reason is empty", "deploy", "start", "web", "v2", "--override-freeze", " ")
	out = fdOK(t, db, "deploy", "start", "web", "v2", "--override-freeze", "hotfix for INC-1")
	if out != "change freeze overridden (INC-1 SEV2 open): recorded on the timeline\nstarted deployment #2: web v2 → production (canary), 41 checklist items\n" {
		t.Errorf("override printed %q", out)
	}

	out = fdScreen(t, db, "incident", "list")
	if !regexp.MustCompile(`(?m)^INC-1\s+SEV2\s+open\s+\d+s\s+NONE \(needed\)\s+On-call \d\d:\d\d DUE NOW\s+checkout errors$`).MatchString(out) ||
		!strings.HasSuffix(out, "FREEZE: deploys are frozen (INC-1 SEV2 open)\n") {
		t.Errorf("incident list:\n%s", out)
	}

	// Before the opening: refused unless forced (D30).
	fdFail(t, db, exitUsage, "if it really happened before the incident opened (the alert that led to it), force it (flightdeck incident note --force", "incident", "note", "inc-1", "first", "alert", "fired", "--at", "-5m")
	out = fdOK(t, db, "incident", "note", "inc-1", "first", "alert", "fired", "--at", "-5m", "--force")
	if !regexp.MustCompile(`^INC-1 note added at \d\d:\d\d:\d\d UTC\n$`).MatchString(out) {
		t.Errorf("note printed %q", out)
	}
	fdFail(t, db, exitUsage, "--at: +5m is in the future", "incident", "note", "1", "x", "--at", "+5m")

	out = fdOK(t, db, "incident", "sev", "INC-1", "sev1")
	wantLines(t, "incident sev", out, "INC-1 SEV2 → SEV1\n", "INC-1 SEV1 open · no commander · next: On-call ")
	fdOK(t, db, "incident", "sev", "INC-1", "1") // already so: fine
	fdFail(t, db, exitUsage, `severity "7" is outside 1–4`, "incident", "sev", "1", "7")

	out = fdOK(t, db, "incident", "ack", "1", "--step", "1", "--reached", "Dana")
	wantLines(t, "incident ack", out, "INC-1 step 1 On-call DevOps Engineer acknowledged (reached Dana)\n", "next: Eng Lead ")
	fdFail(t, db, exitStale, "INC-1 step 1 (On-call DevOps Engineer) was already acknowledged by", "incident", "ack", "1", "--step", "1")
	fdFail(t, db, exitUsage, "there is no escalation step 9", "incident", "ack", "1", "--step", "9")

	fdFail(t, db, exitUsage, "--reason is required", "incident", "escalate", "1")
	out = fdOK(t, db, "incident", "escalate", "1", "--reason", "no response from on-call")
	wantLines(t, "incident escalate", out, "INC-1 escalated to step 2 Engineering Lead: due now\n")
	fdFail(t, db, exitUsage, "--step N is required", "incident", "skip", "1", "--reason", "x")
	out = fdOK(t, db, "incident", "skip", "1", "--step", "3", "--reason", "Eng Lead on a plane")
	wantLines(t, "incident skip", out, "INC-1 skipped to step 3 Product/Engineering Director: due now\n")

	wantLines(t, "commander", fdOK(t, db, "incident", "commander", "1", "erin"), "INC-1 commander: erin\n")
	wantLines(t, "handover", fdOK(t, db, "incident", "commander", "1", "grace", "hopper"), "INC-1 commander: grace hopper (was erin)\n")
	wantLines(t, "scribe", fdOK(t, db, "incident", "commander", "1", "frank", "--role", "scribe"), "INC-1 scribe: frank\n")
	fdFail(t, db, exitUsage, `unknown incident role "boss"`, "incident", "commander", "1", "x", "--role", "boss")

	fdFail(t, db, exitUsage, "actions is empty", "incident", "update", "1", "--conditions", "checkout down")
	out = fdOK(t, db, "incident", "update", "1", "--conditions", "checkout failing for 5%", "--actions", "rolling back")
	// "due 14:02 UTC", or with the date when the half hour crosses midnight (UTC).
	if !regexp.MustCompile(`^INC-1 update posted; next update due (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC, in 30:00\n$`).MatchString(out) {
		t.Errorf("update printed %q", out)
	}
	wantLines(t, "security", fdOK(t, db, "incident", "security", "1"), "INC-1 flagged security-related\n", "next: Eng Lead ") // step 2 was paged with escalate: still owed an ack (D32)
	wantLines(t, "action", fdOK(t, db, "incident", "action", "1", "alert", "on", "5xx"), "INC-1 action item 1: alert on 5xx\n")

	wantLines(t, "mitigate", fdOK(t, db, "incident", "mitigate", "1"), "INC-1 mitigated\n")
	wantLines(t, "mitigate again", fdOK(t, db, "incident", "mitigate", "INC-1"), "INC-1 is already mitigated\n")
	wantLines(t, "reopen", fdOK(t, db, "incident", "reopen", "1", "--reason", "errors are back"), "INC-1 reopened\n")
	fdFail(t, db, exitUsage, "resolving is final: add --yes", "incident", "resolve", "1")
	out = fdOK(t, db, "incident", "resolve", "1", "--yes", "--root-cause", "bad flag default")
	if !regexp.MustCompile(`^INC-1 resolved after \d+s\n$`).MatchString(out) {
		t.Errorf("resolve printed %q", out)
	}
	fdFail(t, db, exitFail, "resolved, which is final", "incident", "mitigate", "1")

	out = fdOK(t, db, "incident", "show", "1")
	wantLines(t, "incident show", out,
		"INC-1 SEV1 Critical — checkout errors\n",
		"  status:     resolved ",
		"  deployment: #1 api v1.2 → production — planned\n",
		"  commander:  grace hopper\n",
		"  scribe:     frank\n",
		"  severity:   SEV2 at open → SEV1 ",
		"  1  On-call DevOps Engineer        acknowledged ",
		", reached Dana\n",
		"  2  Engineering Lead               never acknowledged: was overdue", // paged, then skipped past: still paged (D32), closed at resolve (D31)
		"root cause: bad flag default\n",
		"action items:\n  1. alert on 5xx\n",
		"stakeholder updates:\n",
		"Conditions: checkout failing for 5% | Actions: rolling back | Needs: none\n",
		"timeline:\n",
		"first alert fired (backdated: entered ",
		"started web v2 → production despite the change freeze (INC-1 SEV2 open): hotfix for INC-1\n",
		"resolved; root cause: bad flag default\n")
	// The backdated note is first in the timeline, before the opening.
	if i, j := strings.Index(out, "first alert fired"), strings.Index(out, "opened SEV2"); i < 0 || j < 0 || i > j {
		t.Errorf("timeline order:\n%s", out)
	}

	var detail struct {
		Ref          string `json:"ref"`
		Severity     string `json:"severity"`
		Status       string `json:"status"`
		NextDeadline any    `json:"next_deadline"`
		Escalation   []struct {
			Step  int
			State string
		} `json:"escalation"`
		SeverityHistory []struct{ From, To string } `json:"severity_history"`
		Timeline        []struct {
			ID      int64  `json:"id"`
			Kind    string `json:"kind"`
			Starred bool   `json:"starred"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "incident", "show", "1", "--json")), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Ref != "INC-1" || detail.Severity != "SEV1" || detail.Status != "resolved" || detail.NextDeadline != nil ||
		len(detail.Escalation) != 4 || len(detail.SeverityHistory) != 1 || detail.SeverityHistory[0].To != "SEV1" || len(detail.Timeline) < 15 {
		t.Errorf("show --json: %+v", detail)
	}

	first := detail.Timeline[0].ID
	wantLines(t, "star", fdOK(t, db, "incident", "star", "#"+itoa(first)), "event #"+itoa(first)+" starred\n")
	if out := fdOK(t, db, "incident", "show", "1"); !strings.Contains(out, "  ★ ") {
		t.Errorf("no star in show:\n%s", out)
	}
	fdFail(t, db, exitFail, "event #999999 not found", "incident", "star", "999999")

	wantLines(t, "list", fdScreen(t, db, "incident", "list"), "no open incidents")
	wantLines(t, "list --all", fdScreen(t, db, "incident", "list", "--all"), "INC-1  SEV1  resolved")
	fdOK(t, db, "deploy", "start", "web", "v3") // the freeze lifted
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCLIIncidentBadUsage(t *testing.T) {
	db := cliDB(t)
	fdFail(t, db, exitUsage, "--sev is required", "incident", "open", "checkout", "down")
	fdFail(t, db, exitUsage, "incident open needs a title", "incident", "open", "--sev", "2")
	fdFail(t, db, exitUsage, `--sev: severity "9" is outside 1–4`, "incident", "open", "--sev", "9", "x")
	fdFail(t, db, exitUsage, "cannot link deployment #4: it does not exist", "incident", "open", "--sev", "3", "--deploy", "4", "x")
	fdFail(t, db, exitUsage, `"foo" is not an incident id: use INC-7 or 7`, "incident", "show", "foo")
	fdFail(t, db, exitFail, "INC-9 not found: see flightdeck incident list --all", "incident", "show", "INC-9")
	fdFail(t, db, exitFail, "INC-9 not found", "incident", "mitigate", "9")
	fdFail(t, db, exitUsage, `unknown incident command "bogus"`, "incident", "bogus")
	fdFail(t, db, exitUsage, "takes only the incident id", "incident", "mitigate", "1", "2")
}

// An incident is linked to a deployment only when someone says so; the
// only active deployment is offered in a hint, never linked silently.
func TestCLIIncidentLinksOnlyWhenAsked(t *testing.T) {
	db := cliDB(t)
	wantLines(t, "no deployments", fdOK(t, db, "incident", "open", "--sev", "4", "typo"), "opened INC-1 SEV4 \"typo\"\n")
	fdOK(t, db, "deploy", "start", "api", "v1")

	code, out, errOut := fd(t, db, "incident", "open", "--sev", "3", "search latency")
	if code != exitOK {
		t.Fatalf("open: exit %d: %s", code, errOut)
	}
	wantLines(t, "one active: stdout", out, "opened INC-2 SEV3 \"search latency\"\n")
	if strings.Contains(out, "linked") {
		t.Errorf("one active: linked without --deploy:\n%s", out)
	}
	wantLines(t, "one active: stderr", errOut,
		"hint: INC-2 is not linked to a deployment; if #1 api v1 → production caused it: flightdeck incident link INC-2 --deploy 1\n")
	if show := fdOK(t, db, "incident", "show", "INC-2"); strings.Contains(show, "deployment: #1") {
		t.Errorf("show INC-2 names a deployment:\n%s", show)
	}

	fdOK(t, db, "deploy", "start", "web", "v2")
	_, out, errOut = fd(t, db, "incident", "open", "--sev", "3", "slow pages")
	wantLines(t, "two active", out, "opened INC-3 SEV3 \"slow pages\"\n")
	wantLines(t, "two active: stderr", errOut,
		"hint: INC-3 is not linked to a deployment (2 active: #2 web, #1 api); if one caused it: flightdeck incident link INC-3 --deploy ID\n")
	code, out, errOut = fd(t, db, "incident", "open", "--sev", "3", "--deploy", "1", "x")
	wantLines(t, "--deploy", out, "opened INC-4 SEV3 \"x\" (linked to #1 api)")
	if code != exitOK || errOut != "" {
		t.Errorf("--deploy: exit %d, stderr %q", code, errOut)
	}

	// link, relink, unlink: each a timeline event; repeats write nothing.
	wantLines(t, "link", fdOK(t, db, "incident", "link", "INC-2", "--deploy", "1"), "INC-2 linked to #1 api v1 → production\n")
	wantLines(t, "link again", fdOK(t, db, "incident", "link", "INC-2", "--deploy", "1"), "INC-2 is already linked to #1 api v1 → production\n")
	wantLines(t, "relink", fdOK(t, db, "incident", "link", "2", "--deploy", "2"),
		"INC-2 linked to #2 web v2 → production (was #1 api v1 → production)\n")
	wantLines(t, "unlink", fdOK(t, db, "incident", "unlink", "INC-2"), "INC-2 unlinked from #2 web v2 → production\n")
	wantLines(t, "unlink again", fdOK(t, db, "incident", "unlink", "INC-2"), "INC-2 is not linked to a deployment\n")
	wantLines(t, "timeline", fdOK(t, db, "incident", "show", "INC-2"),
		"alice  linked to #1 api v1 → production\n",
		"alice  linked to #2 web v2 → production (was #1 api v1 → production)\n",
		"alice  unlinked from #2 web v2 → production: not caused by that deployment\n")

	fdFail(t, db, exitUsage, "incident link needs --deploy N", "incident", "link", "INC-2")
	fdFail(t, db, exitUsage, "is not a deployment id", "incident", "link", "INC-2", "--deploy", "abc")
	fdFail(t, db, exitUsage, "cannot link INC-2 to deployment #9: it does not exist", "incident", "link", "INC-2", "--deploy", "9")
	fdFail(t, db, exitFail, "INC-99", "incident", "unlink", "INC-99")

	var list []map[string]any
	if err := json.Unmarshal([]byte(fdOK(t, db, "incident", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	links := map[any]any{}
	for _, inc := range list {
		links[inc["ref"]] = inc["deployment_id"]
	}
	if want := map[any]any{"INC-1": nil, "INC-2": nil, "INC-3": nil, "INC-4": float64(1)}; fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("list --json links = %v, want %v", links, want)
	}
	for _, k := range []string{"ref", "severity", "status", "needs_commander", "next_deadline", "escalation", "opened_at", "next_update_due"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list --json lacks %q: %v", k, list[0])
		}
	}
}

// D31: a resolved incident's unacknowledged steps read as closed, not as a
// live OVERDUE clock.
func TestIncidentShowResolvedStepsAreClosed(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "incident", "open", "--sev", "3", "search slow")
	fdOK(t, db, "incident", "resolve", "INC-1", "--root-cause", "cache", "--yes")
	out := fdOK(t, db, "incident", "show", "INC-1")
	if strings.Contains(out, "OVERDUE") {
		t.Fatalf("a resolved incident shows a live OVERDUE clock:\n%s", out)
	}
	if !regexp.MustCompile(`1  On-call DevOps Engineer +never acknowledged: was overdue \+00:\d\d at resolve \(due \d\d:\d\d UTC\)`).MatchString(out) {
		t.Fatalf("step 1 does not say it was closed unacknowledged:\n%s", out)
	}
}
