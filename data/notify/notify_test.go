package notify

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/config"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// script writes an executable shell script into a temporary directory and
// returns its path; the scripts are the commands under test.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cmd.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func notifyStore(t *testing.T, db string, opt data.Options) *data.Store {
	t.Helper()
	s, err := data.Open(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newDB(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "fd.db")
}

// eventually polls cond until it holds or the deadline passes: no fixed
// sleeps decide a test.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allEvents(t *testing.T, s *data.Store) []model.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), data.EventFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func eventsOf(t *testing.T, s *data.Store, kind model.EventKind) []model.Event {
	t.Helper()
	var out []model.Event
	for _, e := range allEvents(t, s) {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func openIncident(t *testing.T, s *data.Store, title string, sev model.Severity, at time.Time) model.Incident {
	t.Helper()
	inc, err := s.OpenIncident(context.Background(), model.NewIncident{Title: title, Severity: sev}, "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// startRunning starts a deployment and its rollout at `at`.
func startRunning(t *testing.T, s *data.Store, service string, strategy model.Strategy, at time.Time) model.Deployment {
	t.Helper()
	ctx := context.Background()
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: service, Version: "v1", Strategy: strategy}, mdtemplate.Builtin(), "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = s.StartExecution(ctx, d.ID, "alice", at, true); err != nil {
		t.Fatal(err)
	}
	return d
}

// readEnv parses the `env` dump a test script wrote.
func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "FLIGHTDECK_") {
			env[k] = v
		}
	}
	return env
}

func TestNotifyEscalationDueEnvAndNoShell(t *testing.T) {
	dir := t.TempDir()
	// A script as a team would write it: the event is only in the
	// environment; nothing here could run the title.
	cmd := script(t, `cd "`+dir+`" || exit 9
env > "env.$FLIGHTDECK_STEP"
echo "$FLIGHTDECK_MESSAGE" >> messages`)
	s := notifyStore(t, newDB(t), data.Options{})
	title := "checkout $(touch pwned) `touch pwned2`; touch pwned3"
	inc := openIncident(t, s, title, model.SEV1, time.Now().Add(-time.Minute))

	n := &Notifier{Store: s, Notify: &config.Command{Argv: []string{cmd}, Timeout: 5 * time.Second}}
	failed, err := n.Once(context.Background())
	if err != nil || failed != 0 {
		t.Fatalf("Once: %d failed, %v", failed, err)
	}
	env := readEnv(t, filepath.Join(dir, "env.1"))
	want := map[string]string{
		"FLIGHTDECK_EVENT": "escalation_due", "FLIGHTDECK_INCIDENT": inc.Ref(), "FLIGHTDECK_SEVERITY": "SEV1",
		"FLIGHTDECK_STEP": "1", "FLIGHTDECK_ROLE": model.RoleOnCall, "FLIGHTDECK_TITLE": title,
		"FLIGHTDECK_DEPLOYMENT": "", "FLIGHTDECK_STAGE": "", "FLIGHTDECK_DB": s.Path(),
		"FLIGHTDECK_DUE": inc.OpenedAt.UTC().Format(time.RFC3339),
	}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if !strings.Contains(env["FLIGHTDECK_MESSAGE"], title) || !strings.Contains(env["FLIGHTDECK_MESSAGE"], "On-call DevOps Engineer") {
		t.Errorf("message = %q", env["FLIGHTDECK_MESSAGE"])
	}
	for _, f := range []string{"pwned", "pwned2", "pwned3"} {
		for _, d := range []string{dir, ".", filepath.Dir(cmd)} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				t.Fatalf("%s was created in %s: the title was run by a shell", f, d)
			}
		}
	}
	sent := eventsOf(t, s, model.EventNotifySent)
	if len(sent) != 1 || sent[0].IncidentID != inc.ID || sent[0].Severity != model.SEV1 || sent[0].Actor != data.SystemActor ||
		!strings.Contains(sent[0].Text, "escalation due: INC-1 step 1") || !strings.Contains(sent[0].Text, "exit 0") {
		t.Errorf("notify.sent events = %+v", sent)
	}
	// Exactly once: the next pass finds it claimed.
	if _, err := n.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "messages")); strings.Count(string(b), "\n") != 1 {
		t.Errorf("ran %d times, want once:\n%s", strings.Count(string(b), "\n"), b)
	}
}

func TestNotifyFailures(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	for _, tc := range []struct {
		name    string
		argv    []string
		want    string
		outcome string
	}{
		{"non-zero exit", []string{script(t, "echo '  curl: (6) Could not resolve host' >&2; echo second >&2; exit 7")},
			"exit status 7: curl: (6) Could not resolve host", data.OutcomeFailed},
		{"garbage", []string{script(t, "head -c 20000 /dev/urandom; printf '\\033[31mbad\\001\\n' >&2; exit 1")},
			"exit status 1: bad", data.OutcomeFailed},
		// The child in the background holds the pipe: the whole group dies.
		{"hang", []string{script(t, "sleep 60 & echo $! > "+pidFile+"; wait")},
			"timed out after 300ms (killed)", data.OutcomeTimeout},
		{"missing program", []string{filepath.Join(t.TempDir(), "no-such-notifier")},
			"could not start: ", data.OutcomeFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := notifyStore(t, newDB(t), data.Options{})
			openIncident(t, s, "db down", model.SEV2, time.Now())
			timeout := 10 * time.Second // generous: a loaded machine must not turn a case into a timeout
			if tc.outcome == data.OutcomeTimeout {
				timeout = 300 * time.Millisecond
			}
			n := &Notifier{Store: s, Notify: &config.Command{Argv: tc.argv, Timeout: timeout}}
			start := time.Now()
			failed, err := n.Once(context.Background())
			if err != nil || failed != 1 {
				t.Fatalf("Once: %d failed, %v", failed, err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s: the timeout did not stop it", took)
			}
			evs := eventsOf(t, s, model.EventNotifyFailed)
			if len(evs) != 1 || !strings.Contains(evs[0].Text, tc.want) || evs[0].IncidentID != 1 {
				t.Fatalf("notify.failed = %+v, want text with %q", evs, tc.want)
			}
			if strings.ContainsFunc(evs[0].Text, func(r rune) bool { return r < 0x20 }) {
				t.Errorf("control characters reached the timeline: %q", evs[0].Text)
			}
			if len(eventsOf(t, s, model.EventNotifySent)) != 0 {
				t.Errorf("a failure was also recorded as sent")
			}
			ns, err := s.Notifications(context.Background(), 0)
			if err != nil || len(ns) != 1 || ns[0].Outcome != tc.outcome || ns[0].DoneAt.IsZero() {
				t.Errorf("notifications = %+v %v", ns, err)
			}
			if tc.name == "hang" {
				b, err := os.ReadFile(pidFile)
				if err != nil {
					t.Fatal(err)
				}
				pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
				eventually(t, 5*time.Second, "the background child to be killed", func() bool {
					return syscall.Kill(pid, 0) != nil
				})
			}
			// A failure is recorded, not retried on every pass.
			if _, err := n.Once(context.Background()); err != nil || len(eventsOf(t, s, model.EventNotifyFailed)) != 1 {
				t.Errorf("failure retried: %v", err)
			}
		})
	}
}

// TestNotifyExactlyOnceAcrossStores: two notifiers on two Store handles of
// one file (two dashboards) race for the same events; each runs once.
func TestNotifyExactlyOnceAcrossStores(t *testing.T) {
	dir := t.TempDir()
	cmd := script(t, `echo "$FLIGHTDECK_EVENT $FLIGHTDECK_INCIDENT $FLIGHTDECK_STEP $FLIGHTDECK_DEPLOYMENT" >> "`+dir+`/runs"`)
	db := newDB(t)
	plans := map[model.Strategy]model.Plan{model.StrategyAllAtOnce: {Strategy: model.StrategyAllAtOnce,
		Stages: []model.Stage{{Name: "all", Label: "100%", Percent: 100, Soak: 0}}}}
	s1 := notifyStore(t, db, data.Options{Plans: plans})
	s2 := notifyStore(t, db, data.Options{Plans: plans})
	now := time.Now()
	d := startRunning(t, s1, "api", model.StrategyAllAtOnce, now.Add(-time.Minute)) // soak 0: ready at once,
	base := 0.4
	if _, _, err := s1.RecordHealth(context.Background(), d.ID, 0.4, &base, "alice", now); err != nil { // with a fresh reading
		t.Fatal(err)
	}
	for i := range 5 {
		inc := openIncident(t, s1, "incident "+strconv.Itoa(i), model.SEV1, now.Add(-time.Hour))
		if err := s1.SetSecurity(context.Background(), inc.ID, true, "alice", now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// 5 incidents × 4 steps (on-call, eng lead, director, security) + 1 ready.
	const want = 5*4 + 1
	c := &config.Command{Argv: []string{cmd}, Timeout: 5 * time.Second}
	for round := range 3 {
		var wg sync.WaitGroup
		for _, s := range []*data.Store{s1, s2, s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := &Notifier{Store: s, Notify: c}
				if _, err := n.Once(context.Background()); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
	}
	b, err := os.ReadFile(filepath.Join(dir, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			t.Errorf("ran twice: %s", l)
		}
		seen[l] = true
	}
	if len(lines) != want {
		t.Errorf("%d runs, want %d:\n%s", len(lines), want, b)
	}
	if got := len(eventsOf(t, s2, model.EventNotifySent)); got != want {
		t.Errorf("%d notify.sent events, want %d", got, want)
	}
}

func TestNotifyStageReadyAndRollbackCriteria(t *testing.T) {
	dir := t.TempDir()
	cmd := script(t, `env > "`+dir+`/$FLIGHTDECK_EVENT.$FLIGHTDECK_DEPLOYMENT"`)
	plans := map[model.Strategy]model.Plan{model.StrategyAllAtOnce: {Strategy: model.StrategyAllAtOnce,
		Stages: []model.Stage{{Name: "all", Label: "100%", Percent: 100, Soak: 0}}}}
	s := notifyStore(t, newDB(t), data.Options{Plans: plans})
	ctx := context.Background()
	now := time.Now()
	ready := startRunning(t, s, "web", model.StrategyAllAtOnce, now.Add(-time.Minute))
	bad := startRunning(t, s, "api", model.StrategyCanary, now.Add(-time.Minute))
	base := 1.0
	if _, _, err := s.RecordHealth(ctx, ready.ID, 1.0, &base, "alice", now); err != nil { // "ready" needs a fresh reading
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, bad.ID, 9.5, &base, "alice", now); err != nil {
		t.Fatal(err)
	}
	n := &Notifier{Store: s, Notify: &config.Command{Argv: []string{cmd}, Timeout: 5 * time.Second}}
	if failed, err := n.Once(ctx); err != nil || failed != 0 {
		t.Fatalf("Once: %d %v", failed, err)
	}
	env := readEnv(t, filepath.Join(dir, "stage_ready."+strconv.FormatInt(ready.ID, 10)))
	if env["FLIGHTDECK_SERVICE"] != "web" || env["FLIGHTDECK_STAGE"] != "100%" || env["FLIGHTDECK_VERSION"] != "v1" ||
		env["FLIGHTDECK_ENVIRONMENT"] != "production" || !strings.Contains(env["FLIGHTDECK_MESSAGE"], "ready to finish") {
		t.Errorf("stage_ready env = %v", env)
	}
	env = readEnv(t, filepath.Join(dir, "rollback_criteria."+strconv.FormatInt(bad.ID, 10)))
	if env["FLIGHTDECK_SERVICE"] != "api" || env["FLIGHTDECK_STAGE"] != "5%" ||
		!strings.Contains(env["FLIGHTDECK_MESSAGE"], "ROLLBACK CRITERIA MET") || !strings.Contains(env["FLIGHTDECK_MESSAGE"], "9.5%") {
		t.Errorf("rollback_criteria env = %v", env)
	}
	if _, err := os.Stat(filepath.Join(dir, "stage_ready."+strconv.FormatInt(bad.ID, 10))); err == nil {
		t.Errorf("a held rollout (criteria met) was announced ready")
	}
	// A new spell after a false alarm notifies again; more readings in the
	// same spell do not.
	os.Remove(filepath.Join(dir, "rollback_criteria."+strconv.FormatInt(bad.ID, 10)))
	if _, _, err := s.RecordHealth(ctx, bad.ID, 9.9, nil, "alice", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	n.Once(ctx)
	if _, err := os.Stat(filepath.Join(dir, "rollback_criteria."+strconv.FormatInt(bad.ID, 10))); err == nil {
		t.Errorf("a second reading in the same spell notified again")
	}
	for i, rate := range []float64{1.2, 8} {
		if _, _, err := s.RecordHealth(ctx, bad.ID, rate, nil, "alice", now.Add(time.Duration(2+i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	n.Once(ctx)
	if _, err := os.Stat(filepath.Join(dir, "rollback_criteria."+strconv.FormatInt(bad.ID, 10))); err != nil {
		t.Errorf("a new spell of met criteria did not notify: %v", err)
	}
}

// TestNotifyRunWakesAtTheDeadline: nobody writes when a step becomes due;
// the running notifier wakes by the clock for it.
func TestNotifyRunWakesAtTheDeadline(t *testing.T) {
	dir := t.TempDir()
	cmd := script(t, `echo "$FLIGHTDECK_STEP $FLIGHTDECK_ROLE" >> "`+dir+`/runs"`)
	pol := model.EscalationPolicy{Steps: []model.EscalationStep{
		{Number: 1, Role: "Pager", Trigger: model.TriggerAtOpen, Delay: 1500 * time.Millisecond},
	}}
	s := notifyStore(t, newDB(t), data.Options{Policy: pol})
	openIncident(t, s, "slow", model.SEV3, time.Now())
	n := &Notifier{Store: s, Notify: &config.Command{Argv: []string{cmd}, Timeout: 5 * time.Second}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, 10*time.Second, "the step to be notified", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "runs"))
		return string(b) == "1 Pager\n"
	})
}

// TestNotifyQuitGivesTheEventBack: a command interrupted because the
// process quits is not recorded as sent or failed; another process sends it.
func TestNotifyQuitGivesTheEventBack(t *testing.T) {
	s := notifyStore(t, newDB(t), data.Options{})
	openIncident(t, s, "x", model.SEV4, time.Now())
	started := filepath.Join(t.TempDir(), "started")
	hang := script(t, "touch "+started+"; sleep 60")
	n := &Notifier{Store: s, Notify: &config.Command{Argv: []string{hang}, Timeout: time.Minute}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	eventually(t, 10*time.Second, "the command to start", func() bool { _, err := os.Stat(started); return err == nil })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if evs := append(eventsOf(t, s, model.EventNotifySent), eventsOf(t, s, model.EventNotifyFailed)...); len(evs) != 0 {
		t.Errorf("an interrupted command was recorded: %+v", evs)
	}
	ok := script(t, "exit 0")
	n2 := &Notifier{Store: s, Notify: &config.Command{Argv: []string{ok}, Timeout: 5 * time.Second}}
	if _, err := n2.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(eventsOf(t, s, model.EventNotifySent)) != 1 {
		t.Errorf("the given-back event was not sent by the next process")
	}
}
