package send

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// request is one delivery the receiver saw.
type request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// receiver is a local HTTP endpoint that records every request and answers
// with the statuses it is told (then with the last one, or 200).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	reqs     []request
	statuses []int
	body     string // response body
	header   http.Header
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, header: http.Header{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, request{req.Method, req.URL.RequestURI(), req.Header.Clone(), b})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status = r.statuses[0]
			if len(r.statuses) > 1 {
				r.statuses = r.statuses[1:]
			}
		}
		body := r.body
		for k, v := range r.header {
			w.Header()[k] = v
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

var at = time.Date(2026, 12, 1, 9, 55, 23, 120_000_000, time.UTC)

func incidentNotice(kind model.NoticeKind) model.Notice {
	return model.Notice{
		Kind: kind, Key: string(kind) + ":INC-3:e41", EventID: 41, At: at, Actor: "Priya Raman",
		Summary: "INC-3 SEV1 opened: checkout returns 500s", Text: "Priya Raman opened INC-3 (SEV1): checkout returns 500s",
		Severity: model.SEV1,
		Incident: &model.NoticeIncident{ID: 3, Ref: "INC-3", Title: "checkout returns 500s", Severity: model.SEV1, Status: model.IncidentOpen, Commander: "Priya Raman"},
		Deployment: &model.NoticeDeployment{ID: 7, Service: "checkout", Version: "1.4.2", Environment: "production",
			Strategy: model.StrategyCanary, Stage: "25%", Status: model.StatusInProgress},
	}
}

func updateNotice() model.Notice {
	n := incidentNotice(model.NoticeUpdatePosted)
	n.Deployment = nil
	n.Actor = "Sam Okafor"
	n.Summary = "INC-3 stakeholder update: checkout errors <5% & falling"
	n.Text = "Sam Okafor posted a stakeholder update"
	n.Update = &model.StakeholderUpdate{Conditions: "Checkout errors at 4%, down from 30% <ok>", Actions: "Rolled back 1.4.2; watching @channel", Needs: "A DBA on the call"}
	n.Due = at.Add(30 * time.Minute)
	return n
}

func fast() Backoff {
	return Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond, Attempts: 6}
}

func mustNew(t *testing.T, c config.Sender) Sender {
	t.Helper()
	s, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWebhookBodySignatureHeaders(t *testing.T) {
	r := newReceiver(t, http.StatusNoContent)
	now = func() time.Time { return at.Add(2 * time.Second) }
	t.Cleanup(func() { now = time.Now })
	UserAgent = "flightdeck/v1.2.3"
	t.Cleanup(func() { UserAgent = "flightdeck/dev" })
	s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: r.URL + "/hook?x=1", Secret: "whsec",
		Headers: map[string]string{"Authorization": "Bearer tok", "X-Team": "ops"}, Timeout: time.Second})
	n := incidentNotice(model.NoticeIncidentOpened)
	n.Text = "opened \x1b]52;c;aGk=\x07with\u202e controls\nand a second line"
	n.Step = &model.NoticeStep{Number: 2, Role: "Engineering Lead", Person: "Sam", Due: at.Add(15 * time.Minute)}
	if attempts, err := Deliver(context.Background(), s, n, fast()); err != nil || attempts != 1 {
		t.Fatalf("Deliver = %d, %v", attempts, err)
	}
	reqs := r.got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	req := reqs[0]
	if req.Method != "POST" || req.Path != "/hook?x=1" {
		t.Errorf("%s %s", req.Method, req.Path)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "flightdeck/v1.2.3", "Authorization": "Bearer tok", "X-Team": "ops",
		"X-Flightdeck-Delivery": n.Key, "X-Flightdeck-Timestamp": strconv.FormatInt(at.Unix()+2, 10),
	} {
		if got := req.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	// The signature, with Verify and by hand.
	ts, sig := req.Header.Get(HeaderTimestamp), req.Header.Get(HeaderSignature)
	if !Verify("whsec", ts, req.Body, sig) {
		t.Errorf("Verify refuses the delivery's own signature %q", sig)
	}
	m := hmac.New(sha256.New, []byte("whsec"))
	m.Write([]byte(ts + "." + string(req.Body)))
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); sig != want {
		t.Errorf("signature %q, hand-computed %q", sig, want)
	}
	// The README's openssl example computes this very value.
	if got := Sign("whsec-example", "1796118923", []byte(`{"schema":"flightdeck.notice.v1","kind":"test"}`)); got != "sha256=b4b66e08f40cc06d2913ab2357ceb7fa16273d4b6a2835c92738335d10cef4d2" {
		t.Errorf("Sign = %s, not the README's", got)
	}
	for _, bad := range []struct{ secret, ts, body, sig string }{
		{"other", ts, string(req.Body), sig},
		{"whsec", strconv.FormatInt(at.Unix()+3, 10), string(req.Body), sig},
		{"whsec", ts, string(req.Body) + " ", sig},
		{"whsec", ts, string(req.Body), strings.TrimPrefix(sig, "sha256=")},
		{"", ts, string(req.Body), Sign("", ts, req.Body)},
	} {
		if Verify(bad.secret, bad.ts, []byte(bad.body), bad.sig) {
			t.Errorf("Verify accepts %+v", bad)
		}
	}

	// The body: strictly the schema struct, and every key present.
	var doc NoticeV1
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("body does not decode into NoticeV1: %v\n%s", err, req.Body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(req.Body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "kind", "key", "event_id", "at", "actor", "summary", "text", "severity", "incident", "deployment", "update", "step", "due", "reason"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("key %q missing from %s", k, req.Body)
		}
	}
	if len(raw) != 15 {
		t.Errorf("body has %d keys", len(raw))
	}
	if string(raw["update"]) != "null" || string(raw["due"]) != "null" {
		t.Errorf("update %s due %s: null when they do not apply", raw["update"], raw["due"])
	}
	if doc.Schema != "flightdeck.notice.v1" || doc.Kind != "incident_opened" || doc.Key != n.Key || doc.EventID != 41 ||
		doc.At != "2026-12-01T09:55:23.120Z" || doc.Actor != "Priya Raman" || doc.Severity == nil || *doc.Severity != "SEV1" {
		t.Errorf("body = %+v", doc)
	}
	if *doc.Incident != (IncidentV1{ID: 3, Ref: "INC-3", Title: "checkout returns 500s", Severity: "SEV1", Status: "open", Commander: "Priya Raman"}) {
		t.Errorf("incident = %+v", *doc.Incident)
	}
	if *doc.Deployment != (DeploymentV1{ID: 7, Service: "checkout", Version: "1.4.2", Environment: "production", Strategy: "canary", Stage: "25%", Status: "in_progress"}) {
		t.Errorf("deployment = %+v", *doc.Deployment)
	}
	if *doc.Step != (StepV1{Number: 2, Role: "Engineering Lead", Person: "Sam", Due: "2026-12-01T10:10:23.120Z"}) {
		t.Errorf("step = %+v", *doc.Step)
	}
	if doc.Text != "opened with controls\nand a second line" {
		t.Errorf("text not cleaned: %q", doc.Text)
	}

	// An update notice: update and due filled; a notice about no incident:
	// severity and incident null.
	r2 := newReceiver(t)
	s2 := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: r2.URL})
	if err := s2.Send(context.Background(), updateNotice()); err != nil {
		t.Fatal(err)
	}
	dep := model.Notice{Kind: model.NoticeRolloutAborted, Key: "rollout_aborted:d7:e50", EventID: 50, At: at, Reason: "p99 doubled",
		Deployment: &model.NoticeDeployment{ID: 7, Service: "checkout"}}
	if err := s2.Send(context.Background(), dep); err != nil {
		t.Fatal(err)
	}
	got := r2.got()
	if len(got) != 2 || got[0].Header.Get(HeaderSignature) != "" || got[0].Header.Get(HeaderTimestamp) != "" {
		t.Fatalf("no secret, no signature: %+v", got)
	}
	var up, ab map[string]any
	json.Unmarshal(got[0].Body, &up)
	json.Unmarshal(got[1].Body, &ab)
	if u, _ := up["update"].(map[string]any); u["needs"] != "A DBA on the call" || up["due"] != "2026-12-01T10:25:23.120Z" {
		t.Errorf("update body = %s", got[0].Body)
	}
	if !strings.Contains(string(got[0].Body), `"summary":"INC-3 stakeholder update: checkout errors <5% & falling"`) {
		t.Errorf("HTML characters escaped: %s", got[0].Body)
	}
	if ab["severity"] != nil || ab["incident"] != nil || ab["reason"] != "p99 doubled" {
		t.Errorf("abort body = %s", got[1].Body)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s:\ngot\n%s\nwant\n%s", name, got, want)
	}
}

func TestSlackBody(t *testing.T) {
	r := newReceiver(t)
	s := mustNew(t, config.Sender{Name: "chat", Type: config.SenderSlack, URL: r.URL + "/services/T000/B000/XXXX",
		Link: "https://fd.example.com/incidents/{ref}?service={service}"})
	ctx := context.Background()
	opened := incidentNotice(model.NoticeIncidentOpened)
	if err := s.Send(ctx, opened); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, updateNotice()); err != nil {
		t.Fatal(err)
	}
	reqs := r.got()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, name := range []string{"slack-incident-opened.txt", "slack-update-posted.txt"} {
		var body map[string]any
		dec := json.NewDecoder(bytes.NewReader(reqs[i].Body))
		if err := dec.Decode(&body); err != nil || len(body) != 1 {
			t.Fatalf("body %s: %v: want {\"text\": …} alone", reqs[i].Body, err)
		}
		if reqs[i].Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", reqs[i].Header.Get("Content-Type"))
		}
		golden(t, name, body["text"].(string)+"\n")
	}
	// A deployment notice: the kind's badge, the deployment, the reason.
	abort := model.Notice{Kind: model.NoticeRolloutAborted, Key: "rollout_aborted:d7:e50", EventID: 50, At: at, Actor: "Sam Okafor",
		Summary: "checkout 1.4.2 canary aborted at 25%", Reason: "p99 latency doubled <2x>",
		Deployment: &model.NoticeDeployment{ID: 7, Service: "checkout", Version: "1.4.2", Environment: "production", Stage: "25%"}}
	golden(t, "slack-rollout-aborted.txt", SlackText(abort, "https://fd.example.com/deployments/{deployment}")+"\n")
	// A link whose placeholder the notice has no value for is left out.
	if got := SlackText(updateNotice(), "https://fd.example.com/{service}"); strings.Contains(got, "<https") {
		t.Errorf("link with a missing value: %s", got)
	}
	if got := SlackText(opened, ""); strings.Contains(got, "<http") {
		t.Errorf("no link configured, a link shown: %s", got)
	}
}

func TestSlackEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b < c > d", "a &amp; b &lt; c &gt; d"},
		{"<!channel> wake up", "&lt;!channel&gt; wake up"},
		{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"&amp; stays literal", "&amp;amp; stays literal"},
		{"ping @channel and @HERE", "ping @\u2060channel and @\u2060HERE"},
		{"mail alice@allan.example", "mail alice@allan.example"},
		{"line\nbreak\ttab", "line break tab"},
		{"osc \x1b]8;;http://x\x1b\\link", "osc link"},
		{"bidi \u202eevil", "bidi evil"},
	} {
		if got := SlackEscape(tc.in); got != tc.want {
			t.Errorf("SlackEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSlackEscape(f *testing.F) {
	for _, s := range []string{"a<b>&c", "<!here>", "@channel", "\x1b[31mred", "&lt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SlackEscape(s)
		if strings.ContainsAny(got, "<>\n\r\x1b") {
			t.Errorf("SlackEscape(%q) = %q keeps markup or controls", s, got)
		}
		// Every & starts an entity flightdeck wrote.
		for i := strings.IndexByte(got, '&'); i >= 0; i = indexFrom(got, '&', i+1) {
			rest := got[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("bare & in %q", got)
			}
		}
		if mention().MatchString(got) {
			t.Errorf("a live mention in %q", got)
		}
	})
}

func indexFrom(s string, c byte, from int) int {
	if from >= len(s) {
		return -1
	}
	if j := strings.IndexByte(s[from:], c); j >= 0 {
		return from + j
	}
	return -1
}

func TestPagerDutyLifecycle(t *testing.T) {
	r := newReceiver(t, http.StatusAccepted)
	r.body = `{"status":"success","message":"Event processed","dedup_key":"INC-3"}`
	s := mustNew(t, config.Sender{Name: "pd", Type: config.SenderPagerDuty, URL: r.URL + "/v2/enqueue", RoutingKey: "R0UTKEY"})
	ctx := context.Background()
	for _, k := range []model.NoticeKind{model.NoticeIncidentOpened, model.NoticeIncidentAcknowledged, model.NoticeIncidentResolved} {
		if n, err := Deliver(ctx, s, incidentNotice(k), fast()); err != nil || n != 1 {
			t.Fatalf("%s: %d %v", k, n, err)
		}
	}
	reqs := r.got()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, want := range []string{"trigger", "acknowledge", "resolve"} {
		var ev map[string]any
		if err := json.Unmarshal(reqs[i].Body, &ev); err != nil {
			t.Fatal(err)
		}
		if reqs[i].Path != "/v2/enqueue" || ev["routing_key"] != "R0UTKEY" || ev["event_action"] != want || ev["dedup_key"] != "INC-3" {
			t.Errorf("event %d = %s", i, reqs[i].Body)
		}
		pl, hasPayload := ev["payload"].(map[string]any)
		if hasPayload != (want == "trigger") {
			t.Errorf("%s: payload %v (a trigger only)", want, ev["payload"])
		}
		if want == "trigger" {
			if pl["summary"] != "INC-3 SEV1 opened: checkout returns 500s" || pl["severity"] != "critical" || pl["source"] != "flightdeck/checkout" ||
				pl["timestamp"] != "2026-12-01T09:55:23.120Z" || pl["component"] != "checkout" || pl["group"] != "production" {
				t.Errorf("payload = %v", pl)
			}
			cd := pl["custom_details"].(map[string]any)
			if cd["kind"] != "incident_opened" || cd["incident_title"] != "checkout returns 500s" || cd["text"] == "" {
				t.Errorf("custom_details = %v", cd)
			}
		}
	}
	// Severity mapping and the summary limit.
	for sev, want := range map[model.Severity]string{model.SEV1: "critical", model.SEV2: "error", model.SEV3: "warning", model.SEV4: "info"} {
		n := incidentNotice(model.NoticeEscalationDue)
		n.Severity = sev
		n.Summary = strings.Repeat("é", 2000)
		ev, err := PDEventFor("k", n)
		if err != nil || ev.EventAction != "trigger" || ev.Payload.Severity != want || len([]rune(ev.Payload.Summary)) != MaxPDSummary {
			t.Errorf("%s: %+v %v", sev, ev.Payload, err)
		}
	}
	// Other kinds are refused, permanently, without a request.
	before := len(r.got())
	n, err := Deliver(ctx, s, updateNotice(), fast())
	if err == nil || Retryable(err) || n != 1 || !strings.Contains(err.Error(), "pagerduty pd: pagerduty takes only incident_opened, escalation_due, incident_acknowledged, incident_resolved (and test), not update_posted") {
		t.Errorf("update to pagerduty: %d %v", n, err)
	}
	if len(r.got()) != before {
		t.Errorf("a refused notice was sent")
	}
}

func TestPagerDutyTestResolvesItself(t *testing.T) {
	r := newReceiver(t, http.StatusAccepted)
	now = func() time.Time { return at }
	t.Cleanup(func() { now = time.Now })
	s := mustNew(t, config.Sender{Name: "pd", Type: config.SenderPagerDuty, URL: r.URL, RoutingKey: "k"})
	if err := s.Send(context.Background(), model.Notice{Kind: model.NoticeTest, At: at, Summary: "flightdeck test from priya"}); err != nil {
		t.Fatal(err)
	}
	reqs := r.got()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	var a, b PDEvent
	json.Unmarshal(reqs[0].Body, &a)
	json.Unmarshal(reqs[1].Body, &b)
	key := "flightdeck-test-" + strconv.FormatInt(at.Unix(), 10)
	if a.EventAction != "trigger" || a.DedupKey != key || a.Payload == nil || a.Payload.Severity != "info" || a.Payload.Summary != "flightdeck test from priya" ||
		b.EventAction != "resolve" || b.DedupKey != key || b.Payload != nil {
		t.Errorf("test events: %s then %s", reqs[0].Body, reqs[1].Body)
	}
	// Every sender takes a test.
	for _, typ := range []string{config.SenderWebhook, config.SenderSlack} {
		s := mustNew(t, config.Sender{Name: "t", Type: typ, URL: r.URL})
		if err := s.Send(context.Background(), model.Notice{Kind: model.NoticeTest, Key: "test:1", At: at, Summary: "flightdeck test"}); err != nil {
			t.Errorf("%s test: %v", typ, err)
		}
	}
}

func TestDeliverRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("503 twice then 202", func(t *testing.T) {
		r := newReceiver(t, 503, 503, 202)
		s := mustNew(t, config.Sender{Name: "pd", Type: config.SenderPagerDuty, URL: r.URL, RoutingKey: "k"})
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), fast())
		if err != nil || n != 3 || len(r.got()) != 3 {
			t.Errorf("attempts %d, requests %d, %v", n, len(r.got()), err)
		}
		if reqs := r.got(); !bytes.Equal(reqs[0].Body, reqs[2].Body) {
			t.Errorf("a retry sends the same event")
		}
	})
	t.Run("400 is not retried", func(t *testing.T) {
		r := newReceiver(t, 400)
		r.body = `{"status":"invalid event","message":"Event object is invalid","errors":["'routing_key' is invalid"]}`
		s := mustNew(t, config.Sender{Name: "pd", Type: config.SenderPagerDuty, URL: r.URL, RoutingKey: "R0000000000000000000000000000001"})
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), fast())
		want := `pagerduty pd: HTTP 400 Bad Request: {"status":"invalid event","message":"Event object is invalid","errors":["'routing_key' is invalid"]}`
		if n != 1 || len(r.got()) != 1 || err == nil || Retryable(err) || err.Error() != want {
			t.Errorf("attempts %d, requests %d, %v", n, len(r.got()), err)
		}
		var rt interface{ Retryable() bool }
		if !errors.As(err, &rt) || rt.Retryable() {
			t.Errorf("the outbox's Retryable() method says retry")
		}
		var e *Error
		if !errors.As(err, &e) || e.Status != 400 || e.Sender != "pd" {
			t.Errorf("%#v", err)
		}
	})
	t.Run("503 every time: gives up after Attempts", func(t *testing.T) {
		r := newReceiver(t, 503)
		r.body = "upstream down\n\x1b[2J<html>" + strings.Repeat("x", 500)
		s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: r.URL})
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond, Attempts: 4})
		if n != 4 || len(r.got()) != 4 || !Retryable(err) {
			t.Errorf("attempts %d, requests %d, %v", n, len(r.got()), err)
		}
		want := "webhook ops: HTTP 503 Service Unavailable: upstream down <html>" + strings.Repeat("x", 200-len("upstream down <html>")) + "…"
		if err.Error() != want {
			t.Errorf("error\n%s\nwant\n%s", err, want)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		r := newReceiver(t, 429, 200)
		r.header.Set("Retry-After", "1")
		s := mustNew(t, config.Sender{Name: "chat", Type: config.SenderSlack, URL: r.URL})
		start := time.Now()
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), Backoff{Initial: time.Millisecond, Max: 50 * time.Millisecond, Attempts: 3})
		if err != nil || n != 2 {
			t.Errorf("attempts %d, %v", n, err)
		}
		if d := time.Since(start); d < 50*time.Millisecond || d > 900*time.Millisecond {
			t.Errorf("waited %s: Retry-After honoured up to Backoff.Max (50ms)", d)
		}
	})
	t.Run("network error is retried", func(t *testing.T) {
		r := newReceiver(t)
		url := r.URL
		r.Close()
		s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: url})
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), Backoff{Initial: time.Millisecond, Max: time.Millisecond, Attempts: 3})
		if n != 3 || !Retryable(err) || !strings.Contains(err.Error(), "webhook ops: Post "+url+": dial tcp") {
			t.Errorf("attempts %d: %v", n, err)
		}
	})
	t.Run("timeout is retried", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
		t.Cleanup(func() { close(block); srv.Close() })
		s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: srv.URL, Timeout: 20 * time.Millisecond})
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), Backoff{Initial: time.Millisecond, Max: time.Millisecond, Attempts: 2})
		if n != 2 || !Retryable(err) || err.Error() != "webhook ops: no answer from "+srv.URL+" within 20ms" {
			t.Errorf("attempts %d: %v", n, err)
		}
	})
	t.Run("context end stops the retries", func(t *testing.T) {
		r := newReceiver(t, 503)
		s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: r.URL})
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		n, err := Deliver(cctx, s, incidentNotice(model.NoticeIncidentOpened), Backoff{Initial: 10 * time.Second, Max: 10 * time.Second, Attempts: 6})
		if n != 1 || err == nil || time.Since(start) > 5*time.Second {
			t.Errorf("attempts %d after %s: %v", n, time.Since(start), err)
		}
	})
	t.Run("redirects are not followed", func(t *testing.T) {
		r := newReceiver(t, http.StatusFound)
		r.header.Set("Location", "https://elsewhere.example/")
		s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: r.URL})
		n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), fast())
		if n != 1 || Retryable(err) || !strings.Contains(fmt_(err), "HTTP 302 Found: flightdeck does not follow redirects") {
			t.Errorf("attempts %d: %v", n, err)
		}
	})
}

func fmt_(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: 1 * time.Second, Attempts: 6}
	for next, base := range map[int]time.Duration{2: 100 * time.Millisecond, 3: 200 * time.Millisecond, 4: 400 * time.Millisecond, 5: 800 * time.Millisecond, 6: time.Second, 9: time.Second} {
		for range 50 {
			if d := b.delay(next); d < base/2 || d > base {
				t.Fatalf("delay before attempt %d = %s, want %s–%s", next, d, base/2, base)
			}
		}
	}
	if got := retryAfter("120", at); got != 2*time.Minute {
		t.Errorf("Retry-After 120 = %s", got)
	}
	if got := retryAfter(at.Add(30*time.Second).Format(http.TimeFormat), at.Truncate(time.Second)); got != 30*time.Second {
		t.Errorf("Retry-After date = %s", got)
	}
	if got := retryAfter("86400", at); got != MaxRetryAfter {
		t.Errorf("Retry-After a day = %s, want the cap", got)
	}
}

// TestSecretsNeverShown: no error message holds the Slack URL (the
// credential), the routing key, the HMAC secret, a header value or a URL's
// query or userinfo, whether the receiver is down or echoes them back.
func TestSecretsNeverShown(t *testing.T) {
	const token = "xoxb-T0KEN-SECRET"
	ctx := context.Background()
	// A receiver that is down: net/http's *url.Error quotes the whole URL.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	echo := newReceiver(t, 500)
	echo.body = "bad hook " + token + " for /services/T000/B000/" + token + " key R0UT-SECRET auth HDR-SECRET q=QUERY-SECRET"
	for _, base := range []string{down, echo.URL} {
		host := strings.TrimPrefix(base, "http://")
		for _, tc := range []struct {
			c       config.Sender
			secrets []string
		}{
			{config.Sender{Name: "chat", Type: config.SenderSlack, URL: base + "/services/T000/B000/" + token}, []string{token}},
			{config.Sender{Name: "pd", Type: config.SenderPagerDuty, URL: base + "/v2/enqueue", RoutingKey: "R0UT-SECRET"}, []string{"R0UT-SECRET"}},
			{config.Sender{Name: "ops", Type: config.SenderWebhook, URL: "http://user:PW-SECRET@" + host + "/hook?q=QUERY-SECRET", Secret: "WH-SECRET",
				Headers: map[string]string{"Authorization": "Bearer HDR-SECRET"}}, []string{"HDR-SECRET", "QUERY-SECRET", "PW-SECRET", "WH-SECRET"}},
		} {
			c, secrets := tc.c, tc.secrets
			s := mustNew(t, c)
			n, err := Deliver(ctx, s, incidentNotice(model.NoticeIncidentOpened), Backoff{Initial: time.Millisecond, Max: time.Millisecond, Attempts: 2})
			if err == nil || n != 2 {
				t.Fatalf("%s via %s: %d %v", c.Name, base, n, err)
			}
			msg := err.Error()
			for _, sec := range secrets {
				if strings.Contains(msg, sec) {
					t.Errorf("%s: the error shows %q: %s", c.Name, sec, msg)
				}
			}
			if !strings.HasPrefix(msg, c.Type+" "+c.Name+": ") {
				t.Errorf("the error does not name the sender: %s", msg)
			}
			t.Logf("%s", msg)
		}
	}
	// A test of PagerDuty whose resolve fails says so, still without the key.
	flaky := newReceiver(t, 202, 500)
	flaky.body = "R0UT-SECRET rejected"
	s := mustNew(t, config.Sender{Name: "pd", Type: config.SenderPagerDuty, URL: flaky.URL, RoutingKey: "R0UT-SECRET"})
	err = s.Send(ctx, model.Notice{Kind: model.NoticeTest, At: at})
	if err == nil || strings.Contains(err.Error(), "R0UT-SECRET") || !strings.Contains(err.Error(), "was triggered but not resolved") || Retryable(err) {
		t.Errorf("test resolve failure: %v", err)
	}
}

// A short header value that is also a word of the message (X-Team: ops
// on the sender named ops) is redacted from the detail, never from the
// sender's name.
func TestShortSecretKeepsTheName(t *testing.T) {
	r := newReceiver(t, 400)
	r.body = "team ops unknown"
	s := mustNew(t, config.Sender{Name: "ops", Type: config.SenderWebhook, URL: r.URL, Headers: map[string]string{"X-Team": "ops"}})
	err := s.Send(context.Background(), incidentNotice(model.NoticeIncidentOpened))
	if err == nil || err.Error() != "webhook ops: HTTP 400 Bad Request: team [redacted] unknown" {
		t.Errorf("%v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, c := range []config.Sender{
		{Name: "c", Type: config.SenderCommand},
		{Name: "x", Type: "teams", URL: "https://x"},
		{Name: "w", Type: config.SenderWebhook, URL: "ftp://x"},
		{Name: "p", Type: config.SenderPagerDuty, URL: config.DefaultPagerDutyURL},
	} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
