package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/model"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check the configuration file or print an example",
		Long: "flightdeck reads an optional YAML file: --config PATH, else $FLIGHTDECK_CONFIG, else\n" +
			"$XDG_CONFIG_HOME/flightdeck/config.yaml. Without it the defaults are the seed's:\n" +
			"its escalation path, rollout stages, rollback rule and update intervals.",
		Args: noArgs,
	}
	cmd.AddCommand(newConfigCheckCmd(a), newConfigExampleCmd(a))
	return cmd
}

func newConfigCheckCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [--json]",
		Short: "Validate the configuration and print the settings in force",
		Long: "Validate the configuration file and print the effective settings: what the file says,\n" +
			"and the seed's defaults for everything it leaves out. Exit 0 when it is valid, 1 with\n" +
			"FILE:LINE:COLUMN and what is wrong when not.",
		Example: "  flightdeck config check\n  flightdeck --config team.yaml config check --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, explicit, err := config.ResolveConfigPath(a.configFlag)
			if err == nil {
				var eff config.Effective
				if eff, err = config.LoadConfig(path, explicit); err == nil {
					db, err := a.databaseIn(eff)
					if err != nil {
						return err
					}
					if asJSON {
						doc := configJSON(eff, path)
						doc.Database = &db
						return writeJSON(a.stdout, doc)
					}
					printConfig(a.stdout, eff, path)
					fmt.Fprintf(a.stdout, "\ndatabase: %s %s (%s)\n", db.Engine, db.Name, db.From)
					return nil
				}
			}
			if asJSON {
				_ = writeJSON(a.stdout, configErrorJSON(err))
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (with the error's file, line and column when invalid)")
	return cmd
}

func newConfigExampleCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "example",
		Short:   "Print a commented example configuration",
		Example: "  flightdeck config example > ~/.config/flightdeck/config.yaml",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.WriteString(a.stdout, config.ExampleConfig)
			return err
		},
	}
}

// databaseIn is the database the command line names with the
// configuration eff, for people: engine, printable name and which setting
// chose it. It is not opened.
func (a *app) databaseIn(eff config.Effective) (configDatabase, error) {
	db, err := data.ResolveDB(a.dbFlag, eff.DB)
	if err != nil {
		return configDatabase{}, err
	}
	out := configDatabase{Engine: "SQLite", Name: db, From: "the default"}
	if data.IsPostgresDSN(db) {
		out.Engine, out.Name = "PostgreSQL", data.RedactDSN(db)
	}
	switch {
	case strings.TrimSpace(a.dbFlag) != "":
		out.From = "--db"
	case strings.TrimSpace(os.Getenv("FLIGHTDECK_DB")) != "":
		out.From = "$FLIGHTDECK_DB"
	case eff.DB != "":
		out.From = "db: in " + eff.Source
	}
	return out, nil
}

// printConfig writes the effective configuration for people.
func printConfig(w io.Writer, eff config.Effective, path string) {
	if eff.Source == "" {
		fmt.Fprintf(w, "config: no file at %s: the seed's defaults\n", path)
	} else {
		fmt.Fprintf(w, "config: %s (valid)\n", eff.Source)
	}
	fmt.Fprintln(w, "\nescalation:")
	for _, st := range eff.Policy.Steps {
		who := ""
		if st.Person != "" {
			who = " — " + st.Person
		}
		fmt.Fprintf(w, "  %d. %s%s: %s\n", st.Number, st.Role, who, st.Describe())
	}
	fmt.Fprintln(w, "\nrollout stages (soak):")
	for _, s := range model.Strategies {
		p := eff.Plans[s]
		parts := make([]string, len(p.Stages))
		for i, st := range p.Stages {
			parts[i] = st.Label + " " + model.FormatDurationExact(st.Soak)
		}
		fmt.Fprintf(w, "  %-13s %s\n", s, strings.Join(parts, " → "))
	}
	fmt.Fprintf(w, "\nrollback rule: error rate %s\n", eff.Rule)
	fmt.Fprintf(w, "health readings: a promote without a reason needs one from the current stage, at most %s old\n", model.FormatDurationExact(eff.HealthMaxAge))
	fmt.Fprintf(w, "stakeholder updates: SEV1 %s, SEV2 %s\n", every(eff.Updates.SEV1), every(eff.Updates.SEV2))
	fmt.Fprintln(w, "\nlinks:")
	if len(eff.Links) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, l := range eff.Links {
		if l.Unset {
			fmt.Fprintf(w, "  %s: not set (%s)\n", l.Name, l.Hint)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", l.Name, l.URL)
		}
	}
	if len(eff.Users) > 0 {
		fmt.Fprintln(w, "\nusers:")
		for _, login := range sortedKeys(eff.Users) {
			u := eff.Users[login]
			line := "  " + login + ": " + eff.DisplayName(login)
			if u.Viewer {
				line += " (viewer: read-only)"
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintln(w)
	printProbe(w, eff.Probe)
	printCommand(w, "notify", eff.Notify)
	if len(eff.Senders) == 0 {
		fmt.Fprintln(w, "notifications: none")
		return
	}
	fmt.Fprintln(w, "notifications:")
	for _, s := range eff.Senders {
		fmt.Fprintln(w, "  "+s.Describe())
	}
}

// printProbe is the probe line: the command's, or the Prometheus query's
// (the bearer token is never shown, only where it comes from).
func printProbe(w io.Writer, p *config.Probe) {
	if p == nil || p.Prometheus == nil {
		var c *config.Command
		if p != nil {
			c = p.Command
		}
		printCommand(w, "probe", c)
		return
	}
	pp := p.Prometheus
	line := fmt.Sprintf("probe: prometheus %s every %s, timeout %s, unit %s", pp.URL, model.FormatDurationExact(p.Interval), model.FormatDurationExact(p.Timeout), pp.Unit)
	switch {
	case pp.TokenEnv != "":
		line += ", bearer token from $" + pp.TokenEnv
	case pp.BearerToken != "":
		line += ", bearer token (in the file)"
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "  query: %s\n", model.SanitizeLine(pp.Query))
	if pp.BaselineQuery != "" {
		fmt.Fprintf(w, "  baseline_query: %s\n", model.SanitizeLine(pp.BaselineQuery))
	}
}

func every(d time.Duration) string {
	if d == 0 {
		return "off"
	}
	return "every " + model.FormatDurationExact(d)
}

func printCommand(w io.Writer, name string, c *config.Command) {
	if c == nil {
		fmt.Fprintf(w, "%s: none\n", name)
		return
	}
	quoted := make([]string, len(c.Argv))
	for i, a := range c.Argv {
		quoted[i] = strconv.Quote(a)
	}
	line := fmt.Sprintf("%s: [%s]", name, strings.Join(quoted, ", "))
	if c.Interval > 0 {
		line += " every " + model.FormatDurationExact(c.Interval)
	}
	line += ", timeout " + model.FormatDurationExact(c.Timeout)
	fmt.Fprintln(w, line)
	if _, err := exec.LookPath(c.Argv[0]); err != nil {
		fmt.Fprintf(w, "  warning: %s is not an executable here (%s): it will fail when it runs\n", c.Argv[0], lookPathReason(err))
	}
}

func lookPathReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err.Error()
	}
	return err.Error()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// The JSON shape of `config check --json`: stable snake_case keys,
// durations as Go duration strings and as seconds.
type (
	configDoc struct {
		OK         bool                     `json:"ok"`
		Source     string                   `json:"source"` // "" when the defaults are used
		Path       string                   `json:"path"`   // the file looked for
		Escalation []configStepJSON         `json:"escalation"`
		Strategies map[string][]configStage `json:"strategies"`
		Rule       configRule               `json:"rollback_rule"`
		Rollout    map[string]string        `json:"rollout"`
		Updates    map[string]string        `json:"updates"`
		Links      []config.Link            `json:"links"`
		Roster     map[string]string        `json:"roster"`
		Users      map[string]configUser    `json:"users"`
		Probe      *configCommand           `json:"probe"`
		Notify     *configCommand           `json:"notify"`
		// Senders are Describe lines: they never hold a secret.
		Senders []configSender `json:"notifications"`
		// Database is the one this command line names: config check
		// --db … shows which --db would win over the file.
		Database *configDatabase `json:"database"`
	}
	configDatabase struct {
		Engine string `json:"engine"` // SQLite or PostgreSQL
		Name   string `json:"name"`   // the file, or the DSN without its password
		From   string `json:"from"`   // --db, $FLIGHTDECK_DB, db: in FILE, the default
	}
	configSender struct {
		Name        string `json:"name"`
		Type        string `json:"type"`
		Description string `json:"description"`
	}
	configStepJSON struct {
		Number     int      `json:"number"`
		Role       string   `json:"role"`
		Person     string   `json:"person"`
		Trigger    string   `json:"trigger"`
		Delay      string   `json:"delay"`
		Severities []string `json:"severities"`
		When       string   `json:"when"`
	}
	configStage struct {
		Name    string `json:"name"`
		Label   string `json:"label"`
		Percent *int   `json:"percent"` // null when not a share of traffic
		Soak    string `json:"soak"`
	}
	configRule struct {
		Kind      string  `json:"kind"`
		Threshold float64 `json:"threshold"`
		Text      string  `json:"text"`
	}
	configUser struct {
		Name   string `json:"name"`
		Viewer bool   `json:"viewer"`
	}
	configCommand struct {
		Type            string   `json:"type,omitempty"` // probe: "prometheus"; left out for a command
		URL             string   `json:"url,omitempty"`
		Query           string   `json:"query,omitempty"`
		BaselineQuery   string   `json:"baseline_query,omitempty"`
		Unit            string   `json:"unit,omitempty"`
		BearerTokenEnv  string   `json:"bearer_token_env,omitempty"` // the token itself is never shown
		Command         []string `json:"command"`
		Interval        string   `json:"interval,omitempty"`
		IntervalSeconds float64  `json:"interval_seconds,omitempty"`
		Timeout         string   `json:"timeout"`
		TimeoutSeconds  float64  `json:"timeout_seconds"`
	}
	configErrDoc struct {
		OK    bool         `json:"ok"`
		Error configErrPos `json:"error"`
	}
	configErrPos struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Path    string `json:"path"`
		Message string `json:"message"`
		Text    string `json:"text"`
	}
)

func configJSON(eff config.Effective, path string) configDoc {
	doc := configDoc{OK: true, Source: eff.Source, Path: path, Strategies: map[string][]configStage{},
		Rule:    configRule{Kind: eff.Rule.Kind, Threshold: eff.Rule.Threshold, Text: eff.Rule.String()},
		Rollout: map[string]string{"health_max_age": model.FormatDurationExact(eff.HealthMaxAge)},
		Updates: map[string]string{"sev1": model.FormatDurationExact(eff.Updates.SEV1), "sev2": model.FormatDurationExact(eff.Updates.SEV2)},
		Links:   eff.Links, Roster: eff.Roster, Users: map[string]configUser{}}
	for _, st := range eff.Policy.Steps {
		sevs := []string{}
		for _, s := range st.Severities {
			sevs = append(sevs, s.Label())
		}
		doc.Escalation = append(doc.Escalation, configStepJSON{Number: st.Number, Role: st.Role, Person: st.Person,
			Trigger: string(st.Trigger), Delay: model.FormatDurationExact(st.Delay), Severities: sevs, When: st.Describe()})
	}
	for s, p := range eff.Plans {
		stages := []configStage{}
		for _, st := range p.Stages {
			cs := configStage{Name: st.Name, Label: st.Label, Soak: model.FormatDurationExact(st.Soak)}
			if st.Percent != model.NoPercent {
				cs.Percent = &st.Percent
			}
			stages = append(stages, cs)
		}
		doc.Strategies[string(s)] = stages
	}
	for login, u := range eff.Users {
		doc.Users[login] = configUser{Name: eff.DisplayName(login), Viewer: u.Viewer}
	}
	cmdJSON := func(c *config.Command) *configCommand {
		if c == nil {
			return nil
		}
		out := &configCommand{Command: c.Argv, Timeout: model.FormatDurationExact(c.Timeout), TimeoutSeconds: c.Timeout.Seconds()}
		if c.Interval > 0 {
			out.Interval, out.IntervalSeconds = model.FormatDurationExact(c.Interval), c.Interval.Seconds()
		}
		return out
	}
	doc.Notify = cmdJSON(eff.Notify)
	if p := eff.Probe; p != nil && p.Prometheus != nil {
		doc.Probe = &configCommand{Type: config.ProbePrometheus, URL: p.Prometheus.URL, Query: p.Prometheus.Query,
			BaselineQuery: p.Prometheus.BaselineQuery, Unit: p.Prometheus.Unit, BearerTokenEnv: p.Prometheus.TokenEnv,
			Interval: model.FormatDurationExact(p.Interval), IntervalSeconds: p.Interval.Seconds(),
			Timeout: model.FormatDurationExact(p.Timeout), TimeoutSeconds: p.Timeout.Seconds()}
	} else if p != nil {
		doc.Probe = cmdJSON(p.Command)
	}
	doc.Senders = []configSender{}
	for _, s := range eff.Senders {
		doc.Senders = append(doc.Senders, configSender{Name: s.Name, Type: s.Type, Description: s.Describe()})
	}
	return doc
}

func configErrorJSON(err error) configErrDoc {
	doc := configErrDoc{Error: configErrPos{Message: err.Error(), Text: err.Error()}}
	var ce *config.ConfigError
	if errors.As(err, &ce) {
		doc.Error = configErrPos{File: ce.File, Line: ce.Line, Column: ce.Column, Path: ce.Path, Message: ce.Msg, Text: ce.Error()}
	}
	return doc
}

// incPolicies are what CLI incident views compute ladders and update-due
// times with.
type incPolicies struct {
	esc model.EscalationPolicy
	upd model.UpdatePolicy
}

// incPolicies is the store's escalation policy (the configured one) and the
// configured update intervals.
func (a *app) incPolicies(s interface{ Policy() model.EscalationPolicy }) incPolicies {
	pp := incPolicies{esc: s.Policy(), upd: model.DefaultUpdatePolicy()}
	if cfg, err := a.config(); err == nil {
		pp.upd = cfg.Updates
	}
	return pp
}

func seedIncPolicies() incPolicies {
	return incPolicies{esc: model.DefaultPolicy(), upd: model.DefaultUpdatePolicy()}
}
