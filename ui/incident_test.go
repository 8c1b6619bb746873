package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// withIncident: a deployment and a SEV2 opened at t0 from the form; the
// dashboard clock is moved by the test.
func withIncident(t *testing.T, w, h int) (*fakeStore, Model, *time.Time, *int) {
	t.Helper()
	st := seeded(t)
	clock := t0
	bells := 0
	m := newTestModel(t, st, w, h)
	m.opts.Now = func() time.Time { return clock }
	m.opts.Bell = func() { bells++ }
	m = keys(t, m, "!")
	if m.mode != modeIncidentForm {
		t.Fatal("! did not open the incident form")
	}
	m = keys(t, m, "enter")
	if !strings.Contains(m.View(), "title is empty") && !strings.Contains(m.View(), "title") {
		t.Fatalf("empty title accepted:\n%s", m.View())
	}
	m = typeText(t, m, "checkout 5xx after v2.14.0")
	// The link is a choice: tab to it (title → severity → security → link)
	// and pick the focused deployment, offered first.
	m = keys(t, m, "tab", "2", "tab", "tab", "right", "enter")
	if len(st.incidents) != 1 || st.incidents[0].Severity != model.SEV2 || st.incidents[0].DeploymentID != 1 {
		t.Fatalf("incidents %+v", st.incidents)
	}
	if m.focus != paneEscalation {
		t.Fatal("escalation pane not focused after opening")
	}
	return st, m, &clock, &bells
}

func TestEscalationLadderCountdownAndOverdue(t *testing.T) {
	st, m, clock, bells := withIncident(t, 140, 40)
	// Acknowledge the on-call step at once.
	m = keys(t, m, "a")
	m = typeText(t, m, "carol")
	m = keys(t, m, "enter")
	m = at(t, m, clock, 11*time.Minute+48*time.Second)
	v := m.View()
	for _, want := range []string{"SEV2 INC-1 checkout 5xx", "1 On-call", "✓ acked 14:02 carol (by alice)",
		"2 Eng Lead", "14:17 in 03:12", "NO COMMANDER", "FREEZE", "next stakeholder update 15:02 in 48:12"} {
		if !strings.Contains(v, want) {
			t.Fatalf("missing %q:\n%s", want, v)
		}
	}
	b := *bells
	m = at(t, m, clock, 17*time.Minute+10*time.Second)
	if v := m.View(); !strings.Contains(v, "OVERDUE +02:10") {
		t.Fatalf("no overdue:\n%s", v)
	}
	if *bells != b+1 {
		t.Fatalf("bells %d → %d, want one more", b, *bells)
	}
	m = at(t, m, clock, 17*time.Minute+11*time.Second)
	if *bells != b+1 {
		t.Fatal("overdue rang twice")
	}
	// Ack from the header targets the overdue step.
	m = keys(t, m, "a", "enter")
	if inc := st.incidents[0]; len(inc.Acks) != 2 || inc.Acks[1].Step != 2 {
		t.Fatalf("acks %+v", inc.Acks)
	}
	// Naming a commander clears the flag.
	m = keys(t, m, "c")
	m = typeText(t, m, "dave")
	m = keys(t, m, "enter")
	if strings.Contains(m.View(), "NO COMMANDER") || st.incidents[0].Commander != "dave" {
		t.Fatal("commander not set")
	}
	// Resolve asks, then confirms.
	m = keys(t, m, "R")
	m = typeText(t, m, "bad config flag")
	m = keys(t, m, "enter")
	if m.mode != modeConfirm {
		t.Fatal("resolve did not confirm")
	}
	m = keys(t, m, "y")
	if st.incidents[0].Status != model.IncidentResolved || strings.Contains(m.View(), "FREEZE") {
		t.Fatalf("not resolved:\n%s", m.View())
	}
	// The seed's "schedule within 24–48 hours" shows in the escalation
	// pane; a SEV1/SEV2 still without a meeting 24 h later is flagged.
	if v := m.View(); !strings.Contains(v, "INC-1 schedule postmortem within 24–48 h · by Nov 27") {
		t.Fatalf("no postmortem countdown:\n%s", v)
	}
	m = at(t, m, clock, 30*time.Hour)
	if v := m.View(); !strings.Contains(v, "INC-1 postmortem NOT SCHEDULED · 1d5h since resolve") {
		t.Fatalf("postmortem not due:\n%s", v)
	}
}

func TestFreezeNeedsOverrideReason(t *testing.T) {
	st, m, _, _ := withIncident(t, 120, 40)
	m = keys(t, m, "n")
	m = typeText(t, m, "web")
	m = keys(t, m, "tab")
	m = typeText(t, m, "v3")
	m = keys(t, m, "enter")
	if m.mode != modePrompt || !strings.Contains(m.View(), "FREEZE (INC-1 SEV2 open)") {
		t.Fatalf("no freeze prompt:\n%s", m.View())
	}
	m = keys(t, m, "enter")
	if m.mode != modePrompt {
		t.Fatal("empty override accepted")
	}
	m = typeText(t, m, "the fix for INC-1")
	m = keys(t, m, "enter")
	if d, _ := m.focused(); d.Service != "web" {
		t.Fatalf("not started: %+v", d)
	}
	found := false
	for _, e := range st.events {
		found = found || e.Kind == model.EventFreezeOverride && strings.Contains(e.Text, "the fix for INC-1")
	}
	if !found {
		t.Fatal("override not recorded")
	}
}

func TestStakeholderUpdateAndSeverity(t *testing.T) {
	st, m, clock, _ := withIncident(t, 120, 40)
	m = at(t, m, clock, 70*time.Minute)
	if !strings.Contains(m.View(), "stakeholder update OVERDUE +10:00") {
		t.Fatalf("update not overdue:\n%s", m.View())
	}
	m = keys(t, m, "u")
	for _, s := range []string{"checkout failing for 30% of users", "rolling back v2.14.0", "none"} {
		m = typeText(t, m, s)
		m = keys(t, m, "enter")
	}
	if st.incidents[0].LastUpdateAt.IsZero() || !strings.Contains(m.View(), "next stakeholder update 16:12") {
		t.Fatalf("update not posted:\n%s", m.View())
	}
	m = keys(t, m, "V", "1")
	if st.incidents[0].Severity != model.SEV1 || !strings.Contains(m.View(), "SEV1 INC-1") {
		t.Fatal("severity not raised")
	}
}

func TestLogFilterSearchStarAndBackdatedNote(t *testing.T) {
	st, m, clock, _ := withIncident(t, 120, 40)
	st.now = func() time.Time { return *clock } // the store's clock: when the note is really entered
	m = at(t, m, clock, 10*time.Minute)
	m = keys(t, m, "3", "e")
	m = typeText(t, m, "@-5m db failover started")
	m = keys(t, m, "enter")
	last := st.events[len(st.events)-1]
	if last.Text != "db failover started (backdated: entered 14:12:00 UTC)" || !last.At.Equal(t0.Add(5*time.Minute)) || last.IncidentID != 1 {
		t.Fatalf("note %+v", last)
	}
	m = keys(t, m, "e")
	m = typeText(t, m, "@25:99 nonsense")
	m = keys(t, m, "enter")
	if m.mode != modePrompt {
		t.Fatal("bad backdate accepted")
	}
	m = keys(t, m, "esc")
	// Severity filter: SEV1 only hides everything here; SEV2 shows the incident.
	m = keys(t, m, "v")
	if v := m.View(); !strings.Contains(v, "SEV1 only") || !strings.Contains(v, "Nothing matches") {
		t.Fatalf("filter:\n%s", v)
	}
	m = keys(t, m, "v")
	if v := m.View(); !strings.Contains(v, "db failover") || strings.Contains(v, "started checkout-api") {
		t.Fatalf("SEV2 filter:\n%s", v)
	}
	m = keys(t, m, "v", "v", "v") // back to all
	m = keys(t, m, "/")
	m = typeText(t, m, "FAILOVER")
	m = keys(t, m, "enter")
	if v := m.View(); !strings.Contains(v, "/FAILOVER") || !strings.Contains(v, "db failover") || strings.Contains(v, "opened SEV2") {
		t.Fatalf("search:\n%s", v)
	}
	m = keys(t, m, "up", "*")
	if !st.events[len(st.events)-1].Starred || !strings.Contains(m.View(), "★") {
		t.Fatal("star not saved or shown")
	}
}

func TestLogPagesThroughManyEvents(t *testing.T) {
	st := seeded(t)
	for i := 0; i < 1000; i++ {
		st.event(t0, "bot", model.EventItemNote, 1, 0, fmt.Sprintf("event %04d", i))
	}
	m := newTestModel(t, st, 100, 30)
	if len(m.log.events) != logPageSize {
		t.Fatalf("loaded %d events, want one page", len(m.log.events))
	}
	m = keys(t, m, "3")
	for i := 0; i < 300; i++ {
		m = keys(t, m, "up")
	}
	if len(m.log.events) <= logPageSize || m.log.following {
		t.Fatalf("no older page: %d events", len(m.log.events))
	}
	if e, _ := m.log.selected(); e.Text != fmt.Sprintf("event %04d", 1000-301) {
		t.Fatalf("cursor on %q", e.Text)
	}
	// A new event while scrolled back does not move the view.
	st.event(t0, "bot", model.EventItemNote, 1, 0, "newest")
	m = update(t, m, loadCmd(st, 1, m.log.query)())
	if e, _ := m.log.selected(); e.Text != fmt.Sprintf("event %04d", 1000-301) {
		t.Fatalf("view moved to %q", e.Text)
	}
	m = keys(t, m, "G")
	if e, _ := m.log.selected(); e.Text != "newest" || !m.log.following {
		t.Fatalf("G: %q", e.Text)
	}
}

func TestGoldenEscalation(t *testing.T) {
	// 200x50: the clock band (layout.go), the rollout beside the escalation.
	for _, sz := range [][2]int{{80, 24}, {140, 40}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			st, m, clock, _ := withIncident(t, sz[0], sz[1])
			_, _ = st.OpenIncident(context.Background(), model.NewIncident{Title: "status page stale", Severity: model.SEV4}, "bob", t0.Add(time.Minute))
			m = keys(t, m, "a", "enter")
			m = at(t, m, clock, 11*time.Minute+48*time.Second)
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// D32: acknowledging a step that was never paged (the Eng Lead, not due
// for 15 minutes) asks first; no answer acknowledges nothing.
func TestAckOfANeverPagedStepAsksFirst(t *testing.T) {
	st, m, _, _ := withIncident(t, 120, 40)
	m = keys(t, m, "down", "down") // the incident's step 2 (Eng Lead), pending
	if m.escalation.cursorRow != 2 {
		t.Fatalf("cursor on row %d, want step 2", m.escalation.cursorRow)
	}
	m = keys(t, m, "a")
	if m.mode != modeConfirm || !strings.Contains(m.View(), "was never paged (pending). Acknowledge it anyway?") {
		t.Fatalf("no question before acking a never-paged step:\n%s", m.View())
	}
	m = keys(t, m, "n")
	if len(st.incidents[0].Acks) != 0 {
		t.Fatalf("a declined question acknowledged: %+v", st.incidents[0].Acks)
	}
	m = keys(t, m, "a", "y")
	if m.mode != modePrompt {
		t.Fatalf("yes must lead to the who-was-reached prompt:\n%s", m.View())
	}
	m = typeText(t, m, "victor")
	m = keys(t, m, "enter")
	if a := st.incidents[0].Acks; len(a) != 1 || a[0].Step != 2 || a[0].Reached != "victor" {
		t.Fatalf("acks %+v, want step 2 reaching victor", a)
	}
	// The due step 1 is acked without a question.
	m = keys(t, m, "up")
	m = keys(t, m, "a")
	if m.mode != modePrompt {
		t.Fatalf("a due step must go straight to the prompt:\n%s", m.View())
	}
}
