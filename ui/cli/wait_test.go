package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// syncBuffer lets a test read what a running command has printed so far.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitRun is one `flightdeck deploy wait` running in the background.
type waitRun struct {
	out, errOut syncBuffer
	done        chan struct{} // closed when run returns
	code        int
	cancel      context.CancelFunc
}

func startWait(t *testing.T, db string, args ...string) *waitRun {
	t.Helper()
	old := waitPoll
	waitPoll = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	w := &waitRun{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.done)
		w.code = Run(ctx, append([]string{"--db", db, "--as", "ci", "deploy", "wait"}, args...), &w.out, &w.errOut)
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done // never leave it running into the next test
		waitPoll = old
	})
	return w
}

// until polls the output for want, failing after a deadline.
func (w *waitRun) until(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("wait never printed %q; stdout:\n%s\nstderr:\n%s", want, w.out.String(), w.errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exit waits for the command to end and returns its exit code.
func (w *waitRun) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
		return w.code
	case <-time.After(10 * time.Second):
		t.Fatalf("wait did not exit; stdout:\n%s", w.out.String())
	}
	return -1
}

func TestCLIWaitCompletes(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once")
	w := startWait(t, db, "--timeout", "30s")
	w.until(t, "planned: waiting for Deployment Execution to start")

	// Driven by another process's writes, seen through the watcher.
	s := openTestStore(t, db)
	ctx := context.Background()
	if _, err := s.StartExecution(ctx, 1, "bob", time.Now(), true); err != nil {
		t.Fatal(err)
	}
	w.until(t, "1/1 · 100% not live yet")
	if _, err := s.GoLive(ctx, 1, "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	w.until(t, "1/1 · 100% soaking (ends ")
	if _, err := s.Finish(ctx, 1, model.RolloutSeen{}, "smoke tests green", "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code := w.exit(t); code != exitOK {
		t.Fatalf("exit %d; stderr %s", code, w.errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(w.out.String()), "\n")
	if len(lines) != 5 || lines[0] != "waiting for #1 api (api v1 → production)" ||
		!regexp.MustCompile(`^\d\d:\d\d:\d\d planned: waiting`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^\d\d:\d\d:\d\d 1/1 · 100% complete$`).MatchString(lines[4]) {
		t.Errorf("output:\n%s", w.out.String())
	}
}

func TestCLIWaitSeesSoakEndByTheClock(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once", "--at", "-20m")
	s := openTestStore(t, db)
	// The 15-minute soak ends 0.3 s into the second after next: no write
	// happens then. By the clock rule it is served from that second's start.
	end := model.ShownAt(time.Now()).Add(2*time.Second + 300*time.Millisecond)
	start := end.Add(-15 * time.Minute)
	if _, err := s.StartExecution(context.Background(), 1, "bob", start, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GoLive(context.Background(), 1, "bob", start); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(context.Background(), 1, 0.4, ptrF(0.4), "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	w := startWait(t, db, "--timeout", "30s")
	w.until(t, "1/1 · 100% soaking")
	w.until(t, "1/1 · 100% ready to finish")
	w.cancel()
	if code := w.exit(t); code != exitInterrupted || !strings.Contains(w.errOut.String(), "interrupted while waiting for #1 api (1/1 · 100% ready to finish)") {
		t.Errorf("interrupt: exit %d, stderr %q", code, w.errOut.String())
	}
}

func TestCLIWaitFailsOnAbort(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	fdOK(t, db, "deploy", "promote", "--reason", "go")
	fdOK(t, db, "deploy", "live")
	w := startWait(t, db)
	w.until(t, "1/4 · 5% soaking")
	fdOK(t, db, "deploy", "pause")
	w.until(t, "1/4 · 5% paused (")
	fdOK(t, db, "deploy", "health", "--error-rate", "9", "--baseline", "1")
	w.until(t, "1/4 · 5% hold: rollback criteria met — error rate 9% is 8 points above baseline 1%")
	fdOK(t, db, "deploy", "abort", "--yes", "--reason", "error spike")
	if code := w.exit(t); code != exitFail {
		t.Fatalf("exit %d", code)
	}
	if got := w.errOut.String(); !strings.Contains(got, "#1 api is rolling back since ") || !strings.Contains(got, "alice: aborted the rollout at 1/4 · 5%: rolling back — error spike") {
		t.Errorf("stderr: %q", got)
	}
	if !strings.Contains(w.out.String(), "1/4 · 5% rolling back\n") {
		t.Errorf("stdout:\n%s", w.out.String())
	}
}

func TestCLIWaitTimeout(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	fdOK(t, db, "deploy", "promote", "--reason", "go")
	fdOK(t, db, "deploy", "live")
	w := startWait(t, db, "--timeout", "50ms")
	if code := w.exit(t); code != exitTimeout {
		t.Fatalf("exit %d, stderr %q", code, w.errOut.String())
	}
	if got := w.errOut.String(); !strings.HasPrefix(got, "flightdeck: timed out after 50ms waiting for #1 api (1/4 · 5% soaking (ends ") || strings.Contains(got, "--help") {
		t.Errorf("stderr: %q", got)
	}
}

func ptrF(f float64) *float64 { return &f }
