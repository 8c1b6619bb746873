package ui_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// methodsOnly hides the store's SnapshotReader: the dashboard reads it the
// way it did before, one Reader method after another.
type methodsOnly struct{ ui.Store }

// TestReloadReadsWhatChanged: two dashboards on one database file, one
// reading snapshots that build on the previous one (ui.SnapshotReader),
// one reading everything through the Reader's methods; another process
// acts, and after each commit both reload and must show the same screen.
func TestReloadReadsWhatChanged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reload.db")
	open := func() *data.Store {
		st, err := data.Open(ctx, path, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, other := open(), open()
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	now := at
	opts := ui.Options{Actor: "alice", Now: func() time.Time { return now }, Location: time.UTC, Template: mdtemplate.Builtin()}
	fast := ui.NewHarness(dashstore.New(st), opts, 140, 40)
	ref := ui.NewHarness(methodsOnly{dashstore.New(st)}, opts, 140, 40)
	step := 0
	same := func(what string) {
		t.Helper()
		now = now.Add(time.Minute)
		fast.Tick(now)
		ref.Tick(now)
		fast.Reload()
		ref.Reload()
		if a, b := fast.View(), ref.View(); a != b {
			t.Fatalf("step %d, %s: the screens differ\nbuilt on the previous snapshot:\n%s\nread whole:\n%s", step, what, a, b)
		}
		step++
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	same("empty")
	d, err := other.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v2.14.0"}, mdtemplate.Builtin(), "bob", now)
	must(err)
	same("started")
	items, _, err := other.Checklist(ctx, d.ID)
	must(err)
	for _, it := range items[:3] {
		_, err = other.SetItemState(ctx, it.ID, model.ItemTodo, model.ItemDone, "", "bob", now)
		must(err)
		same("ticked " + it.Text)
	}
	_, err = other.StartExecution(ctx, d.ID, "bob", now, true)
	must(err)
	same("executing")
	_, err = other.GoLive(ctx, d.ID, "bob", now)
	must(err)
	same("live")
	inc, err := other.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV1, DeploymentID: d.ID}, "bob", now)
	must(err)
	same("incident")
	must(other.AddIncidentNote(ctx, inc.ID, "rolling back soon", "bob", now, false))
	same("note")
	must(other.AckStep(ctx, inc.ID, model.IncidentSeen{}, 1, "carol", "bob", now))
	same("ack")
	// Keys on both: focus and cursor move alike.
	for _, k := range []string{"j", "j", "tab", "j", "tab", "tab"} {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		if k == "tab" {
			msg = tea.KeyMsg{Type: tea.KeyTab}
		}
		fast.Key(msg)
		ref.Key(msg)
	}
	same("keys")
	must(other.MitigateIncident(ctx, inc.ID, model.IncidentSeen{}, "bob", now))
	same("mitigated")
	must(other.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad config", "bob", now))
	same("resolved")
	_, err = other.ScheduleMeeting(ctx, inc.ID, now.Add(24*time.Hour), "dana", "bob", now)
	must(err)
	same("meeting")
	page, err := other.EventsPage(ctx, data.EventPageFilter{Limit: 1})
	must(err)
	must(other.StarEvent(ctx, page[0].ID, true, "bob", now))
	same("starred")
	_, err = other.StartDeploymentOverride(ctx, model.NewDeployment{Service: "web", Version: "v9"}, mdtemplate.Builtin(), "hotfix", "bob", now)
	must(err)
	same("second deployment")
	r, _, err := other.Rollout(ctx, d.ID)
	must(err)
	_, err = other.Abort(ctx, d.ID, model.SeenRollout(r), "5xx", "bob", now)
	must(err)
	same("aborted")
	_, err = other.SetItemNote(ctx, items[5].ID, model.NoteSeen{}, "after the abort", "bob", now)
	must(err)
	same("note after abort")
}
