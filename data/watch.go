package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/octoacme/flightdeck/data/pglisten"
)

// Watcher tells cheaply whether the database changed, so a dashboard or
// `deploy wait` re-reads only after a commit instead of on every tick.
//
// It polls PRAGMA data_version on one pinned connection: the value is per
// connection and moves when any other connection — this process's pool or
// another process — commits (pitfalls D25). On an unpinned pool it would
// compare values from different connections, which means nothing.
//
// On PostgreSQL it is the change feed instead: every write transaction
// sends a notification (engine.announce) that the server delivers at
// COMMIT to every listening session, on any host; a pglisten.Listener
// keeps one dedicated connection LISTENing, reconnects after the server
// restarts, and while it cannot, reports a change every few seconds (the
// slow poll) so the caller re-reads and shows the outage.
type Watcher struct {
	mu   sync.Mutex
	conn *sql.Conn
	last int64
	path string

	feed  *pglisten.Listener // PostgreSQL; nil on SQLite
	reach *reachability

	guard *fileGuard
	told  bool // the files changed underfoot and Changed said so once
}

// Watch pins one connection of the store's pool (it holds one of its four
// until Close) and records the current data version.
func (s *Store) Watch(ctx context.Context) (*Watcher, error) {
	if s.eng == enginePostgres {
		feed, err := pglisten.Start(ctx, pglisten.Options{Config: s.pgConfig.Copy(), Channel: changeChannel})
		if err != nil {
			return nil, fmt.Errorf("watch for changes on %s: %w", s.path, err)
		}
		return &Watcher{feed: feed, path: s.path, guard: s.guard, reach: s.reach}, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, s.fail("watch for changes", err)
	}
	w := &Watcher{conn: conn, path: s.path, guard: s.guard}
	if w.last, err = w.version(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return w, nil
}

func (w *Watcher) version(ctx context.Context) (int64, error) {
	var v int64
	if err := w.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("watch for changes: %w", mapError(w.path, err))
	}
	return v, nil
}

// Changed reports whether another connection committed since the previous
// call (or since Watch). One query of a few microseconds; safe to call every
// few hundred milliseconds, from one goroutine or several.
func (w *Watcher) Changed(ctx context.Context) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.feed != nil {
		changed := w.feed.Changed()
		st := w.feed.State()
		if errors.Is(st.Err, pglisten.ErrClosed) {
			return false, fmt.Errorf("watch for changes: the watcher is closed")
		}
		if !st.Connected && !st.DownSince.IsZero() && st.Err != nil && st.Err != pglisten.ErrClosed {
			w.reach.down(st.DownSince, connCause(st.Err))
		}
		return changed, nil
	}
	if w.conn == nil {
		return false, fmt.Errorf("watch for changes: the watcher is closed")
	}
	if w.guard.check() != nil {
		// The file or its sidecars were replaced or deleted: no commit
		// will ever show here again. Say "changed" once, so the dashboard
		// reloads and its read reports the refusal instead of showing the
		// past as current.
		if !w.told {
			w.told = true
			return true, nil
		}
		return false, nil
	}
	v, err := w.version(ctx)
	if err != nil {
		return false, err
	}
	changed := v != w.last
	w.last = v
	return changed, nil
}

// C receives a value as soon as the PostgreSQL change feed has something
// for Changed to report (a commit's notification, a reconnect, a slow-poll
// tick), so a caller can wait instead of polling; call Changed after it.
// It is nil on SQLite, where only polling PRAGMA data_version tells.
func (w *Watcher) C() <-chan struct{} {
	if w.feed != nil {
		return w.feed.C()
	}
	return nil
}

// Close returns the pinned connection to the pool. Closing twice is harmless.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.feed != nil {
		return w.feed.Close()
	}
	if w.conn == nil {
		return nil
	}
	err := w.conn.Close()
	w.conn = nil
	return err
}
