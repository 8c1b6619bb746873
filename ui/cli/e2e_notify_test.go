package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/notify/promtest"
	"github.com/octoacme/flightdeck/data/notify/send"
)

// delivery is one request a local receiver got.
type delivery struct {
	path   string
	header http.Header
	body   []byte
}

// receiver is a local HTTP server standing in for a webhook endpoint, a
// Slack incoming webhook and PagerDuty's Events API at once; it records
// every delivery and answers with the status fail returns (0: success).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []delivery
	fail func(path string, n int) int
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := 0
		for _, d := range r.got {
			if d.path == req.URL.Path {
				n++
			}
		}
		status := 0
		if r.fail != nil {
			status = r.fail(req.URL.Path, n)
		}
		if status == 0 {
			r.got = append(r.got, delivery{path: req.URL.Path, header: req.Header.Clone(), body: body})
		}
		r.mu.Unlock()
		switch {
		case status != 0:
			http.Error(w, http.StatusText(status), status)
		case strings.HasPrefix(req.URL.Path, "/pd/"):
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"status":"success","message":"Event processed"}`)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// at returns the deliveries to path, decoded as JSON objects.
func (r *receiver) at(t *testing.T, path string) []map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, d := range r.got {
		if d.path != path {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(d.body, &m); err != nil {
			t.Fatalf("%s got a body that is not JSON: %v\n%s", path, err, d.body)
		}
		out = append(out, m)
	}
	return out
}

// waitDelivered polls until cond holds of the deliveries to path.
func (r *receiver) waitDelivered(t *testing.T, path, what string, cond func([]map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		got := r.at(t, path)
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s at %s; got:\n%s", what, path, dump(got))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dump(ms []map[string]any) string {
	var b strings.Builder
	for _, m := range ms {
		j, _ := json.Marshal(m)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func kindsOf(ms []map[string]any) []string {
	var out []string
	for _, m := range ms {
		k, _ := m["kind"].(string)
		out = append(out, k)
	}
	return out
}

func hasKind(kind string) func([]map[string]any) bool {
	return func(ms []map[string]any) bool { return slices.Contains(kindsOf(ms), kind) }
}

// pdActions is the event_action of each PagerDuty delivery.
func pdActions(ms []map[string]any) []string {
	var out []string
	for _, m := range ms {
		a, _ := m["event_action"].(string)
		out = append(out, a)
	}
	return out
}

// TestE2ENotificationsReachEverySender is issue 14's "done when": with a
// dashboard open and a configuration naming a webhook, a Slack-style and a
// PagerDuty-style receiver (local) and a Prometheus probe (a real
// Prometheus scraping an exporter this test serves): the error rate rising
// meets the rule and the rollout pane and deploy status say so; stopping
// the exporter turns health unknown within about a probe interval; opening
// a SEV1, acknowledging it, posting an update, aborting the canary and
// resolving the incident deliver each event once to the senders that route
// it, in order.
func TestE2ENotificationsReachEverySender(t *testing.T) {
	rcv := newReceiver(t)
	exp := promtest.StartExporter(t)
	exp.Set(199, 1) // 0.5% errors
	prom := promtest.Start(t, exp.Addr())
	exp.Scraped(t, 3)
	db := liveCanary(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	// The configuration as the README shows it, secrets from the environment.
	yaml := fmt.Sprintf(`notifications:
  - name: ops-hook
    type: webhook
    url: %[1]s/hook
    secret_env: FD_E2E_HOOK_SECRET
    headers:
      X-Team: payments
  - name: incidents
    type: slack
    url_env: FD_E2E_SLACK_URL
    link: https://status.example.com/incidents/{ref}
  - name: pager
    type: pagerduty
    url: %[1]s/pd/v2/enqueue
    routing_key_env: FD_E2E_PD_KEY
probe:
  type: prometheus
  url: %[2]s
  query: >-
    (sum(rate(http_requests_total{service="{{.Service}}",code=~"5.."}[10s]))
    / sum(rate(http_requests_total{service="{{.Service}}"}[10s])))
    and on() count(http_requests_total{service="{{.Service}}"})
  interval: 2s
  timeout: 1500ms
`, rcv.URL, prom.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret, slackToken, pdKey = "e2e-hmac-secret", "T000/B000/e2eSLACKtoken", "R0UT1NGKEYe2e000000000000000000"
	env := []string{"FD_E2E_HOOK_SECRET=" + secret, "FD_E2E_SLACK_URL=" + rcv.URL + "/slack/" + slackToken, "FD_E2E_PD_KEY=" + pdKey}
	x := newTmux(t)
	x.start(120, 40, append(append([]string{"env"}, env...), flightdeckBin(t), "--db", db, "--config", cfg)...)
	x.waitText("SOAKING")

	// The probe reads Prometheus; the error rate rises past the rule.
	x.keys("2")
	x.waitText("▶ 2 Rollout")
	x.waitFor("a probed reading of about 0.5%", func(s string) bool { return strings.Contains(s, "0.5%") })
	exp.Set(70, 30) // 30% errors
	x.waitText("ROLLBACK CRITERIA MET")
	rcv.waitDelivered(t, "/hook", "rollback_criteria_met", hasKind("rollback_criteria_met"))
	var st []map[string]any
	if err := json.Unmarshal([]byte(cli(t, db, "deploy", "status", "--json")), &st); err != nil || len(st) != 1 {
		t.Fatalf("deploy status --json: %v", err)
	}
	h, _ := st[0]["health"].(map[string]any)
	if h == nil || h["criteria_met"] != true {
		t.Errorf("deploy status health = %v, want criteria met", h)
	}
	if out := cli(t, db, "deploy", "status"); !strings.Contains(out, "ROLLBACK CRITERIA MET") {
		t.Errorf("deploy status does not say the criteria are met:\n%s", out)
	}
	// The exporter stops: health unknown within about one probe interval.
	stopped := time.Now()
	exp.SetDown(true)
	x.waitText("? health unknown: probe failing since")
	t.Logf("health unknown %s after the exporter stopped (probe interval 2s)", time.Since(stopped).Round(100*time.Millisecond))
	if out := cli(t, db, "deploy", "status"); !strings.Contains(out, "probe failing since") {
		t.Errorf("deploy status does not say the probe fails:\n%s", out)
	}

	cli(t, db, "incident", "open", "--sev", "1", "--deploy", "1", "checkout 5xx at 100% of EU traffic")
	rcv.waitDelivered(t, "/hook", "escalation_due", hasKind("escalation_due"))
	cli(t, db, "incident", "ack", "INC-1", "--reached", "Ana (on-call)")
	cli(t, db, "incident", "update", "INC-1", "--conditions", "checkout failing for EU users",
		"--actions", "aborting the canary v2.14.0", "--needs", "DBA on call")
	cli(t, db, "deploy", "abort", "--yes", "--reason", "error rate 9% on the canary")
	cli(t, db, "incident", "resolve", "INC-1", "--yes", "--root-cause", "connection pool exhausted by v2.14.0")

	hook := rcv.waitDelivered(t, "/hook", "incident_resolved", hasKind("incident_resolved"))
	// Every kind once, in the order it happened.
	want := []string{"rollback_criteria_met", "incident_opened", "freeze_on", "rollout_held", "escalation_due", "incident_acknowledged",
		"update_posted", "rollout_aborted", "incident_resolved"}
	var got []string
	seen := map[string]bool{}
	for _, m := range hook {
		key := m["key"].(string)
		if seen[key] {
			t.Errorf("webhook got %s twice", key)
		}
		seen[key] = true
		if slices.Contains(want, m["kind"].(string)) {
			got = append(got, m["kind"].(string))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("webhook kinds in order = %v, want %v\nall: %v", got, want, kindsOf(hook))
	}
	// Signed, versioned, with the custom header.
	rcv.mu.Lock()
	for _, d := range rcv.got {
		if d.path != "/hook" {
			continue
		}
		if d.header.Get("X-Team") != "payments" || d.header.Get("X-Flightdeck-Signature") == "" || d.header.Get("X-Flightdeck-Timestamp") == "" {
			t.Errorf("webhook headers = %v", d.header)
		}
		if !send.Verify(secret, d.header.Get("X-Flightdeck-Timestamp"), d.body, d.header.Get("X-Flightdeck-Signature")) {
			t.Errorf("webhook signature does not verify for %s", d.body)
		}
	}
	rcv.mu.Unlock()
	for _, m := range hook {
		if m["schema"] != "flightdeck.notice.v1" {
			t.Errorf("schema = %v", m["schema"])
		}
	}
	upd := hook[slices.Index(kindsOf(hook), "update_posted")]
	if b, err := json.MarshalIndent(upd, "", "  "); err == nil {
		t.Logf("webhook body of update_posted:\n%s", b)
	}
	if u, _ := upd["update"].(map[string]any); u == nil || u["conditions"] != "checkout failing for EU users" || u["needs"] != "DBA on call" {
		t.Errorf("update_posted = %v", upd)
	}
	ab := hook[slices.Index(kindsOf(hook), "rollout_aborted")]
	if ab["reason"] != "error rate 9% on the canary" {
		t.Errorf("rollout_aborted = %v", ab)
	}

	// Slack: readable text with the severity, the ref and the link; the
	// incident channel's route (no routine deployment steps).
	slack := rcv.waitDelivered(t, "/slack/"+slackToken, "the resolve", func(ms []map[string]any) bool {
		return len(ms) > 0 && strings.Contains(ms[len(ms)-1]["text"].(string), "resolved")
	})
	// The first is the criteria met (a deployment notice); then the SEV1.
	if !strings.Contains(slack[0]["text"].(string), "ROLLBACK CRITERIA MET") {
		t.Errorf("first slack message:\n%s", slack[0]["text"])
	}
	first := slack[1]["text"].(string)
	for _, w := range []string{"SEV1", "INC-1", "https://status.example.com/incidents/INC-1", "checkout 5xx"} {
		if !strings.Contains(first, w) {
			t.Errorf("slack text lacks %q:\n%s", w, first)
		}
	}
	t.Logf("slack, the incident opening:\n%s", first)
	var updText string
	for _, m := range slack {
		if s := m["text"].(string); strings.Contains(s, "DBA on call") {
			updText = s
		}
	}
	if updText == "" || !strings.Contains(updText, "checkout failing for EU users") {
		t.Errorf("no slack message with the update's text:\n%s", dump(slack))
	}

	// PagerDuty: trigger → trigger (the step due) → acknowledge → resolve,
	// one dedup_key, the routing key, severity critical.
	pd := rcv.waitDelivered(t, "/pd/v2/enqueue", "resolve", func(ms []map[string]any) bool {
		return slices.Contains(pdActions(ms), "resolve")
	})
	if a := pdActions(pd); !slices.Equal(a, []string{"trigger", "trigger", "acknowledge", "resolve"}) {
		t.Errorf("pagerduty actions = %v\n%s", a, dump(pd))
	}
	for _, m := range pd {
		if m["routing_key"] != pdKey || m["dedup_key"] != "INC-1" {
			t.Errorf("pagerduty event = %v", m)
		}
	}
	p, _ := pd[0]["payload"].(map[string]any)
	if p == nil || p["severity"] != "critical" || !strings.Contains(fmt.Sprint(p["summary"]), "INC-1") ||
		!strings.Contains(fmt.Sprint(p["source"]), "checkout-api") {
		t.Errorf("pagerduty payload = %v", p)
	}

	// No secret reached the timeline or the screen.
	out := cli(t, db, "export")
	for _, s := range []string{secret, slackToken, pdKey} {
		if strings.Contains(out, s) || strings.Contains(x.screen(), s) {
			t.Errorf("secret %q leaked", s)
		}
	}
}
