package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// finished builds a store with some history: completed and rolled-back
// deployments over two weeks and an incident.
func finished(t *testing.T) *fakeStore {
	t.Helper()
	st := newFakeStore()
	ctx := context.Background()
	tpl := mdtemplate.Builtin()
	for i := 0; i < 6; i++ {
		at := t0.Add(-time.Duration(14-2*i) * 24 * time.Hour)
		svc := []string{"checkout-api", "web"}[i%2]
		d, _ := st.StartDeployment(ctx, model.NewDeployment{Service: svc, Version: fmt.Sprintf("v1.%d", i)}, tpl, "alice", at)
		st.StartExecution(ctx, d.ID, "alice", at.Add(time.Minute), true)
		dp := st.dep(d.ID)
		dp.CommittedAt = at.Add(-3 * time.Hour)
		dp.FinishedAt = at.Add(70 * time.Minute)
		dp.Status = model.StatusCompleted
		if i == 3 {
			dp.Status = model.StatusRolledBack
		}
	}
	inc, _ := st.OpenIncident(ctx, model.NewIncident{Title: "web 5xx", Severity: model.SEV2, DeploymentID: 4}, "bob", t0.Add(-8*24*time.Hour))
	st.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "bad flag", "bob", t0.Add(-8*24*time.Hour+50*time.Minute))
	return st
}

func TestHistoryListAndDetail(t *testing.T) {
	st := finished(t)
	m := newTestModel(t, st, 120, 30)
	m = keys(t, m, "H")
	v := m.View()
	if m.screen != screenHistory || !strings.Contains(v, "[Deployments]") || !strings.Contains(v, "#6") || !strings.Contains(v, "rolled back") {
		t.Fatalf("history:\n%s", v)
	}
	m = keys(t, m, "/")
	m = typeText(t, m, "web")
	m = keys(t, m, "enter")
	if v := m.View(); strings.Contains(v, "checkout-api  ") || !strings.Contains(v, "service/env = web") {
		t.Fatalf("filter:\n%s", v)
	}
	m = keys(t, m, "enter")
	v = m.View()
	for _, want := range []string{"Deployment #6", "Rollout stages — time soaking vs waiting", "Pre-Deployment 0/20"} {
		if !strings.Contains(v, want) {
			t.Fatalf("detail lacks %q:\n%s", want, v)
		}
	}
	for i := 0; i < 4; i++ {
		m = update(t, m, tea.KeyMsg{Type: tea.KeyPgDown})
	}
	if v := m.View(); !strings.Contains(v, "Timeline (") {
		t.Fatalf("detail does not scroll to the timeline:\n%s", v)
	}
	m = keys(t, m, "esc", "tab")
	m = keys(t, m, "enter")
	if v := m.View(); !strings.Contains(v, "INC-1  SEV2 web 5xx") || !strings.Contains(v, "Report preview") {
		t.Fatalf("incident detail:\n%s", v)
	}
	m = keys(t, m, "esc", "esc")
	if m.screen != screenDashboard {
		t.Fatal("esc did not return to the dashboard")
	}
}

func TestGoldenMetrics(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTestModel(t, finished(t), sz[0], sz[1])
			m = keys(t, m, "M")
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}
