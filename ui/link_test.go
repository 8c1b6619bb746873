package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// twoActive is checkout-api #1 and search #2, both planned; #2 is focused
// (the newest).
func twoActive(t *testing.T) *fakeStore {
	t.Helper()
	st := seeded(t)
	if _, err := st.StartDeployment(context.Background(), model.NewDeployment{Service: "search", Version: "v6.18.0"}, mdtemplate.Builtin(), "alice", t0.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return st
}

// The form offers the focused deployment as a choice that starts at none:
// enter without choosing opens an unlinked incident.
func TestIncidentFormLinkIsAChoice(t *testing.T) {
	st := twoActive(t)
	m := newTestModel(t, st, 120, 40)
	m = keys(t, m, "!")
	m = typeText(t, m, "search latency")
	m = keys(t, m, "enter")
	if len(st.incidents) != 1 || st.incidents[0].DeploymentID != 0 {
		t.Fatalf("opened without choosing a link: %+v", st.incidents)
	}
	if !strings.Contains(m.status, "not linked to a deployment") {
		t.Errorf("status does not say it is unlinked: %q", m.status)
	}

	// tab to the link, → to the focused one (#2), → again to #1, ← back.
	m = keys(t, m, "!")
	m = typeText(t, m, "checkout 5xx")
	m = keys(t, m, "tab", "tab", "tab")
	if v := m.View(); !strings.Contains(v, "▶ Link     ● none: not caused by a deployment") {
		t.Fatalf("link field not focused at none:\n%s", v)
	}
	m = keys(t, m, "right", "right", "left", "enter")
	if got := st.incidents[1].DeploymentID; got != 2 {
		t.Fatalf("linked to #%d, want the focused #2", got)
	}
	if !strings.Contains(m.status, "linked to #2") {
		t.Errorf("status %q", m.status)
	}
}

func TestGoldenIncidentFormLink(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			st := twoActive(t)
			m := newTestModel(t, st, sz[0], sz[1])
			m = keys(t, m, "!")
			m = typeText(t, m, "search latency")
			m = keys(t, m, "tab", "tab", "tab", "right")
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// l in the escalation pane links, relinks and unlinks the selected
// incident, each a timeline event in the store's words.
func TestEscalationLinkKey(t *testing.T) {
	st, m, _, _ := withIncident(t, 80, 24) // INC-1 linked to #1 in the form
	if _, err := st.StartDeploymentOverride(context.Background(), model.NewDeployment{Service: "search", Version: "v6.18.0"}, mdtemplate.Builtin(), "fixing INC-1", "alice", t0); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, loadCmd(st, m.focusID, LogQuery{})())
	m = keys(t, m, "l")
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	if want := "INC-1 is linked to #1 checkout-api v2.14.0. Link it to deployment (active: #1 checkout-api v2.14.0 · #2 search v6.18.0):"; !strings.Contains(flat, want) {
		t.Fatalf("prompt lacks %q:\n%s", want, v)
	}
	golden.RequireEqual(t, []byte(v))
	m = typeText(t, m, "2")
	m = keys(t, m, "enter")
	if got := st.incidents[0].DeploymentID; got != 2 || !strings.Contains(m.status, "INC-1 linked to #2 (was #1)") {
		t.Fatalf("relink: #%d, status %q", got, m.status)
	}
	m = keys(t, m, "l")
	m = typeText(t, m, "x")
	m = keys(t, m, "enter")
	if !strings.Contains(m.View(), `"x" is not a deployment number`) {
		t.Errorf("bad input not explained:\n%s", m.View())
	}
	m = keys(t, m, "esc", "l")
	m = typeText(t, m, "0")
	m = keys(t, m, "enter")
	if got := st.incidents[0].DeploymentID; got != 0 || !strings.Contains(m.status, "INC-1 unlinked from #2") {
		t.Fatalf("unlink: #%d, status %q", got, m.status)
	}
	var texts []string
	for _, e := range st.events {
		if e.Kind == model.EventIncidentLinked || e.Kind == model.EventIncidentUnlinked {
			texts = append(texts, e.Actor+": "+e.Text)
		}
	}
	want := []string{
		"alice: linked to #2 search v6.18.0 → production (was #1 checkout-api v2.14.0 → production)",
		"alice: unlinked from #2 search v6.18.0 → production: not caused by that deployment",
	}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
}
