package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// Starting a second deployment of a service in flight warns, naming the one
// in flight and its stage, needs a reason, records it, and keeps the focus
// on the live rollout (D10).
func TestSecondDeploymentWarnsAndKeepsFocus(t *testing.T) {
	st, m, clock, _ := executing(t, 80, 24)
	m = at(t, m, clock, 2*time.Minute+400*time.Millisecond)
	m = keys(t, m, "n")
	m = typeText(t, m, "checkout-api")
	m = keys(t, m, "tab")
	m = typeText(t, m, "v2.14.1")
	m = keys(t, m, "enter")
	if m.mode != modePrompt {
		t.Fatalf("no warning: mode %v, status %q", m.mode, m.status)
	}
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	if want := "checkout-api already has #1 v2.14.0 in progress at 5% in production — start anyway? Reason:"; !strings.Contains(flat, want) {
		t.Fatalf("warning lacks %q:\n%s", want, v)
	}
	golden.RequireEqual(t, []byte(v))

	m = keys(t, m, "enter") // no reason: refused, the prompt stays
	if m.mode != modePrompt || len(st.deps) != 1 || !strings.Contains(m.View(), "a reason is required") {
		t.Fatalf("started without a reason: %d deployments\n%s", len(st.deps), m.View())
	}
	m = typeText(t, m, "tax hotfix; v2.14.0 will be aborted")
	m = keys(t, m, "enter")
	if len(st.deps) != 2 {
		t.Fatalf("not started: %q", m.status)
	}
	if m.focusID != 1 || !m.rollout.started || m.rollout.deploy.ID != 1 {
		t.Errorf("focus moved to #%d; the live rollout #1 must keep it", m.focusID)
	}
	if !strings.Contains(m.status, "started deployment #2") || !strings.Contains(m.status, "focus stays on #1") {
		t.Errorf("status %q", m.status)
	}
	var override []model.Event
	for _, e := range st.events {
		if e.Kind == model.EventDeployInFlight {
			override = append(override, e)
		}
	}
	if len(override) != 1 || override[0].DeploymentID != 2 || override[0].Actor != "alice" ||
		override[0].Text != "started checkout-api v2.14.1 → production while #1 v2.14.0 in progress at 5% in production: tax hotfix; v2.14.0 will be aborted" {
		t.Errorf("override events %+v", override)
	}

	// Another service is not in flight: no warning, and the live rollout
	// still keeps the focus.
	m = keys(t, m, "n")
	m = typeText(t, m, "search")
	m = keys(t, m, "tab")
	m = typeText(t, m, "v6.18.0")
	m = keys(t, m, "enter")
	if m.mode == modePrompt || len(st.deps) != 3 || m.focusID != 1 {
		t.Errorf("search: mode %v, %d deployments, focus #%d, status %q", m.mode, len(st.deps), m.focusID, m.status)
	}
}

// The n form: labels keep a space before their values and the dialog hides
// what is behind it (D41).
func TestGoldenDeployForm(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			_, m, _, _ := executing(t, sz[0], sz[1])
			m = keys(t, m, "n")
			m = typeText(t, m, "checkout-api")
			m = keys(t, m, "tab", "tab")
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			if !strings.Contains(v, "▶ Environment ") {
				t.Errorf("label runs into the value:\n%s", v)
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
}
