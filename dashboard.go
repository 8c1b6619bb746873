package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"flightdeck/data"
	"flightdeck/model/mdtemplate"
	"flightdeck/ui"
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
	return ui.Run(ctx, dashboardStore{st}, ui.Options{
		Actor:    a.actor(),
		Now:      func() time.Time { return a.now().Round(0) },
		Template: mdtemplate.Builtin(),
		Rule:     st.Rule(),
		Bell:     func() { _, _ = os.Stdout.WriteString("\a") },
	}, ui.RunOptions{Mouse: a.mouse, DebugLog: debugLog})
}
