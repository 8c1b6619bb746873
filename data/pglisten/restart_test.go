package pglisten

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/octoacme/flightdeck/data/pgtest"
)

// The server restarts under an open listener: it goes down with the time
// and reason, ticks at SlowPoll while down, comes back, reports a change
// and hears new commits (it LISTENed again).
func TestServerRestart(t *testing.T) {
	c := pgtest.StartCluster(t)
	got := &payloads{}
	o := fast(t, c.DSN(), got)
	o.SlowPoll = 50 * time.Millisecond
	l := start(t, o)
	password := o.Config.Password

	c.Stop(t)
	eventually(t, "State down after Stop", func() bool { return !l.State().Connected })
	s := l.State()
	if !s.DownSince.Equal(t0) {
		t.Errorf("DownSince = %v, want %v (the first reading of the clock)", s.DownSince, t0)
	}
	if s.Err == nil {
		t.Fatal("down without a reason")
	}
	t.Logf("down: %v", s.Err)
	if strings.Contains(s.Err.Error(), password) {
		t.Errorf("State().Err = %v: contains the password", s.Err)
	}

	// The slow poll: Changed and C tick while the server is away.
	for i := range 3 {
		eventually(t, "a slow-poll tick on Changed", l.Changed)
		select {
		case <-l.C():
		case <-time.After(deadline):
			t.Fatalf("tick %d: nothing on C", i)
		}
	}
	// Reconnection attempts fail meanwhile: Err says why, DownSince stays.
	eventually(t, "a failed reconnection in State", func() bool {
		err := l.State().Err
		return err != nil && strings.Contains(err.Error(), "connection refused")
	})
	if s := l.State(); !s.DownSince.Equal(t0) || s.Connected {
		t.Errorf("State during the outage = %+v, want down since %v", s, t0)
	}

	c.Start(t)
	eventually(t, "connected after Start", func() bool { return l.State().Connected })
	if s := l.State(); !s.DownSince.IsZero() || s.Err != nil {
		t.Errorf("State after recovery = %+v, want no outage", s)
	}
	writer := connect(t, c.DSN())
	notify(t, writer, "after restart", true)
	received(t, got, "after restart")
}

// The change reported on reconnecting, on its own: with no slow-poll tick
// to confuse it, the only change after the outage is the reconnect's.
func TestReconnectReportsChange(t *testing.T) {
	c := pgtest.StartCluster(t)
	l := start(t, fast(t, c.DSN(), nil)) // SlowPoll an hour

	c.Stop(t)
	eventually(t, "State down after Stop", func() bool { return !l.State().Connected })
	if !l.Changed() || !pending(l) {
		t.Error("losing the server reported no change")
	}
	if l.Changed() {
		t.Error("a second change while down with no slow-poll tick due")
	}
	c.Start(t)
	eventually(t, "connected after Start", func() bool { return l.State().Connected })
	if !l.Changed() || !pending(l) {
		t.Error("the reconnect reported no change: commits of the outage would go unseen")
	}
	if l.Changed() {
		t.Error("Changed twice after one reconnect")
	}
}

// A server that stops answering without closing the connection (a host
// gone, a cut network; here the listener's backend frozen by SIGSTOP) is
// noticed within KeepAlive+Timeout, and a new connection taken.
func TestSilentServerNoticed(t *testing.T) {
	c := pgtest.StartCluster(t)
	got := &payloads{}
	o := fast(t, c.DSN(), got)
	o.KeepAlive = 200 * time.Millisecond
	o.Timeout = 500 * time.Millisecond
	// Reconnection waits for the test to have looked at the outage.
	var held atomic.Bool
	o.Connect = func(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
		if held.Load() {
			return nil, errors.New("held back by the test")
		}
		return pgx.ConnectConfig(ctx, cfg)
	}
	l := start(t, o)
	held.Store(true)

	admin := connect(t, c.DSN())
	// The listener's backend is the cluster's only other client. (Its last
	// query is LISTEN only until the first keep-alive ping, 200 ms later, so
	// it is not found by its query text.)
	var pid int
	if err := admin.QueryRow(context.Background(),
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// Before the cluster's cleanup, which a stopped process would stall.
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })

	eventually(t, "down after the backend froze", func() bool { return !l.State().Connected })
	if err := l.State().Err; err == nil || !strings.Contains(err.Error(), "lost the connection: no answer to a ping within 500ms") {
		t.Errorf("State().Err = %v, want it to name the unanswered ping", err)
	}
	held.Store(false)
	eventually(t, "connected again on a new backend", func() bool { return l.State().Connected })
	notify(t, admin, "after freeze", true)
	received(t, got, "after freeze")
}

// Close in the middle of an outage ends the reconnection loop at once.
func TestCloseWhileDown(t *testing.T) {
	c := pgtest.StartCluster(t)
	o := fast(t, c.DSN(), nil)
	o.Retry, o.RetryMax = time.Hour, time.Hour
	l := start(t, o)
	c.Stop(t)
	eventually(t, "State down after Stop", func() bool { return !l.State().Connected })
	closed := make(chan struct{})
	go func() { _ = l.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(deadline):
		t.Fatal("Close waited for the reconnection back-off")
	}
}
