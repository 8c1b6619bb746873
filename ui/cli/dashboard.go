package cli

import (
	"cmp"
	"context"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// runDashboard opens the database before taking over the terminal, so a bad
// path or a corrupt file is a one-line error on a normal screen.
func runDashboard(ctx context.Context, a *app) error {
	dark, err := themeFlag(a.theme)
	if err != nil {
		return err
	}
	ui.ApplyTheme(ui.LocalDark(dark, os.Getenv("COLORFGBG")))
	st, err := a.open(ctx)
	if err != nil {
		return err
	}
	debugLog := ""
	if a.debugging() {
		debugLog = "flightdeck-debug.log"
	}
	cfg, err := a.config() // loaded by open: this cannot fail now
	if err != nil {
		return err
	}
	changes, poll, stop, err := a.changes(ctx, st, true)
	if err != nil {
		return err
	}
	defer stop()
	opts := a.dashboardOptions(st, cfg)
	opts.Actor = a.actor()
	opts.ReadOnly = a.readOnly
	opts.Bell = func() { _, _ = os.Stdout.WriteString("\a") }
	opts.Editor = cmp.Or(strings.TrimSpace(os.Getenv("VISUAL")), strings.TrimSpace(os.Getenv("EDITOR")), "vi")
	ds := dashstore.New(st)
	// The metrics screen's first window is read ahead in the background;
	// the read ends (cancelled if need be) before the store is closed.
	warmCtx, stopWarm := context.WithCancel(ctx)
	warmed := make(chan struct{})
	go func() { defer close(warmed); ds.WarmMetrics(warmCtx, a.clock) }()
	defer func() { stopWarm(); <-warmed }()
	var dash ui.Reader = ds
	if a.readOnly {
		// No write path at all, not only disabled keys: see ui.ReadOnly.
		dash = ui.ReadOnly(dash)
	}
	return ui.Run(ctx, dash, opts, ui.RunOptions{Mouse: a.mouse, DebugLog: debugLog, Changes: changes, Poll: poll})
}

// themeFlag reads --theme and $FLIGHTDECK_THEME (ui.ParseTheme); a bad
// value is a usage error.
func themeFlag(flag string) (*bool, error) {
	dark, err := ui.ParseTheme(flag, os.Getenv("FLIGHTDECK_THEME"))
	if err != nil {
		return nil, usageError{err}
	}
	return dark, nil
}

// dashboardOptions are the settings every dashboard on this store starts
// from, local or over SSH: one clock, the rules and the configuration.
func (a *app) dashboardOptions(st *data.Store, cfg config.Effective) ui.Options {
	return ui.Options{
		Now:          a.clock,
		Template:     mdtemplate.Builtin(),
		Rule:         st.Rule(),
		HealthMaxAge: st.HealthMaxAge(),
		Policy:       st.Policy(),
		Updates:      cfg.Updates,
		Links:        cfg.Links,
	}
}

// changes is the one change signal of a long-running process (dashboard,
// serve): the store's commit watcher, shared with the notifier and the
// probe when the configuration runs them. The stop function ends the
// notifier first (it gives back anything it had to interrupt), then the
// watcher. With ticked (the dashboard), poll is the check its 1 s clock
// makes each second (see watch).
func (a *app) changes(ctx context.Context, st *data.Store, ticked bool) (changes <-chan struct{}, poll func(), stop func(), err error) {
	changes, poll, stopWatch, err := watch(ctx, st, ticked)
	if err != nil {
		return nil, nil, nil, err
	}
	changes, stopBackground := startBackground(ctx, a, st, changes)
	return changes, poll, func() { stopBackground(); stopWatch() }, nil
}

// On SQLite a commit elsewhere shows only by asking, PRAGMA data_version of
// a few microseconds; what an idle poll costs is waking up to ask. The
// dashboard asks from its 1 s clock, which wakes it anyway (poll); for
// busyFor after a change its watcher asks on the half seconds too, so a
// burst of changes shows within half a second and a first one within a
// second. serve and notify, without a clock of their own, ask every half
// second of the wall clock.
const (
	pollInterval = 500 * time.Millisecond
	busyFor      = 30 * time.Second
)

// nextPoll is how long from now until the next poll: the next multiple of
// pollInterval of the wall clock.
func nextPoll(now time.Time) time.Duration {
	return now.Truncate(pollInterval).Add(pollInterval).Sub(now)
}

// watchChanges signals on the returned channel (capacity one: bursts
// coalesce) whenever another connection commits, asking every half second.
func watchChanges(ctx context.Context, st *data.Store) (<-chan struct{}, func(), error) {
	changes, _, stop, err := watch(ctx, st, false)
	return changes, stop, err
}

// watch signals on changes (capacity one: bursts coalesce) whenever
// another connection commits. On PostgreSQL the change feed says so itself
// (Watcher.C: notifications, reconnections, the slow poll while the server
// is out of reach), and nothing polls. On SQLite, with ticked, poll is the
// once-a-second check the caller's clock makes, and the watcher adds the
// half seconds while busy; without, the watcher asks every half second.
func watch(ctx context.Context, st *data.Store, ticked bool) (changes <-chan struct{}, poll func(), stop func(), err error) {
	w, err := st.Watch(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan struct{}, 1)
	busy := make(chan struct{}, 1)
	var busyUntil atomic.Int64 // unix nanoseconds
	check := func() {
		// No deadline: with one, the SQLite driver watches every query's
		// context from a goroutine of its own (to interrupt it), two more
		// thread wake-ups a poll, most of what an idle poll costs. PRAGMA
		// data_version takes no lock and waits for nothing; on PostgreSQL
		// Changed reads the feed's state in memory.
		changed, err := w.Changed(context.Background())
		if err != nil || !changed {
			return
		}
		busyUntil.Store(time.Now().Add(busyFor).UnixNano())
		for _, c := range []chan struct{}{out, busy} {
			select {
			case c <- struct{}{}:
			default: // already pending
			}
		}
	}
	feed := w.C() // nil on SQLite
	poll = func() {}
	if feed == nil && ticked {
		poll = check
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(nextPoll(time.Now()))
		defer t.Stop()
		for {
			switch {
			case feed != nil:
				select {
				case <-ctx.Done():
					return
				case <-feed:
				}
			case ticked && time.Now().UnixNano() >= busyUntil.Load():
				// Idle: the clock asks; wait for it to see a change.
				select {
				case <-ctx.Done():
					return
				case <-busy:
					t.Reset(nextPoll(time.Now()))
					continue
				}
			default:
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					t.Reset(nextPoll(time.Now()))
				}
			}
			check()
		}
	}()
	return out, poll, func() { cancel(); <-done; _ = w.Close() }, nil
}
