package ui_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// TestFailingSenderInStatusLine: while a sender fails, the status line
// says so whenever it has nothing else to say, in the store's wording, and
// stops once the sender recovers. Real temporary-file store.
func TestFailingSenderInStatusLine(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 1, 9, 41, 7, 600_000_000, time.UTC)
	if _, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV1}, "alice", at); err != nil {
		t.Fatal(err)
	}
	o, won, err := st.LeaseOutbox(ctx, "chat", "me", at, time.Minute)
	if err != nil || !won {
		t.Fatalf("lease: %v %v", won, err)
	}
	fail := data.OutboxStep{From: o.Cursor, To: o.Cursor + 1, Failing: true, Lost: true, At: at.Add(time.Second),
		Error: "chat: HTTP 503 Service Unavailable"}
	if ok, err := st.AdvanceOutbox(ctx, "chat", "me", fail, time.Minute); err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return at.Add(time.Minute) }, Location: time.UTC, Template: mdtemplate.Builtin()}
	h := ui.NewHarness(dashstore.New(st), opts, 120, 40)
	want := "✗ notifications to chat FAILING since 09:41:08 (1 notice not delivered): chat: HTTP 503 Service Unavailable"
	if v := ansi.Strip(h.View()); !strings.Contains(v, want) {
		t.Fatalf("status line lacks %q:\n%s", want, v)
	}
	ok := data.OutboxStep{From: o.Cursor + 1, To: o.Cursor + 2, Delivered: true, At: at.Add(2 * time.Second)}
	if done, err := st.AdvanceOutbox(ctx, "chat", "me", ok, time.Minute); err != nil || !done {
		t.Fatalf("advance: %v %v", done, err)
	}
	h.Reload()
	if v := ansi.Strip(h.View()); strings.Contains(v, "FAILING") {
		t.Fatalf("still shown after recovery:\n%s", v)
	}
}

// TestFormCommitReachesTheStore: the n form's optional commit and commit
// time are stored, so a deployment started from the dashboard counts in
// lead time. Real temporary-file store.
func TestFormCommitReachesTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 9, 41, 7, 600_000_000, time.UTC)
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return now }, Location: time.UTC, Template: mdtemplate.Builtin()}
	h := ui.NewHarness(dashstore.New(st), opts, 120, 40)
	press := func(keys ...string) {
		for _, k := range keys {
			switch k {
			case "tab":
				h.Press(tea.KeyMsg{Type: tea.KeyTab})
			case "enter":
				h.Press(tea.KeyMsg{Type: tea.KeyEnter})
			default:
				h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
		}
	}
	press("n", "web", "tab", "v1.0.1", "tab", "tab", "3f2a9c1", "tab", "2026-12-01 07:30 +0100", "enter")
	deps, err := st.ActiveDeployments(ctx)
	if err != nil || len(deps) != 1 {
		t.Fatalf("deployments %+v %v\n%s", deps, err, ansi.Strip(h.View()))
	}
	want := time.Date(2026, 12, 1, 6, 30, 0, 0, time.UTC)
	if d := deps[0]; d.CommitSHA != "3f2a9c1" || !d.CommittedAt.Equal(want) {
		t.Fatalf("stored commit %q at %s, want 3f2a9c1 at %s", d.CommitSHA, d.CommittedAt, want)
	}
}

// TestIncidentDetailTagsDeploymentEvents: the dashboard's incident detail
// view marks the linked deployment's events as incident show and the report
// do. Real temporary-file store.
func TestIncidentDetailTagsDeploymentEvents(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	d, err := st.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v2.14.0"}, mdtemplate.Builtin(), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartExecution(ctx, d.ID, "alice", t0, true); err != nil {
		t.Fatal(err)
	}
	inc, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2, DeploymentID: d.ID}, "alice", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Abort(ctx, d.ID, model.RolloutSeen{}, "5xx on /pay", "bob", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad flag", "bob", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return t0.Add(4 * time.Minute) }, Location: time.UTC, Template: mdtemplate.Builtin()}
	opts.History = dashstore.New(st)
	h := ui.NewHarness(dashstore.New(st), opts, 160, 60)
	for _, k := range []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("H")}, {Type: tea.KeyTab}, {Type: tea.KeyEnter}} {
		h.Press(k)
	}
	v := ansi.Strip(h.View())
	if !strings.Contains(v, "[#1 checkout-api] aborted the rollout") {
		t.Fatalf("the detail view does not mark the deployment's abort:\n%s", v)
	}
	if strings.Contains(v, "[#1 checkout-api] opened SEV2") {
		t.Errorf("the incident's own opening is marked as the deployment's:\n%s", v)
	}
}
