package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/adrg/xdg"

	"github.com/octoacme/flightdeck/model"
)

// DefaultConfigPath is $XDG_CONFIG_HOME/flightdeck/config.yaml.
func DefaultConfigPath() (string, error) {
	// As data.DefaultPath: the environment first, so a later change (tests,
	// wrappers) counts; relative values are invalid by the spec.
	base := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) {
		base = xdg.ConfigHome
	}
	if base == "" {
		return "", errors.New("cannot find a config directory: set XDG_CONFIG_HOME or HOME, or pass --config PATH")
	}
	return filepath.Join(base, "flightdeck", "config.yaml"), nil
}

// ResolveConfigPath picks the configuration file: the --config flag, else
// $FLIGHTDECK_CONFIG, else DefaultConfigPath. explicit is true for the first
// two, which must exist; a missing default file means the seed's defaults.
func ResolveConfigPath(flagValue string) (path string, explicit bool, err error) {
	p := strings.TrimSpace(flagValue)
	if p == "" {
		p = strings.TrimSpace(os.Getenv("FLIGHTDECK_CONFIG"))
	}
	if p == "" {
		p, err = DefaultConfigPath()
		return p, false, err
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", true, errors.New("cannot expand ~ in the config path: $HOME is not set; give a full path")
		}
		p = filepath.Join(home, rest)
	}
	return p, true, nil
}

// LoadConfig reads and validates the configuration at path. A missing file
// is an error when explicit (--config, $FLIGHTDECK_CONFIG), else the
// defaults, which equal the seed.
func LoadConfig(path string, explicit bool) (Effective, error) {
	src, err := readLimited(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return DefaultEffective(), nil
	case errors.Is(err, fs.ErrNotExist):
		return Effective{}, fmt.Errorf("config file %s does not exist: create it (flightdeck config example > %s) or fix the path", path, path)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return Effective{}, fmt.Errorf("cannot read config file %s: %v", path, err)
	}
	cfg, eff, err := ParseConfig(path, src)
	if err != nil {
		return eff, err
	}
	fi, statErr := os.Stat(path)
	if statErr != nil {
		return eff, nil
	}
	mode := fi.Mode().Perm()
	// The file names commands flightdeck runs: someone else who can edit
	// it could run anything as every user of the dashboard.
	commands := (eff.Probe != nil && eff.Probe.Command != nil) || eff.Notify != nil || slices.ContainsFunc(eff.Senders, func(s Sender) bool { return s.Type == SenderCommand })
	if commands && mode&0o022 != 0 {
		return Effective{}, fmt.Errorf("%s names commands to run but others can change it (mode %04o): chmod go-w %s", path, mode, path)
	}
	// A secret written in the file (a webhook's HMAC key, a PagerDuty
	// routing key, a Slack URL, header values) is as safe as the file: as
	// ssh does with a private key, refuse a file others can read.
	if lits := literalSecrets(cfg); len(lits) > 0 && mode&0o044 != 0 {
		instead := "name environment variables instead (secret_env, routing_key_env, url_env, headers_env)"
		if slices.Contains(lits, "db") {
			instead = "leave the password out of db: and put it in ~/.pgpass (mode 600) or PGPASSWORD"
			if len(lits) > 1 {
				instead += ", and name environment variables for the others (secret_env, routing_key_env, url_env, headers_env)"
			}
		}
		return Effective{}, fmt.Errorf("%s holds secrets (%s) but others can read it (mode %04o): chmod 600 %s, or %s",
			path, strings.Join(lits, ", "), mode, path, instead)
	}
	return eff, nil
}

// readLimited reads the file at path, but never more than one byte past
// MaxConfigBytes, so a huge file (or /dev/zero) is refused, not read whole.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
}

// DefaultEffective is the configuration with no file: the seed's escalation
// path, rollout plans, rollback rule, update intervals and Resources links
// (as placeholders nobody has filled in yet), no probe and no notifications.
func DefaultEffective() Effective {
	plans := make(map[model.Strategy]model.Plan, len(model.Strategies))
	for _, st := range model.Strategies {
		plans[st] = model.DefaultPlan(st)
	}
	return Effective{
		Policy:       model.DefaultPolicy(),
		Plans:        plans,
		Rule:         model.DefaultRollbackRule(),
		HealthMaxAge: model.DefaultHealthMaxAge,
		Updates:      model.DefaultUpdatePolicy(),
		Links:        seedLinks(),
		Roster:       map[string]string{},
		Users:        map[string]UserConfig{},
	}
}

// seedLinks are the seed's "Resources", whose targets every team fills in.
func seedLinks() []Link {
	return []Link{
		{Name: "Runbooks", Unset: true, Hint: "Link to operational runbooks"},
		{Name: "Infrastructure Docs", Unset: true, Hint: "Link to architecture and IaC documentation"},
		{Name: "Monitoring Dashboards", Unset: true, Hint: "Link to Grafana/Datadog/CloudWatch"},
		{Name: "On-Call Schedule", Unset: true, Hint: "Link to PagerDuty/Opsgenie schedule"},
	}
}

// ParseConfig parses and validates one configuration file's bytes; name is
// used in messages and to resolve relative command paths.
func ParseConfig(name string, src []byte) (Config, Effective, error) {
	l := &loader{file: name}
	if err := l.checkLimits(src); err != nil {
		return Config{}, Effective{}, err
	}
	cfg, err := l.decode(src)
	if err != nil {
		return Config{}, Effective{}, err
	}
	cfg.Path = name
	eff, err := l.effective(cfg)
	if err != nil {
		return Config{}, Effective{}, err
	}
	eff.Source = name
	return cfg, eff, nil
}

// effective validates the meaning of a decoded file and builds the
// configuration in domain terms; unset keys keep the seed's defaults.
func (l *loader) effective(cfg Config) (Effective, error) {
	eff := DefaultEffective()
	var err error
	if eff.DB, err = l.db(cfg.DB); err != nil {
		return Effective{}, err
	}
	if eff.Policy, err = l.policy(cfg); err != nil {
		return Effective{}, err
	}
	if eff.Roster, err = l.roster(cfg.Roster, eff.Policy); err != nil {
		return Effective{}, err
	}
	eff.Policy = eff.Policy.WithRoster(eff.Roster)
	if eff.Users, err = l.users(cfg.Users); err != nil {
		return Effective{}, err
	}
	if err := l.strategies(cfg.Strategies, eff.Plans); err != nil {
		return Effective{}, err
	}
	if cfg.RollbackRule != nil {
		if eff.Rule, err = l.rule(*cfg.RollbackRule); err != nil {
			return Effective{}, err
		}
	}
	if cfg.Rollout != nil {
		if eff.HealthMaxAge, err = l.rollout(*cfg.Rollout, eff.HealthMaxAge); err != nil {
			return Effective{}, err
		}
	}
	if cfg.Updates != nil {
		if eff.Updates, err = l.updates(*cfg.Updates, eff.Updates); err != nil {
			return Effective{}, err
		}
	}
	if cfg.Links != nil {
		if eff.Links, err = l.links(cfg.Links); err != nil {
			return Effective{}, err
		}
	}
	if eff.Probe, err = l.probe(cfgPath{"probe"}, cfg.Probe); err != nil {
		return Effective{}, err
	}
	if eff.Notify, err = l.command(cfgPath{"notify"}, cfg.Notify, false); err != nil {
		return Effective{}, err
	}
	if eff.Senders, err = l.senders(cfg, eff); err != nil {
		return Effective{}, err
	}
	return eff, nil
}

// duration reads a Go duration ("15m", "1h30m"), 0 or more.
func (l *loader) duration(p cfgPath, s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, l.errf(p, "%q is not a duration (%s)", s, durationHint(s))
	}
	if d < 0 {
		return 0, l.errf(p, "%s is negative: use 0 or more", s)
	}
	return d, nil
}

var durationWords = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$`) })

// durationHint turns what people write into what ParseDuration reads:
// "15 minutes" → "write 15m".
func durationHint(s string) string {
	m := durationWords().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "write it like 15m, 1h30m or 90s"
	}
	num, unit := m[1], strings.ToLower(m[2])
	switch {
	case unit == "":
		return "a number needs a unit: write " + num + "m for minutes or " + num + "s for seconds"
	case strings.HasPrefix(unit, "min"):
		return "write " + num + "m"
	case strings.HasPrefix(unit, "h"):
		return "write " + num + "h"
	case strings.HasPrefix(unit, "s"):
		return "write " + num + "s"
	case strings.HasPrefix(unit, "d"):
		if n, err := strconv.ParseFloat(num, 64); err == nil {
			return "write " + strconv.FormatFloat(n*24, 'f', -1, 64) + "h"
		}
	case strings.HasPrefix(unit, "w"):
		if n, err := strconv.ParseFloat(num, 64); err == nil {
			return "write " + strconv.FormatFloat(n*24*7, 'f', -1, 64) + "h"
		}
	}
	return "write it like 15m, 1h30m or 90s"
}

var triggerNames = "at-open, after-major, manual or security"

func (l *loader) policy(cfg Config) (model.EscalationPolicy, error) {
	if cfg.Escalation == nil {
		return model.DefaultPolicy(), nil
	}
	p := cfgPath{"escalation"}
	if len(cfg.Escalation) == 0 {
		return model.EscalationPolicy{}, l.errf(p, "no steps: list at least one, or leave escalation out for the seed's escalation path")
	}
	var pol model.EscalationPolicy
	for i, sc := range cfg.Escalation {
		sp := p.idx(i)
		role := strings.TrimSpace(sc.Role)
		if role == "" {
			return pol, l.errf(sp.key("role"), "role is missing: name who is reached, e.g. %q", model.RoleEngLead)
		}
		for _, prev := range pol.Steps {
			if strings.EqualFold(prev.Role, role) {
				return pol, l.errf(sp.key("role"), "%q is already step %d: each role appears once", role, prev.Number)
			}
		}
		trig := model.StepTrigger(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(sc.Trigger)), "_", "-"))
		switch {
		case sc.Trigger == "":
			return pol, l.errf(sp.key("trigger"), "trigger is missing: use %s", triggerNames)
		case !trig.Valid():
			return pol, l.errf(sp.key("trigger"), "unknown trigger %q: use %s", sc.Trigger, triggerNames)
		}
		st := model.EscalationStep{Number: i + 1, Role: role, Person: strings.TrimSpace(sc.Person), Trigger: trig}
		if sc.Delay != "" {
			d, err := l.duration(sp.key("delay"), sc.Delay)
			if err != nil {
				return pol, err
			}
			st.Delay = d
		}
		for j, s := range sc.Severities {
			sev, err := model.ParseSeverity(s)
			if err != nil {
				return pol, l.errf(sp.key("severities").idx(j), "%s", err)
			}
			if !slices.Contains(st.Severities, sev) {
				st.Severities = append(st.Severities, sev)
			}
		}
		slices.Sort(st.Severities)
		pol.Steps = append(pol.Steps, st)
	}
	if err := pol.Validate(); err != nil {
		return pol, l.errf(p, "%s", err)
	}
	return pol, nil
}

func (l *loader) roster(r map[string]string, pol model.EscalationPolicy) (map[string]string, error) {
	out := map[string]string{}
	for _, role := range l.keysInOrder(cfgPath{"roster"}, anyMap(r)) {
		p := cfgPath{"roster", role}
		person := strings.TrimSpace(r[role])
		if person == "" {
			return nil, l.errf(p, "no person given for %q", role)
		}
		if strings.ContainsFunc(person, unicode.IsControl) {
			return nil, l.errf(p, "the name contains control characters")
		}
		known := slices.ContainsFunc(pol.Steps, func(s model.EscalationStep) bool {
			return strings.EqualFold(strings.TrimSpace(role), s.Role) || strings.EqualFold(strings.TrimSpace(role), s.ShortRole())
		})
		if !known {
			roles := make([]string, len(pol.Steps))
			for i, s := range pol.Steps {
				roles[i] = strconv.Quote(s.Role)
			}
			return nil, l.keyErrf(p, "no escalation step has the role %q: the roles are %s", role, strings.Join(roles, ", "))
		}
		out[strings.TrimSpace(role)] = person
	}
	return out, nil
}

func (l *loader) users(u map[string]UserConfig) (map[string]UserConfig, error) {
	out := map[string]UserConfig{}
	for _, login := range l.keysInOrder(cfgPath{"users"}, anyMap(u)) {
		p := cfgPath{"users", login}
		if strings.ContainsFunc(login, unicode.IsSpace) || strings.ContainsFunc(login, unicode.IsControl) {
			return nil, l.keyErrf(p, "login %q contains spaces: use the login (the SSH or $USER name) as the key and put the full name in name", login)
		}
		uc := u[login]
		uc.Name = strings.TrimSpace(uc.Name)
		if strings.ContainsFunc(uc.Name, unicode.IsControl) {
			return nil, l.errf(p.key("name"), "the name contains control characters")
		}
		out[login] = uc
	}
	return out, nil
}

func strategyList() string {
	names := make([]string, len(model.Strategies))
	for i, s := range model.Strategies {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

var percentLabel = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]{1,3})\s*%$`) })

func (l *loader) strategies(cfg map[string][]StageConfig, plans map[model.Strategy]model.Plan) error {
	seen := map[model.Strategy]string{}
	for _, name := range l.keysInOrder(cfgPath{"strategies"}, anyMap(cfg)) {
		p := cfgPath{"strategies", name}
		st, err := model.ParseStrategy(name)
		if err != nil {
			return l.keyErrf(p, "unknown strategy %q: use %s", name, strategyList())
		}
		if prev, ok := seen[st]; ok {
			return l.keyErrf(p, "%q is the %s strategy again (first written %q)", name, st, prev)
		}
		seen[st] = name
		stages := cfg[name]
		if len(stages) == 0 {
			return l.errf(p, "no stages: list at least one, or leave %s out for the seed's stages", name)
		}
		def := model.DefaultPlan(st)
		defNames := make([]string, len(def.Stages))
		for i, s := range def.Stages {
			defNames[i] = s.Name
		}
		plan := model.Plan{Strategy: st}
		for j, sc := range stages {
			sp := p.idx(j)
			sname, label := strings.TrimSpace(sc.Name), strings.TrimSpace(sc.Label)
			var stage model.Stage
			k := slices.IndexFunc(def.Stages, func(s model.Stage) bool { return sname != "" && strings.EqualFold(s.Name, sname) })
			switch {
			case k >= 0:
				stage = def.Stages[k]
			case sname == "" && label == "":
				return l.errf(sp, "the stage has no label: give a label (what people read, e.g. \"10%%\") or the name of one of the seed's %s stages (%s)", st, strings.Join(defNames, ", "))
			case label == "":
				return l.errf(sp.key("name"), "the seed's %s plan has no stage %q (it has %s): give a label to add a new stage", st, sname, strings.Join(defNames, ", "))
			default:
				stage = model.Stage{Name: sname, Label: label, Percent: model.NoPercent, Soak: model.DefaultSoak}
				if stage.Name == "" {
					stage.Name = slugName(label)
				}
				if m := percentLabel().FindStringSubmatch(label); m != nil {
					stage.Percent, _ = strconv.Atoi(m[1])
				}
			}
			if label != "" {
				stage.Label = label
			}
			if sc.Percent != nil {
				if *sc.Percent < 0 || *sc.Percent > 100 {
					return l.errf(sp.key("percent"), "%d is not a share of traffic: use 0–100, or leave percent out for an audience such as internal users", *sc.Percent)
				}
				stage.Percent = *sc.Percent
			}
			if sc.Soak != "" {
				d, err := l.duration(sp.key("soak"), sc.Soak)
				if err != nil {
					return err
				}
				stage.Soak = d
			}
			for _, prev := range plan.Stages {
				if strings.EqualFold(prev.Name, stage.Name) {
					where := sp.key("name")
					if sname == "" {
						where = sp.key("label")
					}
					return l.errf(where, "a second stage named %q: each stage of a plan needs its own name", stage.Name)
				}
			}
			plan.Stages = append(plan.Stages, stage)
		}
		if err := plan.Validate(); err != nil {
			return l.errf(p, "%s", err)
		}
		plans[st] = plan
	}
	return nil
}

// slugName makes a stage name from its label: "Internal users" → "internal-users".
func slugName(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			dash = false
		case r == '%':
			b.WriteString("pct")
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (l *loader) rule(rc RollbackRuleConfig) (model.RollbackRule, error) {
	p := cfgPath{"rollback_rule"}
	kind := strings.ToLower(strings.TrimSpace(rc.Kind))
	switch kind {
	case "":
		kind = model.RuleKindPoints
	case model.RuleKindPoints, model.RuleKindRelative:
	default:
		return model.RollbackRule{}, l.errf(p.key("kind"), "unknown kind %q: use points (percentage points above baseline: 1%% → 6.1%% is 5.1 points) or relative (percent of baseline: 2%% → 3%% is 50%% above)", rc.Kind)
	}
	if rc.Threshold == nil {
		return model.RollbackRule{}, l.errf(p.key("threshold"), "threshold is missing: e.g. threshold: 5 (the seed's rule: more than 5 points above baseline)")
	}
	t := *rc.Threshold
	tp := p.key("threshold")
	switch {
	case math.IsNaN(t) || math.IsInf(t, 0):
		return model.RollbackRule{}, l.errf(tp, "%v is not a number", t)
	case kind == model.RuleKindRelative && t <= 0:
		return model.RollbackRule{}, l.errf(tp, "a relative threshold must be more than 0 (percent above baseline, e.g. 50)")
	case kind == model.RuleKindPoints && t < 0:
		return model.RollbackRule{}, l.errf(tp, "%v is negative: give the percentage points above baseline, e.g. 5", t)
	case kind == model.RuleKindPoints && t >= 100:
		return model.RollbackRule{}, l.errf(tp, "an error rate cannot rise %v points: use a threshold below 100", t)
	}
	r := model.RollbackRule{Kind: kind, Threshold: t}
	if err := r.Validate(); err != nil {
		return r, l.errf(p, "%s", err)
	}
	return r, nil
}

// Bounds of rollout.health_max_age: below a probe's reach every promote
// would need a reason; above a day the "fresh" reading says nothing.
const (
	minHealthMaxAge = 10 * time.Second
	maxHealthMaxAge = 24 * time.Hour
)

func (l *loader) rollout(rc RolloutConfig, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(rc.HealthMaxAge)
	if v == "" {
		return def, nil
	}
	p := cfgPath{"rollout", "health_max_age"}
	d, err := l.duration(p, v)
	if err != nil {
		return def, err
	}
	switch {
	case d < minHealthMaxAge:
		return def, l.errf(p, "%s is shorter than %s: no probe reads that often, so every promote would need a reason (leave it out for %s)",
			v, model.FormatDurationExact(minHealthMaxAge), model.FormatDurationExact(model.DefaultHealthMaxAge))
	case d > maxHealthMaxAge:
		return def, l.errf(p, "%s is longer than %s: a reading that old says nothing about the traffic now (leave it out for %s)",
			v, model.FormatDurationExact(maxHealthMaxAge), model.FormatDurationExact(model.DefaultHealthMaxAge))
	}
	return d, nil
}

func (l *loader) updates(uc UpdatesConfig, def model.UpdatePolicy) (model.UpdatePolicy, error) {
	out := def
	for _, f := range []struct {
		key string
		val string
		dst *time.Duration
	}{{"sev1", uc.SEV1, &out.SEV1}, {"sev2", uc.SEV2, &out.SEV2}} {
		v := strings.TrimSpace(f.val)
		switch strings.ToLower(v) {
		case "":
			continue
		case "off", "none", "never":
			*f.dst = 0
			continue
		}
		d, err := l.duration(cfgPath{"updates", f.key}, v)
		if err != nil {
			return out, err
		}
		if d > 0 && d < time.Minute {
			return out, l.errf(cfgPath{"updates", f.key}, "%s is shorter than a minute: stakeholders need time between updates (0 or off: no reminder)", v)
		}
		*f.dst = d
	}
	if out == (model.UpdatePolicy{}) {
		return out, l.errf(cfgPath{"updates"}, "both intervals are off: leave one on, or leave updates out for every 30m (SEV1) and 1h (SEV2)")
	}
	return out, nil
}

func (l *loader) links(lc []LinkConfig) ([]Link, error) {
	out := []Link{}
	for i, c := range lc {
		p := cfgPath{"links"}.idx(i)
		name, raw := strings.TrimSpace(c.Name), strings.TrimSpace(c.URL)
		if name == "" {
			return nil, l.errf(p.key("name"), "name is missing: say what the link is, e.g. Runbooks")
		}
		if raw == "" {
			return nil, l.errf(p.key("url"), "url is missing for %q", name)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
			return nil, l.errf(p.key("url"), "%q is not a full URL: write it with its scheme, e.g. https://wiki.example.com/runbooks", raw)
		}
		for _, prev := range out {
			if strings.EqualFold(prev.Name, name) {
				return nil, l.errf(p.key("name"), "a second link named %q: give each its own name", name)
			}
		}
		out = append(out, Link{Name: name, URL: raw})
	}
	return out, nil
}

func (l *loader) command(p cfgPath, c *CommandConfig, probe bool) (*Command, error) {
	if c == nil {
		return nil, nil
	}
	cp := p.key("command")
	if len(c.Command) == 0 {
		return nil, l.errf(cp, "the command is empty: give the program and its arguments as a list, e.g. command: [/usr/local/bin/page, --team, ops]")
	}
	argv := slices.Clone(c.Command)
	for i, a := range argv {
		if strings.ContainsRune(a, 0) {
			return nil, l.errf(cp.idx(i), "argument contains a NUL byte")
		}
	}
	prog := strings.TrimSpace(argv[0])
	if prog == "" {
		return nil, l.errf(cp.idx(0), "the program name is empty")
	}
	if strings.ContainsAny(prog, " \t") && !fileExists(prog) {
		return nil, l.errf(cp.idx(0), "%q is one shell string: list the program and each argument separately, e.g. [%s]", prog, strings.Join(strings.Fields(prog), ", "))
	}
	// A relative path with a slash is relative to the config file, not to
	// wherever the dashboard was started.
	if strings.Contains(prog, "/") && !filepath.IsAbs(prog) && l.file != "" {
		dir := filepath.Dir(l.file)
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		// Join cleans "./x" to "x", which exec would look up in $PATH.
		prog = filepath.Join(dir, prog)
	}
	argv[0] = prog
	cmd := &Command{Argv: argv, Timeout: defaultCommandWait}
	if c.Timeout != "" {
		d, err := l.duration(p.key("timeout"), c.Timeout)
		if err != nil {
			return nil, err
		}
		if d <= 0 {
			return nil, l.errf(p.key("timeout"), "the timeout must be more than 0, e.g. 10s")
		}
		cmd.Timeout = d
	}
	if !probe {
		if c.Interval != "" {
			return nil, l.errf(p.key("interval"), "notify runs when something happens and has no interval: remove it")
		}
		return cmd, nil
	}
	cmd.Interval = defaultProbeInterval
	if c.Interval != "" {
		d, err := l.duration(p.key("interval"), c.Interval)
		if err != nil {
			return nil, err
		}
		if d < minProbeInterval {
			return nil, l.errf(p.key("interval"), "%s is too often: probe at most once a second", c.Interval)
		}
		cmd.Interval = d
	}
	if cmd.Timeout > cmd.Interval {
		where := p.key("timeout")
		if c.Timeout == "" {
			where = p.key("interval")
		}
		return nil, l.errf(where, "the timeout (%s) is longer than the interval (%s): a probe must finish before the next one starts", model.FormatDurationExact(cmd.Timeout), model.FormatDurationExact(cmd.Interval))
	}
	return cmd, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
