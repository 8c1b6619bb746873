package cli

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// The CLI runs on the real clock, so these tests check what does not depend
// on the second it runs, and reach "soak over" by starting execution in the
// past through the store.

// rx fails unless out matches the regular expression.
func rx(t *testing.T, what, out, pattern string) {
	t.Helper()
	if !regexp.MustCompile(pattern).MatchString(out) {
		t.Errorf("%s: %q does not match %s", what, out, pattern)
	}
}

// statusJSON is `deploy status --deploy ID --json`, decoded.
func statusJSON(t *testing.T, db, id string) map[string]any {
	t.Helper()
	var st map[string]any
	out := fdOK(t, db, "deploy", "status", "--deploy", id, "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return st
}

// openTestStore opens the CLI's database in the test, to arrange times.
func openTestStore(t *testing.T, db string) *data.Store {
	t.Helper()
	s, err := data.Open(context.Background(), db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

const clockRE = `\d\d:\d\d:\d\d UTC`

func TestCLIRolloutLifecycle(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	if st := statusJSON(t, db, "1"); st["rollout"] != nil || st["stability"] != nil || st["health"].(map[string]any)["criteria_met"] != false {
		t.Errorf("planned status: %v", st)
	}

	// promote on a planned deployment starts it; open items need a reason.
	fdFail(t, db, exitFail, "20 Pre-Deployment items are still open: tick them (flightdeck check ...) or pass --reason TEXT", "deploy", "promote")
	out := fdOK(t, db, "deploy", "promote", "--reason", "checked in CHG-1234")
	rx(t, "start", out, `^#1 checkout-api: started Deployment Execution; rollout at 1/4 · 5%, not live yet: its 15:00 soak starts when "Deploy to staging/canary environment first" is ticked \(or flightdeck deploy live\)\n$`)
	// Not live: the soak does not run, and promote says why.
	fdFail(t, db, exitFail, "stage 1/4 · 5% is not live yet (its soak never started", "deploy", "promote")
	fdFail(t, db, exitFail, "cannot pause: stage 1/4 · 5% is not live yet", "deploy", "pause")
	if ro := statusJSON(t, db, "1")["rollout"].(map[string]any); ro["state"] != "not live yet" || ro["ends_at"] != nil || ro["live_at"] != nil {
		t.Errorf("not live: %v", ro)
	}
	out = fdOK(t, db, "deploy", "live")
	rx(t, "live", out, `^#1 checkout-api: 1/4 · 5% is live \(soak 15:00, ends `+clockRE+`\)\n$`)
	fdFail(t, db, exitUsage, "is live already", "deploy", "live")
	fdFail(t, db, exitUsage, "no baseline yet: pass --baseline", "deploy", "health", "--error-rate", "7.2")
	// D18: a baseline alone names the command that works.
	fdFail(t, db, exitUsage, "flightdeck deploy health --error-rate PCT --baseline 0.4 (before the deploy the current rate is the baseline: --error-rate 0.4 --baseline 0.4)",
		"deploy", "health", "--baseline", "0.4")
	fdOK(t, db, "deploy", "health", "--error-rate", "1.0", "--baseline", "1.1")

	// Early promote: refused with the model's message and the fix.
	fdFail(t, db, exitFail, "of its 15:00 soak left", "deploy", "promote")
	fdFail(t, db, exitFail, "give a reason to promote early: pass --reason TEXT", "deploy", "promote")
	out = fdOK(t, db, "deploy", "promote", "--reason", "hotfix verified in staging")
	rx(t, "promote", out, `^#1 checkout-api: promoted to 2/4 · 25%, override recorded \(soak 15:00, ends `+clockRE+`\)\n$`)

	out = fdOK(t, db, "deploy", "pause")
	rx(t, "pause", out, `^#1 checkout-api: paused at 2/4 · 25% with (15:00|14:59) of the soak left\n$`)
	fdFail(t, db, exitFail, "rollout is already paused", "deploy", "pause")
	fdFail(t, db, exitFail, "rollout is paused: resume it before you promote", "deploy", "promote", "--reason", "x")
	if ro := statusJSON(t, db, "1")["rollout"].(map[string]any); ro["state"] != "paused" || ro["paused"] != true || ro["ends_at"] != nil {
		t.Errorf("paused rollout: %v", ro)
	}
	out = fdOK(t, db, "deploy", "resume")
	rx(t, "resume", out, `^#1 checkout-api: resumed 2/4 · 25%: (15:00|14:59) left, ends `+clockRE+`\n$`)

	// Health: bad input is usage; a met rule holds the rollout.
	fdFail(t, db, exitUsage, "deploy health needs --error-rate PCT", "deploy", "health")
	fdFail(t, db, exitUsage, `--error-rate: "7,2" is not a percentage`, "deploy", "health", "--error-rate", "7,2")
	out = fdScreen(t, db, "deploy", "health", "--error-rate", "7.2%", "--baseline", "1.1")
	if !strings.HasPrefix(out, "#1 checkout-api: ROLLBACK CRITERIA MET: error rate 7.2% is 6.1 points above baseline 1.1% (rule: more than 5 points above baseline)\n") ||
		!strings.Contains(out, "promote and finish now need --reason") {
		t.Errorf("health met: %q", out)
	}
	out = fdOK(t, db, "deploy", "status")
	for _, want := range []string{
		"   rollout:  2/4 · 25% — ROLLBACK CRITERIA MET, ",
		"   next:     50% · ETA to finish ",
		"   health:   error rate 7.2% is 6.1 points above baseline 1.1% (rule: more than 5 points above baseline), recorded ",
		"   ROLLBACK CRITERIA MET: error rate 7.2% is 6.1 points above baseline 1.1%",
		"   stages:   1/4 · 5%         soaking 00:",
		" · override: hotfix verified in staging\n",
		"             2/4 · 25%        soaking ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	st := statusJSON(t, db, "1")
	ro, h := st["rollout"].(map[string]any), st["health"].(map[string]any)
	if ro["stage"] != 2.0 || ro["stage_count"] != 4.0 || ro["label"] != "2/4 · 25%" || ro["percent"] != 25.0 || ro["state"] != "rollback criteria met" ||
		ro["next"] != "50%" || ro["soak_seconds"] != 900.0 || ro["remaining_seconds"].(float64) < 890 || len(ro["stage_times"].([]any)) != 2 {
		t.Errorf("rollout json: %v", ro)
	}
	rx(t, "ends_at", ro["ends_at"].(string), `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	if h["error_rate"] != 7.2 || h["baseline"] != 1.1 || h["criteria_met"] != true || h["rule"] != "more than 5 points above baseline" || len(h["reasons"].([]any)) != 1 {
		t.Errorf("health json: %v", h)
	}
	fdFail(t, db, exitFail, "rollback criteria met (error rate 7.2% is 6.1 points above baseline 1.1%", "deploy", "promote")
	fdFail(t, db, exitFail, "give a reason to promote anyway (recorded): pass --reason TEXT", "deploy", "promote")

	// A good reading does not lift the breach: it latched (D5).
	out = fdScreen(t, db, "deploy", "health", "--error-rate", "1.2")
	if !strings.HasPrefix(out, "#1 checkout-api: within the rollback rule: error rate 1.2% is 0.1 points above baseline 1.1% (rule: more than 5 points above baseline)\n") ||
		!strings.Contains(out, "the earlier breach stays latched: ROLLBACK CRITERIA MET until flightdeck deploy clear-criteria --reason TEXT") {
		t.Errorf("healthy reading: %q", out)
	}
	if ro := statusJSON(t, db, "1")["rollout"].(map[string]any); ro["state"] != "rollback criteria met" {
		t.Errorf("after a good reading: %v", ro)
	}
	fdOK(t, db, "deploy", "promote", "--reason", "error budget fine")
	fdOK(t, db, "deploy", "promote", "--reason", "error budget fine")
	fdFail(t, db, exitFail, "stage 4/4 · 100% is the last stage: use finish to complete the rollout", "deploy", "promote", "--reason", "more")
	// Finish names every open item and needs a reason to leave them (D8).
	code, fout, ferr := fd(t, db, "deploy", "finish")
	if code != exitFail || !strings.HasPrefix(fout, "#1 checkout-api: Deployment Execution open:\n   [ ] Verify deployment window and change freeze status\n") ||
		!strings.HasSuffix(fout, "   [ ] Documentation updated (runbooks, architecture diagrams)\n") || strings.Count(fout, "[ ]") != 13 ||
		!strings.Contains(ferr, "13 Deployment Execution items open (Verify deployment window and change freeze status, ") ||
		!strings.Contains(ferr, "give a reason to finish anyway (recorded): pass --reason TEXT") {
		t.Errorf("finish with open items: exit %d\n%s\n%s", code, fout, ferr)
	}
	out = fdOK(t, db, "deploy", "finish", "--reason", "all green for an hour in staging")
	if out != "#1 checkout-api: rollout complete at 4/4 · 100% — deployment completed\n" {
		t.Errorf("finish: %q", out)
	}
	st = statusJSON(t, db, "1")
	if st["status"] != "completed" || st["finished_at"] == nil || st["rollout"].(map[string]any)["state"] != "complete" || st["rollout"].(map[string]any)["next"] != nil {
		t.Errorf("completed status: %v", st)
	}
	if out := fdOK(t, db, "deploy", "wait", "--deploy", "1"); !strings.Contains(out, "4/4 · 100% complete\n") {
		t.Errorf("wait on a completed deployment: %q", out)
	}

	var doc struct {
		Events []struct{ Kind, Actor, Text string } `json:"events"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "export")), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range doc.Events {
		if e.Actor != "alice" && e.Actor != data.SystemActor {
			t.Errorf("event by %q: %+v", e.Actor, e)
		}
		if e.Kind != string(model.EventDeployStarted) {
			got = append(got, e.Kind)
		}
	}
	want := "deploy.gate_override deploy.execution rollout.start check.done rollout.live health.recorded rollout.promote rollout.pause rollout.resume " +
		"health.recorded health.criteria_met health.latched health.recorded rollout.promote check.done rollout.promote rollout.finish"
	if strings.Join(got, " ") != want {
		t.Errorf("timeline:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if doc.Events[1].Text != "started Deployment Execution with 20 Pre-Deployment items open (override: checked in CHG-1234)" {
		t.Errorf("override event: %q", doc.Events[1].Text)
	}
}

func TestCLIAbortRollbackAndStabilityWatch(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	fdOK(t, db, "deploy", "promote", "--reason", "go")
	fdOK(t, db, "deploy", "live")
	fdOK(t, db, "deploy", "promote", "--reason", "go")

	fdFail(t, db, exitUsage, "abort rolls the deployment back: pass --yes to confirm", "deploy", "abort", "--reason", "5xx spike")
	if st := statusJSON(t, db, "1"); st["rollback_at"] != nil {
		t.Fatalf("unconfirmed abort wrote: %v", st)
	}
	out := fdOK(t, db, "deploy", "abort", "--yes", "--reason", "5xx spike on /pay")
	if out != "#1 checkout-api: aborted at 2/4 · 25% — rolling back: work the Rollback checklist, then flightdeck deploy finish\n" {
		t.Errorf("abort: %q", out)
	}
	fdFail(t, db, exitFail, "cannot abort: rollout is rolling back", "deploy", "abort", "--yes")
	out = fdOK(t, db, "deploy", "status")
	for _, want := range []string{"— in progress\n", "   phase:    Rollback\n", "   rollout:  2/4 · 25% — rolling back since ",
		`   stability: watch not started: it starts when "Verify previous version is running correctly" is ticked`} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	fdFail(t, db, exitFail, "#1 checkout-api is rolling back since ", "deploy", "wait")
	fdFail(t, db, exitFail, "alice: aborted the rollout at 2/4 · 25%: rolling back — 5xx spike on /pay", "deploy", "wait")

	fdOK(t, db, "check", "Verify previous version is running correctly")
	out = fdOK(t, db, "deploy", "status")
	rx(t, "stability", out, `   stability: (15:00|14:59) left of the 15-minute watch \(ends `+clockRE+`\)\n`)
	st := statusJSON(t, db, "1")
	if sw := st["stability"].(map[string]any); sw["remaining_seconds"].(float64) < 890 || st["stability_at"] == nil || st["rollback_at"] == nil || st["current_phase"] != "Rollback" {
		t.Errorf("stability json: %v", st)
	}

	// D7: the monitor item cannot be ticked while the watch runs.
	fdFail(t, db, exitUsage, "the stability watch has ", "check", "Monitor for 15 minutes to confirm stability")
	fdFail(t, db, exitFail, "5 Rollback items open (", "deploy", "finish")
	out = fdOK(t, db, "deploy", "finish", "--reason", "watch cut short: the on-call confirmed by hand")
	rx(t, "finish", out, `^#1 checkout-api: rollback finished — deployment rolled back \(the stability watch had (15:00|14:59) left\)\n$`)
	if st := statusJSON(t, db, "1"); st["status"] != "rolled_back" || st["rollout"].(map[string]any)["state"] != "rolled back" {
		t.Errorf("rolled back: %v", st)
	}
	fdFail(t, db, exitFail, "#1 checkout-api was rolled back at ", "deploy", "wait", "--deploy", "1")
	fdFail(t, db, exitFail, "no active deployment", "deploy", "promote")
}

func TestCLIAbortPlanned(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	if out := fdOK(t, db, "deploy", "abort", "--yes"); out != "#1 api: aborted before Deployment Execution started\n" {
		t.Errorf("abort planned: %q", out)
	}
	if st := statusJSON(t, db, "1"); st["status"] != "aborted" || st["rollout"] != nil {
		t.Errorf("aborted: %v", st)
	}
	fdFail(t, db, exitFail, "#1 api was aborted at ", "deploy", "wait", "--deploy", "1")
}

func TestCLIDeclareAndClearCriteria(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	fdOK(t, db, "deploy", "promote", "--reason", "go")
	fdOK(t, db, "deploy", "live")
	for _, c := range []struct {
		msg  string
		args []string
	}{
		{"deploy declare needs one criterion (error, critical, security, performance)", []string{"deploy", "declare"}},
		{`unknown rollback criterion "vibes"`, []string{"deploy", "declare", "vibes", "--reason", "x"}},
		{"deploy declare needs --reason TEXT", []string{"deploy", "declare", "critical"}},
		{"deploy clear-criteria needs --reason TEXT", []string{"deploy", "clear-criteria"}},
		{"--timeout -1s is negative", []string{"deploy", "wait", "--timeout", "-1s"}},
		{"takes no arguments", []string{"deploy", "promote", "now"}},
	} {
		fdFail(t, db, exitUsage, c.msg, c.args...)
	}
	fdFail(t, db, exitFail, "no declared or latched rollback criteria to clear", "deploy", "clear-criteria", "--reason", "x")

	out := fdOK(t, db, "deploy", "declare", "security", "--reason", "CVE-2026-1234 in libfoo")
	if !strings.HasPrefix(out, "#1 api: ROLLBACK CRITERIA MET — Security vulnerability discovered in deployed version: CVE-2026-1234 in libfoo\n") {
		t.Errorf("declare: %q", out)
	}
	if !strings.Contains(fdOK(t, db, "deploy", "status"), "   ROLLBACK CRITERIA MET: Security vulnerability discovered in deployed version (declared by alice): CVE-2026-1234 in libfoo\n") {
		t.Error("status does not show the declaration")
	}
	h := statusJSON(t, db, "1")["health"].(map[string]any)
	if d := h["declared"].([]any); len(d) != 1 || d[0].(map[string]any)["criterion"] != "security-vulnerability" || d[0].(map[string]any)["by"] != "alice" || h["error_rate"] != nil {
		t.Errorf("health json: %v", h)
	}
	fdFail(t, db, exitFail, "rollback criteria met (Security vulnerability", "deploy", "promote")
	if out := fdOK(t, db, "deploy", "clear-criteria", "--reason", "libfoo path not reachable"); out != "#1 api: cleared 1 declared rollback criterion as a false alarm\n" {
		t.Errorf("clear: %q", out)
	}
	if h := statusJSON(t, db, "1")["health"].(map[string]any); h["criteria_met"] != false {
		t.Errorf("after clear: %v", h)
	}
}

func TestCLIPromoteAfterSoakNeedsNoReason(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "blue-green", "--at", "-2m")
	s := openTestStore(t, db)
	if _, err := s.StartExecution(context.Background(), 1, "bob", time.Now().Add(-time.Minute), true); err != nil {
		t.Fatal(err)
	}
	// Blue-green's first stages have no minimum soak.
	out := fdOK(t, db, "deploy", "promote")
	if out != "#1 api: promoted to 2/4 · validate green (no minimum soak: promote when it checks out)\n" {
		t.Errorf("promote: %q", out)
	}
	st := statusJSON(t, db, "1")["rollout"].(map[string]any)
	if st["percent"] != 0.0 || st["state"] != "ready to promote" || st["next"] != "switch traffic" {
		t.Errorf("rollout: %v", st)
	}
	if !strings.Contains(fdOK(t, db, "deploy", "status"), "   rollout:  2/4 · validate green — READY TO PROMOTE (soak served, waiting 00:0") {
		t.Errorf("status:\n%s", fdOK(t, db, "deploy", "status"))
	}
}
