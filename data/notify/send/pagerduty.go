package send

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/octoacme/flightdeck/model"
)

// PagerDuty Events API v2 event actions.
const (
	PDTrigger     = "trigger"
	PDAcknowledge = "acknowledge"
	PDResolve     = "resolve"
)

// PDEvent is the Events API v2 body. Payload is sent with a trigger only.
type PDEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *PDPayload `json:"payload,omitempty"`
	Client      string     `json:"client,omitempty"`
}

// PDPayload is a trigger's payload.
type PDPayload struct {
	Summary       string         `json:"summary"` // at most 1024 characters
	Source        string         `json:"source"`
	Severity      string         `json:"severity"` // critical, error, warning, info
	Timestamp     string         `json:"timestamp"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details"`
}

// MaxPDSummary is the Events API's limit on payload.summary.
const MaxPDSummary = 1024

// PDSeverity maps a SEV to PagerDuty's severity.
func PDSeverity(s model.Severity) string {
	switch s {
	case model.SEV1:
		return "critical"
	case model.SEV2:
		return "error"
	case model.SEV3:
		return "warning"
	}
	return "info"
}

// PDAction is the event action for a notice kind: trigger when an incident
// opens or an escalation falls due, acknowledge on ack, resolve on resolve;
// "" for every other kind.
func PDAction(k model.NoticeKind) string {
	switch k {
	case model.NoticeIncidentOpened, model.NoticeEscalationDue:
		return PDTrigger
	case model.NoticeIncidentAcknowledged:
		return PDAcknowledge
	case model.NoticeIncidentResolved:
		return PDResolve
	}
	return ""
}

// PDEventFor is the event for n, keyed by the incident's ref.
func PDEventFor(routingKey string, n model.Notice) (PDEvent, error) {
	action := PDAction(n.Kind)
	if action == "" {
		var kinds []string
		for _, k := range model.NoticePaging {
			kinds = append(kinds, string(k))
		}
		return PDEvent{}, fmt.Errorf("pagerduty takes only %s (and test), not %s", strings.Join(kinds, ", "), n.Kind)
	}
	if n.Incident == nil || n.Incident.Ref == "" {
		return PDEvent{}, fmt.Errorf("a %s notice without an incident has no dedup key", n.Kind)
	}
	ev := PDEvent{RoutingKey: routingKey, EventAction: action, DedupKey: n.Incident.Ref, Client: "flightdeck"}
	if action == PDTrigger {
		ev.Payload = pdPayload(n)
	}
	return ev, nil
}

func pdPayload(n model.Notice) *PDPayload {
	sev := n.Severity
	if sev == 0 && n.Incident != nil {
		sev = n.Incident.Severity
	}
	p := &PDPayload{Summary: truncate(model.SanitizeLine(n.Summary), MaxPDSummary), Source: "flightdeck",
		Severity: PDSeverity(sev), Timestamp: stamp(n.At), Class: string(n.Kind),
		CustomDetails: map[string]any{"kind": string(n.Kind), "key": n.Key, "text": n.Text}}
	if p.Summary == "" {
		p.Summary = string(n.Kind)
	}
	cd := p.CustomDetails
	if n.Actor != "" {
		cd["actor"] = n.Actor
	}
	if i := n.Incident; i != nil {
		cd["incident"] = i.Ref
		cd["incident_title"] = i.Title
		cd["incident_severity"] = i.Severity.Label()
		cd["incident_status"] = string(i.Status)
		if i.Commander != "" {
			cd["commander"] = i.Commander
		}
	}
	if d := n.Deployment; d != nil {
		p.Source = "flightdeck/" + d.Service
		p.Component, p.Group = d.Service, d.Environment
		cd["deployment"] = fmt.Sprintf("%s %s to %s (#%d)", d.Service, d.Version, d.Environment, d.ID)
	}
	if s := n.Step; s != nil {
		cd["step"] = map[string]any{"number": s.Number, "role": s.Role, "person": s.Person, "due": stamp(s.Due)}
	}
	if n.Reason != "" {
		cd["reason"] = n.Reason
	}
	return p
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type pagerDuty struct{ *httpSender }

func (p *pagerDuty) Send(ctx context.Context, n model.Notice) error {
	if n.Kind == model.NoticeTest {
		return p.test(ctx, n)
	}
	ev, err := PDEventFor(p.cfg.RoutingKey, n)
	if err != nil {
		return p.permanent("%v", err)
	}
	return p.send(ctx, ev)
}

// test triggers an event under a key of its own and resolves it at once,
// so a test never leaves a page open.
func (p *pagerDuty) test(ctx context.Context, n model.Notice) error {
	key := fmt.Sprintf("flightdeck-test-%d", now().Unix())
	if n.Summary == "" {
		n.Summary = "flightdeck test notification"
	}
	pl := pdPayload(n)
	pl.Severity = "info"
	if err := p.send(ctx, PDEvent{RoutingKey: p.cfg.RoutingKey, EventAction: PDTrigger, DedupKey: key, Payload: pl, Client: "flightdeck"}); err != nil {
		return err
	}
	if err := p.send(ctx, PDEvent{RoutingKey: p.cfg.RoutingKey, EventAction: PDResolve, DedupKey: key, Client: "flightdeck"}); err != nil {
		return p.permanent("the test event %s was triggered but not resolved (%s): resolve it in PagerDuty", key, strings.TrimPrefix(err.Error(), p.label()+": "))
	}
	return nil
}

func (p *pagerDuty) send(ctx context.Context, ev PDEvent) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return p.permanent("cannot encode the event: %v", err)
	}
	body, err := model.SanitizeJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	if err != nil {
		return p.permanent("cannot encode the event: %v", err)
	}
	return p.post(ctx, body, nil)
}
