package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func TestSendersParsed(t *testing.T) {
	t.Setenv("FD_TEST_SECRET", "  s3cret-hmac \n")
	t.Setenv("FD_TEST_AUTH", "Bearer tok-123")
	t.Setenv("FD_TEST_PD", "R0UT1NGKEY")
	src := `
links:
  - name: Runbooks
    url: https://wiki.example.com/runbooks
notifications:
  - name: ops
    type: webhook
    url: https://user:pw@hooks.example.com/fd?token=qtok&x=1
    secret_env: FD_TEST_SECRET
    headers: {x-team: ops}
    headers_env: {authorization: FD_TEST_AUTH}
    timeout: 3s
  - name: chat
    type: Slack
    url: https://hooks.slack.com/services/T000/B000/XXXXSECRET
    events: [incident_opened, update_posted, incident_opened]
    severities: [1, sev2]
  - name: chat-default-link
    type: slack
    url: https://mattermost.example.com/hooks/abc
  - name: pd
    type: pagerduty
    routing_key_env: FD_TEST_PD
  - name: pd-all
    type: pagerduty
    url: http://127.0.0.1:9/v2/enqueue
    routing_key: literal-key
    events: [all]
    severities: [SEV1, 2, 3, 4]
  - name: pager-script
    type: command
    command: [./bin/page, --team, ops]
    timeout: 5s
notify:
  command: [/usr/local/bin/notify-chat]
`
	dir := t.TempDir()
	_, eff, err := ParseConfig(filepath.Join(dir, "config.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, s := range eff.Senders {
		names = append(names, s.Name+"/"+s.Type)
	}
	if got := strings.Join(names, " "); got != "ops/webhook chat/slack chat-default-link/slack pd/pagerduty pd-all/pagerduty pager-script/command command/command" {
		t.Fatalf("senders = %s", got)
	}
	ops, chat, chat2, pd, pdAll, script, legacy := eff.Senders[0], eff.Senders[1], eff.Senders[2], eff.Senders[3], eff.Senders[4], eff.Senders[5], eff.Senders[6]

	if ops.Secret != "s3cret-hmac" || ops.Timeout != 3*time.Second {
		t.Errorf("webhook secret %q (trimmed from the environment) timeout %s", ops.Secret, ops.Timeout)
	}
	if !reflect.DeepEqual(ops.Headers, map[string]string{"X-Team": "ops", "Authorization": "Bearer tok-123"}) {
		t.Errorf("headers = %v (canonical names)", ops.Headers)
	}
	if !reflect.DeepEqual(ops.Events, kindSet(model.NoticeKinds)) || len(ops.Severities) != 0 {
		t.Errorf("webhook default route: every kind, every severity: %v %v", ops.Events, ops.Severities)
	}
	for _, secret := range []string{"s3cret-hmac", "Bearer tok-123", "ops", "token=qtok&x=1", "qtok", "user:pw", "pw"} {
		if !slices.Contains(ops.Secrets, secret) {
			t.Errorf("webhook secrets %q lack %q", ops.Secrets, secret)
		}
	}
	if !reflect.DeepEqual(chat.Events, kindSet([]model.NoticeKind{model.NoticeIncidentOpened, model.NoticeUpdatePosted})) ||
		!reflect.DeepEqual(chat.Severities, map[model.Severity]bool{model.SEV1: true, model.SEV2: true}) {
		t.Errorf("slack route %v %v", chat.Events, chat.Severities)
	}
	if !slices.Contains(chat.Secrets, "https://hooks.slack.com/services/T000/B000/XXXXSECRET") || !slices.Contains(chat.Secrets, "services/T000/B000/XXXXSECRET") {
		t.Errorf("the Slack URL is the credential: %q", chat.Secrets)
	}
	if chat.Link != "https://wiki.example.com/runbooks" || chat.Timeout != DefaultSenderTimeout {
		t.Errorf("slack link %q (default the first links: entry) timeout %s", chat.Link, chat.Timeout)
	}
	if !reflect.DeepEqual(chat2.Events, kindSet(model.NoticeIncidentChannel)) {
		t.Errorf("slack default route = %v", chat2.Events)
	}
	if pd.URL != DefaultPagerDutyURL || pd.RoutingKey != "R0UT1NGKEY" || !slices.Contains(pd.Secrets, "R0UT1NGKEY") {
		t.Errorf("pagerduty = %+v", pd)
	}
	if !reflect.DeepEqual(pd.Events, kindSet(model.NoticePaging)) || !reflect.DeepEqual(pd.Severities, map[model.Severity]bool{model.SEV1: true, model.SEV2: true}) {
		t.Errorf("pagerduty default route %v %v", pd.Events, pd.Severities)
	}
	if !reflect.DeepEqual(pdAll.Events, kindSet(model.NoticePaging)) || len(pdAll.Severities) != 4 || pdAll.URL != "http://127.0.0.1:9/v2/enqueue" {
		t.Errorf("pagerduty all = %+v: all is every kind it takes", pdAll)
	}
	if script.Command == nil || script.Command.Argv[0] != filepath.Join(dir, "bin", "page") || script.Command.Timeout != 5*time.Second || script.Timeout != 5*time.Second {
		t.Errorf("command sender = %+v %+v", script, script.Command)
	}
	want := kindSet(model.NoticeIncidentChannel)
	want[model.NoticeStageReady] = true
	if legacy.Command != eff.Notify || legacy.Timeout != eff.Notify.Timeout || !reflect.DeepEqual(legacy.Events, want) {
		t.Errorf("legacy notify = %+v", legacy)
	}
	if eff.Notify == nil || eff.Notify.Argv[0] != "/usr/local/bin/notify-chat" {
		t.Errorf("Effective.Notify kept as it was: %+v", eff.Notify)
	}
	// Routing: kind, then severity; notices about no incident always pass.
	if !chat.Routes(model.Notice{Kind: model.NoticeIncidentOpened, Severity: model.SEV2}) ||
		chat.Routes(model.Notice{Kind: model.NoticeIncidentOpened, Severity: model.SEV3}) ||
		chat.Routes(model.Notice{Kind: model.NoticeRolledBack}) || !chat.Routes(model.Notice{Kind: model.NoticeTest}) {
		t.Error("slack routing")
	}
}

func TestSendersNone(t *testing.T) {
	_, eff, err := ParseConfig("c.yaml", []byte("roster: {}\n"))
	if err != nil || len(eff.Senders) != 0 {
		t.Fatalf("%v %+v", err, eff.Senders)
	}
}

// TestSenderErrors: every mistake in notifications: names the file, line
// and column, the setting and the fix, and never quotes a secret.
func TestSenderErrors(t *testing.T) {
	t.Setenv("FD_EMPTY", " ")
	t.Setenv("FD_SET", "s3t-v4lue")
	t.Setenv("FD_CRLF", "a\r\nX-Evil: 1")
	os.Unsetenv("FD_UNSET")
	const slack = "  - name: chat\n    type: slack\n    url: https://hooks.slack.com/services/T/B/TOKEN\n"
	for _, tc := range []struct{ name, src, want string }{
		{"no name", "notifications:\n  - type: slack\n", "config.yaml:2:5: notifications[0].name: name is missing: give the sender a short name"},
		{"bad name", "notifications:\n  - name: Ops Chat\n    type: slack\n", `config.yaml:2:11: notifications[0].name: "Ops Chat" is not a sender name: use lower-case letters, digits, '-' and '_'`},
		{"duplicate name", "notifications:\n" + slack + slack, `config.yaml:5:11: notifications[1].name: a second sender named "chat": give each its own name`},
		{"name command taken", "notify:\n  command: [x]\nnotifications:\n  - name: command\n    type: command\n    command: [y]\n",
			`config.yaml:4:11: notifications[0].name: "command" is the sender the notify: command becomes`},
		{"no type", "notifications:\n  - name: a\n", "config.yaml:2:5: notifications[0].type: type is missing: use webhook, slack, pagerduty or command"},
		{"unknown type", "notifications:\n  - name: a\n    type: teams\n", `config.yaml:3:11: notifications[0].type: unknown type "teams": use webhook, slack, pagerduty or command`},
		{"key of another type", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    routing_key: k\n",
			"config.yaml:5:5: notifications[0].routing_key: a webhook sender has no routing_key (that is for pagerduty senders): remove it"},
		{"link on a webhook", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    link: https://l\n",
			"config.yaml:5:5: notifications[0].link: a webhook sender has no link (that is for slack senders): remove it"},
		{"command on slack", "notifications:\n  - name: a\n    type: slack\n    command: [x]\n",
			"config.yaml:4:5: notifications[0].command: a slack sender has no command (that is for command senders): remove it"},
		{"unknown key", "notifications:\n  - name: a\n    type: slack\n    uri: https://x\n", `config.yaml:4:5: notifications[0].uri: unknown setting "uri": did you mean url?`},

		// URLs.
		{"webhook without url", "notifications:\n  - name: a\n    type: webhook\n", "config.yaml:2:5: notifications[0]: url is missing: give the address the JSON is posted to"},
		{"slack without url", "notifications:\n  - name: a\n    type: slack\n", "config.yaml:2:5: notifications[0]: url is missing: give the incoming webhook URL (Slack, Mattermost or Rocket.Chat), best as url_env"},
		{"webhook url not http", "notifications:\n  - name: a\n    type: webhook\n    url: ftp://x.example/a\n",
			`config.yaml:4:10: notifications[0].url: "ftp://x.example/a" is not an http or https URL`},
		{"webhook url no host", "notifications:\n  - name: a\n    type: webhook\n    url: hooks/flightdeck\n",
			`config.yaml:4:10: notifications[0].url: "hooks/flightdeck" is not an http or https URL`},
		{"slack url not quoted back", "notifications:\n  - name: a\n    type: slack\n    url: hooks.slack.com/services/T/B/TOKEN\n",
			"config.yaml:4:10: notifications[0].url: the URL is not an http or https URL"},
		{"webhook url with a token not quoted back", "notifications:\n  - name: a\n    type: webhook\n    url: 'hooks.example/x?token=TOKEN'\n",
			"config.yaml:4:10: notifications[0].url: the URL is not an http or https URL"},
		{"url fragment", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example/a#b\n",
			`config.yaml:4:10: notifications[0].url: "https://x.example/a#b" has a #fragment, which is never sent`},

		// Environment.
		{"env unset", "notifications:\n  - name: a\n    type: slack\n    url_env: FD_UNSET\n",
			"config.yaml:4:14: notifications[0].url_env: the environment variable FD_UNSET (the url) is not set: export it where flightdeck runs"},
		{"env empty", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    secret_env: FD_EMPTY\n",
			"config.yaml:5:17: notifications[0].secret_env: the environment variable FD_EMPTY (the secret) is empty"},
		{"env name is a value", "notifications:\n  - name: a\n    type: pagerduty\n    routing_key_env: 'R0UT!NG'\n",
			`config.yaml:4:22: notifications[0].routing_key_env: "R0UT!NG" is not an environment variable name: write the variable's name (letters, digits and '_'), e.g. FLIGHTDECK_ROUTING_KEY, not its value`},
		{"literal and env", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    secret: s\n    secret_env: FD_SET\n",
			"config.yaml:6:5: notifications[0].secret_env: both secret and secret_env are given: keep one"},
		{"url and url_env", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    url_env: FD_SET\n",
			"config.yaml:5:5: notifications[0].url_env: both url and url_env are given: keep one"},
		{"header env unset", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers_env: {Authorization: FD_UNSET}\n",
			"config.yaml:5:34: notifications[0].headers_env.Authorization: the environment variable FD_UNSET (the value of the Authorization header) is not set"},
		{"header env with a line break", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers_env: {X-A: FD_CRLF}\n",
			"config.yaml:5:24: notifications[0].headers_env.X-A: the value of FD_CRLF contains a control character"},

		// PagerDuty.
		{"no routing key", "notifications:\n  - name: pd\n    type: pagerduty\n", "config.yaml:2:5: notifications[0]: routing_key is missing: give the integration key"},
		{"pagerduty other event", "notifications:\n  - name: pd\n    type: pagerduty\n    routing_key: k\n    events: [incident_opened, update_posted]\n",
			"config.yaml:5:31: notifications[0].events[1]: pagerduty takes only incident_opened, escalation_due, incident_acknowledged, incident_resolved"},

		// Routes.
		{"unknown event", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    events: [incident_open]\n",
			`config.yaml:5:14: notifications[0].events[0]: unknown event "incident_open": did you mean incident_opened? (use all or deployment_started, execution_started,`},
		{"unknown event far", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    events: [everything]\n",
			`config.yaml:5:14: notifications[0].events[0]: unknown event "everything": use all or deployment_started,`},
		{"bad severity", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    severities: [SEV1, SEV5]\n",
			`config.yaml:5:24: notifications[0].severities[1]: severity "SEV5" is outside 1–4`},

		// Timeout.
		{"zero timeout", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    timeout: 0s\n",
			"config.yaml:5:14: notifications[0].timeout: the timeout must be more than 0, e.g. 10s"},
		{"long timeout", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    timeout: 2m\n",
			"config.yaml:5:14: notifications[0].timeout: 2m is longer than 1m: one attempt that waits longer holds up every notice after it"},
		{"bad timeout", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    timeout: 10 seconds\n",
			`config.yaml:5:14: notifications[0].timeout: "10 seconds" is not a duration (write 10s)`},

		// Headers.
		{"bad header name", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers: {'X Team': ops}\n",
			`config.yaml:5:15: notifications[0].headers["X Team"]: "X Team" is not a header name: use letters, digits and '-'`},
		{"content type header", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers: {content-type: text/plain}\n",
			"config.yaml:5:15: notifications[0].headers.content-type: flightdeck sets Content-Type itself: remove it"},
		{"signature header", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers:\n      X-Flightdeck-Signature: forged\n",
			"config.yaml:6:7: notifications[0].headers.X-Flightdeck-Signature: flightdeck sets X-Flightdeck-Signature itself: remove it"},
		{"header twice", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers: {X-A: v}\n    headers_env: {x-a: FD_SET}\n",
			"config.yaml:6:19: notifications[0].headers_env.x-a: the header X-A is given twice"},
		{"empty header", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers: {X-A: ''}\n",
			"config.yaml:5:20: notifications[0].headers.X-A: the value is empty"},
		{"header line break", "notifications:\n  - name: a\n    type: webhook\n    url: https://x.example\n    headers: {X-A: \"v\\r\\nX-B: 1\"}\n",
			"config.yaml:5:20: notifications[0].headers.X-A: the value contains a control character"},

		// Link.
		{"link placeholder", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    link: https://fd.example/{id}\n",
			"config.yaml:5:11: notifications[0].link: unknown placeholder {id}: use {ref}, {incident}, {deployment}, {service}, {environment}"},
		{"link not a url", "notifications:\n  - name: a\n    type: slack\n    url: https://h.example/x\n    link: incidents/{ref}\n",
			`config.yaml:5:11: notifications[0].link: "incidents/{ref}" is not an http or https URL`},

		// Command senders reuse the notify command's rules.
		{"command empty", "notifications:\n  - name: a\n    type: command\n", "config.yaml:2:5: notifications[0].command: the command is empty"},
		{"command shell string", "notifications:\n  - name: a\n    type: command\n    command: ['curl -fsS https://x']\n",
			`config.yaml:4:15: notifications[0].command[0]: "curl -fsS https://x" is one shell string`},
		{"notifications not a list", "notifications:\n  name: a\n", "config.yaml:2:3: notifications: expected a list"},
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
			for _, secret := range []string{"TOKEN", "s3t-v4lue", "X-Evil"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error quotes a secret %q: %s", secret, err)
				}
			}
		})
	}
}

// TestSendersFileMode: a file that names a command must not be writable by
// others; one that holds a secret literally must not be readable by them.
func TestSendersFileMode(t *testing.T) {
	t.Setenv("FD_SLACK", "https://hooks.slack.com/services/T/B/X")
	dir := t.TempDir()
	write := func(name, src string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, src string
		mode      os.FileMode
		want      string // "" loads
	}{
		{"literal secret readable", "notifications:\n  - {name: a, type: webhook, url: 'https://x.example', secret: s}\n", 0o644,
			"holds secrets (notifications[0].secret) but others can read it (mode 0644): chmod 600 "},
		{"literal secret 600", "notifications:\n  - {name: a, type: webhook, url: 'https://x.example', secret: s}\n", 0o600, ""},
		{"slack url group readable", "notifications:\n  - {name: a, type: slack, url: 'https://h.example/T/B/X'}\n", 0o640,
			"holds secrets (notifications[0].url) but others can read it (mode 0640)"},
		{"routing key and headers", "notifications:\n  - {name: a, type: pagerduty, routing_key: k}\n  - {name: b, type: webhook, url: 'https://x.example', headers: {X-A: b}}\n", 0o604,
			"holds secrets (notifications[0].routing_key, notifications[1].headers)"},
		{"secrets from the environment", "notifications:\n  - {name: a, type: slack, url_env: FD_SLACK}\n  - {name: b, type: webhook, url: 'https://x.example'}\n", 0o644, ""},
		{"command sender world-writable", "notifications:\n  - {name: a, type: command, command: [x]}\n", 0o646, "names commands to run but others can change it (mode 0646): chmod go-w "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(strings.ReplaceAll(tc.name, " ", "-")+".yaml", tc.src, tc.mode)
			_, err := LoadConfig(p, true)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p)):
				t.Errorf("got %v, want …%s…", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "hooks.slack.com") {
				t.Errorf("the error quotes the Slack URL: %v", err)
			}
		})
	}
}

// TestSendersExample: the README's examples (testdata/senders-example.yaml)
// and the commented block of `config example` load as written.
func TestSendersExample(t *testing.T) {
	t.Setenv("FLIGHTDECK_WEBHOOK_SECRET", "whsec-example")
	t.Setenv("FLIGHTDECK_WEBHOOK_AUTH", "Bearer abc123")
	t.Setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T000/B000/XXXX")
	t.Setenv("PAGERDUTY_ROUTING_KEY", "R0000000000000000000000000000000")
	path := filepath.Join("testdata", "senders-example.yaml")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	eff, err := LoadConfig(path, true)
	if err != nil {
		t.Fatalf("the README example does not load: %v", err)
	}
	var got []string
	for _, s := range eff.Senders {
		got = append(got, s.Describe())
	}
	want := []string{
		"webhook ops-webhook → https://hooks.example.com/flightdeck (signed; headers Authorization); events: all; timeout 10s",
		"slack incident-channel → https://hooks.slack.com/…; events: the incident channel's (" + kindNames(model.NoticeIncidentChannel) + "); link https://flightdeck.example.com/incidents/{ref}; timeout 10s",
		"pagerduty pagerduty → https://events.pagerduty.com/v2/enqueue (routing key set); events: incident_opened, incident_acknowledged, incident_resolved, escalation_due; severities: SEV1, SEV2; timeout 10s",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Describe:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range got {
		for _, secret := range []string{"whsec", "abc123", "XXXX", "R000"} {
			if strings.Contains(line, secret) {
				t.Errorf("Describe shows a secret: %s", line)
			}
		}
	}

	// The commented notifications: block of `config example`, uncommented.
	i := strings.Index(ExampleConfig, "# notifications:\n")
	if i < 0 {
		t.Fatal("config example has no notifications block")
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(ExampleConfig[i:], "\n") {
		if !strings.HasPrefix(line, "# ") {
			break
		}
		b.WriteString(strings.TrimPrefix(line, "# "))
	}
	_, eff, err = ParseConfig("example.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("the example's notifications block does not load:\n%s\n%v", b.String(), err)
	}
	if len(eff.Senders) != 3 {
		t.Errorf("example senders = %+v", eff.Senders)
	}
}

func TestSenderRedact(t *testing.T) {
	s := Sender{Secrets: compactSecrets([]string{"abc", "abcdef", "", "abc"})}
	if got := s.Redact("x abcdef y abc z"); got != "x [redacted] y [redacted] z" {
		t.Errorf("Redact = %q", got)
	}
	if len(s.Secrets) != 2 || s.Secrets[0] != "abcdef" {
		t.Errorf("secrets = %q: longest first, no repeats", s.Secrets)
	}
	w := Sender{Type: SenderWebhook, URL: "https://u:p@h.example/x?t=1"}
	if got := w.ShownURL(); got != "https://h.example/x?…" {
		t.Errorf("ShownURL = %q", got)
	}
}
