package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// Issue 16 (D30): a note backdated with @-2m sits in the log where it
// happened, says it was backdated and wears the severity of its time
// (SEV2: raised to SEV1 one minute after); a deployment event is among them.
// A note dated before the incident opened is refused in the prompt unless
// the time ends with "!".
func TestGoldenLogBackdatedNote(t *testing.T) {
	st, m, clock, _ := withIncident(t, 120, 40) // SEV2 INC-1 opened at t0, linked to #1
	ctx := context.Background()
	st.now = func() time.Time { return *clock }
	if err := st.SetIncidentSeverity(ctx, 1, model.IncidentSeen{}, model.SEV1, "bob", t0.Add(time.Minute+500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	st.events = append(st.events, model.Event{ID: int64(len(st.events) + 1), At: t0.Add(time.Minute + 750*time.Millisecond), Actor: "alice",
		Kind: model.EventRolloutAbort, DeploymentID: 1, Text: "aborted the rollout at 1/4 · 5%: rolling back — 5xx on /pay"})
	m = at(t, m, clock, 2*time.Minute+250*time.Millisecond) // reloads the log
	m = keys(t, m, "3", "e")
	m = typeText(t, m, "@-2m db failover started")
	m = keys(t, m, "enter")
	m = keys(t, m, "e")
	m = typeText(t, m, "@-3m first alert")
	m = keys(t, m, "enter")
	v := m.View()
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "the note is dated 2026-11-25 14:01:00.250 UTC, 59.75s before that") {
		t.Fatalf("a note before the opening was not refused in the prompt:\n%s", v)
	}
	m = keys(t, m, "esc", "e")
	m = typeText(t, m, "@-3m! first alert")
	m = keys(t, m, "enter")
	m = at(t, m, clock, 2*time.Minute+time.Second+250*time.Millisecond)
	v = m.View()
	flat := strings.Join(strings.Fields(v), " ")
	order := []string{"first alert (backdated", "opened SEV2", "db failover started (backdated: entered 14:04:00 UTC)", "raised severity SEV2 → SEV1", "aborted the rollout"}
	last := -1
	for _, w := range order {
		i := strings.Index(flat, w)
		if i < 0 || i < last {
			t.Fatalf("log lacks %q in time order %q:\n%s", w, order, v)
		}
		last = i
	}
	for _, e := range st.events {
		if e.Kind == model.EventIncidentNote && e.Severity != model.SEV2 {
			t.Errorf("note %q badged %s, want SEV2 (its time's)", e.Text, e.Severity.Label())
		}
	}
	golden.RequireEqual(t, []byte(v))
}
