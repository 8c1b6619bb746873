package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
)

// dashboardStore adapts the SQLite store to what the dashboard declares.
type dashboardStore struct{ *data.Store }

// runDashboard opens the database before taking over the terminal, so a bad
// path or a corrupt file is a one-line error on a normal screen.
func runDashboard(ctx context.Context, a *app) error {
	switch strings.ToLower(a.theme) {
	case "":
	case "dark":
		lipgloss.SetHasDarkBackground(true)
	case "light":
		lipgloss.SetHasDarkBackground(false)
	default:
		return usagef("invalid --theme %q: use dark or light", a.theme)
	}
	st, err := a.open(ctx)
	if err != nil {
		return err
	}
	debugLog := ""
	if a.debug || strings.TrimSpace(os.Getenv("DEBUG")) != "" {
		debugLog = "flightdeck-debug.log"
	}
	cfg, err := a.config() // loaded by open: this cannot fail now
	if err != nil {
		return err
	}
	changes, stopWatch, err := watchChanges(ctx, st)
	if err != nil {
		return err
	}
	defer stopWatch()
	// The notifier and the probe run beside the UI, never in it; they
	// share the change signal and stop (giving back anything they had to
	// interrupt) before the watcher does.
	changes, stopBackground := startBackground(ctx, a, st, changes)
	defer stopBackground()
	return ui.Run(ctx, dashboardStore{st}, ui.Options{
		Actor:    a.actor(),
		Now:      func() time.Time { return a.now().Round(0) },
		Template: mdtemplate.Builtin(),
		Rule:     st.Rule(),
		Policy:   st.Policy(),
		Updates:  cfg.Updates,
		Links:    cfg.Links,
		ReadOnly: a.readOnly,
		Bell:     func() { _, _ = os.Stdout.WriteString("\a") },
	}, ui.RunOptions{Mouse: a.mouse, DebugLog: debugLog, Changes: changes})
}

// pollInterval is how often the dashboard asks SQLite whether another
// process committed: one PRAGMA data_version of a few microseconds, so
// changes show within half a second at no measurable cost.
const pollInterval = 300 * time.Millisecond

// watchChanges signals on the returned channel (capacity one: bursts
// coalesce) whenever another connection commits.
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
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
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
