package config

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The metrics probe (`probe:`): a command that prints the error rate, or a
// PromQL instant query against a Prometheus HTTP API. Either reads every
// interval for each deployment whose rollout is running; its readings feed
// the rollback rule like a person's.

// ProbeConfig is the `probe:` key as written.
type ProbeConfig struct {
	// Type is command (the default when command is given) or prometheus.
	Type string `yaml:"type"`
	// command: argv, never a shell string.
	Command []string `yaml:"command"`
	// prometheus: the server's base URL (http or https), the query for the
	// canary's error rate and, optionally, for the baseline's; both are Go
	// templates with {{.Service}}, {{.Version}}, {{.Environment}},
	// {{.Stage}} and {{.Deployment}}, inserted escaped for a PromQL
	// double-quoted string: write job="{{.Service}}".
	URL           string `yaml:"url"`
	Query         string `yaml:"query"`
	BaselineQuery string `yaml:"baseline_query"`
	// Unit is what the queries return: ratio (default; 0.024 is 2.4%) or
	// percent (2.4).
	Unit string `yaml:"unit"`
	// An optional bearer token, given literally or (better) by the name of
	// an environment variable; never both.
	BearerToken    string `yaml:"bearer_token"`
	BearerTokenEnv string `yaml:"bearer_token_env"`
	Interval       string `yaml:"interval"` // Go duration, default 30s
	Timeout        string `yaml:"timeout"`  // Go duration, default 10s
}

// Probe kinds.
const (
	ProbeCommand    = "command"
	ProbePrometheus = "prometheus"
)

// Units of a Prometheus probe's query result.
const (
	UnitRatio   = "ratio"
	UnitPercent = "percent"
)

// Probe is the validated probe: Kind says which of Command and Prometheus
// is set. Interval and Timeout hold for both (for a command probe they
// equal Command's).
type Probe struct {
	Kind              string
	Interval, Timeout time.Duration
	Command           *Command   // ProbeCommand
	Prometheus        *PromProbe // ProbePrometheus
}

// PromProbe is a validated Prometheus probe.
type PromProbe struct {
	URL string // base URL, no credentials in it
	// Query and BaselineQuery are the templates as written ("" baseline:
	// the baseline comes from a recorded reading, as for a command probe).
	Query, BaselineQuery string
	Unit                 string // UnitRatio or UnitPercent
	// BearerToken is the resolved token ("" for none); TokenEnv names the
	// variable it came from, for display. The token itself is never shown.
	BearerToken, TokenEnv string

	query, baseline *template.Template
}

// PromVars are the values a probe query's template may use. Render
// escapes them for a PromQL double-quoted string.
type PromVars struct {
	Service, Version, Environment, Stage string
	Deployment                           int64
}

// promVarsEscaped is what the templates execute on: every value already
// escaped, so {{.Service}} inside quotes cannot end the string.
type promVarsEscaped struct {
	Service, Version, Environment, Stage, Deployment string
}

// EscapePromQL escapes s for the inside of a PromQL double-quoted string.
func EscapePromQL(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return r.Replace(s)
}

// Render fills the query templates for one deployment; baseline is "" when
// there is no baseline query.
func (p *PromProbe) Render(v PromVars) (query, baseline string, err error) {
	ev := promVarsEscaped{
		Service: EscapePromQL(v.Service), Version: EscapePromQL(v.Version),
		Environment: EscapePromQL(v.Environment), Stage: EscapePromQL(v.Stage),
		Deployment: strconv.FormatInt(v.Deployment, 10),
	}
	if query, err = execute(p.query, ev); err != nil {
		return "", "", err
	}
	if p.baseline != nil {
		if baseline, err = execute(p.baseline, ev); err != nil {
			return "", "", err
		}
	}
	return query, baseline, nil
}

func execute(t *template.Template, v promVarsEscaped) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		return "", fmt.Errorf("the %s template: %s", t.Name(), templateMsg(err, t.Name()))
	}
	return b.String(), nil
}

// templateMsg shortens text/template's "template: query:1:12: …" to
// "line 1, column 12: …".
func templateMsg(err error, name string) string {
	msg := strings.ReplaceAll(err.Error(), " in type config.promVarsEscaped", "")
	msg = strings.TrimPrefix(msg, "template: ")
	if rest, ok := strings.CutPrefix(msg, name+":"); ok {
		pos, tail, ok := strings.Cut(rest, ": ")
		if ok {
			line, col, hasCol := strings.Cut(pos, ":")
			if hasCol {
				return fmt.Sprintf("line %s, column %s: %s", line, col, tail)
			}
			return fmt.Sprintf("line %s: %s", line, tail)
		}
	}
	return msg
}

// Secrets are the probe's secret values, for redaction in every message.
func (p *Probe) Secrets() []string {
	if p == nil || p.Prometheus == nil || p.Prometheus.BearerToken == "" {
		return nil
	}
	return []string{p.Prometheus.BearerToken}
}

func (l *loader) probe(p cfgPath, c *ProbeConfig) (*Probe, error) {
	if c == nil {
		return nil, nil
	}
	kind := strings.TrimSpace(c.Type)
	switch {
	case kind == "" && len(c.Command) == 0 && (c.URL != "" || c.Query != ""):
		kind = ProbePrometheus
	case kind == "":
		kind = ProbeCommand
	}
	switch kind {
	case ProbeCommand:
		for _, f := range []struct{ key, val string }{
			{"url", c.URL}, {"query", c.Query}, {"baseline_query", c.BaselineQuery}, {"unit", c.Unit},
			{"bearer_token", c.BearerToken}, {"bearer_token_env", c.BearerTokenEnv},
		} {
			if f.val != "" {
				return nil, l.keyErrf(p.key(f.key), "%s is for a Prometheus probe (type: prometheus); a command probe prints the error rate itself", f.key)
			}
		}
		cmd, err := l.command(p, &CommandConfig{Command: c.Command, Interval: c.Interval, Timeout: c.Timeout}, true)
		if err != nil {
			return nil, err
		}
		return &Probe{Kind: ProbeCommand, Interval: cmd.Interval, Timeout: cmd.Timeout, Command: cmd}, nil
	case ProbePrometheus:
		if len(c.Command) > 0 {
			return nil, l.keyErrf(p.key("command"), "a Prometheus probe runs no command: remove command, or write type: command")
		}
		return l.promProbe(p, c)
	}
	return nil, l.errf(p.key("type"), "unknown probe type %q: use command or prometheus", kind)
}

func (l *loader) promProbe(p cfgPath, c *ProbeConfig) (*Probe, error) {
	pr := &PromProbe{Unit: UnitRatio}
	raw := strings.TrimSpace(c.URL)
	if raw == "" {
		return nil, l.errf(p.key("url"), "url is missing: the Prometheus server's address, e.g. url: http://127.0.0.1:9090")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return nil, l.errf(p.key("url"), "%q is not a URL: write it like http://prometheus:9090", model.SanitizeLine(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, l.errf(p.key("url"), "the URL's scheme is %q: use http or https", u.Scheme)
	case u.User != nil:
		return nil, l.errf(p.key("url"), "the URL carries credentials: remove them and give a token with bearer_token_env")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, l.errf(p.key("url"), "give the server's base URL, without ?query or #fragment (the probe adds /api/v1/query)")
	}
	pr.URL = strings.TrimRight(u.String(), "/")

	if strings.TrimSpace(c.Query) == "" {
		return nil, l.errf(p.key("query"), `query is missing: the PromQL for the canary's error rate, e.g. sum(rate(http_requests_total{service="{{.Service}}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{.Service}}"}[5m]))`)
	}
	if pr.query, err = l.promTemplate(p.key("query"), "query", c.Query); err != nil {
		return nil, err
	}
	pr.Query = c.Query
	if strings.TrimSpace(c.BaselineQuery) != "" {
		if pr.baseline, err = l.promTemplate(p.key("baseline_query"), "baseline_query", c.BaselineQuery); err != nil {
			return nil, err
		}
		pr.BaselineQuery = c.BaselineQuery
	} else if c.BaselineQuery != "" {
		return nil, l.errf(p.key("baseline_query"), "baseline_query is blank: give the PromQL for the baseline's error rate, or leave it out")
	}

	switch u := strings.TrimSpace(c.Unit); u {
	case "", UnitRatio:
	case UnitPercent, "%":
		pr.Unit = UnitPercent
	default:
		return nil, l.errf(p.key("unit"), "unknown unit %q: use ratio (the query returns 0.024 for 2.4%%) or percent (it returns 2.4)", u)
	}

	switch {
	case c.BearerToken != "" && c.BearerTokenEnv != "":
		return nil, l.keyErrf(p.key("bearer_token"), "both bearer_token and bearer_token_env are set: keep one (bearer_token_env keeps the token out of the file)")
	case c.BearerTokenEnv != "":
		name := strings.TrimSpace(c.BearerTokenEnv)
		v, ok := os.LookupEnv(name)
		if !ok || strings.TrimSpace(v) == "" {
			return nil, l.errf(p.key("bearer_token_env"), "the environment variable %s is not set: export it with the Prometheus token, or remove bearer_token_env", name)
		}
		pr.BearerToken, pr.TokenEnv = strings.TrimSpace(v), name
	case c.BearerToken != "":
		pr.BearerToken = strings.TrimSpace(c.BearerToken)
	}
	if strings.ContainsAny(pr.BearerToken, "\r\n") {
		return nil, l.errf(p.key("bearer_token"), "the bearer token contains a line break")
	}

	probe := &Probe{Kind: ProbePrometheus, Interval: defaultProbeInterval, Timeout: defaultCommandWait, Prometheus: pr}
	if c.Interval != "" {
		d, err := l.duration(p.key("interval"), c.Interval)
		if err != nil {
			return nil, err
		}
		if d < minProbeInterval {
			return nil, l.errf(p.key("interval"), "%s is too often: probe at most once a second", c.Interval)
		}
		probe.Interval = d
	}
	if c.Timeout != "" {
		d, err := l.duration(p.key("timeout"), c.Timeout)
		if err != nil {
			return nil, err
		}
		if d <= 0 {
			return nil, l.errf(p.key("timeout"), "the timeout must be more than 0, e.g. 5s")
		}
		probe.Timeout = d
	}
	if probe.Timeout > probe.Interval {
		where := p.key("timeout")
		if c.Timeout == "" {
			probe.Timeout = probe.Interval // the default timeout gives way to a short interval
		} else {
			return nil, l.errf(where, "the timeout (%s) is longer than the interval (%s): a probe must finish before the next one starts", model.FormatDurationExact(probe.Timeout), model.FormatDurationExact(probe.Interval))
		}
	}
	return probe, nil
}

// promTemplate parses a query template and runs it once on sample values,
// so a misspelt {{.Sevice}} is found now, with its line, not at the first
// rollout.
func (l *loader) promTemplate(p cfgPath, name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, l.errf(p, "not a valid template: %s (variables: {{.Service}}, {{.Version}}, {{.Environment}}, {{.Stage}}, {{.Deployment}})", templateMsg(err, name))
	}
	if _, err := execute(t, promVarsEscaped{Service: "s", Version: "v", Environment: "e", Stage: "10%", Deployment: "1"}); err != nil {
		return nil, l.errf(p, "%s (variables: {{.Service}}, {{.Version}}, {{.Environment}}, {{.Stage}}, {{.Deployment}})", strings.TrimPrefix(err.Error(), "the "+name+" template: "))
	}
	return t, nil
}

// CommandProbe is the probe that runs c (tests and callers that build a
// configuration by hand).
func CommandProbe(c *Command) *Probe {
	if c == nil {
		return nil
	}
	return &Probe{Kind: ProbeCommand, Interval: c.Interval, Timeout: c.Timeout, Command: c}
}
