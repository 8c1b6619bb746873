package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// A real Prometheus (Debian's prometheus package, started by the test on
// 127.0.0.1) scraping a tiny exporter the test serves, so the probe reads
// an error rate that changes during the test through the real HTTP API.

// skipOrFail skips a test whose tool is missing on a developer's machine,
// and fails it under CI (CI=true), where .ci/run installs every tool (as
// ui/cli's does).
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf("SKIPPED, NOT TESTED: "+format, args...)
}

// exporter serves http_requests_total for checkout-api; every scrape adds
// ok and bad requests to the counters, so rate() follows what the test
// sets. down makes it refuse to serve (the target is down).
type exporter struct {
	mu       sync.Mutex
	ok, bad  float64
	okStep   float64
	badStep  float64
	down     bool
	scrapes  int
	listener net.Listener
}

func (e *exporter) set(okPerScrape, badPerScrape float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.okStep, e.badStep = okPerScrape, badPerScrape
}

func (e *exporter) setDown(down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.down = down
}

func (e *exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	e.scrapes++
	e.ok += e.okStep
	e.bad += e.badStep
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# TYPE http_requests_total counter\n")
	fmt.Fprintf(w, "http_requests_total{code=\"200\",service=\"checkout-api\"} %g\n", e.ok)
	fmt.Fprintf(w, "http_requests_total{code=\"500\",service=\"checkout-api\"} %g\n", e.bad)
}

func startExporter(t *testing.T) *exporter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &exporter{okStep: 99, badStep: 1, listener: l}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

// promServer is a running Prometheus.
type promServer struct {
	URL string
	cmd *exec.Cmd
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPrometheus runs /usr/bin/prometheus (or the one in $PATH) scraping
// target every second, waits until it is ready, and kills it at cleanup.
func startPrometheus(t *testing.T, target string) *promServer {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if _, err := os.Stat("/usr/bin/prometheus"); err != nil {
			skipOrFail(t, "prometheus is not installed (apt-get install prometheus): the Prometheus probe is not tested against a real server")
		}
		bin = "/usr/bin/prometheus"
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	writeFile(t, cfg, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ['%s']
`, target))
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p := &promServer{URL: "http://" + addr, cmd: cmd}
	t.Cleanup(func() { p.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("prometheus exited before it was ready:\n%s", b)
		default:
		}
		resp, err := http.Get(p.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("prometheus at %s not ready after 60s:\n%s", p.URL, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *promServer) stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
}

// The README's typical query, on a 10s window for the test's 1s scrapes.
const typicalQuery = `sum(rate(http_requests_total{service="{{.Service}}",code=~"5.."}[10s])) / sum(rate(http_requests_total{service="{{.Service}}"}[10s]))`

// guardedQuery is the README's guarded form: "and on() count(…)" keeps the
// answer only while the service's series are being scraped, so a target
// that stops reporting turns health unknown at the next probe (Prometheus
// marks its series stale at the first failed scrape) rather than when the
// rate window has emptied.
const guardedQuery = `(` + typicalQuery + `) and on() count(http_requests_total{service="{{.Service}}"})`

// scraped waits until Prometheus has scraped the exporter n times.
func (e *exporter) scraped(t *testing.T, n int) {
	t.Helper()
	eventually(t, 60*time.Second, fmt.Sprintf("%d scrapes", n), func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.scrapes >= n
	})
}

func realPromProbe(t *testing.T, url, query string) *config.Probe {
	t.Helper()
	src := "probe:\n  type: prometheus\n  url: " + url + "\n  query: '" + query + "'\n  interval: 1s\n  timeout: 900ms\n"
	_, eff, err := config.ParseConfig("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return eff.Probe
}

func runNotifier(t *testing.T, n *Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestPrometheusProbeAgainstARealServer: (a) the probe reads the error
// rate through the HTTP API and records it; the exporter's 5xx rise meets
// the rule, latched, and the rollout is held; (b) the exporter stopping
// turns health to unknown within a probe interval or so; recovery writes
// probe.recovered; (c) Prometheus itself down is a failed reading, not 0%.
func TestPrometheusProbeAgainstARealServer(t *testing.T) {
	t.Parallel()
	exp := startExporter(t)
	prom := startPrometheus(t, exp.listener.Addr().String())
	s, d, _ := probeSetup(t) // baseline 1%
	exp.scraped(t, 3)        // rate() needs two samples in its window
	n := &Notifier{Store: s, Probe: realPromProbe(t, prom.URL, guardedQuery)}
	runNotifier(t, n)
	ctx := context.Background()
	health := func() model.Health {
		h, _, err := s.RolloutHealth(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	// (a) 1% errors: once Prometheus has two scrapes, the probe reads ~1%.
	eventually(t, 60*time.Second, "a probe reading of about 1%", func() bool {
		h := health()
		return h.Has && h.At.After(time.Now().Add(-50*time.Second)) && h.ErrorRate > 0.5 && h.ErrorRate < 1.5 && h.ProbeFailingSince.IsZero()
	})
	if g, err := s.RolloutGate(ctx, d.ID); err != nil || len(g.Criteria) != 0 {
		t.Fatalf("criteria %v %v at 1%%", g.Criteria, err)
	}
	exp.set(70, 30) // 30% errors
	eventually(t, 60*time.Second, "the rule met from the probe's readings", func() bool {
		g, err := s.RolloutGate(ctx, d.ID)
		return err == nil && len(g.Criteria) > 0
	})
	if h := health(); h.ErrorRate <= 6 {
		t.Errorf("criteria met at %v%%", h.ErrorRate)
	}
	if len(eventsOf(t, s, model.EventHealthLatched)) != 1 || len(eventsOf(t, s, model.EventHealthCriteriaMet)) != 1 {
		t.Errorf("want one health.criteria_met and one latched event from the probe")
	}
	// Held: a promote without a reason is refused.
	r, _, _ := s.Rollout(ctx, d.ID)
	if _, err := s.Promote(ctx, d.ID, model.SeenRollout(r), "", "bob", time.Now()); !errors.Is(err, model.ErrNeedsReason) || !strings.Contains(err.Error(), "criteria") {
		t.Errorf("promote without a reason: %v, want it refused for the met criteria", err)
	}
	// Latched: errors falling back do not clear it.
	exp.set(99, 1)
	before := health().At
	eventually(t, 30*time.Second, "another reading", func() bool { return health().At.After(before) })
	if g, _ := s.RolloutGate(ctx, d.ID); len(g.Criteria) == 0 {
		t.Errorf("the latched breach cleared itself")
	}

	// (b) The exporter stops: rate() has no samples in the window, the
	// query is empty, and health turns unknown.
	failedBefore := len(eventsOf(t, s, model.EventProbeFailed))
	recoveredBefore := len(eventsOf(t, s, model.EventProbeRecovered))
	exp.setDown(true)
	stopped := time.Now()
	eventually(t, 30*time.Second, "health unknown after the exporter stopped", func() bool {
		return !health().ProbeFailingSince.IsZero()
	})
	// One scrape (1s) to mark the series stale, one probe interval (1s) to
	// read it, and slack for a loaded machine; the rate window is 10s.
	if took := time.Since(stopped); took > 5*time.Second {
		t.Errorf("health unknown only %s after the exporter stopped: want within a scrape and a probe interval", took)
	} else {
		t.Logf("health unknown %s after the exporter stopped", took.Round(100*time.Millisecond))
	}
	h := health()
	if !strings.Contains(h.ProbeReason, "no series") {
		t.Errorf("reason %q", h.ProbeReason)
	}
	g, _ := s.RolloutGate(ctx, d.ID)
	r, _, _ = s.Rollout(ctx, d.ID)
	if c := g.CheckHealth(r, time.Now()); c.Fresh {
		t.Errorf("health fresh while the probe fails: %+v", c)
	}
	exp.setDown(false)
	eventually(t, 60*time.Second, "probe.recovered", func() bool {
		return len(eventsOf(t, s, model.EventProbeRecovered)) == recoveredBefore+1
	})
	if n := len(eventsOf(t, s, model.EventProbeFailed)) - failedBefore; n != 1 {
		t.Errorf("%d probe.failed events for one spell", n)
	}
	rec := eventsOf(t, s, model.EventProbeRecovered)
	if last := rec[len(rec)-1].Text; !strings.Contains(last, "failed attempt") {
		t.Errorf("probe.recovered %q", last)
	}

	// (c) Prometheus itself down: a failed reading, not 0%.
	prom.stop()
	before = health().At
	eventually(t, 30*time.Second, "a failed reading with Prometheus down", func() bool {
		h := health()
		return !h.ProbeFailingSince.IsZero() && strings.Contains(h.ProbeReason, "cannot reach Prometheus")
	})
	if h := health(); h.At.After(before.Add(2 * time.Second)) {
		t.Errorf("a reading was recorded with Prometheus down: %+v", h)
	}
	for _, e := range eventsOf(t, s, model.EventHealthRecorded) {
		if strings.Contains(e.Text, "error rate 0%") || strings.Contains(e.Text, " 0.00%") {
			t.Errorf("a 0%% reading: %q", e.Text)
		}
	}
}

// TestPrometheusProbeBaselineQuery: with baseline_query the baseline comes
// from Prometheus too (a scalar here), with no recorded baseline needed.
func TestPrometheusProbeBaselineQuery(t *testing.T) {
	t.Parallel()
	exp := startExporter(t)
	prom := startPrometheus(t, exp.listener.Addr().String())
	s := notifyStore(t, newDB(t), data.Options{})
	d := startRunning(t, s, "checkout-api", model.StrategyCanary, time.Now().Add(-2*time.Minute))
	exp.scraped(t, 3)
	src := "probe:\n  type: prometheus\n  url: " + prom.URL + "\n  query: '" + typicalQuery + "'\n  baseline_query: '0.005'\n  interval: 1s\n  timeout: 900ms\n"
	_, eff, err := config.ParseConfig("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	runNotifier(t, &Notifier{Store: s, Probe: eff.Probe})
	eventually(t, 60*time.Second, "a reading with Prometheus's baseline", func() bool {
		h, _, _ := s.RolloutHealth(context.Background(), d.ID)
		return h.Has && h.BaselineErrorRate == 0.5 && h.ErrorRate > 0.5
	})
	for _, e := range eventsOf(t, s, model.EventProbeFailed) {
		t.Errorf("unexpected %q", e.Text)
	}
}
