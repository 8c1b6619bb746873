package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

var updateExample = flag.Bool("update-example", false, "rewrite testdata/config.example.yaml from ExampleConfig")

// TestMain keeps every test of this package away from the user's own
// configuration: a test that wants one passes --config or writes it here.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flightdeck-config-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Unsetenv("FLIGHTDECK_CONFIG")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestConfigDefaultsEqualSeed(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	path, explicit, err := ResolveConfigPath("")
	if err != nil || explicit {
		t.Fatalf("ResolveConfigPath: %q %v %v", path, explicit, err)
	}
	eff, err := LoadConfig(path, explicit)
	if err != nil {
		t.Fatalf("missing default file: %v", err)
	}
	if !reflect.DeepEqual(eff.Policy, model.DefaultPolicy()) {
		t.Errorf("policy = %+v, want the seed's", eff.Policy)
	}
	for _, st := range model.Strategies {
		if !reflect.DeepEqual(eff.Plans[st], model.DefaultPlan(st)) {
			t.Errorf("plan %s = %+v, want the seed's", st, eff.Plans[st])
		}
	}
	if eff.Rule != model.DefaultRollbackRule() || eff.Updates != model.DefaultUpdatePolicy() {
		t.Errorf("rule %+v updates %+v", eff.Rule, eff.Updates)
	}
	if eff.Probe != nil || eff.Notify != nil || eff.Source != "" {
		t.Errorf("probe %v notify %v source %q: want none", eff.Probe, eff.Notify, eff.Source)
	}
	// The seed's Resources, as placeholders nobody filled in.
	want := []string{"Runbooks", "Infrastructure Docs", "Monitoring Dashboards", "On-Call Schedule"}
	if len(eff.Links) != len(want) {
		t.Fatalf("links = %+v", eff.Links)
	}
	for i, l := range eff.Links {
		if l.Name != want[i] || !l.Unset || l.URL != "" || !strings.HasPrefix(l.Hint, "Link to ") {
			t.Errorf("link %d = %+v", i, l)
		}
	}
	// An empty file, or one with only comments, is the defaults too.
	for _, src := range []string{"", "# nothing yet\n", "---\n"} {
		_, e2, err := ParseConfig("config.yaml", []byte(src))
		if err != nil || !reflect.DeepEqual(e2.Policy, eff.Policy) || !reflect.DeepEqual(e2.Plans, eff.Plans) || e2.Rule != eff.Rule {
			t.Errorf("%q: %v", src, err)
		}
	}
}

func TestConfigPathResolution(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("FLIGHTDECK_CONFIG", "")
	if p, explicit, _ := ResolveConfigPath(""); p != filepath.Join(home, "flightdeck", "config.yaml") || explicit {
		t.Errorf("default: %q %v", p, explicit)
	}
	t.Setenv("FLIGHTDECK_CONFIG", "/etc/fd.yaml")
	if p, explicit, _ := ResolveConfigPath(""); p != "/etc/fd.yaml" || !explicit {
		t.Errorf("env: %q %v", p, explicit)
	}
	if p, explicit, _ := ResolveConfigPath("team.yaml"); p != "team.yaml" || !explicit {
		t.Errorf("flag: %q %v", p, explicit)
	}
	// An explicit file must exist; the default may be missing.
	_, err := LoadConfig(filepath.Join(home, "nope.yaml"), true)
	if err == nil || !strings.Contains(err.Error(), "nope.yaml does not exist") {
		t.Errorf("missing explicit file: %v", err)
	}
	// A file others may edit must not name commands to run.
	shared := filepath.Join(home, "shared.yaml")
	if err := os.WriteFile(shared, []byte("notify:\n  command: [x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(shared, true); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Errorf("world-writable config with commands: %v", err)
	}
	// Relative XDG_CONFIG_HOME is invalid by the spec and ignored.
	t.Setenv("XDG_CONFIG_HOME", "relative/dir")
	if p, err := DefaultConfigPath(); err == nil && strings.HasPrefix(p, "relative") {
		t.Errorf("relative XDG_CONFIG_HOME used: %q", p)
	}
}

func TestConfigExampleLoads(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "config.example.yaml")
	if *updateExample {
		if err := os.WriteFile(path, []byte(ExampleConfig), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(src) != ExampleConfig {
		t.Fatalf("%s differs from ExampleConfig: run go test -run TestConfigExampleLoads -update-example", path)
	}
	eff, err := LoadConfig(path, true)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	if got := eff.Policy.Steps[1].Person; got != "Sam Okafor" {
		t.Errorf("roster not applied: step 2 person %q", got)
	}
	if eff.DisplayName("priya") != "Priya Raman" || !eff.Viewer("exec-screen") || eff.Viewer("priya") {
		t.Errorf("users: %+v", eff.Users)
	}
	canary := eff.Plans[model.StrategyCanary]
	labels := []string{}
	for _, s := range canary.Stages {
		labels = append(labels, s.Label+"/"+s.Soak.String())
	}
	if got := strings.Join(labels, " "); got != "5%/30m0s 25%/15m0s 75%/20m0s 100%/15m0s" {
		t.Errorf("canary = %s", got)
	}
	if canary.Stages[0].Note == "" || canary.Stages[2].Percent != 75 {
		t.Errorf("a seed stage keeps its note; a new one its percent: %+v", canary.Stages)
	}
	if !reflect.DeepEqual(eff.Plans[model.StrategyBlueGreen], model.DefaultPlan(model.StrategyBlueGreen)) {
		t.Errorf("blue-green should keep the seed's plan")
	}
	if eff.Probe == nil || eff.Probe.Interval != 30*time.Second || eff.Probe.Timeout != 10*time.Second {
		t.Errorf("probe = %+v", eff.Probe)
	}
	if eff.Notify == nil || eff.Notify.Argv[0] != "/usr/local/bin/flightdeck-notify-chat" {
		t.Errorf("notify = %+v", eff.Notify)
	}
	if len(eff.Links) != 4 || eff.Links[0].Unset {
		t.Errorf("links = %+v", eff.Links)
	}
}

func TestConfigSettings(t *testing.T) {
	src := `
roster:
  eng lead: Sam
  Security: Lee
escalation:
  - role: On-call DevOps Engineer
    trigger: at-open
  - role: Engineering Lead
    trigger: After_Major
    delay: 10m
    severities: [1, sev2, SEV2]
  - role: Security Lead
    trigger: security
    person: Kim
strategies:
  Feature Flag:
    - label: Beta testers
    - name: everyone
      soak: 0s
rollback_rule: {kind: relative, threshold: 50}
rollout: {health_max_age: 2m30s}
updates: {sev2: off}
probe:
  command: [./bin/rate, --svc]
  interval: 1m
`
	dir := t.TempDir()
	_, eff, err := ParseConfig(filepath.Join(dir, "config.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if eff.HealthMaxAge != 2*time.Minute+30*time.Second {
		t.Errorf("health max age = %s", eff.HealthMaxAge)
	}
	p := eff.Policy
	if len(p.Steps) != 3 || p.Steps[1].Person != "Sam" || p.Steps[2].Person != "Kim" || p.Steps[1].Trigger != model.TriggerAfterMajor {
		t.Errorf("policy = %+v", p.Steps)
	}
	if !reflect.DeepEqual(p.Steps[1].Severities, []model.Severity{model.SEV1, model.SEV2}) || p.Steps[1].Delay != 10*time.Minute {
		t.Errorf("step 2 = %+v", p.Steps[1])
	}
	ff := eff.Plans[model.StrategyFeatureFlag]
	if len(ff.Stages) != 2 || ff.Stages[0].Name != "beta-testers" || ff.Stages[0].Percent != model.NoPercent ||
		ff.Stages[0].Soak != model.DefaultSoak || ff.Stages[1].Label != "everyone" || ff.Stages[1].Soak != 0 {
		t.Errorf("feature-flag = %+v", ff.Stages)
	}
	if eff.Rule != (model.RollbackRule{Kind: model.RuleKindRelative, Threshold: 50}) {
		t.Errorf("rule = %+v", eff.Rule)
	}
	if eff.Updates != (model.UpdatePolicy{SEV1: 30 * time.Minute}) {
		t.Errorf("updates = %+v", eff.Updates)
	}
	if eff.Probe.Command.Argv[0] != filepath.Join(dir, "bin", "rate") || eff.Probe.Interval != time.Minute {
		t.Errorf("probe = %+v: a relative program is relative to the config file", eff.Probe)
	}
}

// TestConfigErrors covers every kind of mistake: each message names the
// file, line and column, the setting, and what is wrong.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		// The example of the brief: a duration written in words.
		{"duration in words", `# team config
roster:
  Engineering Lead: Sam

escalation:
  - role: On-call DevOps Engineer
    trigger: at-open
  - role: Engineering Lead
    trigger: after-major
    # the seed's rule
    severities: [SEV1, SEV2]
    delay: 15 minutes
`, `config.yaml:12:12: escalation[1].delay: "15 minutes" is not a duration (write 15m)`},
		{"number without unit", "escalation:\n  - role: a\n    trigger: at-open\n    delay: 15\n",
			`config.yaml:4:12: escalation[0].delay: "15" is not a duration (a number needs a unit: write 15m for minutes or 15s for seconds)`},
		{"days", "updates:\n  sev1: 1 day\n", `config.yaml:2:9: updates.sev1: "1 day" is not a duration (write 24h)`},
		{"negative delay", "escalation:\n  - role: a\n    trigger: at-open\n    delay: -5m\n",
			"config.yaml:4:12: escalation[0].delay: -5m is negative: use 0 or more"},

		// YAML itself.
		{"syntax", "roster:\n  a: 'unterminated\n", "config.yaml:2:6: YAML syntax: could not find end character of single-quoted text"},
		{"tab", "\troster: {}\n", "config.yaml:1:"},
		{"duplicate key", "roster:\n  Eng Lead: a\n  Eng Lead: b\n", `config.yaml:3:3: YAML syntax: mapping key "Eng Lead" already defined at [2:3]`},
		{"two documents", "roster: {}\n---\nlinks: []\n", "config.yaml:2:1: a second YAML document ('---'): put every setting in one document"},

		// Strict: unknown keys anywhere.
		{"unknown key", "rosta:\n  a: b\n", `config.yaml:1:1: rosta: unknown setting "rosta": did you mean roster?`},
		{"unknown nested key", "escalation:\n  - role: a\n    delai: 3m\n",
			`config.yaml:3:5: escalation[0].delai: unknown setting "delai": did you mean delay? (settings here: role, person, delay, severities, trigger)`},
		{"unknown key in a command", "notify:\n  command: [x]\n  shell: true\n", `config.yaml:3:3: notify.shell: unknown setting "shell": use command, interval, timeout`},

		// Shapes.
		{"top level list", "- a\n", "config.yaml:1:1: expected settings (roster, users, escalation"},
		{"mapping for a list", "escalation: {role: a}\n", "config.yaml:1:13: escalation: expected a list"},
		{"scalar for a list", "escalation:\n  - role: a\n    trigger: at-open\n    severities: 1\n", `config.yaml:4:17: escalation[0].severities: expected a list`},
		{"scalar for a mapping", "roster: Sam\n", `config.yaml:1:9: roster: expected a mapping (name: value lines), found "Sam"`},
		{"list for a value", "escalation:\n  - role: [a, b]\n", "config.yaml:2:11: escalation[0].role: expected a value, found a list"},
		{"float for a percent", "strategies:\n  canary:\n    - name: canary-5\n      percent: 1.5\n", `config.yaml:4:16: strategies.canary[0].percent: expected a whole number, found "1.5"`},
		{"text for a threshold", "rollback_rule:\n  threshold: five\n", `config.yaml:2:14: rollback_rule.threshold: expected a number, found "five"`},
		{"nan threshold", "rollback_rule:\n  threshold: .nan\n", `config.yaml:2:14: rollback_rule.threshold: expected a number, found ".nan", which is not a number`},
		{"not a bool", "users:\n  bob:\n    viewer: maybe\n", `config.yaml:3:13: users.bob.viewer: expected true or false, found "maybe"`},
		{"shell string command", "probe:\n  command: curl -s http://x\n", `config.yaml:2:12: probe.command: expected the program and its arguments as a list`},

		// Escalation.
		{"no steps", "escalation: []\n", "config.yaml:1:13: escalation: no steps"},
		{"missing role", "escalation:\n  - trigger: at-open\n", "config.yaml:2:5: escalation[0].role: role is missing"},
		{"duplicate step role", "escalation:\n  - role: Eng Lead\n    trigger: at-open\n  - role: eng lead\n    trigger: manual\n",
			`config.yaml:4:11: escalation[1].role: "eng lead" is already step 1: each role appears once`},
		{"missing trigger", "escalation:\n  - role: a\n", "config.yaml:2:5: escalation[0].trigger: trigger is missing: use at-open, after-major, manual or security"},
		{"unknown trigger", "escalation:\n  - role: a\n    trigger: later\n", `config.yaml:3:14: escalation[0].trigger: unknown trigger "later": use at-open, after-major, manual or security`},
		{"severity 7", "escalation:\n  - role: a\n    trigger: at-open\n    severities: [SEV1, 7]\n",
			`config.yaml:4:24: escalation[0].severities[1]: severity "7" is outside 1–4: use 1–4 or SEV1–SEV4`},

		// Roster and users.
		{"roster unknown role", "roster:\n  Enginering Lead: Sam\n", `config.yaml:2:3: roster["Enginering Lead"]: no escalation step has the role "Enginering Lead": the roles are "On-call DevOps Engineer"`},
		{"roster no person", "roster:\n  Eng Lead: \"\"\n", `config.yaml:2:13: roster["Eng Lead"]: no person given for "Eng Lead"`},
		{"login with a space", "users:\n  Sam Okafor: {name: Sam}\n", `config.yaml:2:3: users["Sam Okafor"]: login "Sam Okafor" contains spaces`},

		// Strategies.
		{"unknown strategy name", "strategies:\n  canery:\n    - name: canary-5\n", `config.yaml:2:3: strategies.canery: unknown strategy "canery": use canary, blue-green, feature-flag, all-at-once`},
		{"strategy twice", "strategies:\n  canary:\n    - name: canary-5\n  Canary:\n    - name: canary-5\n", `config.yaml:4:3: strategies.Canary: "Canary" is the canary strategy again (first written "canary")`},
		{"no stages", "strategies:\n  canary: []\n", "config.yaml:2:11: strategies.canary: no stages"},
		{"unknown stage", "strategies:\n  canary:\n    - name: canary-10\n", `config.yaml:3:13: strategies.canary[0].name: the seed's canary plan has no stage "canary-10" (it has canary-5, canary-25, canary-50, canary-100): give a label`},
		{"stage without label", "strategies:\n  canary:\n    - soak: 5m\n", `config.yaml:3:7: strategies.canary[0]: the stage has no label`},
		{"negative soak", "strategies:\n  canary:\n    - name: canary-5\n      soak: -1m\n", "config.yaml:4:13: strategies.canary[0].soak: -1m is negative: use 0 or more"},
		{"percent 150", "strategies:\n  canary:\n    - label: all\n      percent: 150\n", "config.yaml:4:16: strategies.canary[0].percent: 150 is not a share of traffic"},
		{"duplicate stage", "strategies:\n  canary:\n    - name: canary-5\n    - label: 5%\n      name: canary-5\n",
			`config.yaml:5:13: strategies.canary[1].name: a second stage named "canary-5"`},

		// Rollback rule.
		{"unknown rule kind", "rollback_rule:\n  kind: absolute\n  threshold: 5\n", `config.yaml:2:9: rollback_rule.kind: unknown kind "absolute": use points`},
		{"missing threshold", "rollback_rule:\n  kind: points\n", "config.yaml:2:3: rollback_rule.threshold: threshold is missing"},
		{"relative threshold 0", "rollback_rule:\n  kind: relative\n  threshold: 0\n", "config.yaml:3:14: rollback_rule.threshold: a relative threshold must be more than 0"},
		{"relative threshold negative", "rollback_rule:\n  kind: relative\n  threshold: -10\n", "config.yaml:3:14: rollback_rule.threshold: a relative threshold must be more than 0"},
		{"negative points", "rollback_rule:\n  threshold: -1\n", "config.yaml:2:14: rollback_rule.threshold: -1 is negative"},
		{"100 points", "rollback_rule:\n  threshold: 100\n", "config.yaml:2:14: rollback_rule.threshold: an error rate cannot rise 100 points"},

		// Rollout.
		{"bad health age", "rollout:\n  health_max_age: 5 minutes\n", `config.yaml:2:19: rollout.health_max_age: "5 minutes" is not a duration (write 5m)`},
		{"health age too short", "rollout:\n  health_max_age: 2s\n", "config.yaml:2:19: rollout.health_max_age: 2s is shorter than 10s: no probe reads that often"},
		{"health age too long", "rollout:\n  health_max_age: 48h\n", "config.yaml:2:19: rollout.health_max_age: 48h is longer than 24h"},
		{"unknown rollout key", "rollout:\n  max_age: 5m\n", "config.yaml:2:3"},

		// Updates.
		{"bad update interval", "updates:\n  sev1: soon\n", `config.yaml:2:9: updates.sev1: "soon" is not a duration (write it like 15m, 1h30m or 90s)`},
		{"update too often", "updates:\n  sev1: 30s\n", "config.yaml:2:9: updates.sev1: 30s is shorter than a minute"},
		{"all updates off", "updates:\n  sev1: off\n  sev2: 0\n", "config.yaml:2:3: updates: both intervals are off"},

		// Links.
		{"link without name", "links:\n  - url: https://x\n", "config.yaml:2:5: links[0].name: name is missing"},
		{"link without url", "links:\n  - name: Runbooks\n", `config.yaml:2:5: links[0].url: url is missing for "Runbooks"`},
		{"link not a url", "links:\n  - name: Runbooks\n    url: wiki/runbooks\n", `config.yaml:3:10: links[0].url: "wiki/runbooks" is not a full URL`},
		{"duplicate link", "links:\n  - {name: A, url: 'https://a'}\n  - {name: a, url: 'https://b'}\n", `config.yaml:3:12: links[1].name: a second link named "a"`},

		// Commands.
		{"empty argv", "notify:\n  command: []\n", "config.yaml:2:12: notify.command: the command is empty"},
		{"missing command", "probe:\n  interval: 30s\n", "config.yaml:2:3: probe.command: the command is empty"},
		{"empty program", "notify:\n  command: ['', x]\n", "config.yaml:2:13: notify.command[0]: the program name is empty"},
		{"one shell string", "notify:\n  command: ['curl -fsS https://x']\n", `config.yaml:2:13: notify.command[0]: "curl -fsS https://x" is one shell string: list the program and each argument separately, e.g. [curl, -fsS, https://x]`},
		{"notify interval", "notify:\n  command: [x]\n  interval: 5s\n", "config.yaml:3:13: notify.interval: notify runs when something happens and has no interval"},
		{"probe too often", "probe:\n  command: [x]\n  interval: 100ms\n", "config.yaml:3:13: probe.interval: 100ms is too often"},
		{"timeout past interval", "probe:\n  command: [x]\n  interval: 5s\n  timeout: 6s\n", "config.yaml:4:12: probe.timeout: the timeout (6s) is longer than the interval (5s)"},
		{"zero timeout", "notify:\n  command: [x]\n  timeout: 0s\n", "config.yaml:3:12: notify.timeout: the timeout must be more than 0"},
		{"bad timeout", "notify:\n  command: [x]\n  timeout: 10 seconds\n", `config.yaml:3:12: notify.timeout: "10 seconds" is not a duration (write 10s)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseConfig("config.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got  %s\nwant %s…", err, tc.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Line == 0 || ce.Column == 0 {
				t.Errorf("error %v carries no position", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// TestConfigAnchors: YAML anchors and aliases are ordinary YAML and work.
func TestConfigAnchors(t *testing.T) {
	src := "escalation:\n  - &step {role: A, trigger: at-open}\n  - {role: B, trigger: manual}\nlinks:\n  - &l {name: Runbooks, url: 'https://r'}\n"
	if _, eff, err := ParseConfig("c.yaml", []byte(src)); err != nil || len(eff.Policy.Steps) != 2 {
		t.Fatalf("%+v %v", eff.Policy, err)
	}
}
