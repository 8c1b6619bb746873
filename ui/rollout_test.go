package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// executing is a canary deployment whose rollout started at t0, with a
// dashboard whose clock the test moves by hand.
func executing(t *testing.T, w, h int) (*fakeStore, Model, *time.Time, *int) {
	t.Helper()
	st := seeded(t)
	clock := t0
	bells := 0
	m := newTestModel(t, st, w, h)
	m.opts.Now = func() time.Time { return clock }
	m.opts.Bell = func() { bells++ }
	m = keys(t, m, "]", "y", "2")
	if m.focus != paneRollout || !m.rollout.started {
		t.Fatalf("rollout not started: %+v", m.rollout.rollout)
	}
	return st, m, &clock, &bells
}

// at moves the clock and delivers the tick for it.
func at(t *testing.T, m Model, clock *time.Time, d time.Duration) Model {
	t.Helper()
	*clock = t0.Add(d)
	return update(t, m, tickMsg{t: *clock, gen: m.clockGen})
}

func TestRolloutCountdownAndReadyBellOnce(t *testing.T) {
	st, m, clock, bells := executing(t, 120, 40)
	m = at(t, m, clock, 4*time.Minute+30*time.Second)
	v := m.View()
	for _, want := range []string{"stage 1/4 · 5%", "SOAKING", "10:30 left · soak ends 14:17:00", "next: 25% · finish ETA 15:02"} {
		if !strings.Contains(v, want) {
			t.Fatalf("missing %q:\n%s", want, v)
		}
	}
	m = at(t, m, clock, 15*time.Minute)
	if !strings.Contains(m.View(), "READY TO PROMOTE") || *bells != 1 {
		t.Fatalf("bells=%d\n%s", *bells, m.View())
	}
	m = at(t, m, clock, 15*time.Minute+time.Second)
	m = at(t, m, clock, 16*time.Minute)
	if *bells != 1 {
		t.Fatalf("bell rang %d times", *bells)
	}
	ready := 0
	for _, e := range st.events {
		if e.Kind == model.EventRolloutReady {
			ready++
		}
	}
	if ready != 1 {
		t.Fatalf("%d ready events", ready)
	}
	// Promote when ready needs no reason; the next stage starts soaking.
	m = keys(t, m, "p")
	if !strings.Contains(m.View(), "stage 2/4 · 25%") {
		t.Fatalf("not promoted:\n%s", m.View())
	}
	// Promoting early asks for a reason, which is recorded.
	m = keys(t, m, "p")
	if m.mode != modePrompt || !strings.Contains(m.View(), "promote anyway because") {
		t.Fatalf("no reason prompt:\n%s", m.View())
	}
	m = keys(t, m, "enter")
	if m.mode != modePrompt {
		t.Fatal("empty reason accepted")
	}
	m = typeText(t, m, "load test already covered 25%")
	m = keys(t, m, "enter")
	if !strings.Contains(m.View(), "stage 3/4 · 50%") {
		t.Fatalf("early promote with reason failed:\n%s", m.View())
	}
	times := st.ro(1).r.History
	if len(times) != 2 || times[1].Override != "load test already covered 25%" {
		t.Fatalf("history %+v", times)
	}
}

func TestRollbackCriteriaBannerBlocksPromote(t *testing.T) {
	st, m, clock, bells := executing(t, 120, 40)
	m = at(t, m, clock, 20*time.Minute) // ready: one bell
	m = keys(t, m, "h")
	m = typeText(t, m, "7.2 1.1")
	m = keys(t, m, "enter")
	m = at(t, m, clock, 20*time.Minute+time.Second)
	v := m.View()
	for _, want := range []string{"ROLLBACK CRITERIA MET", "error rate 7.2% is 6.1 points above baseline 1.1%", "more than 5 points above baseline", "HOLD: ROLLBACK CRITERIA MET"} {
		if !strings.Contains(v, want) {
			t.Fatalf("missing %q:\n%s", want, v)
		}
	}
	if *bells != 2 {
		t.Fatalf("bells = %d, want 2 (ready, criteria met)", *bells)
	}
	m = keys(t, m, "p")
	if m.mode != modePrompt {
		t.Fatal("promote with criteria met did not ask for an override reason")
	}
	m = keys(t, m, "esc")
	if st.ro(1).r.Stage != 0 {
		t.Fatal("promoted despite criteria")
	}
	// A reading back within the rule clears the hold.
	m = keys(t, m, "h")
	m = typeText(t, m, "1.3")
	m = keys(t, m, "enter")
	if strings.Contains(m.View(), "ROLLBACK CRITERIA MET") {
		t.Fatalf("banner stayed:\n%s", m.View())
	}
}

func TestDeclaredCriterion(t *testing.T) {
	_, m, _, _ := executing(t, 120, 40)
	m = keys(t, m, "D", "2")
	m = typeText(t, m, "CVE in the new TLS lib")
	m = keys(t, m, "enter")
	// The rollout pane's hold, not the log's "declared ROLLBACK CRITERIA MET: …".
	if v := m.View(); !strings.Contains(v, "Security vulnerability discovered in deployed version") || !strings.Contains(v, "HOLD: ROLLBACK CRITERIA MET") {
		t.Fatalf("declaration not shown:\n%s", v)
	}
	m = keys(t, m, "C")
	m = typeText(t, m, "false alarm")
	m = keys(t, m, "enter")
	if strings.Contains(m.View(), "HOLD: ROLLBACK CRITERIA MET") {
		t.Fatal("clear did not lift the hold")
	}
}

func TestPauseKeepsRemaining(t *testing.T) {
	_, m, clock, _ := executing(t, 120, 40)
	m = at(t, m, clock, 5*time.Minute)
	m = keys(t, m, " ")
	m = at(t, m, clock, 50*time.Minute)
	if v := m.View(); !strings.Contains(v, "PAUSED since 14:07 · 10:00 left when resumed") {
		t.Fatalf("paused view:\n%s", v)
	}
	m = keys(t, m, " ")
	m = at(t, m, clock, 55*time.Minute)
	if v := m.View(); !strings.Contains(v, "05:00 left") {
		t.Fatalf("resumed view:\n%s", v)
	}
}

func TestAbortFocusesRollbackAndStabilityWatch(t *testing.T) {
	st, m, clock, _ := executing(t, 120, 40)
	m = at(t, m, clock, 3*time.Minute)
	m = keys(t, m, "a")
	m = typeText(t, m, "5xx on checkout")
	m = keys(t, m, "enter")
	if m.mode != modeConfirm {
		t.Fatal("abort did not ask for confirmation")
	}
	m = keys(t, m, "y")
	d, _ := m.focused()
	if !d.RollingBack() || m.focus != paneChecklist {
		t.Fatalf("not rolling back / focused: %+v focus=%d", d, m.focus)
	}
	ph, _ := m.checklist.currentPhase()
	if ph.Name != model.PhaseRollback {
		t.Fatalf("checklist on %s", ph.Name)
	}
	if it, _ := m.checklist.selectedItem(); it.Text != "Announce rollback decision to team and stakeholders" {
		t.Fatalf("cursor on %q", it.Text)
	}
	if !strings.Contains(m.View(), "When to Rollback:") {
		t.Fatalf("guidance not shown:\n%s", m.View())
	}
	_ = st
}

func TestGoldenRollout(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			_, m, clock, _ := executing(t, sz[0], sz[1])
			m = at(t, m, clock, 16*time.Minute)
			m = keys(t, m, "p")
			m = at(t, m, clock, 23*time.Minute+12*time.Second)
			m = keys(t, m, "h")
			m = typeText(t, m, "1.4 1.1")
			m = keys(t, m, "enter")
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// The rollout pane alone, in each state, at a short and a tall size.
func TestGoldenRolloutStates(t *testing.T) {
	type step func(t *testing.T, m Model, clock *time.Time) Model
	states := []struct {
		name  string
		steps step
	}{
		{"not-started", nil},
		{"soaking", func(t *testing.T, m Model, c *time.Time) Model { return at(t, m, c, 6*time.Minute+30*time.Second) }},
		{"ready", func(t *testing.T, m Model, c *time.Time) Model { return at(t, m, c, 17*time.Minute) }},
		{"paused", func(t *testing.T, m Model, c *time.Time) Model {
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, " ")
			return at(t, m, c, 9*time.Minute)
		}},
		{"hold", func(t *testing.T, m Model, c *time.Time) Model {
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, "h")
			m = typeText(t, m, "7.2 1.1")
			return keys(t, m, "enter")
		}},
		{"rolling-back", func(t *testing.T, m Model, c *time.Time) Model {
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, "a", "enter", "y", "2")
			return at(t, m, c, 6*time.Minute)
		}},
		{"finished-leaves-the-dashboard", func(t *testing.T, m Model, c *time.Time) Model {
			for i, d := range []time.Duration{16, 32, 48, 64} {
				m = at(t, m, c, d*time.Minute)
				if i < 3 {
					m = keys(t, m, "p")
				}
			}
			return keys(t, m, "f", "y")
		}},
	}
	for _, s := range states {
		for _, sz := range [][2]int{{36, 3}, {60, 12}} {
			t.Run(fmt.Sprintf("%s/%dx%d", s.name, sz[0], sz[1]), func(t *testing.T) {
				var m Model
				var clock *time.Time
				if s.steps == nil {
					m = newTestModel(t, seeded(t), 120, 40)
				} else {
					_, m, clock, _ = executing(t, 120, 40)
					m = s.steps(t, m, clock)
				}
				p := m.rollout
				p.setSize(sz[0], sz[1])
				lines := p.view(m.styles, m.now, m.loc())
				if len(lines) > sz[1] {
					t.Fatalf("%d lines in %d", len(lines), sz[1])
				}
				for _, l := range lines {
					if w := ansiWidth(l); w > sz[0] {
						t.Fatalf("line %q is %d wide", l, w)
					}
				}
				golden.RequireEqual(t, []byte(strings.Join(lines, "\n")))
			})
		}
	}
}
