package config

// Reading the YAML with positions: every mistake, of form or of meaning,
// is reported at the line and column of the value at fault.

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/octoacme/flightdeck/model"
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

var plainKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]+$`) })

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
			case !plainKey().MatchString(s):
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
	// seen is a set, not a scan of out: a users: list of 40,000 logins
	// must cost 40,000 steps, not 40,000².
	out := make([]string, 0, len(m))
	seen := make(map[string]bool, len(m))
	if _, val, _ := l.find(p); val != nil {
		vals, _ := mappingValues(l.resolve(val))
		for _, mv := range vals {
			if k := keyString(mv.Key); !seen[k] {
				if _, ok := m[k]; ok {
					out = append(out, k)
					seen[k] = true
				}
			}
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
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
	if err := l.utf8(src); err != nil {
		return cfg, err
	}
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

// utf8 refuses a file that is not UTF-8 at the line and column of the
// first bad byte (the YAML library would quietly turn it into U+FFFD).
func (l *loader) utf8(src []byte) error {
	if utf8.Valid(src) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return &ConfigError{File: l.file, Line: line, Column: col, Msg: fmt.Sprintf("byte 0x%02X is not UTF-8: save the file as UTF-8", src[i])}
		}
		if r == '\n' {
			line, col = line+1, 0
		}
		col++
		i += n
	}
	return nil
}

// yamlErr locates an error of the YAML library.
func (l *loader) yamlErr(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return l.errAt(ye.GetToken(), nil, "%s", ye.GetMessage())
	}
	return &ConfigError{File: l.file, Msg: strings.Join(strings.Fields(err.Error()), " ")}
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
			if err := model.CheckLine("the name", k); err != nil {
				return l.errAt(tokenOf(mv.Key), p.key(k), "%s", err)
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
		case ast.StringType, ast.LiteralType:
			return l.plainText(n, p)
		case ast.IntegerType, ast.FloatType, ast.BoolType, ast.InfinityType, ast.NanType:
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

// plainText refuses terminal controls, bidi overrides and invalid UTF-8 in
// a string setting: a team config kept in git must not become a way to drive
// every on-caller's terminal (config check prints these values). Command
// arguments and the probe's PromQL queries may span lines; every other
// setting is one line.
func (l *loader) plainText(n ast.Node, p cfgPath) error {
	var v string
	if err := yaml.NodeToValue(n, &v); err != nil {
		return nil // the decoder reports it with its own position
	}
	check := model.CheckLine
	if slices.Contains(p, any("command")) || (len(p) == 2 && p[0] == "probe" && (p[1] == "query" || p[1] == "baseline_query")) {
		check = model.CheckText
	}
	if err := check("the value", v); err != nil {
		return l.errAt(tokenOf(n), p, "%s", err)
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
