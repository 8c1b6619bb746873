package send

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// SchemaV1 names the webhook body's schema; a change that could break a
// receiver gets a new name, fields may be added under this one.
const SchemaV1 = "flightdeck.notice.v1"

// Webhook headers.
const (
	HeaderSignature = "X-Flightdeck-Signature" // sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
	HeaderTimestamp = "X-Flightdeck-Timestamp" // Unix seconds of the signature
	HeaderDelivery  = "X-Flightdeck-Delivery"  // the notice's key: the same for a retry of the same notice
)

// NoticeV1 is the webhook body, schema "flightdeck.notice.v1": one JSON
// object per notice, keys snake_case, every key always present (null when
// it does not apply). Times are RFC 3339 in UTC with milliseconds
// ("2026-12-01T09:55:23.120Z"). All text is cleaned of terminal controls
// and bidirectional overrides (newlines and tabs stay).
//
//	schema      "flightdeck.notice.v1"
//	kind        the notice kind: incident_opened, rollout_aborted, … or test
//	key         deduplication key: the same moment always has the same key
//	            (a receiver that sees a key twice may drop the second)
//	event_id    the timeline event reported (0 for a test)
//	at          when it happened
//	actor       who did it ("" for the clock: a deadline falling due)
//	summary     one line to read first: "INC-3 SEV1 opened: checkout 500s"
//	text        the timeline's sentence, with reasons and update text
//	severity    "SEV1"…"SEV4", or null when the notice is about no incident
//	incident    {id, ref, title, severity, status, commander} or null
//	deployment  {id, service, version, environment, strategy, stage, status} or null
//	update      {conditions, actions, needs} (update_posted) or null
//	step        {number, role, person, due} (escalation_due) or null
//	due         when an update or escalation step is (was) due, or null
//	reason      the reason a person gave (abort, skip, reopen), or ""
type NoticeV1 struct {
	Schema     string        `json:"schema"`
	Kind       string        `json:"kind"`
	Key        string        `json:"key"`
	EventID    int64         `json:"event_id"`
	At         string        `json:"at"`
	Actor      string        `json:"actor"`
	Summary    string        `json:"summary"`
	Text       string        `json:"text"`
	Severity   *string       `json:"severity"`
	Incident   *IncidentV1   `json:"incident"`
	Deployment *DeploymentV1 `json:"deployment"`
	Update     *UpdateV1     `json:"update"`
	Step       *StepV1       `json:"step"`
	Due        *string       `json:"due"`
	Reason     string        `json:"reason"`
}

// IncidentV1 is the incident a notice is about, as it is now.
type IncidentV1 struct {
	ID        int64  `json:"id"`
	Ref       string `json:"ref"`      // "INC-3"
	Title     string `json:"title"`    //
	Severity  string `json:"severity"` // "SEV1"
	Status    string `json:"status"`   // open, mitigated or resolved
	Commander string `json:"commander"`
}

// DeploymentV1 is the deployment a notice is about.
type DeploymentV1 struct {
	ID          int64  `json:"id"`
	Service     string `json:"service"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
	Strategy    string `json:"strategy"` // canary, blue-green, feature-flag, all-at-once
	Stage       string `json:"stage"`    // the rollout's stage now; "" without a rollout
	Status      string `json:"status"`   // planned, in_progress, completed, rolled_back, aborted
}

// UpdateV1 is a stakeholder update as posted.
type UpdateV1 struct {
	Conditions string `json:"conditions"`
	Actions    string `json:"actions"`
	Needs      string `json:"needs"`
}

// StepV1 is an escalation step that fell due.
type StepV1 struct {
	Number int    `json:"number"`
	Role   string `json:"role"`
	Person string `json:"person"`
	Due    string `json:"due"`
}

// TimeFormat is how the schema writes times.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

func stamp(t time.Time) string { return t.UTC().Format(TimeFormat) }

// BodyV1 is the schema's value for n.
func BodyV1(n model.Notice) NoticeV1 {
	b := NoticeV1{Schema: SchemaV1, Kind: string(n.Kind), Key: n.Key, EventID: n.EventID, At: stamp(n.At),
		Actor: n.Actor, Summary: model.SanitizeLine(n.Summary), Text: n.Text, Reason: n.Reason}
	if n.Severity.Valid() {
		s := n.Severity.Label()
		b.Severity = &s
	}
	if i := n.Incident; i != nil {
		b.Incident = &IncidentV1{ID: i.ID, Ref: i.Ref, Title: i.Title, Severity: i.Severity.Label(), Status: string(i.Status), Commander: i.Commander}
	}
	if d := n.Deployment; d != nil {
		b.Deployment = &DeploymentV1{ID: d.ID, Service: d.Service, Version: d.Version, Environment: d.Environment,
			Strategy: string(d.Strategy), Stage: d.Stage, Status: string(d.Status)}
	}
	if u := n.Update; u != nil {
		b.Update = &UpdateV1{Conditions: u.Conditions, Actions: u.Actions, Needs: u.Needs}
	}
	if s := n.Step; s != nil {
		b.Step = &StepV1{Number: s.Number, Role: s.Role, Person: s.Person, Due: stamp(s.Due)}
	}
	if !n.Due.IsZero() {
		d := stamp(n.Due)
		b.Due = &d
	}
	return b
}

// EncodeV1 is the webhook body for n, as sent: compact JSON, HTML
// characters unescaped, every string cleaned as model.SanitizeJSON does.
func EncodeV1(n model.Notice) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(BodyV1(n)); err != nil {
		return nil, err
	}
	return model.SanitizeJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// Sign is the signature header's value for body sent at timestamp (Unix
// seconds, as in the timestamp header): "sha256=" and the hex HMAC-SHA256
// of timestamp + "." + body under secret.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature (the X-Flightdeck-Signature header) is
// right for body and timestamp (the X-Flightdeck-Timestamp header) under
// secret, in constant time. A receiver should also refuse a timestamp far
// from its own clock (five minutes, say), so a recorded delivery cannot
// be replayed.
func Verify(secret, timestamp string, body []byte, signature string) bool {
	if secret == "" || timestamp == "" || !strings.HasPrefix(signature, "sha256=") {
		return false
	}
	if _, err := strconv.ParseInt(timestamp, 10, 64); err != nil {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature))
}

type webhook struct{ *httpSender }

func (w *webhook) Send(ctx context.Context, n model.Notice) error {
	body, err := EncodeV1(n)
	if err != nil {
		return w.permanent("cannot encode the notice: %v", err)
	}
	h := http.Header{}
	for k, v := range w.cfg.Headers {
		h.Set(k, v)
	}
	h.Set(HeaderDelivery, model.SanitizeLine(n.Key))
	if w.cfg.Secret != "" {
		ts := strconv.FormatInt(now().Unix(), 10)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, Sign(w.cfg.Secret, ts, body))
	}
	return w.post(ctx, body, h)
}
