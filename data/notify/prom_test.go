package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// fakeProm answers the Prometheus HTTP API's /api/v1/query with what the
// test sets, and keeps the queries and Authorization headers it got.
type fakeProm struct {
	mu      sync.Mutex
	status  int
	body    string
	hang    time.Duration
	queries []string
	auth    []string
	srv     *httptest.Server
}

func newFakeProm(t *testing.T) *fakeProm {
	f := &fakeProm{status: 200}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query" {
			http.NotFound(w, r)
			return
		}
		_ = r.ParseForm()
		f.mu.Lock()
		f.queries = append(f.queries, r.Form.Get("query"))
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		status, body, hang := f.status, f.body, f.hang
		f.mu.Unlock()
		if hang > 0 {
			select {
			case <-time.After(hang):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProm) set(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body = status, body
}

func vectorJSON(values ...string) string {
	var b strings.Builder
	b.WriteString(`{"status":"success","data":{"resultType":"vector","result":[`)
	for i, v := range values {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"metric":{"service":"checkout-api","n":"` + string(rune('a'+i)) + `"},"value":[1764590000.5,"` + v + `"]}`)
	}
	b.WriteString(`]}}`)
	return b.String()
}

func promProbe(t *testing.T, url, yamlExtra string) *config.Probe {
	t.Helper()
	src := "probe:\n  type: prometheus\n  url: " + url + "\n" +
		"  query: 'sum(rate(http_requests_total{service=\"{{.Service}}\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"{{.Service}}\"}[1m]))'\n" +
		"  interval: 1s\n  timeout: 500ms\n" + yamlExtra
	_, eff, err := config.ParseConfig("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return eff.Probe
}

// TestPromValue: what counts as a reading. Exactly one finite, non-negative
// number; everything else is a failed reading with its reason, never 0%.
func TestPromValue(t *testing.T) {
	f := newFakeProm(t)
	p := promProbe(t, f.srv.URL, "")
	for _, tc := range []struct {
		name   string
		status int
		body   string
		unit   string
		want   float64
		reason string // "" → a reading
	}{
		{"one series, ratio", 200, vectorJSON("0.024"), "", 2.4, ""},
		{"one series, zero", 200, vectorJSON("0"), "", 0, ""},
		{"one series, percent", 200, vectorJSON("2.4"), config.UnitPercent, 2.4, ""},
		{"scalar", 200, `{"status":"success","data":{"resultType":"scalar","result":[1764590000.5,"0.5"]}}`, "", 50, ""},
		{"warnings are fine", 200, `{"status":"success","warnings":["some series dropped"],"data":{"resultType":"vector","result":[{"metric":{},"value":[1764590000.5,"0.01"]}]}}`, "", 1, ""},
		{"empty vector", 200, vectorJSON(), "", 0, "no series"},
		{"two series", 200, vectorJSON("0.01", "0.02"), "", 0, "2 series, not one"},
		{"NaN", 200, vectorJSON("NaN"), "", 0, "NaN"},
		{"+Inf", 200, vectorJSON("+Inf"), "", 0, "+Inf"},
		{"-Inf", 200, vectorJSON("-Inf"), "", 0, "-Inf"},
		{"negative", 200, vectorJSON("-0.5"), "", 0, "a negative error rate"},
		{"above 100%", 200, vectorJSON("2.4"), "", 0, "above 100%: unit is ratio"},
		{"matrix", 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1764590000.5,"0.01"]]}]}}`, "", 0, "a range vector"},
		{"string", 200, `{"status":"success","data":{"resultType":"string","result":[1764590000.5,"x"]}}`, "", 0, "Prometheus at http"},
		{"query error", 400, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected identifier"}`, "", 0, "Prometheus refused it: 1:5: parse error"},
		{"evaluation timeout", 503, `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`, "", 0, "answered server error: 503"},
		{"HTTP 503 without JSON", 503, `Service Unavailable`, "", 0, "answered"},
		{"HTTP 502", 502, `<html>bad gateway</html>`, "", 0, "answered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.set(tc.status, tc.body)
			pp := *p
			prom := *p.Prometheus
			if tc.unit != "" {
				prom.Unit = tc.unit
			}
			pp.Prometheus = &prom
			r := readProm(context.Background(), &pp, config.PromVars{Service: "checkout-api"}, time.Now())
			switch {
			case tc.reason == "" && r.reason != "":
				t.Fatalf("reason %q: want a reading of %v%%", r.reason, tc.want)
			case tc.reason == "" && r.rate != tc.want:
				t.Fatalf("rate %v, want %v", r.rate, tc.want)
			case tc.reason != "" && !strings.Contains(r.reason, tc.reason):
				t.Fatalf("reason %q (rate %v), want one with %q", r.reason, r.rate, tc.reason)
			}
		})
	}
}

// TestPromQueryTemplateAndToken: the query is rendered with the
// deployment's values escaped for a PromQL string, the token goes in the
// Authorization header and never into a reason.
func TestPromQueryTemplateAndToken(t *testing.T) {
	f := newFakeProm(t)
	f.set(200, vectorJSON("0.01"))
	t.Setenv("FD_TEST_PROM_TOKEN", "s3cret-token")
	p := promProbe(t, f.srv.URL, "  bearer_token_env: FD_TEST_PROM_TOKEN\n  baseline_query: 'x{v=\"{{.Version}}\",e=\"{{.Environment}}\",s=\"{{.Stage}}\",d=\"{{.Deployment}}\"}'\n")
	r := readProm(context.Background(), p, config.PromVars{Service: `we"ird\svc`, Version: "v2", Environment: "prod", Stage: "25%", Deployment: 7}, time.Now())
	if r.reason != "" || r.rate != 1 || r.baseline == nil || *r.baseline != 1 {
		t.Fatalf("reading %+v", r)
	}
	f.mu.Lock()
	queries, auth := f.queries, f.auth
	f.mu.Unlock()
	if len(queries) != 2 || !strings.Contains(queries[0], `service="we\"ird\\svc"`) ||
		queries[1] != `x{v="v2",e="prod",s="25%",d="7"}` {
		t.Errorf("queries = %q", queries)
	}
	for _, a := range auth {
		if a != "Bearer s3cret-token" {
			t.Errorf("Authorization = %q", a)
		}
	}
	// A server that echoes the token back in an error: the reason hides it.
	f.set(400, `{"status":"error","errorType":"bad_data","error":"bad token s3cret-token"}`)
	r = readProm(context.Background(), p, config.PromVars{Service: "x"}, time.Now())
	if strings.Contains(r.reason, "s3cret") || !strings.Contains(r.reason, "[redacted]") {
		t.Errorf("reason %q shows the token", r.reason)
	}
}

// TestPromUnreachableAndTimeout: no server, or one that does not answer
// within the timeout, is a failed reading (a timeout says so).
func TestPromUnreachableAndTimeout(t *testing.T) {
	f := newFakeProm(t)
	f.set(200, vectorJSON("0.01"))
	f.hang = 2 * time.Second
	p := promProbe(t, f.srv.URL, "")
	start := time.Now()
	r := readProm(context.Background(), p, config.PromVars{Service: "x"}, time.Now())
	if !r.timedOut || !strings.Contains(r.reason, "no answer from Prometheus") || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("hanging server: %+v after %s", r, time.Since(start))
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL
	gone.Close()
	r = readProm(context.Background(), promProbe(t, url, ""), config.PromVars{Service: "x"}, time.Now())
	if r.reason == "" || !strings.Contains(r.reason, "cannot reach Prometheus at "+url) {
		t.Errorf("no server: %+v", r)
	}
	// The process quitting is neither: the slot is given back.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := readProm(ctx, p, config.PromVars{Service: "x"}, time.Now()); !r.interrupted {
		t.Errorf("cancelled: %+v", r)
	}
}

// stepClock is a Now that moves on one interval per call of step.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestProbeFailureIsAState: N failed readings write one probe.failed, count
// the rest (with the latest reason) in the health the dashboard shows, and
// the first good reading writes one probe.recovered with the count.
func TestProbeFailureIsAState(t *testing.T) {
	for _, kind := range []string{config.ProbePrometheus, config.ProbeCommand} {
		t.Run(kind, func(t *testing.T) {
			s, d, _ := probeSetup(t)
			clock := &stepClock{t: time.Now().Truncate(time.Second).Add(123 * time.Millisecond)}
			f := newFakeProm(t)
			state := t.TempDir() + "/out"
			var p *config.Probe
			if kind == config.ProbePrometheus {
				p = promProbe(t, f.srv.URL, "")
			} else {
				p = config.CommandProbe(&config.Command{Argv: []string{script(t, `cat "`+state+`"`)}, Interval: time.Second, Timeout: 5 * time.Second})
			}
			fail := func(reason int) {
				if kind == config.ProbePrometheus {
					if reason == 0 {
						f.set(200, vectorJSON())
					} else {
						f.set(200, vectorJSON("0.01", "0.02"))
					}
					return
				}
				writeFile(t, state, []string{"", "x\ny\n"}[reason])
			}
			good := func() {
				f.set(200, vectorJSON("0.02"))
				writeFile(t, state, "2\n")
			}
			n := &Notifier{Store: s, Probe: p, Now: clock.now}
			pass := func() {
				t.Helper()
				clock.step(time.Second)
				if _, err := n.Once(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			firstAt := clock.now().Add(time.Second)
			fail(0)
			for range 5 {
				pass()
			}
			fail(1) // a new reason is no new event
			for range 7 {
				pass()
			}
			if evs := eventsOf(t, s, model.EventProbeFailed); len(evs) != 1 ||
				!strings.HasPrefix(evs[0].Text, "probe FAILED for "+data.ProbeWhat(d)+": ") || !strings.HasSuffix(evs[0].Text, "; health unknown") {
				t.Fatalf("probe.failed = %+v: want exactly one", evs)
			}
			h, _, err := s.RolloutHealth(context.Background(), d.ID)
			if err != nil || !h.ProbeFailingSince.Equal(firstAt.Truncate(time.Millisecond)) || h.ProbeFailures != 12 || h.ProbeReason == "" {
				t.Fatalf("health = %+v %v: want failing since %s, 12 attempts", h, err, firstAt)
			}
			g, err := s.RolloutGate(context.Background(), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			r, _, _ := s.Rollout(context.Background(), d.ID)
			c := g.CheckHealth(r, clock.now())
			want := "probe failing since " + firstAt.UTC().Format(time.TimeOnly) + ", 12 attempts: "
			if c.Fresh || !strings.Contains(c.Text(clock.now(), time.UTC), want) {
				t.Errorf("health check %+v: %q, want unknown with %q", c, c.Text(clock.now(), time.UTC), want)
			}
			good()
			pass()
			pass()
			rec := eventsOf(t, s, model.EventProbeRecovered)
			if len(rec) != 1 || rec[0].Text != model.TextProbeRecovered("#1 checkout-api v1", firstAt, 12) {
				t.Fatalf("probe.recovered = %+v: want one saying 12 failed attempts", rec)
			}
			if h, _, _ := s.RolloutHealth(context.Background(), d.ID); !h.ProbeFailingSince.IsZero() || h.ProbeFailures != 0 || h.ErrorRate != 2 {
				t.Errorf("after recovery health = %+v", h)
			}
			// A second spell starts afresh.
			fail(0)
			pass()
			pass()
			if evs := eventsOf(t, s, model.EventProbeFailed); len(evs) != 2 {
				t.Errorf("%d probe.failed after a second spell began, want 2", len(evs))
			}
			if h, _, _ := s.RolloutHealth(context.Background(), d.ID); h.ProbeFailures != 2 {
				t.Errorf("second spell: %d attempts, want 2", h.ProbeFailures)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
