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

// TestPostmortemEditedFromTheDashboard: W and A in the escalation pane
// reach a real temporary-file store for a resolved incident (picked among
// the open one and the recently resolved): the fields, the status by its
// rule (a refused step keeps the prompt open with the reason), an action
// item with owner, due day and kind, and marking it done.
func TestPostmortemEditedFromTheDashboard(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 9, 41, 7, 600_000_000, time.UTC)
	old, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 500s", Severity: model.SEV2}, "ann", now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ResolveIncident(ctx, old.ID, model.SeenIncident(old), "bad config", "ann", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenIncident(ctx, model.NewIncident{Title: "search slow", Severity: model.SEV3}, "ann", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return now }, Location: time.UTC, Template: mdtemplate.Builtin()}
	h := ui.NewHarness(dashstore.New(st), opts, 120, 40)
	press := func(keys ...string) {
		for _, k := range keys {
			switch k {
			case "enter":
				h.Press(tea.KeyMsg{Type: tea.KeyEnter})
			case "esc":
				h.Press(tea.KeyMsg{Type: tea.KeyEsc})
			default:
				h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
		}
	}
	stored := func() model.Incident {
		t.Helper()
		inc, err := st.Incident(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	press("4", "W")
	if v := ansi.Strip(h.View()); !strings.Contains(v, "Postmortem of which incident?") || !strings.Contains(v, "2 INC-1 resolved: checkout 500s") {
		t.Fatalf("no incident choice:\n%s", v)
	}
	press("2")
	if v := ansi.Strip(h.View()); !strings.Contains(v, "1 Summary: (empty)") || !strings.Contains(v, "9 Status: draft") {
		t.Fatalf("no field choice:\n%s", v)
	}
	press("1", "Checkout failed for 38 minutes", "enter")
	press("W", "2", "2", "12% of checkouts, EU only", "enter")
	press("W", "2", "8", "carol", "enter")
	press("W", "2", "6", "the alert paged nobody", "enter")
	// The prompt is prefilled: enter alone keeps the value, and typing
	// replaces it.
	press("W", "2", "1", "enter")
	pm := stored().Postmortem
	if pm.Summary != "Checkout failed for 38 minutes" || pm.Impact != "12% of checkouts, EU only" || pm.Owner != "carol" || pm.WentWrong != "the alert paged nobody" {
		t.Fatalf("stored postmortem %+v\n%s", pm, ansi.Strip(h.View()))
	}
	press("W", "2", "9", "published", "enter")
	if v := ansi.Strip(h.View()); !strings.Contains(v, "published after its review") {
		t.Fatalf("draft → published not refused in the prompt:\n%s", v)
	}
	press("esc", "W", "2", "9", "in-review", "enter")
	if pm := stored().Postmortem; pm.Status != model.PostmortemInReview || pm.StatusBy != "bob" {
		t.Fatalf("status %q by %q, want in-review by bob", pm.Status, pm.StatusBy)
	}
	press("W", "2", "9", "draft", "enter")
	if v := ansi.Strip(h.View()); !strings.Contains(v, "write draft: WHAT MUST CHANGE") {
		t.Fatalf("back to draft without a reason not refused:\n%s", v)
	}
	press("esc")

	press("A", "2", "Page the on-call on p99 @alice kind:detect due:2026-12-08", "enter")
	press("A", "2", "due:12/08 fix it", "enter")
	if v := ansi.Strip(h.View()); !strings.Contains(v, "write the day as YYYY-MM-DD") {
		t.Fatalf("a bad due day not refused in the prompt:\n%s", v)
	}
	press("esc")
	items := stored().ActionItems
	want := model.ActionItem{Position: 1, Text: "Page the on-call on p99", Owner: "alice", Kind: model.ActionDetect, Due: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)}
	if len(items) != 1 || items[0] != want {
		t.Fatalf("action items %+v, want [%+v]", items, want)
	}
	press("A", "2", "done 1", "enter")
	if items := stored().ActionItems; len(items) != 1 || !items[0].Done || items[0].DoneBy != "bob" || !items[0].DoneAt.Equal(now) {
		t.Fatalf("action item not done by bob at %s: %+v", now, items)
	}

	// A read-only dashboard (the war-room TV) refuses both keys.
	ro := opts
	ro.ReadOnly = true
	h = ui.NewHarness(dashstore.New(st), ro, 120, 40)
	for _, k := range []string{"W", "A"} {
		press("4", k)
		if v := ansi.Strip(h.View()); !strings.Contains(v, "READ-ONLY view: actions are disabled") || strings.Contains(v, "of which incident?") {
			t.Fatalf("read-only %s not refused:\n%s", k, v)
		}
	}
}
