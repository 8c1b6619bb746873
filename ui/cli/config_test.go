package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/ui/earlyinit"
)

// TestMain keeps every test of this package away from the user's own
// configuration: a test that wants one passes --config or writes it here.
func TestMain(m *testing.M) {
	// As Run does first thing: the test binary links ui/earlyinit, whose
	// CI marker would otherwise be seen by every test that runs before
	// the first Run (pgtest takes CI for a CI run and fails instead of
	// skipping without PostgreSQL).
	earlyinit.Restore()
	dir, err := os.MkdirTemp("", "flightdeck-config-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	// deploy start reads the working directory's git repository: keep the
	// tests (run inside flightdeck's own checkout) out of it. Tests that
	// want a repository build one in a temporary directory.
	if wd, err := os.Getwd(); err == nil {
		os.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(wd))
	}
	os.Unsetenv("FLIGHTDECK_CONFIG")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeConfig(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLIConfigCheck(t *testing.T) {
	db := cliDB(t)
	good := writeConfig(t, "roster:\n  Eng Lead: Sam Okafor\nrollback_rule: {kind: relative, threshold: 50}\n")
	out := fdOK(t, db, "--config", good, "config", "check")
	for _, want := range []string{good + " (valid)", "2. Engineering Lead — Sam Okafor: 15m after it became SEV1/SEV2",
		"rollback rule: error rate more than 50% above baseline", "Runbooks: not set (Link to operational runbooks)", "notify: none"} {
		if !strings.Contains(out, want) {
			t.Errorf("config check output lacks %q:\n%s", want, out)
		}
	}
	out = fdOK(t, db, "--config", good, "config", "check", "--json")
	var doc configDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || !doc.OK || doc.Rule.Kind != "relative" ||
		doc.Escalation[1].Person != "Sam Okafor" || len(doc.Strategies["canary"]) != 4 || doc.Strategies["canary"][0].Soak != "15m" {
		t.Errorf("json: %v %+v", err, doc)
	}

	// With no file at the default path: the seed's defaults, exit 0.
	out = fdOK(t, db, "config", "check")
	if !strings.Contains(out, "the seed's defaults") {
		t.Errorf("default: %s", out)
	}

	bad := writeConfig(t, "escalation:\n  - role: a\n    trigger: at-open\n    delay: 15 minutes\n")
	fdFail(t, db, exitFail, bad+`:4:12: escalation[0].delay: "15 minutes" is not a duration (write 15m)`, "--config", bad, "config", "check")
	code, out, _ := fd(t, db, "--config", bad, "config", "check", "--json")
	var ed configErrDoc
	if err := json.Unmarshal([]byte(out), &ed); err != nil || code != exitFail || ed.OK || ed.Error.Line != 4 || ed.Error.Column != 12 ||
		ed.Error.Path != "escalation[0].delay" || ed.Error.File != bad {
		t.Errorf("json error: exit %d %v %+v", code, err, ed)
	}

	// A missing explicit file is an error, and so is a bad file for every
	// command that opens the database.
	fdFail(t, db, exitFail, "does not exist", "--config", filepath.Join(t.TempDir(), "none.yaml"), "config", "check")
	fdFail(t, db, exitFail, bad+":4:12:", "--config", bad, "deploy", "status")
	t.Setenv("FLIGHTDECK_CONFIG", bad)
	fdFail(t, db, exitFail, bad+":4:12:", "config", "check")
}

func TestCLIConfigExample(t *testing.T) {
	db := cliDB(t)
	out := fdOK(t, db, "config", "example")
	if out != config.ExampleConfig {
		t.Errorf("config example printed something else")
	}
	path := writeConfig(t, out)
	fdOK(t, db, "--config", path, "config", "check")
}

// TestConfigWiring: the store, the CLI and the actor follow the file.
func TestConfigWiring(t *testing.T) {
	db := cliDB(t)
	cfg := writeConfig(t, `
users:
  alice: {name: Alice Smith}
rollback_rule: {kind: points, threshold: 2}
strategies:
  all-at-once:
    - name: all
      soak: 1m
escalation:
  - role: On-call DevOps Engineer
    trigger: at-open
    person: Olu
  - role: Incident Manager
    trigger: manual
`)
	fdOK(t, db, "--config", cfg, "deploy", "start", "svc", "v1", "--strategy", "all-at-once")
	fdOK(t, db, "--config", cfg, "deploy", "promote", "--reason", "go")
	out := fdOK(t, db, "--config", cfg, "deploy", "status")
	if !strings.Contains(out, "01:00") && !strings.Contains(out, "1m") {
		t.Errorf("the configured soak (1m) is not in force:\n%s", out)
	}
	fdOK(t, db, "--config", cfg, "deploy", "health", "--error-rate", "3.5", "--baseline", "1")
	out = fdOK(t, db, "--config", cfg, "deploy", "status")
	if !strings.Contains(out, "more than 2 points above baseline") {
		t.Errorf("the configured rule is not quoted:\n%s", out)
	}
	out = fdOK(t, db, "export", "--format", "json")
	if !strings.Contains(out, `"started_by":"Alice Smith"`) {
		t.Errorf("the actor is not the configured display name")
	}
	// The store escalates along the configured ladder.
	fdOK(t, db, "--config", cfg, "incident", "open", "--sev", "3", "db slow")
	fdOK(t, db, "--config", cfg, "incident", "escalate", "1", "--reason", "need a manager")
	out = fdOK(t, db, "export", "--format", "json")
	if !strings.Contains(out, "Incident Manager") {
		t.Errorf("escalate did not follow the configured ladder")
	}
	out = fdOK(t, db, "--config", cfg, "incident", "show", "1")
	if !strings.Contains(out, "On-call DevOps Engineer (Olu)") || !strings.Contains(out, "Incident Manager") || strings.Contains(out, "Engineering Lead") {
		t.Errorf("incident show does not use the configured ladder:\n%s", out)
	}
	out = fdOK(t, db, "--config", cfg, "incident", "report", "1")
	if !strings.Contains(out, "Incident Manager") {
		t.Errorf("the report does not use the configured ladder:\n%s", out)
	}
}
