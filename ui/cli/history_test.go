package cli

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCLIHistory(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once", "--commit", "abc1234",
		"--committed-at", time.Now().UTC().Add(-time.Hour).Format(time.RFC3339))
	fdOK(t, db, "check", "All automated tests passing in CI")
	fdOK(t, db, "check", "Code reviewed", "--na", "pair-programmed")
	fdOK(t, db, "deploy", "promote", "--reason", "checked in CHG-1")
	fdOK(t, db, "deploy", "finish", "--reason", "smoke tests green")
	fdOK(t, db, "deploy", "start", "web", "2026.11.25", "--env", "staging")
	fdOK(t, db, "incident", "open", "--sev", "4", "--deploy", "2", "typo on the banner") // links only when asked

	out := fdScreen(t, db, "history")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") || !strings.HasPrefix(lines[1], "#2 ") || !strings.HasPrefix(lines[2], "#1 ") ||
		!strings.Contains(lines[2], "completed") || !strings.Contains(lines[1], "planned") || lines[3] != "1–2 of 2, newest first; one in full: flightdeck history show ID" {
		t.Errorf("history:\n%s", out)
	}
	var list []struct {
		ID              int64  `json:"id"`
		Status          string `json:"status"`
		LeadTimeSeconds *int64 `json:"lead_time_seconds"`
		DurationSeconds *int64 `json:"duration_seconds"`
		HotfixFor       *int64 `json:"hotfix_for"`
		CreatedAt       string `json:"created_at"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "history", "--json")), &list); err != nil || len(list) != 2 || list[0].ID != 2 ||
		list[1].LeadTimeSeconds == nil || *list[1].LeadTimeSeconds < 3590 || list[0].DurationSeconds != nil || list[1].HotfixFor != nil {
		t.Errorf("history --json: %v %+v", err, list)
	}
	for _, c := range []struct {
		args []string
		ids  string
	}{
		{[]string{"--service", "API"}, "1"},
		{[]string{"--env", "staging"}, "2"},
		{[]string{"--status", "completed"}, "1"},
		{[]string{"--status", "In-Progress"}, ""},
		{[]string{"--limit", "1"}, "2"},
		{[]string{"--limit", "1", "--offset", "1"}, "1"},
	} {
		var got []struct {
			ID int64 `json:"id"`
		}
		out := fdOK(t, db, append([]string{"history", "--json"}, c.args...)...)
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("history %v: %v", c.args, err)
		}
		var ids []string
		for _, d := range got {
			ids = append(ids, strconv.FormatInt(d.ID, 10))
		}
		if strings.Join(ids, ",") != c.ids {
			t.Errorf("history %v: ids %v, want %s", c.args, ids, c.ids)
		}
	}
	if out := fdScreen(t, db, "history", "--status", "rolled_back"); !strings.HasPrefix(out, "no deployments match") {
		t.Errorf("empty history: %q", out)
	}
	if out := fdScreen(t, db, "history", "--limit", "1"); !strings.Contains(out, "1–1 of 2, newest first; older: --offset 1") {
		t.Errorf("paged history: %q", out)
	}
	fdFail(t, db, exitUsage, "is not a deployment status", "history", "--status", "done")
	fdFail(t, db, exitUsage, "--limit", "history", "--limit", "-1")

	out = fdOK(t, db, "history", "show", "1")
	for _, want := range []string{
		"#1 api v1 → production (all-at-once) — completed",
		"commit:     abc1234, committed ", " — lead time 1h",
		"checklist:    Pre-Deployment 2/20 · Deployment Execution 0/15 · Rollback 0/6",
		"[x]   All automated tests passing in CI — alice, ",
		"[n/a] Code reviewed and approved by required reviewers — n/a: pair-programmed (alice, ",
		"[ ]   Security scans completed",
		"rollout:      all-at-once 1/1 · 100% — complete at ",
		"stages:   1/1 · 100%",
		"incidents:    none linked",
		"timeline:", "alice  started api v1 → production (all-at-once)",
		"started Deployment Execution with 18 Pre-Deployment items open (override: checked in CHG-1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("history show lacks %q:\n%s", want, out)
		}
	}
	out = fdOK(t, db, "history", "show", "#2")
	for _, want := range []string{"— planned", "rollout:      never started", "INC-1 SEV4 open — typo on the banner", "; linked)"} {
		if !strings.Contains(out, want) {
			t.Errorf("history show 2 lacks %q:\n%s", want, out)
		}
	}
	var det struct {
		Deployment struct {
			ID int64 `json:"id"`
		} `json:"deployment"`
		Checklist []struct {
			State string `json:"state"`
			By    string `json:"by"`
		} `json:"checklist"`
		Rollout *struct {
			StageTimes []any `json:"stage_times"`
		} `json:"rollout"`
		Incidents []struct {
			Ref string `json:"ref"`
		} `json:"incidents"`
		Timeline []struct {
			Kind string `json:"kind"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "history", "show", "1", "--json")), &det); err != nil || det.Deployment.ID != 1 ||
		len(det.Checklist) != 41 || det.Checklist[0].State != "done" || det.Checklist[0].By != "alice" || det.Rollout == nil ||
		len(det.Rollout.StageTimes) != 1 || len(det.Timeline) < 5 || len(det.Incidents) != 0 {
		t.Errorf("history show --json: %v %+v", err, det)
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "history", "show", "2", "--json")), &det); err != nil || det.Rollout != nil ||
		len(det.Incidents) != 1 || det.Incidents[0].Ref != "INC-1" {
		t.Errorf("history show 2 --json: %v %+v", err, det)
	}
	fdFail(t, db, exitFail, "not found: see flightdeck history", "history", "show", "9")
	fdFail(t, db, exitUsage, "is not a deployment id", "history", "show", "x")
	fdFail(t, db, exitUsage, "needs one deployment id", "history", "show")
}
