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
	Links  []LinkConfig   `yaml:"links"`
	Probe  *CommandConfig `yaml:"probe"`
	Notify *CommandConfig `yaml:"notify"`
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
	Policy model.EscalationPolicy
	Plans  map[model.Strategy]model.Plan
	Rule   model.RollbackRule
	// HealthMaxAge: see RolloutConfig; model.DefaultHealthMaxAge by default.
	HealthMaxAge time.Duration
	Updates      model.UpdatePolicy
	Links        []Link
	Roster       map[string]string
	Users        map[string]UserConfig
	Probe        *Command // nil: no probe
	Notify       *Command // nil: no notifications
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
