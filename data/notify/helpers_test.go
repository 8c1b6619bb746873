package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/config"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/pgtest"
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

// newDB is a new database: a SQLite file, or with
// FLIGHTDECK_TEST_ENGINE=postgres a fresh PostgreSQL database (the outbox's
// leases and cursors must hold on both engines).
func newDB(t *testing.T) string {
	t.Helper()
	if os.Getenv("FLIGHTDECK_TEST_ENGINE") == "postgres" {
		return pgtest.NewDatabase(t, pgtest.Server(t))
	}
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
		if k, v, ok := strings.Cut(line, "="); ok && (strings.HasPrefix(k, "FLIGHTDECK_") || k == "PGPASSWORD") {
			env[k] = v
		}
	}
	return env
}

// cmdSender is a command sender routing kinds (none: every kind).
func cmdSender(name string, argv []string, timeout time.Duration, kinds ...model.NoticeKind) config.Sender {
	if len(kinds) == 0 {
		kinds = model.NoticeKinds
	}
	ev := map[model.NoticeKind]bool{}
	for _, k := range kinds {
		ev[k] = true
	}
	return config.Sender{Name: name, Type: config.SenderCommand, Command: &config.Command{Argv: argv, Timeout: timeout},
		Timeout: timeout, Events: ev}
}

// quick makes retries fast for tests.
func quick(n *Notifier) *Notifier {
	n.Backoff = Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	return n
}

// lines reads the lines a test script appended to a file.
func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func outbox(t *testing.T, s *data.Store, name string) data.OutboxState {
	t.Helper()
	all, err := s.OutboxStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range all {
		if o.Sender == name {
			return o
		}
	}
	t.Fatalf("no outbox row for %s in %+v", name, all)
	return data.OutboxState{}
}
