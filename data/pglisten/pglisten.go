// Package pglisten is the live change feed of a dashboard on PostgreSQL.
//
// Every write transaction of the store sends a notification on one
// channel (pg_notify(channel, ”) inside the transaction), which
// PostgreSQL delivers to every listening session when, and only if, the
// transaction commits. A Listener keeps one dedicated connection
// LISTENing on that channel and turns what arrives into a cheap
// Changed() flag and a channel C(), so a dashboard re-reads only after
// someone — another process, another host, or this process — committed.
//
// The connection can be lost (the server restarts, fails over, the
// network goes). The Listener then reconnects by itself with a growing
// back-off, LISTENs again, and reports a change once it is back, because
// commits made while it was away sent notifications nobody received.
// While it is away it reports a change every SlowPoll, so the caller keeps
// re-reading (the slow-poll fallback) and sees its reads fail or succeed,
// and State says since when and why the server is unreachable, for the
// status line ("database unreachable since 09:41 — retrying").
//
// A notification carries no payload the Listener looks at: it says "read
// again", not what changed.
//
// Why not github.com/jackc/pgxlisten: it reconnects after a fixed delay
// with no back-off, has no notion of connected/disconnected a status line
// could show (errors go to a log callback, mixed with handler errors), no
// tick while disconnected, and no liveness check, so a half-open TCP
// connection (a host that vanished without closing it) waits forever.
// Each of those would be built around it; the loop it would save is a
// dozen lines of pgx.Conn.WaitForNotification.
package pglisten

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Defaults for the zero values of Options.
const (
	DefaultRetry     = 500 * time.Millisecond
	DefaultRetryMax  = 5 * time.Second
	DefaultSlowPoll  = 5 * time.Second
	DefaultKeepAlive = 10 * time.Second
	DefaultTimeout   = 5 * time.Second
)

// ErrClosed is State().Err after Close.
var ErrClosed = errors.New("the change feed is closed")

// Options configure a Listener. Config and Channel are required.
type Options struct {
	// Config says where to connect: pgx.ParseConfig of the store's DSN,
	// which also resolves PGPASSWORD and ~/.pgpass. The Listener opens
	// its own connection from it (never one of database/sql's pool: the
	// LISTEN belongs to a session and must outlive every query), and
	// scrubs its Password from every error it reports.
	Config *pgx.ConnConfig

	// Connect opens a connection from a copy of Config. Nil means
	// pgx.ConnectConfig. The Listener closes what it returns.
	Connect func(ctx context.Context, config *pgx.ConnConfig) (*pgx.Conn, error)

	// Channel is the notification channel, exactly as writers name it in
	// pg_notify(channel, …) (case-sensitive; at most 63 bytes). A writer
	// using the NOTIFY statement with an unquoted name must write it in
	// lower case.
	Channel string

	// Retry is the first wait before reconnecting; each failed attempt
	// doubles it, up to RetryMax, each wait drawn at random between half
	// and all of it so many dashboards do not reconnect in step after a
	// server restart. Zero means DefaultRetry and DefaultRetryMax.
	Retry, RetryMax time.Duration

	// SlowPoll is how often Changed and C report a change while
	// disconnected. Zero means DefaultSlowPoll.
	SlowPoll time.Duration

	// KeepAlive is how long the connection may stay silent before the
	// Listener pings the server; a ping unanswered within Timeout counts
	// as a lost connection. This is what notices a server that vanished
	// without closing the connection (a crashed host, a cut network):
	// within KeepAlive+Timeout. Zero means DefaultKeepAlive.
	KeepAlive time.Duration

	// Timeout bounds each connection attempt (with its LISTEN) and each
	// ping. Zero means DefaultTimeout.
	Timeout time.Duration

	// Now is the clock of State.DownSince. Nil means time.Now.
	Now func() time.Time

	// onNotify, for tests, sees the payload of each notification on the
	// channel, in the order of delivery, after it was signalled.
	onNotify func(payload string)
}

// State is what a status line shows about the feed.
type State struct {
	// Connected is true while the Listener holds a LISTENing connection,
	// so every commit's notification arrives. A connection that died
	// silently (no reset from the other end) still counts as connected
	// until the keep-alive ping fails, KeepAlive+Timeout at most.
	Connected bool

	// DownSince is when the Listener lost the server (when it noticed the
	// connection was gone) in the current outage; zero while connected.
	// Failed reconnection attempts do not move it.
	DownSince time.Time

	// Err is why the server is unreachable: the latest error of the
	// outage (the loss, then each failed reconnection attempt); nil while
	// connected, ErrClosed after Close. Its text never contains the
	// password; it does not unwrap to pgx's errors, which hold the
	// connection's configuration.
	Err error
}

// Listener is a LISTENing connection that reconnects by itself. Its
// methods are safe for concurrent use.
type Listener struct {
	o Options

	cancel context.CancelFunc
	done   chan struct{} // closed when run returns

	mu      sync.Mutex
	changed bool
	c       chan struct{}
	state   State
	closed  bool
	poll    *time.Timer // while disconnected: the next slow-poll tick
}

// Start connects and LISTENs before it returns, so commits made after
// Start returns are reported, and a DSN that does not work (a wrong
// password, no such database, a server that is not there) is an error
// here, before the dashboard starts, rather than an outage on screen that
// retrying will never end. Start the Listener before the first read: a
// commit between that read and Start would go unseen until the next one.
//
// After Start succeeds, no failure is returned again: the Listener
// reconnects until Close and reports outages through State. ctx bounds
// only this first connection; the Listener runs until Close.
func Start(ctx context.Context, o Options) (*Listener, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	l := &Listener{
		o:     o,
		done:  make(chan struct{}),
		c:     make(chan struct{}, 1),
		state: State{Connected: true},
	}
	conn, err := l.connect(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(runCtx, conn)
	return l, nil
}

func (o *Options) fill() error {
	if o.Config == nil {
		return errors.New("pglisten: Options.Config is nil")
	}
	if o.Channel == "" || len(o.Channel) > 63 {
		return fmt.Errorf("pglisten: channel %q: want 1 to 63 bytes", o.Channel)
	}
	if o.Connect == nil {
		o.Connect = pgx.ConnectConfig
	}
	if o.Retry <= 0 {
		o.Retry = DefaultRetry
	}
	if o.RetryMax <= 0 {
		o.RetryMax = max(DefaultRetryMax, o.Retry)
	}
	if o.SlowPoll <= 0 {
		o.SlowPoll = DefaultSlowPoll
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Changed reports whether, since the previous call (or since Start), a
// commit notified the channel, the Listener reconnected (commits may have
// gone unseen), the connection was lost, or — while disconnected — a
// SlowPoll interval passed. It resets the flag. Many notifications
// between two calls are one change. After Close it reports false.
func (l *Listener) Changed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.changed
	l.changed = false
	return ch
}

// C receives a value at the same moments Changed turns true, for a
// goroutine that waits instead of polling (a hub fanning out to SSH
// sessions). It holds at most one pending value: changes while nobody
// receives coalesce into one. C and Changed are independent: receiving
// from C does not reset Changed, nor the other way round. Close closes C,
// so `for range l.C()` ends.
func (l *Listener) C() <-chan struct{} { return l.c }

// State reports whether the Listener is connected, and if not, since when
// and why.
func (l *Listener) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// Close stops the Listener, closes its connection and C, and waits for
// its goroutine to end. Closing twice is harmless.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.changed = false
	l.state = State{Err: ErrClosed}
	if l.poll != nil {
		l.poll.Stop()
		l.poll = nil
	}
	close(l.c)
	l.mu.Unlock()

	l.cancel()
	<-l.done
	return nil
}

// signalLocked records a change and wakes a receiver of C.
func (l *Listener) signalLocked() {
	if l.closed {
		return
	}
	l.changed = true
	select {
	case l.c <- struct{}{}:
	default:
	}
}

func (l *Listener) signal() {
	l.mu.Lock()
	l.signalLocked()
	l.mu.Unlock()
}

// down records the loss of the connection (the first error of an outage)
// or a failed attempt to get it back (a later one), and arms the slow
// poll. Losing the server is itself a change: the caller's next read
// shows the failure.
func (l *Listener) down(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if l.state.Connected {
		l.state = State{DownSince: l.o.Now()}
		l.signalLocked()
		l.poll = time.AfterFunc(l.o.SlowPoll, l.slowPoll)
	}
	l.state.Err = err
}

// slowPoll is the tick of the slow-poll fallback while disconnected.
func (l *Listener) slowPoll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.state.Connected || l.poll == nil {
		return
	}
	l.signalLocked()
	l.poll.Reset(l.o.SlowPoll)
}

// up records a new LISTENing connection after an outage, and reports a
// change: the commits of the outage sent notifications to nobody.
func (l *Listener) up() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.state = State{Connected: true}
	if l.poll != nil {
		l.poll.Stop()
		l.poll = nil
	}
	l.signalLocked()
}

// run owns the connection: it waits for notifications until the
// connection fails, then reconnects, until ctx is cancelled by Close.
func (l *Listener) run(ctx context.Context, conn *pgx.Conn) {
	defer close(l.done)
	for {
		err := l.listen(ctx, conn)
		closeConn(conn)
		if ctx.Err() != nil {
			return
		}
		l.down(l.scrub("lost the connection", err))
		if conn = l.reconnect(ctx); conn == nil {
			return
		}
		l.up()
	}
}

// listen waits for notifications on conn and returns why it stopped: the
// connection failed, a ping went unanswered, or ctx was cancelled.
func (l *Listener) listen(ctx context.Context, conn *pgx.Conn) error {
	for {
		wait, cancel := context.WithTimeout(ctx, l.o.KeepAlive)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			if n.Channel == l.o.Channel {
				l.signal()
				if l.o.onNotify != nil {
					l.o.onNotify(n.Payload)
				}
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Silence for KeepAlive: a timed-out wait leaves the pgx
			// connection usable; make sure the server is still there.
			ping, cancel := context.WithTimeout(ctx, l.o.Timeout)
			err = conn.Ping(ping)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("no answer to a ping within %v: %w", l.o.Timeout, err)
			}
		default:
			return err
		}
	}
}

// reconnect tries to connect and LISTEN until it succeeds or ctx ends
// (then it returns nil), waiting a growing, jittered delay between tries.
func (l *Listener) reconnect(ctx context.Context) *pgx.Conn {
	delay := l.o.Retry
	for {
		wait := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		conn, err := l.connect(ctx)
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		l.down(err)
		delay = min(2*delay, l.o.RetryMax)
	}
}

// connect opens a connection and LISTENs on the channel, within Timeout.
// Its error is scrubbed of the password.
func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, l.o.Timeout)
	defer cancel()
	conn, err := l.o.Connect(ctx, l.o.Config.Copy())
	if err != nil {
		return nil, l.scrub("connect", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.o.Channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, l.scrub("listen on channel "+l.o.Channel, err)
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	// Close sends a Terminate message: bound it, the server may be gone.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}
