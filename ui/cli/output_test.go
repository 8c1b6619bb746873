package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// jsonExempt are the commands that print but have no --json, and why.
var jsonExempt = map[string]string{
	"":                "opens the dashboard",
	"completion":      "prints a shell script",
	"help":            "prints help",
	"config example":  "prints a YAML configuration to edit",
	"export":          "prints JSON always",
	"incident report": "prints the Markdown report (or writes --out FILE)",
	"serve":           "a server: logs connections",
	"demo":            "opens the dashboard on a demo database",
	"notify":          "a delivery log (--once, --watch) or test report; failures are the exit code",
	"version":         "stream G gives it --json",
	"batch":           "prints what its lines print: give --json on a line",
}

// TestEveryPrintingCommandHasJSON walks the command tree: every runnable
// command has --json unless exempt with a reason.
func TestEveryPrintingCommandHasJSON(t *testing.T) {
	root := newRootCmd(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	walk(root, func(cmd *cobra.Command) {
		p := commandPath(cmd)
		if !cmd.Runnable() || cmd.HasSubCommands() && cmd.Parent() != nil && p != "history" {
			return // a group such as "deploy" only prints its help
		}
		top, _, _ := strings.Cut(p, " ")
		if _, ok := jsonExempt[p]; ok {
			return
		}
		if _, ok := jsonExempt[top]; ok && (top == "completion" || top == "help") {
			return
		}
		if cmd.Flags().Lookup("json") == nil {
			t.Errorf("flightdeck %s prints but has no --json (add it to jsonResults in output.go, or to jsonExempt with a reason)", p)
		}
	})
}

// decodeStrict decodes exactly one JSON document into v, refusing keys v
// does not name.
func decodeStrict(t *testing.T, what, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, s)
	}
	if dec.More() {
		t.Fatalf("%s: more than one JSON document:\n%s", what, s)
	}
}

// TestWriteCommandsJSON runs every write command with --json and decodes
// what it printed strictly into the documented shape.
func TestWriteCommandsJSON(t *testing.T) {
	db := cliDB(t)
	tpl := writeFile(t, t.TempDir(), "team.md", "# Pre-Deployment\n## Build\n- [ ] Tests green\n# Rollback\n## Steps\n- [ ] Revert\n")

	type run struct {
		args  []string
		shape func() any
		check func(t *testing.T, v any)
	}
	dep := func() any { return &deployStatus{} }
	inc := func() any { return &incidentDetailJSON{} }
	depID := func(id int64, status string) func(*testing.T, any) {
		return func(t *testing.T, v any) {
			d := v.(*deployStatus)
			if d.ID != id || d.Status != status || d.Service == "" || time0(d.CreatedAt) {
				t.Errorf("deployment %+v: want id %d status %s", d, id, status)
			}
		}
	}
	incRef := func(ref string) func(*testing.T, any) {
		return func(t *testing.T, v any) {
			if i := v.(*incidentDetailJSON); i.Ref != ref {
				t.Errorf("incident ref %q, want %s", i.Ref, ref)
			}
		}
	}
	runs := []run{
		{[]string{"deploy", "start", "api", "v1", "--commit", "3f2a9c1"}, dep, depID(1, "planned")},
		{[]string{"check", "All automated tests passing in CI"}, func() any { return &checkJSON{} }, func(t *testing.T, v any) {
			if c := v.(*checkJSON); c.DeploymentID != 1 || c.State != "done" || c.By != "alice" {
				t.Errorf("check: %+v", c)
			}
		}},
		{[]string{"deploy", "promote", "--reason", "checked in CHG-1"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "live"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "pause"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "resume"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "health", "--error-rate", "1.2", "--baseline", "1.1"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "declare", "critical", "--reason", "pager storm"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "clear-criteria", "--reason", "false alarm"}, dep, depID(1, "in_progress")},
		{[]string{"incident", "open", "--sev", "3", "checkout", "slow"}, inc, incRef("INC-1")},
		{[]string{"incident", "ack", "INC-1", "--reached", "carol"}, inc, incRef("INC-1")},
		{[]string{"incident", "commander", "INC-1", "dave"}, inc, incRef("INC-1")},
		{[]string{"incident", "note", "INC-1", "looking"}, inc, incRef("INC-1")},
		{[]string{"incident", "sev", "INC-1", "4"}, inc, incRef("INC-1")},
		{[]string{"incident", "action", "INC-1", "add an alert"}, inc, incRef("INC-1")},
		{[]string{"incident", "root-cause", "INC-1", "a cold cache"}, inc, incRef("INC-1")},
		{[]string{"incident", "link", "INC-1", "--deploy", "1"}, inc, incRef("INC-1")},
		{[]string{"incident", "unlink", "INC-1"}, inc, incRef("INC-1")},
		{[]string{"incident", "security", "INC-1"}, inc, incRef("INC-1")},
		{[]string{"incident", "mitigate", "INC-1"}, inc, incRef("INC-1")},
		{[]string{"incident", "reopen", "INC-1"}, inc, incRef("INC-1")},
		{[]string{"incident", "escalate", "INC-1", "--reason", "no answer"}, inc, incRef("INC-1")},
		{[]string{"incident", "update", "INC-1", "--conditions", "slow", "--actions", "cache", "--needs", "none"}, inc, incRef("INC-1")},
		{[]string{"incident", "resolve", "INC-1", "--yes"}, inc, incRef("INC-1")},
		{[]string{"deploy", "hotfix", "1", "INC-1"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "abort", "--yes", "--reason", "5xx"}, dep, depID(1, "in_progress")},
		{[]string{"deploy", "finish", "--reason", "rolled back by hand"}, dep, depID(1, "rolled_back")},
		{[]string{"template", "import", tpl}, func() any { return &templateDetailJSON{} }, func(t *testing.T, v any) {
			if d := v.(*templateDetailJSON); d.Name != "team" || d.Action != "imported" || d.Items != 2 || len(d.Phases) != 2 {
				t.Errorf("template import: %+v", d)
			}
		}},
		{[]string{"template", "show", "team"}, func() any { return &templateDetailJSON{} }, func(t *testing.T, v any) {
			if d := v.(*templateDetailJSON); d.Name != "team" || d.Phases[0].Sections[0].Items[0] != "Tests green" {
				t.Errorf("template show: %+v", d)
			}
		}},
		{[]string{"backup", t.TempDir() + "/b.db"}, func() any { return &backupJSON{} }, func(t *testing.T, v any) {
			if b := v.(*backupJSON); b.Deployments != 1 || b.Incidents != 1 || b.Bytes <= 0 {
				t.Errorf("backup: %+v", b)
			}
		}},
	}
	for _, r := range runs {
		args := append(append([]string{}, r.args...), "--json")
		code, out, errOut := fd(t, db, args...)
		if code != exitOK {
			t.Fatalf("flightdeck %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		v := r.shape()
		decodeStrict(t, strings.Join(args, " "), out, v)
		r.check(t, v)
	}
	// The event star, whose id incident show gives.
	var detail incidentDetailJSON
	decodeStrict(t, "incident show", fdOK(t, db, "incident", "show", "INC-1", "--json"), &detail)
	var star starJSON
	decodeStrict(t, "incident star", fdOK(t, db, "incident", "star", itoa(detail.Timeline[0].ID), "--json"), &star)
	if star.EventID != detail.Timeline[0].ID || !star.Starred {
		t.Errorf("star: %+v", star)
	}
	// A refusal under --json: nothing on stdout, the message on stderr, its exit code.
	code, out, errOut := fd(t, db, "deploy", "promote", "--deploy", "1", "--json")
	if code == exitOK || out != "" || !strings.Contains(errOut, "flightdeck: ") {
		t.Errorf("refused promote --json: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func time0(t jsonTime) bool { return t == jsonTime{} }
