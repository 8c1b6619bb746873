package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// D1: alice opens the early-promote prompt at 5%; bob promotes to 25%
// while it is open; alice's enter is refused, the rollout stays at 25%, and
// her status line names bob — never "✓ promoted".
func TestStalePromotePromptIsRefused(t *testing.T) {
	st, m, clock, _ := executing(t, 120, 40)
	m = at(t, m, clock, 40*time.Second+250*time.Millisecond)
	m = keys(t, m, "p")
	if m.mode != modePrompt || !strings.Contains(m.View(), "promote anyway because") {
		t.Fatalf("no early-promote prompt:\n%s", m.View())
	}
	id := m.rollout.deploy.ID
	// Bob, on another dashboard, decides on the same 5% and promotes first.
	bobSaw := model.SeenRollout(st.ro(id).r)
	if err := st.Promote(context.Background(), id, bobSaw, "bob early", "bob", t0.Add(41*time.Second+700*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, dataChangedMsg{}) // the change feed: alice's prompt stays open
	m = at(t, m, clock, 45*time.Second)
	m = typeText(t, m, "alice early")
	m = keys(t, m, "enter")

	if m.mode == modePrompt {
		t.Fatal("the prompt stayed open after the refusal")
	}
	if r := st.ro(id).r; r.Stage != 1 {
		t.Fatalf("alice's stale promote moved the rollout to stage %d", r.Stage)
	}
	want := "✗ checkout-api is at 2/4 · 25% since 14:02:41 UTC, promoted by bob — nothing changed"
	if m.status != want || !m.statusErr {
		t.Fatalf("status %q (error %v), want %q", m.status, m.statusErr, want)
	}
	for _, e := range st.events {
		if e.Actor == "alice" && e.Kind == model.EventRolloutPromote {
			t.Fatalf("alice's promote was recorded: %q", e.Text)
		}
	}
	v := m.View()
	if strings.Contains(v, "✓ promoted") || !strings.Contains(v, "stage 2/4 · 25%") {
		t.Fatalf("screen:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

// D11 on the dashboard: bob's resolve prompt was opened on an open INC-1;
// alice resolves first; bob's confirm is refused with her root cause.
func TestStaleResolveIsRefused(t *testing.T) {
	st, m, clock, _ := executing(t, 120, 40)
	if _, err := st.OpenIncident(context.Background(), model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2}, "alice", t0); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, dataChangedMsg{})
	m = at(t, m, clock, time.Minute)
	m = keys(t, m, "4", "R")
	m = typeText(t, m, "y")
	m = keys(t, m, "enter")
	inc := st.incidents[0]
	if err := st.ResolveIncident(context.Background(), inc.ID, model.SeenIncident(inc), "x", "alice", t0.Add(61*time.Second)); err != nil {
		t.Fatal(err)
	}
	m = keys(t, m, "y") // bob confirms his resolve
	want := "✗ INC-1 was already resolved by alice at 14:03:01 UTC (root cause: x) — your root cause was not recorded"
	if m.status != want {
		t.Fatalf("status %q, want %q", m.status, want)
	}
	if got := st.incidents[0].RootCause; got != "x" {
		t.Fatalf("root cause %q, want alice's", got)
	}
}

// A note prompt opened on one note is not written over the note someone
// saved meanwhile: alice is told bob's note, and it stays.
func TestStaleNoteIsRefused(t *testing.T) {
	st, m, _, _ := executing(t, 120, 40)
	m = keys(t, m, "1", "e")
	if m.mode != modePrompt {
		t.Fatalf("no note prompt:\n%s", m.View())
	}
	it, ok := m.checklist.selectedItem()
	if !ok {
		t.Fatal("no item selected")
	}
	if _, err := st.SetItemNote(context.Background(), it.ID, model.SeenNote(it), "ticket OPS-12", "bob", t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, dataChangedMsg{})
	m = typeText(t, m, "looks fine")
	m = keys(t, m, "enter")
	if !m.statusErr || !strings.Contains(m.status, "changed by bob") || !strings.Contains(m.status, "your note was not saved") {
		t.Fatalf("status %q (error %v): want the refusal naming bob", m.status, m.statusErr)
	}
	if got, _ := st.item(it.ID); got.Note != "ticket OPS-12" {
		t.Fatalf("bob's note was replaced: %q", got.Note)
	}
}

// At 80 columns the refusal is longer than its line: it takes the key
// help's line too rather than lose who and what ("— nothing ch…").
func TestLongRefusalWrapsAt80(t *testing.T) {
	st, m, clock, _ := executing(t, 80, 24)
	m = at(t, m, clock, 40*time.Second+250*time.Millisecond)
	m = keys(t, m, "2", "p")
	id := m.rollout.deploy.ID
	if err := st.Promote(context.Background(), id, model.SeenRollout(st.ro(id).r), "bob early", "bob", t0.Add(41*time.Second+700*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, dataChangedMsg{})
	m = typeText(t, m, "alice early")
	m = keys(t, m, "enter")
	lines := strings.Split(m.View(), "\n")
	tail := strings.Join(strings.Fields(strings.Join(lines[len(lines)-2:], " ")), " ")
	if !strings.Contains(tail, "promoted by bob") || !strings.Contains(tail, "nothing changed") || strings.Contains(tail, "…") {
		t.Fatalf("the refusal is cut at 80 columns:\n%s", strings.Join(lines[len(lines)-2:], "\n"))
	}
	m = keys(t, m, "j") // any key: the message goes, the key help is back
	if v := m.View(); strings.Contains(v, "nothing changed") {
		t.Fatalf("the message outlived the next key:\n%s", v)
	}
}
