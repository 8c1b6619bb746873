package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadmePrometheusExample: the README's example loads as written and
// renders the query for a deployment, values escaped inside the quotes.
func TestReadmePrometheusExample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "prometheus-probe.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROM_TOKEN", "tok-123")
	_, eff, err := ParseConfig("prometheus-probe.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	p := eff.Probe
	if p == nil || p.Kind != ProbePrometheus || p.Command != nil || p.Interval != 15*time.Second || p.Timeout != 5*time.Second {
		t.Fatalf("probe = %+v", p)
	}
	pp := p.Prometheus
	if pp.URL != "http://prometheus.internal:9090" || pp.Unit != UnitRatio || pp.BearerToken != "tok-123" || pp.TokenEnv != "PROM_TOKEN" {
		t.Errorf("prometheus = %+v", pp)
	}
	if s := p.Secrets(); len(s) != 1 || s[0] != "tok-123" {
		t.Errorf("secrets = %q", s)
	}
	q, b, err := pp.Render(PromVars{Service: `check"out\api`, Version: "v2.1", Environment: "production", Stage: "25%", Deployment: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q, `service="check\"out\\api",version="v2.1",code=~"5.."}[5m]`) || strings.Contains(q, "{{") {
		t.Errorf("query = %s", q)
	}
	if !strings.Contains(b, `offset 1d`) || !strings.Contains(b, `service="check\"out\\api"`) {
		t.Errorf("baseline = %s", b)
	}
}

func TestPromProbeErrors(t *testing.T) {
	t.Setenv("FD_EMPTY_TOKEN", "")
	const q = "  query: 'sum(x{s=\"{{.Service}}\"})'\n"
	for _, tc := range []struct{ name, src, want string }{
		{"no url", "probe:\n  type: prometheus\n" + q, "probe.url: url is missing"},
		{"bad scheme", "probe:\n  type: prometheus\n  url: ftp://x:9090\n" + q, `config.yaml:3:8: probe.url: the URL's scheme is "ftp": use http or https`},
		{"not a url", "probe:\n  type: prometheus\n  url: prometheus\n" + q, "is not a URL"},
		{"credentials in url", "probe:\n  type: prometheus\n  url: http://u:pw@x:9090\n" + q, "the URL carries credentials"},
		{"no query", "probe:\n  type: prometheus\n  url: http://x:9090\n", "probe.query: query is missing"},
		{"template syntax", "probe:\n  type: prometheus\n  url: http://x:9090\n  query: |\n    sum(x)\n    / sum(y{s=\"{{.Service}\"})\n", "config.yaml:4:10: probe.query: not a valid template: line 2"},
		{"unknown variable", "probe:\n  type: prometheus\n  url: http://x:9090\n  query: 'x{s=\"{{.Sevice}}\"}'\n", `config.yaml:4:10: probe.query: line 1, column 7: executing "query" at <.Sevice>: can't evaluate field Sevice`},
		{"baseline template", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  baseline_query: '{{if}}'\n", "probe.baseline_query: not a valid template"},
		{"both tokens", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  bearer_token: abc\n  bearer_token_env: T\n", "config.yaml:5:3: probe.bearer_token: both bearer_token and bearer_token_env are set"},
		{"unset token env", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  bearer_token_env: FD_NOT_SET_ANYWHERE\n", "config.yaml:5:21: probe.bearer_token_env: the environment variable FD_NOT_SET_ANYWHERE is not set"},
		{"empty token env", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  bearer_token_env: FD_EMPTY_TOKEN\n", "FD_EMPTY_TOKEN is not set"},
		{"unit", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  unit: fraction\n", `probe.unit: unknown unit "fraction"`},
		{"command with url", "probe:\n  command: [x]\n  url: http://x:9090\n", "probe.url: url is for a Prometheus probe"},
		{"prometheus with command", "probe:\n  type: prometheus\n  command: [x]\n  url: http://x:9090\n" + q, "probe.command: a Prometheus probe runs no command"},
		{"unknown type", "probe:\n  type: graphite\n", `probe.type: unknown probe type "graphite"`},
		{"timeout over interval", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  interval: 5s\n  timeout: 6s\n", "probe.timeout: the timeout (6s) is longer than the interval (5s)"},
		{"too often", "probe:\n  type: prometheus\n  url: http://x:9090\n" + q + "  interval: 500ms\n", "is too often"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseConfig("config.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got  %v\nwant …%s…", err, tc.want)
			}
			if strings.Contains(err.Error(), "abc") && tc.name == "both tokens" {
				t.Errorf("the token is in the message: %v", err)
			}
		})
	}
}

// TestPromProbeDefaults: type inferred from url/query, ratio by default, a
// short interval pulls the default timeout down with it.
func TestPromProbeDefaults(t *testing.T) {
	_, eff, err := ParseConfig("config.yaml", []byte("probe:\n  url: https://prom.example/\n  query: up\n  interval: 2s\n  bearer_token: xyz\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := eff.Probe
	if p.Kind != ProbePrometheus || p.Prometheus.URL != "https://prom.example" || p.Prometheus.Unit != UnitRatio ||
		p.Interval != 2*time.Second || p.Timeout != 2*time.Second || p.Prometheus.BearerToken != "xyz" {
		t.Errorf("probe = %+v %+v", p, p.Prometheus)
	}
	if EscapePromQL("a\"b\\c\nd") != `a\"b\\c\nd` {
		t.Errorf("escape = %s", EscapePromQL("a\"b\\c\nd"))
	}
}
