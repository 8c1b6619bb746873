package cli

import (
	"cmp"
	"context"
	"os"
	"strings"
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
	changes, stop, err := a.changes(ctx, st)
	if err != nil {
		return err
	}
	defer stop()
	opts := a.dashboardOptions(st, cfg)
	opts.Actor = a.actor()
	opts.ReadOnly = a.readOnly
	opts.Bell = func() { _, _ = os.Stdout.WriteString("\a") }
	opts.Editor = cmp.Or(strings.TrimSpace(os.Getenv("VISUAL")), strings.TrimSpace(os.Getenv("EDITOR")), "vi")
	var dash ui.Reader = dashstore.New(st)
	if a.readOnly {
		// No write path at all, not only disabled keys: see ui.ReadOnly.
		dash = ui.ReadOnly(dash)
	}
	return ui.Run(ctx, dash, opts, ui.RunOptions{Mouse: a.mouse, DebugLog: debugLog, Changes: changes})
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
// watcher.
func (a *app) changes(ctx context.Context, st *data.Store) (<-chan struct{}, func(), error) {
	changes, stopWatch, err := watchChanges(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	changes, stopBackground := startBackground(ctx, a, st, changes)
	return changes, func() { stopBackground(); stopWatch() }, nil
}

// pollInterval is how often the dashboard asks SQLite whether another
// process committed: one PRAGMA data_version of a few microseconds, so a
// change shows within half a second. The polls fall on the half and the
// whole second of the wall clock (nextPoll), like the dashboard's 1 s
// clock (tea.Every), so every other poll rides the tick's wake-up: idle,
// a dashboard wakes three times a second rather than four and a third.
const pollInterval = 500 * time.Millisecond

// nextPoll is how long from now until the next poll: the next multiple of
// pollInterval of the wall clock.
func nextPoll(now time.Time) time.Duration {
	return now.Truncate(pollInterval).Add(pollInterval).Sub(now)
}

// watchChanges signals on the returned channel (capacity one: bursts
// coalesce) whenever another connection commits. On PostgreSQL the change
// feed says so itself (Watcher.C: a notification, a reconnection, the slow
// poll while the server is out of reach), and nothing polls.
func watchChanges(ctx context.Context, st *data.Store) (<-chan struct{}, func(), error) {
	w, err := st.Watch(ctx)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	changes := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		feed := w.C() // nil on SQLite
		var poll <-chan time.Time
		var t *time.Timer
		if feed == nil {
			t = time.NewTimer(nextPoll(time.Now()))
			defer t.Stop()
			poll = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-poll:
				t.Reset(nextPoll(time.Now()))
			case <-feed:
			}
			qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
			changed, err := w.Changed(qctx)
			qcancel()
			if err == nil && changed {
				select {
				case changes <- struct{}{}:
				default: // a reload is already pending
				}
			}
		}
	}()
	return changes, func() { cancel(); <-done; _ = w.Close() }, nil
}
