package pglisten

import (
	"context"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/octoacme/flightdeck/data/pgtest"
)

const channel = "flightdeck"

// t0 is the fixed clock of these tests.
var t0 = time.Date(2026, 11, 25, 9, 41, 0, 0, time.UTC)

// deadline is how long a test waits for what should take milliseconds.
const deadline = 20 * time.Second

// clock is a fake Now that moves a minute on every reading, so a test can
// tell which reading DownSince kept.
type clock struct{ n atomic.Int64 }

func (c *clock) Now() time.Time { return t0.Add(time.Duration(c.n.Add(1)-1) * time.Minute) }

// payloads records what a Listener received, in order.
type payloads struct {
	mu  sync.Mutex
	got []string
}

func (p *payloads) add(s string) {
	p.mu.Lock()
	p.got = append(p.got, s)
	p.mu.Unlock()
}

func (p *payloads) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// newDatabase is a database of this test's own on the shared server:
// notifications do not cross databases, so tests running at once do not
// see each other's.
func newDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.NewDatabase(t, pgtest.Server(t))
}

func config(t testing.TB, dsn string) *pgx.ConnConfig {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fast are options for tests: short waits so outages and recoveries show
// within a fraction of a second.
func fast(t testing.TB, dsn string, got *payloads) Options {
	o := Options{
		Config:    config(t, dsn),
		Channel:   channel,
		Retry:     20 * time.Millisecond,
		RetryMax:  100 * time.Millisecond,
		SlowPoll:  time.Hour,
		KeepAlive: time.Hour,
		Timeout:   5 * time.Second,
		Now:       (&clock{}).Now,
	}
	if got != nil {
		o.onNotify = got.add
	}
	return o
}

func start(t testing.TB, o Options) *Listener {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	l, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// notify sends payload on the channel in a transaction of conn's, and
// commits it or rolls it back, as a writer of the store does.
func notify(t testing.TB, conn *pgx.Conn, payload string, commit bool) {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		t.Fatal(err)
	}
	if commit {
		err = tx.Commit(ctx)
	} else {
		err = tx.Rollback(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds, or fails the test at the deadline.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(deadline)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("not within %v: %s", deadline, what)
		}
	}
}

// received waits until the Listener has seen payload.
func received(t testing.TB, got *payloads, payload string) {
	t.Helper()
	eventually(t, "notification "+payload+" received", func() bool {
		return slices.Contains(got.list(), payload)
	})
}

// pending reports whether C holds a value, taking it.
func pending(l *Listener) bool {
	select {
	case _, ok := <-l.C():
		return ok
	default:
		return false
	}
}

// freePort is a TCP port on 127.0.0.1 nobody listens on (for a moment).
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}
