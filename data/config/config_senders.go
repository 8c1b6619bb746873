package config

// The notifications: list: where notices go. Every sender is validated
// here, its secrets resolved from the file or the environment at load time,
// so a mistake is found by `config check`, not by the first incident.

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Sender limits and defaults.
const (
	DefaultSenderTimeout = 10 * time.Second
	MaxSenderTimeout     = 60 * time.Second
)

// LegacyCommandSender is the name of the sender the notify: command
// becomes.
const LegacyCommandSender = "command"

var (
	senderName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9_-]+$`) })
	envName    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })
	// linkVar is a {placeholder} of a sender's link.
	linkVar = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^{}]*\}`) })
)

// LinkVars are the placeholders a sender's link may hold.
var LinkVars = []string{"{ref}", "{incident}", "{deployment}", "{service}", "{environment}"}

// reservedHeaders are set by flightdeck itself on every delivery.
var reservedHeaders = []string{
	"Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection",
	"X-Flightdeck-Signature", "X-Flightdeck-Timestamp", "X-Flightdeck-Delivery",
}

var senderTypes = "webhook, slack, pagerduty or command"

// senderKeys is which keys each type takes (the rest are refused, so a
// routing_key on a webhook is a mistake found now, not a silent no-op).
var senderKeys = map[string][]string{
	SenderWebhook:   {"url", "url_env", "secret", "secret_env", "headers", "headers_env", "timeout", "events", "severities"},
	SenderSlack:     {"url", "url_env", "timeout", "events", "severities", "link"},
	SenderPagerDuty: {"url", "url_env", "routing_key", "routing_key_env", "timeout", "events", "severities"},
	SenderCommand:   {"command", "timeout", "events", "severities"},
}

// senders validates notifications: and appends the legacy notify command
// as the sender named "command".
func (l *loader) senders(cfg Config, eff Effective) ([]Sender, error) {
	var out []Sender
	base := cfgPath{"notifications"}
	for i, sc := range cfg.Notifications {
		s, err := l.sender(base.idx(i), sc, eff.Links)
		if err != nil {
			return nil, err
		}
		for _, prev := range out {
			if prev.Name == s.Name {
				return nil, l.errf(base.idx(i).key("name"), "a second sender named %q: give each its own name", s.Name)
			}
		}
		if s.Name == LegacyCommandSender && eff.Notify != nil {
			return nil, l.errf(base.idx(i).key("name"), "%q is the sender the notify: command becomes: rename this one, or move the notify command into notifications: as a type: command sender", s.Name)
		}
		out = append(out, s)
	}
	if eff.Notify != nil {
		events := kindSet(model.NoticeIncidentChannel)
		events[model.NoticeStageReady] = true
		out = append(out, Sender{Name: LegacyCommandSender, Type: SenderCommand, Command: eff.Notify,
			Timeout: eff.Notify.Timeout, Events: events})
	}
	return out, nil
}

func kindSet(kinds []model.NoticeKind) map[model.NoticeKind]bool {
	m := make(map[model.NoticeKind]bool, len(kinds))
	for _, k := range kinds {
		m[k] = true
	}
	return m
}

func (l *loader) sender(p cfgPath, sc SenderConfig, links []Link) (Sender, error) {
	name := strings.TrimSpace(sc.Name)
	switch {
	case name == "":
		return Sender{}, l.errf(p.key("name"), "name is missing: give the sender a short name such as ops-slack (how the status line and notify --sender name it)")
	case !senderName().MatchString(name):
		return Sender{}, l.errf(p.key("name"), "%q is not a sender name: use lower-case letters, digits, '-' and '_', e.g. ops-slack", name)
	}
	typ := strings.ToLower(strings.TrimSpace(sc.Type))
	keys, ok := senderKeys[typ]
	switch {
	case sc.Type == "":
		return Sender{}, l.errf(p.key("type"), "type is missing: use %s", senderTypes)
	case !ok:
		return Sender{}, l.errf(p.key("type"), "unknown type %q: use %s", sc.Type, senderTypes)
	}
	if err := l.senderKeysFor(p, sc, typ, keys); err != nil {
		return Sender{}, err
	}
	s := Sender{Name: name, Type: typ, Timeout: DefaultSenderTimeout}

	var err error
	switch typ {
	case SenderWebhook, SenderSlack, SenderPagerDuty:
		if s.URL, err = l.senderURL(p, sc, typ); err != nil {
			return Sender{}, err
		}
	case SenderCommand:
		cmd, err := l.command(p, &CommandConfig{Command: sc.Command, Timeout: sc.Timeout}, false)
		if err != nil {
			return Sender{}, err
		}
		s.Command = cmd
	}
	if typ == SenderWebhook {
		if s.Secret, err = l.secret(p, "secret", sc.Secret, sc.SecretEnv); err != nil {
			return Sender{}, err
		}
		if s.Secret != "" {
			s.Secrets = append(s.Secrets, s.Secret)
		}
		if s.Headers, err = l.headers(p, sc); err != nil {
			return Sender{}, err
		}
		for _, k := range sortedHeaderKeys(s.Headers) {
			s.Secrets = append(s.Secrets, s.Headers[k])
			s.Secrets = append(s.Secrets, CredentialPart(s.Headers[k])...)
		}
	}
	if typ == SenderPagerDuty {
		if s.RoutingKey, err = l.secret(p, "routing_key", sc.RoutingKey, sc.RoutingKeyEnv); err != nil {
			return Sender{}, err
		}
		if s.RoutingKey == "" {
			return Sender{}, l.errf(p, "routing_key is missing: give the integration key of the PagerDuty service (Events API v2), best as routing_key_env: PAGERDUTY_ROUTING_KEY")
		}
		s.Secrets = append(s.Secrets, s.RoutingKey)
	}
	s.Secrets = append(s.Secrets, urlSecrets(typ, s.URL)...)

	if sc.Timeout != "" {
		tp := p.key("timeout")
		d, err := l.duration(tp, sc.Timeout)
		if err != nil {
			return Sender{}, err
		}
		switch {
		case d <= 0:
			return Sender{}, l.errf(tp, "the timeout must be more than 0, e.g. 10s")
		case d > MaxSenderTimeout:
			return Sender{}, l.errf(tp, "%s is longer than %s: one attempt that waits longer holds up every notice after it (retries come on top)", sc.Timeout, model.FormatDurationExact(MaxSenderTimeout))
		}
		s.Timeout = d
		if s.Command != nil {
			s.Command.Timeout = d
		}
	} else if s.Command != nil {
		s.Timeout = s.Command.Timeout
	}

	if s.Events, err = l.events(p, sc.Events, typ); err != nil {
		return Sender{}, err
	}
	if s.Severities, err = l.senderSeverities(p, sc.Severities, typ); err != nil {
		return Sender{}, err
	}
	if typ == SenderSlack {
		if s.Link, err = l.senderLink(p, sc.Link, links); err != nil {
			return Sender{}, err
		}
	}
	s.Secrets = compactSecrets(s.Secrets)
	return s, nil
}

// senderKeysFor refuses a key the type does not use.
func (l *loader) senderKeysFor(p cfgPath, sc SenderConfig, typ string, keys []string) error {
	set := map[string]bool{
		"url": sc.URL != "", "url_env": sc.URLEnv != "", "secret": sc.Secret != "", "secret_env": sc.SecretEnv != "",
		"headers": len(sc.Headers) > 0, "headers_env": len(sc.HeadersEnv) > 0,
		"routing_key": sc.RoutingKey != "", "routing_key_env": sc.RoutingKeyEnv != "",
		"command": len(sc.Command) > 0, "link": sc.Link != "",
	}
	for _, k := range []string{"url", "url_env", "secret", "secret_env", "headers", "headers_env", "routing_key", "routing_key_env", "command", "link"} {
		if set[k] && !slices.Contains(keys, k) {
			var takers []string
			for _, t := range []string{SenderWebhook, SenderSlack, SenderPagerDuty, SenderCommand} {
				if slices.Contains(senderKeys[t], k) {
					takers = append(takers, t)
				}
			}
			return l.keyErrf(p.key(k), "a %s sender has no %s (that is for %s senders): remove it", typ, k, strings.Join(takers, " and "))
		}
	}
	return nil
}

// secret is a value given literally or named by an environment variable,
// read now; its value never appears in a message.
func (l *loader) secret(p cfgPath, key, literal, env string) (string, error) {
	envKey := key + "_env"
	literal, env = strings.TrimSpace(literal), strings.TrimSpace(env)
	switch {
	case literal != "" && env != "":
		return "", l.keyErrf(p.key(envKey), "both %s and %s are given: keep one (%s, so the secret stays out of the file)", key, envKey, envKey)
	case env == "":
		return literal, nil
	}
	return l.fromEnv(p.key(envKey), key, env)
}

func (l *loader) fromEnv(p cfgPath, what, env string) (string, error) {
	if !envName().MatchString(env) {
		return "", l.errf(p, "%q is not an environment variable name: write the variable's name (letters, digits and '_'), e.g. %s, not its value", env, suggestEnv(what))
	}
	v, ok := os.LookupEnv(env)
	v = strings.TrimSpace(v)
	switch {
	case !ok:
		return "", l.errf(p, "the environment variable %s (the %s) is not set: export it where flightdeck runs", env, what)
	case v == "":
		return "", l.errf(p, "the environment variable %s (the %s) is empty: export its value where flightdeck runs", env, what)
	}
	if err := model.CheckLine("the value of "+env, v); err != nil {
		return "", l.errf(p, "%s", err)
	}
	return v, nil
}

func suggestEnv(what string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace("FLIGHTDECK_" + what))
}

func (l *loader) senderURL(p cfgPath, sc SenderConfig, typ string) (string, error) {
	raw, err := l.secret(p, "url", sc.URL, sc.URLEnv)
	if err != nil {
		return "", err
	}
	up := p.key("url")
	if sc.URLEnv != "" {
		up = p.key("url_env")
	}
	if raw == "" {
		switch typ {
		case SenderPagerDuty:
			return DefaultPagerDutyURL, nil
		case SenderSlack:
			return "", l.errf(p, "url is missing: give the incoming webhook URL (Slack, Mattermost or Rocket.Chat), best as url_env: SLACK_WEBHOOK_URL, since the URL is the credential")
		}
		return "", l.errf(p, "url is missing: give the address the JSON is posted to, e.g. url: https://hooks.example.com/flightdeck")
	}
	u, perr := url.Parse(raw)
	// A Slack URL is the credential, and a query or userinfo may hold one:
	// never quote those back.
	shown := fmt.Sprintf("%q", raw)
	if typ == SenderSlack || sc.URLEnv != "" || strings.ContainsAny(raw, "?@") {
		shown = "the URL"
	}
	if perr != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", l.errf(up, "%s is not an http or https URL: write it in full, e.g. https://hooks.example.com/flightdeck", shown)
	}
	if u.Fragment != "" {
		return "", l.errf(up, "%s has a #fragment, which is never sent: remove it", shown)
	}
	return raw, nil
}

// urlSecrets are the parts of a sender's URL that are credentials: all of
// a Slack-style URL (its path is the token), the userinfo and the query of
// the others.
func urlSecrets(typ, raw string) []string {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	var out []string
	if typ == SenderSlack {
		out = append(out, raw)
		if len(u.Path) > 1 {
			out = append(out, u.Path, strings.TrimPrefix(u.Path, "/"))
			if p := u.EscapedPath(); p != u.Path {
				out = append(out, p)
			}
		}
		out = append(out, TokenSegments(u.Path)...)
	}
	if u.User != nil {
		out = append(out, u.User.String())
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw)
		}
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
	}
	return out
}

// CredentialPart is the credential of a header value written with its
// scheme ("Bearer abc123" → "abc123"), so a server echoing the token alone
// cannot show it either.
func CredentialPart(v string) []string {
	f := strings.Fields(v)
	if len(f) == 2 && len(f[1]) >= 8 {
		return []string{f[1]}
	}
	return nil
}

// TokenSegments are the segments of a Slack-style webhook path long enough
// to be its token (Slack's /services/T…/B…/<24 characters>, Mattermost's
// /hooks/<26>, Rocket.Chat's /hooks/<id>/<token>), so that a server echoing
// the token alone cannot show it either.
func TokenSegments(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if len(seg) >= 12 {
			out = append(out, seg)
		}
	}
	return out
}

// compactSecrets drops empty and repeated values and puts the longest
// first, so redacting one never leaves part of a longer one behind.
func compactSecrets(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

func sortedHeaderKeys(h map[string]string) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (l *loader) headers(p cfgPath, sc SenderConfig) (map[string]string, error) {
	if len(sc.Headers) == 0 && len(sc.HeadersEnv) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	check := func(hp cfgPath, name string) (string, error) {
		name = strings.TrimSpace(name)
		if !validHeaderName(name) {
			return "", l.keyErrf(hp, "%q is not a header name: use letters, digits and '-', e.g. Authorization or X-Team", name)
		}
		canon := canonicalHeader(name)
		for _, r := range reservedHeaders {
			if strings.EqualFold(r, canon) {
				return "", l.keyErrf(hp, "flightdeck sets %s itself: remove it", r)
			}
		}
		if _, dup := out[canon]; dup {
			return "", l.keyErrf(hp, "the header %s is given twice (headers and headers_env, or in two spellings): keep one", canon)
		}
		return canon, nil
	}
	for _, k := range l.keysInOrder(p.key("headers"), anyMap(sc.Headers)) {
		hp := p.key("headers").key(k)
		canon, err := check(hp, k)
		if err != nil {
			return nil, err
		}
		v := strings.TrimSpace(sc.Headers[k])
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, l.errf(hp, "the value holds a line break: a header value is one line")
		}
		if v == "" {
			return nil, l.errf(hp, "the value is empty: give one, or remove the header")
		}
		out[canon] = v
	}
	for _, k := range l.keysInOrder(p.key("headers_env"), anyMap(sc.HeadersEnv)) {
		hp := p.key("headers_env").key(k)
		canon, err := check(hp, k)
		if err != nil {
			return nil, err
		}
		v, err := l.fromEnv(hp, "value of the "+canon+" header", strings.TrimSpace(sc.HeadersEnv[k]))
		if err != nil {
			return nil, err
		}
		out[canon] = v
	}
	return out, nil
}

// validHeaderName is RFC 9110's token: the characters net/http accepts in
// a field name.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// canonicalHeader is textproto's canonical form: x-team → X-Team.
func canonicalHeader(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

func kindNames(kinds []model.NoticeKind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func (l *loader) events(p cfgPath, names []string, typ string) (map[model.NoticeKind]bool, error) {
	if len(names) == 0 {
		switch typ {
		case SenderWebhook:
			return kindSet(model.NoticeKinds), nil
		case SenderPagerDuty:
			return kindSet(model.NoticePaging), nil
		}
		return kindSet(model.NoticeIncidentChannel), nil
	}
	out := map[model.NoticeKind]bool{}
	for j, raw := range names {
		ep := p.key("events").idx(j)
		name := strings.ToLower(strings.TrimSpace(raw))
		if name == "all" {
			all := model.NoticeKinds
			if typ == SenderPagerDuty {
				all = model.NoticePaging
			}
			for _, k := range all {
				out[k] = true
			}
			continue
		}
		k, ok := model.ParseNoticeKind(name)
		if !ok {
			msg := fmt.Sprintf("unknown event %q: use all or %s", raw, kindNames(model.NoticeKinds))
			if s := closest(name, strings.Split(kindNames(model.NoticeKinds), ", ")); s != "" {
				msg = fmt.Sprintf("unknown event %q: did you mean %s? (use all or %s)", raw, s, kindNames(model.NoticeKinds))
			}
			return nil, l.errf(ep, "%s", msg)
		}
		if typ == SenderPagerDuty && !slices.Contains(model.NoticePaging, k) {
			return nil, l.errf(ep, "pagerduty takes only %s (they trigger, acknowledge and resolve a page): send %s to a webhook or chat sender", kindNames(model.NoticePaging), k)
		}
		out[k] = true
	}
	return out, nil
}

func (l *loader) senderSeverities(p cfgPath, raw []string, typ string) (map[model.Severity]bool, error) {
	if len(raw) == 0 {
		if typ == SenderPagerDuty {
			return map[model.Severity]bool{model.SEV1: true, model.SEV2: true}, nil
		}
		return nil, nil
	}
	out := map[model.Severity]bool{}
	for j, s := range raw {
		sev, err := model.ParseSeverity(s)
		if err != nil {
			return nil, l.errf(p.key("severities").idx(j), "%s", err)
		}
		out[sev] = true
	}
	return out, nil
}

// senderLink checks the link template; without one a chat message links
// to the first configured links: entry, if any was filled in.
func (l *loader) senderLink(p cfgPath, raw string, links []Link) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if len(links) > 0 && !links[0].Unset {
			return links[0].URL, nil
		}
		return "", nil
	}
	lp := p.key("link")
	for _, v := range linkVar().FindAllString(raw, -1) {
		if !slices.Contains(LinkVars, v) {
			return "", l.errf(lp, "unknown placeholder %s: use %s", v, strings.Join(LinkVars, ", "))
		}
	}
	u, err := url.Parse(linkVar().ReplaceAllString(raw, "x"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", l.errf(lp, "%q is not an http or https URL: write it in full, e.g. https://wiki.example.com/incidents/{ref}", raw)
	}
	return raw, nil
}

// literalSecrets lists the settings of cfg that hold a secret in the file
// itself (rather than naming an environment variable).
func literalSecrets(cfg Config) []string {
	var out []string
	if dbPassword(cfg.DB) {
		out = append(out, "db")
	}
	for i, sc := range cfg.Notifications {
		p := cfgPath{"notifications"}.idx(i)
		if strings.TrimSpace(sc.Secret) != "" {
			out = append(out, p.key("secret").String())
		}
		if strings.TrimSpace(sc.RoutingKey) != "" {
			out = append(out, p.key("routing_key").String())
		}
		if len(sc.Headers) > 0 {
			out = append(out, p.key("headers").String())
		}
		if strings.EqualFold(strings.TrimSpace(sc.Type), SenderSlack) && strings.TrimSpace(sc.URL) != "" {
			out = append(out, p.key("url").String())
		}
	}
	return out
}

// Redact replaces every secret of s in msg with "[redacted]".
func (s Sender) Redact(msg string) string {
	for _, v := range s.Secrets {
		if v != "" {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
		}
	}
	return msg
}

// ShownURL is the sender's URL as it may be shown: a Slack-style URL (the
// credential) as its scheme and host only, others without userinfo or
// query.
func (s Sender) ShownURL() string {
	if s.URL == "" {
		return ""
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return "[redacted]"
	}
	if s.Type == SenderSlack {
		return u.Scheme + "://" + u.Host + "/…"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// Describe is one line for `config check`, with no secret in it:
// "webhook ops → https://hooks.example.com/fd (signed; headers Authorization); events: all; timeout 10s".
func (s Sender) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.Type, s.Name)
	var extra []string
	switch s.Type {
	case SenderCommand:
		if s.Command != nil {
			fmt.Fprintf(&b, " → %q", s.Command.Argv)
		}
	default:
		fmt.Fprintf(&b, " → %s", s.ShownURL())
	}
	if s.Secret != "" {
		extra = append(extra, "signed")
	}
	if len(s.Headers) > 0 {
		extra = append(extra, "headers "+strings.Join(sortedHeaderKeys(s.Headers), ", "))
	}
	if s.RoutingKey != "" {
		extra = append(extra, "routing key set")
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(extra, "; "))
	}
	b.WriteString("; events: " + s.eventsText())
	if len(s.Severities) > 0 {
		var sevs []string
		for _, sev := range model.Severities {
			if s.Severities[sev] {
				sevs = append(sevs, sev.Label())
			}
		}
		b.WriteString("; severities: " + strings.Join(sevs, ", "))
	}
	if s.Link != "" {
		b.WriteString("; link " + s.Link)
	}
	b.WriteString("; timeout " + model.FormatDurationExact(s.Timeout))
	return b.String()
}

func (s Sender) eventsText() string {
	var kinds []model.NoticeKind
	for _, k := range model.NoticeKinds {
		if s.Events[k] {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == len(model.NoticeKinds) {
		return "all"
	}
	if len(kinds) == len(model.NoticeIncidentChannel) && !slices.ContainsFunc(model.NoticeIncidentChannel, func(k model.NoticeKind) bool { return !s.Events[k] }) {
		return "the incident channel's (" + kindNames(kinds) + ")"
	}
	return kindNames(kinds)
}
