package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestTablesPipedAreTSV: off a terminal (the tests' stdout is a buffer) a
// table is tab-separated with its header and nothing else; the trailer and
// the freeze go to stderr. On a terminal the same table is aligned.
func TestTablesPipedAreTSV(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout", "down")

	code, out, errOut := fd(t, db, "history")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitOK || len(lines) != 2 || lines[0] != "ID\tSTARTED (UTC)\tSERVICE\tVERSION\tENV\tSTRATEGY\tSTATUS\tTOOK\tLEAD TIME\tNOTE" ||
		len(strings.Split(lines[1], "\t")) != 10 || strings.Contains(out, "  ") {
		t.Errorf("history piped: exit %d\n%q", code, out)
	}
	if errOut != "1–1 of 1, newest first; one in full: flightdeck history show ID\n" {
		t.Errorf("history trailer on stderr: %q", errOut)
	}
	code, out, errOut = fd(t, db, "incident", "list")
	if code != exitOK || !strings.HasPrefix(out, "REF\tSEV\tSTATUS\t") || strings.Contains(out, "FREEZE") ||
		!strings.Contains(out, "\nINC-1\tSEV2\topen\t") || errOut != "FREEZE: deploys are frozen (INC-1 SEV2 open)\n" {
		t.Errorf("incident list piped: stdout %q stderr %q", out, errOut)
	}
	code, out, _ = fd(t, db, "template", "list")
	if code != exitOK || out != "NAME\tITEMS\tIMPORTED\tPHASES\noctoacme\t41\tbuilt in\tPre-Deployment · Deployment Execution · Rollback\n" {
		t.Errorf("template list piped: %q", out)
	}
	// Empty: the header alone on stdout, the advice on stderr.
	code, out, errOut = fd(t, db, "history", "--status", "aborted")
	if code != exitOK || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "ID\t") || !strings.HasPrefix(errOut, "no deployments match") {
		t.Errorf("empty history piped: %q %q", out, errOut)
	}

	asTerminal(t)
	code, out, errOut = fd(t, db, "history")
	if code != exitOK || strings.Contains(out, "\t") || !strings.HasPrefix(out, "ID  STARTED (UTC)") || !strings.HasPrefix(errOut, "1–1 of 1") {
		t.Errorf("history on a terminal: %q %q", out, errOut)
	}
}

// TestHintsOnStderr: write commands keep their advice off stdout.
func TestHintsOnStderr(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	code, out, errOut := fd(t, db, "incident", "open", "--sev", "1", "--deploy", "1", "all", "down")
	if code != exitOK || strings.Contains(out, "no commander yet") || strings.Contains(out, "deploys are frozen") ||
		!strings.Contains(errOut, "no commander yet: name one with flightdeck incident commander INC-1 NAME") ||
		!strings.Contains(errOut, "deploys are frozen until INC-1 is resolved") {
		t.Errorf("incident open: stdout %q stderr %q", out, errOut)
	}
	// Under --json the command's lines go to stderr; stdout is the JSON alone.
	code, out, errOut = fd(t, db, "incident", "sev", "INC-1", "2", "--json")
	var v map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &v) != nil || v["severity"] != "SEV2" || !strings.Contains(errOut, "INC-1 SEV1 → SEV2") {
		t.Errorf("incident sev --json: stdout %q stderr %q", out, errOut)
	}
}

// TestFlightdeckAs: --as, else $FLIGHTDECK_AS, else $USER; a bad variable
// is refused naming it.
func TestFlightdeckAs(t *testing.T) {
	db := cliDB(t)
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"--db", db}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	startedBy := func(id string) string {
		var d struct {
			StartedBy string `json:"started_by"`
		}
		_, out, _ := run("deploy", "status", "--deploy", id, "--json")
		_ = json.Unmarshal([]byte(out), &d)
		return d.StartedBy
	}
	t.Setenv("USER", "runner")
	t.Setenv("FLIGHTDECK_AS", "")
	run("deploy", "start", "a", "v1")
	t.Setenv("FLIGHTDECK_AS", "ci-bot")
	run("deploy", "start", "b", "v1")
	run("--as", "erin", "deploy", "start", "c", "v1")
	if got := []string{startedBy("1"), startedBy("2"), startedBy("3")}; strings.Join(got, ",") != "runner,ci-bot,erin" {
		t.Errorf("started by %v, want runner, ci-bot, erin", got)
	}
	t.Setenv("FLIGHTDECK_AS", "ci\u202ebot")
	code, _, errOut := run("deploy", "start", "d", "v1")
	if code != exitUsage || !strings.Contains(errOut, "the name to record ($FLIGHTDECK_AS) contains a bidirectional control (U+202E)") {
		t.Errorf("bad FLIGHTDECK_AS: exit %d %q", code, errOut)
	}
	if code, _, _ := run("--as", "erin", "deploy", "status"); code != exitOK {
		t.Errorf("--as wins over a bad FLIGHTDECK_AS: exit %d", code)
	}
}

// TestExitStatus: 0 while fine, 4 while held by a linked SEV1/SEV2, 5 while
// the rollback criteria are met (5 outranks 4); --json still prints.
func TestExitStatus(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	fdOK(t, db, "deploy", "promote", "--reason", "checked")
	fdOK(t, db, "deploy", "live")
	if code, _, errOut := fd(t, db, "deploy", "status", "--exit-status"); code != exitOK {
		t.Errorf("healthy: exit %d %s", code, errOut)
	}
	code, out, errOut := fd(t, db, "deploy", "health", "--error-rate", "1.2", "--baseline", "1.1", "--exit-status", "--json")
	if code != exitOK || !strings.Contains(out, `"criteria_met": false`) {
		t.Errorf("healthy health: exit %d %q %q", code, out, errOut)
	}
	fdOK(t, db, "incident", "open", "--sev", "2", "--deploy", "1", "errors")
	code, _, errOut = fd(t, db, "deploy", "status", "--exit-status")
	if code != exitHeld || !strings.Contains(errOut, "#1 api: held by INC-1 SEV2 open (--exit-status: 4)") {
		t.Errorf("held: exit %d %q", code, errOut)
	}
	code, out, _ = fd(t, db, "deploy", "health", "--error-rate", "9", "--exit-status", "--json")
	var st deployStatus
	if code != exitCriteriaMet || json.Unmarshal([]byte(out), &st) != nil || !st.Health.CriteriaMet {
		t.Errorf("criteria met: exit %d %q", code, out)
	}
	if code, _, _ := fd(t, db, "deploy", "status", "--deploy", "1", "--exit-status", "--json"); code != exitCriteriaMet {
		t.Errorf("status with criteria met and held: exit %d, want 5", code)
	}
	fdOK(t, db, "deploy", "status") // without the flag: 0 as before
}

// TestWaitJSONLines: one JSON object a line per change, then "done".
func TestWaitJSONLines(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once")
	fdOK(t, db, "deploy", "promote", "--reason", "checked")
	fdOK(t, db, "deploy", "live")
	fdOK(t, db, "deploy", "abort", "--yes", "--reason", "5xx")
	code, out, _ := fd(t, db, "deploy", "wait", "--json", "--timeout", time.Minute.String())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitFail || len(lines) != 2 {
		t.Fatalf("wait --json: exit %d\n%s", code, out)
	}
	var change, done waitEventJSON
	decodeStrict(t, "change line", lines[0], &change)
	decodeStrict(t, "done line", lines[1], &done)
	if change.Event != "change" || change.DeploymentID != 1 || change.Status != "in_progress" || change.Stage == nil || *change.Stage != 1 {
		t.Errorf("change: %+v", change)
	}
	if done.Event != "done" || *done.Outcome != "rolling_back" || *done.ExitCode != exitFail || !strings.Contains(done.Text, "5xx") {
		t.Errorf("done: %+v", done)
	}
}
