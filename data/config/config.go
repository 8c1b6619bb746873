package config

import (
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Config is flightdeck's optional YAML configuration (DESIGN §5), by default
// $XDG_CONFIG_HOME/flightdeck/config.yaml, or --config PATH. With no file the
// defaults equal the seed. Parsing and validation live in config_load.go;
// every key is optional, and a key left out keeps the seed's default.
type Config struct {
	Path string `yaml:"-"` // where it was read from; empty for the defaults

	// Roster maps a role ("Engineering Lead", or its short name "Eng Lead")
	// to the person who fills it; escalation steps without a person get it.
	Roster map[string]string `yaml:"roster"`
	// Users maps a login (SSH user or $USER/--as) to a display name; viewers
	// get a read-only dashboard over SSH.
	Users map[string]UserConfig `yaml:"users"`

	// Escalation replaces the seed's ladder; steps are numbered in order.
	Escalation []EscalationStepConfig `yaml:"escalation"`
	// Strategies replaces the stages of the strategies it names
	// (canary, blue-green, feature-flag, all-at-once).
	Strategies   map[string][]StageConfig `yaml:"strategies"`
	RollbackRule *RollbackRuleConfig      `yaml:"rollback_rule"`
	Rollout      *RolloutConfig           `yaml:"rollout"`
	Updates      *UpdatesConfig           `yaml:"updates"`
	// Links replaces the seed's Resources placeholders.
	Links []LinkConfig `yaml:"links"`
	Probe *ProbeConfig `yaml:"probe"` // config_probe.go
	// Notify is the notify command (the first sender flightdeck had); it is
	// the sender named "command" with the incident-channel route.
	Notify *CommandConfig `yaml:"notify"`
	// Notifications are the senders: webhook, slack, pagerduty, command.
	Notifications []SenderConfig `yaml:"notifications"`

	// DB is the database: a SQLite file (a path, or sqlite:PATH; a
	// relative path is relative to this file) or a PostgreSQL DSN
	// (postgres://USER@HOST:PORT/DBNAME). --db and $FLIGHTDECK_DB win
	// over it. The password belongs in ~/.pgpass or PGPASSWORD; written
	// here, it makes the file a secret (chmod 600).
	DB string `yaml:"db"`
}

// SenderConfig is one place notifications go. Secrets (url for slack, whose
// URL is the credential; secret; routing_key; header values) may be given
// literally or, better, named by an environment variable (the *_env keys);
// they never reach the timeline, the status line or a log.
type SenderConfig struct {
	Name string `yaml:"name"` // unique; how the status line and --sender name it
	Type string `yaml:"type"` // webhook | slack | pagerduty | command

	URL    string `yaml:"url"`
	URLEnv string `yaml:"url_env"`
	// webhook: the HMAC-SHA256 key of the signature header.
	Secret    string `yaml:"secret"`
	SecretEnv string `yaml:"secret_env"`
	// webhook: extra request headers; HeadersEnv takes a header's value
	// from an environment variable (Authorization: API_TOKEN).
	Headers    map[string]string `yaml:"headers"`
	HeadersEnv map[string]string `yaml:"headers_env"`
	// pagerduty: the Events API v2 integration (routing) key.
	RoutingKey    string `yaml:"routing_key"`
	RoutingKeyEnv string `yaml:"routing_key_env"`
	// command: argv, never a shell string.
	Command []string `yaml:"command"`
	Timeout string   `yaml:"timeout"` // one attempt; Go duration, default 10s

	// Events are the notice kinds it gets (model.NoticeKinds, or "all");
	// default by type (model.NoticeIncidentChannel; pagerduty
	// model.NoticePaging; webhook all).
	Events []string `yaml:"events"`
	// Severities limits incident notices to these severities (1–4 or
	// SEV1–SEV4); notices about no incident always pass. Default all
	// (pagerduty: SEV1, SEV2).
	Severities []string `yaml:"severities"`
	// Link is the URL a chat message links to, with {ref}, {incident},
	// {deployment}, {service} and {environment} replaced; default the first
	// configured links: entry.
	Link string `yaml:"link"`
}

// UserConfig is one person who uses flightdeck.
type UserConfig struct {
	Name   string `yaml:"name"`
	Viewer bool   `yaml:"viewer"`
}

// EscalationStepConfig is one rung of the escalation ladder.
type EscalationStepConfig struct {
	Role       string   `yaml:"role"`
	Person     string   `yaml:"person"`
	Delay      string   `yaml:"delay"`      // Go duration: "15m"
	Severities []string `yaml:"severities"` // 1–4 or SEV1–SEV4; empty: all
	Trigger    string   `yaml:"trigger"`    // at-open | after-major | manual | security
}

// StageConfig is one stage of a rollout strategy. A stage named like one of
// the seed's (canary-5, keep-blue, …) starts from it, so `{name: canary-5,
// soak: 30m}` changes only the soak; a new stage needs a label.
type StageConfig struct {
	Name    string `yaml:"name"`
	Label   string `yaml:"label"`
	Percent *int   `yaml:"percent"` // 0–100; leave out when not a share of traffic
	Soak    string `yaml:"soak"`    // Go duration; default 15m for a new stage
}

// RollbackRuleConfig is the error-rate rule.
type RollbackRuleConfig struct {
	Kind      string   `yaml:"kind"` // points (default) | relative
	Threshold *float64 `yaml:"threshold"`
}

// RolloutConfig sets what a promote needs besides the soak.
type RolloutConfig struct {
	// HealthMaxAge is how old the latest health reading may be for a
	// promote or finish without a reason (Go duration, default 5m).
	HealthMaxAge string `yaml:"health_max_age"`
}

// UpdatesConfig sets the stakeholder update intervals ("0" or "off": none).
type UpdatesConfig struct {
	SEV1 string `yaml:"sev1"`
	SEV2 string `yaml:"sev2"`
}

// LinkConfig is a named link (runbooks, dashboards, on-call schedule).
type LinkConfig struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// CommandConfig is an external command: argv (never a shell string),
// how often it runs (probe only) and how long it may take.
type CommandConfig struct {
	Command  []string `yaml:"command"`
	Interval string   `yaml:"interval"`
	Timeout  string   `yaml:"timeout"`
}

// Effective is the validated configuration in domain terms.
type Effective struct {
	Source string // the file it came from; empty for the defaults
	// DB is the database the file names (Config.DB: a DSN as written, a
	// file as an absolute path); "" when it names none.
	DB     string
	Policy model.EscalationPolicy
	Plans  map[model.Strategy]model.Plan
	Rule   model.RollbackRule
	// HealthMaxAge: see RolloutConfig; model.DefaultHealthMaxAge by default.
	HealthMaxAge time.Duration
	Updates      model.UpdatePolicy
	Links        []Link
	Roster       map[string]string
	Users        map[string]UserConfig
	Probe        *Probe   // nil: no probe (config_probe.go)
	Notify       *Command // nil: no notify command (it is also Senders' "command")
	// Senders are every configured sender, the notify command included.
	Senders []Sender
}

// Sender types.
const (
	SenderWebhook   = "webhook"
	SenderSlack     = "slack"
	SenderPagerDuty = "pagerduty"
	SenderCommand   = "command"
)

// Sender is a validated sender, secrets resolved.
type Sender struct {
	Name, Type string
	URL        string // webhook, slack, pagerduty (default DefaultPagerDutyURL)
	Secret     string // webhook HMAC key; "" for no signature
	Headers    map[string]string
	RoutingKey string   // pagerduty
	Command    *Command // command
	Timeout    time.Duration
	Events     map[model.NoticeKind]bool
	Severities map[model.Severity]bool // empty: all
	Link       string
	// Secrets are the secret values, for redaction in every message.
	Secrets []string
}

// DefaultPagerDutyURL is the Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// Routes reports whether n goes to s: its kind is routed, and an incident
// notice has a routed severity. Tests are for every sender.
func (s Sender) Routes(n model.Notice) bool {
	if n.Kind == model.NoticeTest {
		return true
	}
	if !s.Events[n.Kind] {
		return false
	}
	if len(s.Severities) == 0 || n.Severity == 0 {
		return true
	}
	return s.Severities[n.Severity]
}

// Link is a named link (see model.Link): the same type the dashboard and
// the incident report show.
type Link = model.Link

// Command is a validated external command.
type Command struct {
	Argv     []string
	Interval time.Duration // probe: how often; zero for notify
	Timeout  time.Duration
}

// Command defaults.
const (
	defaultProbeInterval = 30 * time.Second
	defaultCommandWait   = 10 * time.Second
	minProbeInterval     = time.Second
)

// DisplayName is how login is recorded and shown: the configured name for
// it, else login itself.
func (e Effective) DisplayName(login string) string {
	if u, ok := e.Users[login]; ok && u.Name != "" {
		return u.Name
	}
	return login
}

// Viewer reports whether login may only watch (read-only over SSH).
func (e Effective) Viewer(login string) bool { return e.Users[login].Viewer }
