package pglisten

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Another connection's commit reaches Changed, and C, well within the
// second a dashboard allows.
func TestCommitIsReported(t *testing.T) {
	dsn := newDatabase(t)
	got := &payloads{}
	l := start(t, fast(t, dsn, got))
	writer := connect(t, dsn)

	if l.Changed() || pending(l) {
		t.Fatal("a change reported before anyone committed")
	}
	var slowest time.Duration
	for i := range 20 {
		begin := time.Now()
		notify(t, writer, fmt.Sprint(i), true)
		eventually(t, "Changed after a commit", l.Changed)
		slowest = max(slowest, time.Since(begin))
		if !pending(l) {
			t.Fatalf("commit %d: Changed but nothing on C", i)
		}
		if l.Changed() {
			t.Fatalf("commit %d: Changed twice for one commit", i)
		}
	}
	t.Logf("20 commits: the slowest reached Changed in %v", slowest)
	if slowest > time.Second {
		t.Errorf("a commit took %v to reach the listener, more than a second", slowest)
	}
	if s := l.State(); !s.Connected || !s.DownSince.IsZero() || s.Err != nil {
		t.Errorf("State = %+v, want connected", s)
	}
}

// A rolled-back transaction's NOTIFY is never delivered. The proof waits
// for a committed marker sent after it: PostgreSQL delivers in commit
// order, so anything of the rollback's would have come first.
func TestRollbackIsNotReported(t *testing.T) {
	dsn := newDatabase(t)
	got := &payloads{}
	l := start(t, fast(t, dsn, got))
	writer := connect(t, dsn)

	notify(t, writer, "rolled back", false)
	notify(t, writer, "marker", true)
	received(t, got, "marker")
	if g := got.list(); !slices.Equal(g, []string{"marker"}) {
		t.Errorf("received %q, want only the marker", g)
	}
	if !l.Changed() {
		t.Error("the marker's commit did not report a change")
	}
}

// Notifications between two calls are one change, and one value on C;
// other channels are not changes.
func TestChangesCoalesce(t *testing.T) {
	dsn := newDatabase(t)
	got := &payloads{}
	l := start(t, fast(t, dsn, got))
	writer := connect(t, dsn)

	if _, err := writer.Exec(context.Background(), "SELECT pg_notify('other', 'x')"); err != nil {
		t.Fatal(err)
	}
	notify(t, writer, "marker", true)
	received(t, got, "marker")
	if g := got.list(); !slices.Equal(g, []string{"marker"}) {
		t.Errorf("received %q, want only the marker of our channel", g)
	}
	l.Changed()
	pending(l)

	for i := range 50 {
		notify(t, writer, fmt.Sprint(i), true)
	}
	received(t, got, "49")
	if n := len(got.list()); n != 51 {
		t.Errorf("received %d notifications, want 51", n)
	}
	if !l.Changed() {
		t.Error("50 commits: no change reported")
	}
	if l.Changed() {
		t.Error("50 commits: Changed twice")
	}
	if !pending(l) {
		t.Error("50 commits: nothing on C")
	}
	if pending(l) {
		t.Error("50 commits: more than one value on C")
	}
}

// The connection killed under the listener (pg_terminate_backend, as a
// failover or an administrator does): it says so, reconnects, reports a
// change for what it may have missed, and listens again.
func TestTerminatedConnectionRecovers(t *testing.T) {
	dsn := newDatabase(t)
	got := &payloads{}
	l := start(t, fast(t, dsn, got))
	writer := connect(t, dsn)

	terminateListener(t, writer)
	eventually(t, "a change after the reconnect", l.Changed)
	eventually(t, "connected again", func() bool { return l.State().Connected })
	notify(t, writer, "after", true)
	received(t, got, "after")
}

// terminateListener ends the backend of the listener's session.
func terminateListener(t testing.TB, admin *pgx.Conn) {
	t.Helper()
	var n int
	err := admin.QueryRow(context.Background(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d listener backends (%v), want 1", n, err)
	}
}

func TestStartFails(t *testing.T) {
	dsn := newDatabase(t)
	cfg := config(t, dsn)
	wrong := cfg.Copy()
	wrong.Password = "wr0ng p@ss:/%word"
	nobody := cfg.Copy()
	nobody.Host, nobody.Port = "127.0.0.1", uint16(freePort(t))
	nodb := cfg.Copy()
	nodb.Database = "no_such_database"
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no config", Options{Channel: channel}, "Config is nil"},
		{"no channel", Options{Config: cfg}, "channel"},
		{"long channel", Options{Config: cfg, Channel: strings.Repeat("c", 64)}, "63 bytes"},
		{"wrong password", Options{Config: wrong, Channel: channel}, "password authentication failed"},
		{"nobody listens", Options{Config: nobody, Channel: channel}, "connection refused"},
		{"no such database", Options{Config: nodb, Channel: channel}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			l, err := Start(ctx, tt.o)
			if err == nil {
				_ = l.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start: %v; want it to say %q", err, tt.want)
			}
			if tt.o.Config != nil && tt.o.Config.Password != "" && strings.Contains(err.Error(), tt.o.Config.Password) {
				t.Errorf("Start: %v: contains the password", err)
			}
		})
	}
}

// A Connect of the caller's that puts the DSN in its errors: the password
// is scrubbed from Start's error and from State, in every spelling.
func TestPasswordNeverInErrors(t *testing.T) {
	dsn := newDatabase(t)
	cfg := config(t, dsn)
	// The test server's real password, spelt as a DSN would spell it.
	secret := cfg.Password
	leak := func(context.Context, *pgx.ConnConfig) (*pgx.Conn, error) {
		return nil, fmt.Errorf("dial postgres://u:%s@h/db (password=%s): refused", secret, secret)
	}
	o := fast(t, dsn, nil)
	o.Connect = leak
	ctx := context.Background()
	if _, err := Start(ctx, o); err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("Start: %v; want an error with the password replaced by xxxxx", err)
	}
	// A password a URL must escape, in each of its spellings.
	odd := o
	odd.Config = cfg.Copy()
	odd.Config.Password = "p@ss w/rd:%&ü"
	odd.Connect = func(context.Context, *pgx.ConnConfig) (*pgx.Conn, error) {
		pw := odd.Config.Password
		return nil, fmt.Errorf("%s|%s|%s|%s", pw, url.QueryEscape(pw), url.PathEscape(pw), url.UserPassword("u", pw))
	}
	if _, err := Start(ctx, odd); err == nil || err.Error() != "connect: xxxxx|xxxxx|xxxxx|u:xxxxx" {
		t.Errorf("Start: %v; want every spelling of the password replaced", err)
	}

	// Connected first, then the connection lost and every reconnection
	// leaking.
	var fail atomic.Bool
	o.Connect = func(ctx context.Context, c *pgx.ConnConfig) (*pgx.Conn, error) {
		if fail.Load() {
			return leak(ctx, c)
		}
		return pgx.ConnectConfig(ctx, c)
	}
	l := start(t, o)
	fail.Store(true)
	terminateListener(t, connect(t, dsn))
	eventually(t, "a failed reconnection in State", func() bool {
		err := l.State().Err
		return err != nil && strings.Contains(err.Error(), "refused")
	})
	s := l.State()
	if strings.Contains(s.Err.Error(), secret) {
		t.Errorf("State().Err = %v: contains the password", s.Err)
	}
	var pgErr *pgconn.PgError
	var connErr *pgconn.ConnectError
	if errors.As(s.Err, &pgErr) || errors.As(s.Err, &connErr) {
		t.Errorf("State().Err unwraps to pgx's errors, which hold the configuration")
	}
}

func TestClose(t *testing.T) {
	dsn := newDatabase(t)
	l := start(t, fast(t, dsn, nil))
	ended := make(chan struct{})
	go func() {
		for range l.C() {
		}
		close(ended)
	}()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	<-ended // for range C ended: C is closed
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if l.Changed() {
		t.Error("Changed after Close")
	}
	if s := l.State(); s.Connected || s.Err != ErrClosed {
		t.Errorf("State after Close = %+v, want not connected, ErrClosed", s)
	}
	// Its session leaves the server.
	admin := connect(t, dsn)
	eventually(t, "no listening session after Close", func() bool {
		var n int
		if err := admin.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}
