package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/adrg/xdg"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"flightdeck/model"
)

// ConfigError is a problem with the configuration file, located the way
// editors and compilers do: "config.yaml:12:9: escalation[1].delay: …".
type ConfigError struct {
	File         string
	Line, Column int    // 0 when the problem has no place in the file
	Path         string // the setting, e.g. escalation[1].delay; may be empty
	Msg          string
}

func (e *ConfigError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d:%d", e.Line, e.Column)
	}
	if e.Path != "" {
		s += ": " + e.Path
	}
	return s + ": " + e.Msg
}

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
	src, err := os.ReadFile(path)
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
	_, eff, err := ParseConfig(path, src)
	if err != nil {
		return eff, err
	}
	// The file names commands flightdeck runs: someone else who can edit
	// it could run anything as every user of the dashboard.
	if eff.Probe != nil || eff.Notify != nil {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o022 != 0 {
			return Effective{}, fmt.Errorf("%s names commands to run but others can change it (mode %04o): chmod go-w %s", path, fi.Mode().Perm(), path)
		}
	}
	return eff, nil
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
		Policy:  model.DefaultPolicy(),
		Plans:   plans,
		Rule:    model.DefaultRollbackRule(),
		Updates: model.DefaultUpdatePolicy(),
		Links:   seedLinks(),
		Roster:  map[string]string{},
		Users:   map[string]UserConfig{},
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

// loader keeps the parsed file so that semantic errors found after decoding
// can still name the line and column of the value at fault.
type loader struct {
	file    string
	body    ast.Node
	anchors map[string]ast.Node
}

// cfgPath is a setting's address: string keys and int indexes.
type cfgPath []any

func (p cfgPath) key(k string) cfgPath { return append(slices.Clip(p), k) }
func (p cfgPath) idx(i int) cfgPath    { return append(slices.Clip(p), i) }

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// String writes the path as people read it: escalation[1].delay,
// roster["Engineering Lead"].
func (p cfgPath) String() string {
	var b strings.Builder
	for i, s := range p {
		switch s := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			switch {
			case !plainKey.MatchString(s):
				b.WriteString("[" + strconv.Quote(s) + "]")
			case i > 0:
				b.WriteString("." + s)
			default:
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

func (l *loader) errAt(tk *token.Token, p cfgPath, format string, a ...any) error {
	e := &ConfigError{File: l.file, Path: p.String(), Msg: fmt.Sprintf(format, a...)}
	if tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

// errf reports a problem with the value at p (or, when p is not in the
// file, with the nearest enclosing setting that is).
func (l *loader) errf(p cfgPath, format string, a ...any) error {
	_, val, near := l.find(p)
	n := val
	if n == nil {
		n = near
	}
	return l.errAt(tokenOf(n), p, format, a...)
}

// keyErrf reports a problem with the key at the end of p (an unknown
// strategy name, say) rather than with its value.
func (l *loader) keyErrf(p cfgPath, format string, a ...any) error {
	key, val, near := l.find(p)
	n := key
	if n == nil {
		n = val
	}
	if n == nil {
		n = near
	}
	return l.errAt(tokenOf(n), p, format, a...)
}

func tokenOf(n ast.Node) *token.Token {
	if n == nil {
		return nil
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle {
		// A block mapping starts at its first key.
		return tokenOf(m.Values[0].Key)
	}
	return n.GetToken()
}

// resolve looks through anchors, tags and aliases to the node that holds
// the value.
func (l *loader) resolve(n ast.Node) ast.Node {
	for range 32 { // aliases cannot loop, but a bound costs nothing
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := l.anchors[aliasName(v)]
			if !ok {
				return n
			}
			n = target
		default:
			return n
		}
	}
	return n
}

func aliasName(a *ast.AliasNode) string {
	if a.Value == nil {
		return ""
	}
	return a.Value.GetToken().Value
}

// mappingValues is a mapping's entries, whatever the parser's shape.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func keyString(k ast.MapKeyNode) string {
	if k == nil {
		return ""
	}
	if s, ok := k.(ast.ScalarNode); ok {
		if v := s.GetValue(); v != nil {
			return fmt.Sprint(v)
		}
	}
	return k.GetToken().Value
}

// find walks p through the file: the key and value nodes at its end, and
// the deepest node it reached (for a path that is not in the file).
func (l *loader) find(p cfgPath) (key, val, near ast.Node) {
	cur := l.body
	near = cur
	for _, seg := range p {
		cur = l.resolve(cur)
		key = nil
		var next ast.Node
		switch s := seg.(type) {
		case string:
			vals, _ := mappingValues(cur)
			for _, mv := range vals {
				if keyString(mv.Key) == s {
					key, next = mv.Key, mv.Value
				}
			}
		case int:
			if sq, ok := cur.(*ast.SequenceNode); ok && s >= 0 && s < len(sq.Values) {
				next = sq.Values[s]
			}
		}
		if next == nil {
			return nil, nil, near
		}
		cur, near = next, next
	}
	return key, cur, near
}

// keysInOrder is the keys of the mapping at p in file order, so errors in a
// map come out in the order a person reads the file.
func (l *loader) keysInOrder(p cfgPath, m map[string]any) []string {
	var out []string
	if _, val, _ := l.find(p); val != nil {
		vals, _ := mappingValues(l.resolve(val))
		for _, mv := range vals {
			if k := keyString(mv.Key); !slices.Contains(out, k) {
				if _, ok := m[k]; ok {
					out = append(out, k)
				}
			}
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decode parses the YAML, checks its shape against Config (unknown keys,
// lists where a value belongs, …) with positions, then decodes it strictly.
func (l *loader) decode(src []byte) (Config, error) {
	var cfg Config
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			msg := "YAML syntax: " + ye.GetMessage()
			if strings.Contains(msg, "tab") {
				msg += " (indent with spaces, not tabs)"
			}
			return cfg, l.errAt(ye.GetToken(), nil, "%s", msg)
		}
		return cfg, l.yamlErr(err)
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return cfg, nil // empty or only comments: the defaults
	}
	if len(docs) > 1 {
		tk := docs[1].Start
		if tk == nil {
			tk = tokenOf(docs[1].Body)
		}
		return cfg, l.errAt(tk, nil, "a second YAML document ('---'): put every setting in one document")
	}
	l.body = docs[0].Body
	l.anchors = map[string]ast.Node{}
	for _, n := range ast.Filter(ast.AnchorType, l.body) {
		if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
			l.anchors[a.Name.GetToken().Value] = a.Value
		}
	}
	if err := l.shape(l.body, reflect.TypeFor[Config](), nil); err != nil {
		return cfg, err
	}
	if err := yaml.NodeToValue(l.body, &cfg, yaml.Strict()); err != nil {
		return cfg, l.yamlErr(err)
	}
	return cfg, nil
}

// yamlErr locates an error of the YAML library.
func (l *loader) yamlErr(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return l.errAt(ye.GetToken(), nil, "%s", ye.GetMessage())
	}
	return &ConfigError{File: l.file, Msg: oneLine(err.Error())}
}

// shape checks node n against Go type t before decoding, so every mistake
// of form gets a message in the file's terms and a position.
func (l *loader) shape(n ast.Node, t reflect.Type, p cfgPath) error {
	n = l.resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return nil // not set
	}
	if _, ok := n.(*ast.AliasNode); ok {
		return nil // an unknown anchor: the decoder will say so
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		vals, ok := mappingValues(n)
		if !ok {
			return l.errAt(tokenOf(n), p, "expected settings (%s), found %s", strings.Join(yamlFields(t), ", "), describeNode(n))
		}
		fields := yamlFields(t)
		for _, mv := range vals {
			if mv.Key != nil && mv.Key.IsMergeKey() {
				continue // "<<: *defaults": the decoder merges and checks it
			}
			k := keyString(mv.Key)
			f, ok := fieldByTag(t, k)
			if !ok {
				msg := fmt.Sprintf("unknown setting %q: use %s", k, strings.Join(fields, ", "))
				if s := closest(k, fields); s != "" {
					msg = fmt.Sprintf("unknown setting %q: did you mean %s? (settings here: %s)", k, s, strings.Join(fields, ", "))
				}
				return l.errAt(tokenOf(mv.Key), p.key(k), "%s", msg)
			}
			if err := l.shape(mv.Value, f.Type, p.key(k)); err != nil {
				return err
			}
		}
	case reflect.Map:
		vals, ok := mappingValues(n)
		if !ok {
			return l.errAt(tokenOf(n), p, "expected a mapping (name: value lines), found %s", describeNode(n))
		}
		for _, mv := range vals {
			k := keyString(mv.Key)
			if strings.TrimSpace(k) == "" {
				return l.errAt(tokenOf(mv.Key), p, "a key is empty")
			}
			if err := l.shape(mv.Value, t.Elem(), p.key(k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		sq, ok := n.(*ast.SequenceNode)
		if !ok {
			if len(p) > 0 && p[len(p)-1] == "command" {
				return l.errAt(tokenOf(n), p, "expected the program and its arguments as a list, e.g. [curl, -fsS, https://…] (never one shell string), found %s", describeNode(n))
			}
			return l.errAt(tokenOf(n), p, "expected a list (lines starting with '- ', or [a, b]), found %s", describeNode(n))
		}
		for i, v := range sq.Values {
			if err := l.shape(v, t.Elem(), p.idx(i)); err != nil {
				return err
			}
		}
	case reflect.String:
		switch n.Type() {
		case ast.StringType, ast.LiteralType, ast.IntegerType, ast.FloatType, ast.BoolType, ast.InfinityType, ast.NanType:
		default:
			return l.errAt(tokenOf(n), p, "expected a value, found %s", describeNode(n))
		}
	case reflect.Int:
		if n.Type() != ast.IntegerType {
			return l.errAt(tokenOf(n), p, "expected a whole number, found %s", describeNode(n))
		}
	case reflect.Float64:
		if n.Type() != ast.IntegerType && n.Type() != ast.FloatType {
			return l.errAt(tokenOf(n), p, "expected a number, found %s", describeNode(n))
		}
	case reflect.Bool:
		if n.Type() != ast.BoolType {
			return l.errAt(tokenOf(n), p, "expected true or false, found %s", describeNode(n))
		}
	}
	return nil
}

func describeNode(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping (key: value lines)"
	case ast.SequenceType:
		return "a list"
	case ast.NanType, ast.InfinityType:
		return strconv.Quote(n.GetToken().Value) + ", which is not a number"
	}
	return strconv.Quote(n.GetToken().Value)
}

func yamlFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if name := yamlName(f); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// closest suggests the known name nearest to a misspelt one.
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// effective validates the meaning of a decoded file and builds the
// configuration in domain terms; unset keys keep the seed's defaults.
func (l *loader) effective(cfg Config) (Effective, error) {
	eff := DefaultEffective()
	var err error
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
	if eff.Probe, err = l.command(cfgPath{"probe"}, cfg.Probe, true); err != nil {
		return Effective{}, err
	}
	if eff.Notify, err = l.command(cfgPath{"notify"}, cfg.Notify, false); err != nil {
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

var durationWords = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$`)

// durationHint turns what people write into what ParseDuration reads:
// "15 minutes" → "write 15m".
func durationHint(s string) string {
	m := durationWords.FindStringSubmatch(strings.TrimSpace(s))
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

var percentLabel = regexp.MustCompile(`^([0-9]{1,3})\s*%$`)

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
				if m := percentLabel.FindStringSubmatch(label); m != nil {
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
		return nil, l.errf(where, "the timeout (%s) is longer than the interval (%s): a probe must finish before the next one starts", fmtDur(cmd.Timeout), fmtDur(cmd.Interval))
	}
	return cmd, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// fmtDur prints 15m0s as 15m and 1h0m0s as 1h.
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
