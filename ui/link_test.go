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
