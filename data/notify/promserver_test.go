package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/data/notify/promtest"
	"github.com/octoacme/flightdeck/model"
)

// A real Prometheus (Debian's prometheus package, started by the test on
// 127.0.0.1) scraping a tiny exporter the test serves, so the probe reads
// an error rate that changes during the test through the real HTTP API.

// The README's typical query, on a 10s window for the test's 1s scrapes.
const typicalQuery = `sum(rate(http_requests_total{service="{{.Service}}",code=~"5.."}[10s])) / sum(rate(http_requests_total{service="{{.Service}}"}[10s]))`

// guardedQuery is the README's guarded form: "and on() count(…)" keeps the
// answer only while the service's series are being scraped, so a target
// that stops reporting turns health unknown at the next probe (Prometheus
// marks its series stale at the first failed scrape) rather than when the
// rate window has emptied.
const guardedQuery = `(` + typicalQuery + `) and on() count(http_requests_total{service="{{.Service}}"})`

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
	exp := promtest.StartExporter(t)
	prom := promtest.Start(t, exp.Addr())
	s, d, _ := probeSetup(t) // baseline 1%
	exp.Scraped(t, 3)        // rate() needs two samples in its window
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
	exp.Set(70, 30) // 30% errors
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
	exp.Set(99, 1)
	before := health().At
	eventually(t, 30*time.Second, "another reading", func() bool { return health().At.After(before) })
	if g, _ := s.RolloutGate(ctx, d.ID); len(g.Criteria) == 0 {
		t.Errorf("the latched breach cleared itself")
	}

	// (b) The exporter stops: rate() has no samples in the window, the
	// query is empty, and health turns unknown.
	failedBefore := len(eventsOf(t, s, model.EventProbeFailed))
	recoveredBefore := len(eventsOf(t, s, model.EventProbeRecovered))
	exp.SetDown(true)
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
	exp.SetDown(false)
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
	prom.Stop()
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
	exp := promtest.StartExporter(t)
	prom := promtest.Start(t, exp.Addr())
	s := notifyStore(t, newDB(t), data.Options{})
	d := startRunning(t, s, "checkout-api", model.StrategyCanary, time.Now().Add(-2*time.Minute))
	exp.Scraped(t, 3)
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
