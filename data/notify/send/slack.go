package send

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/octoacme/flightdeck/model"
)

// The Slack-style body is {"text": "..."} and nothing else: Slack,
// Mattermost and Rocket.Chat incoming webhooks all take it, with *bold*,
// _italic_ and <url|label> links; Block Kit "blocks" are Slack's alone and
// would be dropped or refused by the others.

type slack struct{ *httpSender }

func (s *slack) Send(ctx context.Context, n model.Notice) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Text string `json:"text"`
	}{SlackText(n, s.cfg.Link)}); err != nil {
		return s.permanent("cannot encode the message: %v", err)
	}
	return s.post(ctx, bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil)
}

// severityBadge is the emoji and label a chat message starts with; the
// emoji names exist in Slack, Mattermost and Rocket.Chat alike.
func severityBadge(sev model.Severity) string {
	switch sev {
	case model.SEV1:
		return ":red_circle: *SEV1*"
	case model.SEV2:
		return ":large_orange_diamond: *SEV2*"
	case model.SEV3:
		return ":large_blue_diamond: *SEV3*"
	case model.SEV4:
		return ":white_circle: *SEV4*"
	}
	return ""
}

// kindBadge marks a notice that is about no incident.
func kindBadge(k model.NoticeKind) string {
	switch k {
	case model.NoticeRolloutAborted, model.NoticeRolledBack, model.NoticeCriteriaMet, model.NoticeRolloutHeld, model.NoticeFreezeOn:
		return ":warning:"
	case model.NoticeDeploymentCompleted, model.NoticeCriteriaCleared, model.NoticeRolloutReleased, model.NoticeFreezeOff:
		return ":white_check_mark:"
	case model.NoticeTest:
		return ":information_source:"
	}
	return ":rocket:"
}

// SlackText is the message for n: the severity badge, the ref and title
// (or the deployment), the summary, an update's Conditions / Actions /
// Needs or the reason on lines of their own, then who did it and the link
// (link with its placeholders filled; none when link is "").
func SlackText(n model.Notice, link string) string {
	var lines []string
	var head []string
	sev := n.Severity
	if sev == 0 && n.Incident != nil {
		sev = n.Incident.Severity
	}
	if b := severityBadge(sev); b != "" {
		head = append(head, b)
	} else {
		head = append(head, kindBadge(n.Kind))
	}
	switch {
	case n.Incident != nil:
		head = append(head, "*"+SlackEscape(n.Incident.Ref)+"*", SlackEscape(n.Incident.Title))
	case n.Deployment != nil:
		d := n.Deployment
		head = append(head, "*"+SlackEscape(d.Service)+" "+SlackEscape(d.Version)+"*", "to "+SlackEscape(d.Environment))
	}
	lines = append(lines, strings.Join(nonEmpty(head), " "))
	// The head names the incident or deployment already: the event's own
	// sentence says what happened without repeating it.
	what := n.Summary
	if (n.Incident != nil || n.Deployment != nil) && n.Text != "" {
		what = n.Text
	}
	if what != "" {
		lines = append(lines, SlackEscape(what))
	}
	if u := n.Update; u != nil {
		lines = append(lines, "*Conditions:* "+SlackEscape(u.Conditions), "*Actions:* "+SlackEscape(u.Actions))
		if strings.TrimSpace(u.Needs) != "" {
			lines = append(lines, "*Needs:* "+SlackEscape(u.Needs))
		}
	}
	if n.Incident != nil && n.Deployment != nil {
		d := n.Deployment
		lines = append(lines, "*Deployment:* "+SlackEscape(d.Service+" "+d.Version+" to "+d.Environment))
	}
	if st := n.Step; st != nil {
		who := st.Role
		if st.Person != "" {
			who += " (" + st.Person + ")"
		}
		lines = append(lines, "*Escalation:* step "+strconv.Itoa(st.Number)+", "+SlackEscape(who))
	}
	if n.Reason != "" && !strings.Contains(what, n.Reason) {
		lines = append(lines, "*Reason:* "+SlackEscape(n.Reason))
	}
	var foot []string
	if n.Actor != "" {
		foot = append(foot, "by "+SlackEscape(n.Actor))
	}
	if u := fillLink(link, n); u != "" {
		label := "Open in flightdeck"
		if n.Incident != nil {
			label = "Open " + n.Incident.Ref
		}
		foot = append(foot, "<"+slackURL(u)+"|"+SlackEscape(label)+">")
	}
	if len(foot) > 0 {
		lines = append(lines, strings.Join(foot, " · "))
	}
	return strings.Join(lines, "\n")
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" && s != "**" {
			out = append(out, s)
		}
	}
	return out
}

var mention = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)@(channel|here|everyone|all)\b`) })

// SlackEscape makes text people typed safe in a Slack-style message: one
// clean line (model.SanitizeLine), &, < and > as Slack's entities (so no
// <!channel>, <@U123> or <url|label> can be typed into a title), and a
// word joiner after the @ of @channel, @here, @everyone and @all, which
// Mattermost and Rocket.Chat would otherwise obey in a webhook's text.
func SlackEscape(s string) string {
	s = model.SanitizeLine(s)
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	return mention().ReplaceAllString(s, "@\u2060$1")
}

// slackURL keeps a link from ending the <url|label> early.
func slackURL(u string) string {
	return strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20").Replace(model.SanitizeLine(u))
}

// fillLink replaces a link's placeholders; a placeholder whose value the
// notice has not (a {ref} of a deployment notice) means no link.
func fillLink(link string, n model.Notice) string {
	if link == "" {
		return ""
	}
	vals := map[string]string{}
	if i := n.Incident; i != nil {
		vals["{ref}"] = i.Ref
		vals["{incident}"] = strconv.FormatInt(i.ID, 10)
	}
	if d := n.Deployment; d != nil {
		vals["{deployment}"] = strconv.FormatInt(d.ID, 10)
		vals["{service}"] = d.Service
		vals["{environment}"] = d.Environment
	}
	missing := false
	out := placeholder().ReplaceAllStringFunc(link, func(p string) string {
		v, ok := vals[p]
		if !ok || v == "" {
			missing = true
			return p
		}
		return url.PathEscape(v)
	})
	if missing {
		return ""
	}
	return out
}

var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{(ref|incident|deployment|service|environment)\}`) })
