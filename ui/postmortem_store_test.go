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
	// d sets when it was detected, in the one time grammar.
	press("W", "2", "d", "-3h", "enter")
	if got := stored().Postmortem.DetectedAt; !got.Equal(now.Add(-3 * time.Hour)) {
		t.Fatalf("detected at %s, want %s", got, now.Add(-3*time.Hour))
	}
	// edit N changes an existing item's owner, due day and kind.
	press("A", "2", "edit 1 @lee due:2026-12-15 kind:prevent", "enter")
	if items := stored().ActionItems; len(items) != 1 || items[0].Owner != "lee" || items[0].Kind != model.ActionPrevent ||
		!items[0].Due.Equal(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)) || !items[0].Done {
		t.Fatalf("action item not edited: %+v", items)
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

// TestScheduleMeetingKeyReachesTheStore: P in the escalation pane asks
// when the postmortem meeting of the resolved SEV1 is, reads the answer on
// the dashboard's clock and zone, refuses a past time keeping the prompt
// open, and records the meeting, which the pane counts down and the header
// shows as the next deadline. Real temporary-file store.
func TestScheduleMeetingKeyReachesTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opened := time.Date(2026, 12, 1, 9, 41, 7, 600_000_000, time.UTC)
	inc, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV1}, "alice", opened)
	if err != nil {
		t.Fatal(err)
	}
	resolved := opened.Add(49*time.Minute + 300*time.Millisecond)
	if err := st.ResolveIncident(ctx, inc.ID, model.SeenIncident(inc), "bad config", "alice", resolved); err != nil {
		t.Fatal(err)
	}
	now := resolved.Add(5*time.Hour + 4*time.Minute + 250*time.Millisecond) // 15:34:08.15 UTC
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return now }, Location: paris, Template: mdtemplate.Builtin()}
	h := ui.NewHarness(dashstore.New(st), opts, 120, 40)
	press := func(keys ...string) {
		for _, k := range keys {
			switch k {
			case "enter":
				h.Press(tea.KeyMsg{Type: tea.KeyEnter})
			case "ctrl+u":
				h.Press(tea.KeyMsg{Type: tea.KeyCtrlU})
			default:
				h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
		}
	}
	view := func() string { return ansi.Strip(h.View()) }
	if v := view(); !strings.Contains(v, "INC-1 schedule postmortem within 24–48 h") {
		t.Fatalf("the pane does not show the window:\n%s", v)
	}
	press("4", "P")
	if v := view(); !strings.Contains(v, "postmortem meeting for INC-1 at") || !strings.Contains(v, "tomorrow 10:00, +24h, 14:00") {
		t.Fatalf("no prompt:\n%s", v)
	}
	press("-5m", "enter")
	if v := view(); !strings.Contains(v, "is in the past") || !strings.Contains(v, "postmortem meeting for INC-1 at") {
		t.Fatalf("a past time should be refused with the prompt kept open:\n%s", v)
	}
	if got, _ := st.Incident(ctx, inc.ID); got.Meeting != nil {
		t.Fatalf("refused, yet recorded: %+v", got.Meeting)
	}
	for range "-5m" {
		h.Press(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	press("tomorrow 10:00", "enter")
	got, err := st.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // 10:00 in Paris
	if got.Meeting == nil || !got.Meeting.At.Equal(want) || got.Meeting.ScheduledBy != "bob" || got.Meeting.Owner != "bob" {
		t.Fatalf("meeting %+v, want at %s by bob\n%s", got.Meeting, want, view())
	}
	v := view()
	head, _, _ := strings.Cut(v, "\n")
	for _, w := range []string{
		"✓ INC-1 postmortem meeting Dec 2 10:00 (in 17:25:52)", // the status line
		"INC-1 postmortem meeting Dec 2 10:00 · in 17:25",      // the pane (cut at its width)
	} {
		if !strings.Contains(v, w) {
			t.Errorf("screen lacks %q:\n%s", w, v)
		}
	}
	if !strings.Contains(head, "INC-1 postmortem in 17:25:52") {
		t.Errorf("header lacks the meeting: %q", head)
	}

	// P again moves it; the prompt says from when.
	press("P")
	if v := view(); !strings.Contains(v, "move INC-1's postmortem meeting (Dec 2 10:00) to") {
		t.Fatalf("no move prompt:\n%s", v)
	}
	press("+2h", "enter")
	got, _ = st.Incident(ctx, inc.ID)
	if want := now.Add(2 * time.Hour).Truncate(time.Millisecond); got.Meeting == nil || !got.Meeting.At.Equal(want) || got.Meeting.Sequence != 1 {
		t.Fatalf("moved meeting %+v, want at %s, sequence 1", got.Meeting, want)
	}
}

// TestScheduleMeetingKeyReadOnly: a read-only dashboard refuses P and
// writes nothing.
func TestScheduleMeetingKeyReadOnly(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opened := time.Date(2026, 12, 1, 9, 41, 7, 600_000_000, time.UTC)
	inc, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2}, "alice", opened)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ResolveIncident(ctx, inc.ID, model.SeenIncident(inc), "", "alice", opened.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := opened.Add(2 * time.Hour)
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return now }, Location: time.UTC, Template: mdtemplate.Builtin(), ReadOnly: true}
	h := ui.NewHarness(dashstore.New(st), opts, 120, 40)
	h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("4")})
	h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("P")})
	if v := ansi.Strip(h.View()); !strings.Contains(v, "READ-ONLY view: actions are disabled") || strings.Contains(v, "postmortem meeting for") {
		t.Fatalf("P not refused:\n%s", v)
	}
}
