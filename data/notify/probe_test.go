package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/config"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// probeSetup is a store with a canary rolling out (15 min soak, so it keeps
// soaking) and a baseline reading of 1% recorded a minute ago.
func probeSetup(t *testing.T) (*data.Store, model.Deployment, time.Time) {
	t.Helper()
	s := notifyStore(t, newDB(t), data.Options{})
	now := time.Now()
	d := startRunning(t, s, "checkout-api", model.StrategyCanary, now.Add(-2*time.Minute))
	base := 1.0
	at := now.Add(-time.Minute).Truncate(time.Millisecond)
	if _, _, err := s.RecordHealth(context.Background(), d.ID, 1, &base, "alice", at); err != nil {
		t.Fatal(err)
	}
	return s, d, at
}

func TestProbeRecordsTheErrorRate(t *testing.T) {
	for _, out := range []string{"2.4", "2.4%", " 2.4 % \n"} {
		t.Run(out, func(t *testing.T) {
			s, d, _ := probeSetup(t)
			dir := t.TempDir()
			cmd := script(t, `env > "`+dir+`/env"; printf '%s' '`+out+`'`)
			n := &Notifier{Store: s, Probe: config.CommandProbe(&config.Command{Argv: []string{cmd}, Interval: time.Minute, Timeout: 5 * time.Second})}
			if failed, err := n.Once(context.Background()); err != nil || failed != 0 {
				t.Fatalf("Once: %d %v", failed, err)
			}
			h, _, err := s.RolloutHealth(context.Background(), d.ID)
			if err != nil || !h.Has || h.ErrorRate != 2.4 || h.BaselineErrorRate != 1 {
				t.Fatalf("health = %+v %v: want 2.4%% with the baseline carried forward", h, err)
			}
			env := readEnv(t, filepath.Join(dir, "env"))
			if env["FLIGHTDECK_DEPLOYMENT"] != "1" || env["FLIGHTDECK_SERVICE"] != "checkout-api" || env["FLIGHTDECK_VERSION"] != "v1" ||
				env["FLIGHTDECK_ENVIRONMENT"] != "production" || env["FLIGHTDECK_EVENT"] != "probe" {
				t.Errorf("probe env = %v", env)
			}
			if len(eventsOf(t, s, model.EventProbeFailed)) != 0 {
				t.Errorf("a good reading wrote probe.failed")
			}
			// The timeline says so once, not on every reading.
			n.Once(context.Background()) // same interval window: nothing runs
			recorded := 0
			for _, e := range eventsOf(t, s, model.EventHealthRecorded) {
				if strings.HasPrefix(e.Text, "probe: ") {
					recorded++
				}
			}
			if recorded != 1 {
				t.Errorf("%d probe health events, want 1", recorded)
			}
		})
	}
}

// TestProbeFailuresNeverReadAsZero: bad output, a failing or hanging probe
// is a probe.failed event and no health sample.
func TestProbeFailuresNeverReadAsZero(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"garbage", "echo 'error_rate{service=\"api\"} 0.4'", "not an error rate"},
		{"empty", "true", "it printed nothing"},
		{"negative", "echo -1", "is negative"},
		{"NaN", "echo NaN", "not an error rate"},
		{"above 100", "echo 250", "is above 100"},
		{"two lines", "echo 2; echo 3", "it printed 2 lines"},
		{"comma", "echo 2,4", "use a decimal point"},
		{"exit 1", "echo 3.0; echo 'prometheus: connection refused' >&2; exit 1", "exit status 1: prometheus: connection refused"},
		{"hang", "sleep 60", "timed out after 300ms (killed)"},
		{"too much output", "head -c 10000 /dev/zero | tr '\\0' 1", "printed more than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, d, baseAt := probeSetup(t)
			timeout := 10 * time.Second // generous: a loaded machine must not turn a case into a timeout
			if tc.name == "hang" {
				timeout = 300 * time.Millisecond
			}
			n := &Notifier{Store: s, Probe: config.CommandProbe(&config.Command{Argv: []string{script(t, tc.body)}, Interval: time.Minute, Timeout: timeout})}
			failed, err := n.Once(context.Background())
			if err != nil || failed != 1 {
				t.Fatalf("Once: %d failed, %v", failed, err)
			}
			h, _, err := s.RolloutHealth(context.Background(), d.ID)
			if err != nil || h.ErrorRate != 1 || !h.At.Equal(baseAt) {
				t.Errorf("health = %+v %v: a failed probe must record nothing", h, err)
			}
			evs := eventsOf(t, s, model.EventProbeFailed)
			if len(evs) != 1 || evs[0].DeploymentID != d.ID || !strings.Contains(evs[0].Text, tc.want) ||
				!strings.Contains(evs[0].Text, "health unknown") {
				t.Errorf("probe.failed = %+v, want %q", evs, tc.want)
			}
		})
	}
}

func TestProbeWaitsForABaseline(t *testing.T) {
	s := notifyStore(t, newDB(t), data.Options{})
	d := startRunning(t, s, "api", model.StrategyCanary, time.Now())
	ran := filepath.Join(t.TempDir(), "ran")
	n := &Notifier{Store: s, Probe: config.CommandProbe(&config.Command{Argv: []string{script(t, "touch "+ran+"; echo 1")}, Interval: time.Minute, Timeout: time.Second})}
	for range 2 {
		if _, err := n.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("the probe ran without a baseline")
	}
	evs := eventsOf(t, s, model.EventProbeFailed)
	if len(evs) != 1 || evs[0].Text != model.TextProbeNoBaseline() || evs[0].DeploymentID != d.ID {
		t.Errorf("events = %+v: want one %q", evs, model.TextProbeNoBaseline())
	}
	if h, _, _ := s.RolloutHealth(context.Background(), d.ID); h.Has {
		t.Errorf("health recorded: %+v", h)
	}
}

// TestProbeOncePerSlotAcrossStores: two dashboards probe each interval
// window once between them.
func TestProbeOncePerSlotAcrossStores(t *testing.T) {
	s1, d, _ := probeSetup(t)
	s2 := notifyStore(t, s1.DSN(), data.Options{})
	runs := filepath.Join(t.TempDir(), "runs")
	c := &config.Command{Argv: []string{script(t, "echo run >> "+runs+"; echo 2")}, Interval: time.Hour, Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for _, s := range []*data.Store{s1, s2, s1, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := &Notifier{Store: s, Probe: config.CommandProbe(c)}
			if _, err := n.Once(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(runs); string(b) != "run\n" {
		t.Errorf("probe ran %d times in one window, want once", strings.Count(string(b), "run"))
	}
	if h, _, _ := s2.RolloutHealth(context.Background(), d.ID); h.ErrorRate != 2 {
		t.Errorf("health = %+v", h)
	}
}

// TestProbeFeedsTheRule: a probe reading above the rule holds the rollout
// and, with notify configured, tells people.
func TestProbeFeedsTheRule(t *testing.T) {
	s, d, _ := probeSetup(t)
	dir := t.TempDir()
	n := &Notifier{Store: s,
		Probe:   config.CommandProbe(&config.Command{Argv: []string{script(t, "echo 7.5%")}, Interval: time.Minute, Timeout: 5 * time.Second}),
		Senders: []config.Sender{cmdSender("command", []string{script(t, `echo "$FLIGHTDECK_EVENT $FLIGHTDECK_DEPLOYMENT" >> "`+dir+`/runs"`)}, 5*time.Second)},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, 10*time.Second, "rollback_criteria_met to be notified", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "runs"))
		return strings.Contains(string(b), "rollback_criteria_met 1")
	})
	if len(eventsOf(t, s, model.EventHealthCriteriaMet)) != 1 {
		t.Errorf("no health.criteria_met event from the probe's reading")
	}
	_ = d
}
