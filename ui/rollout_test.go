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

// executing is a canary deployment whose rollout started at t0, with a
// dashboard whose clock the test moves by hand.
func executing(t *testing.T, w, h int) (*fakeStore, Model, *time.Time, *int) {
	t.Helper()
	st, m, clock, bells := executingPending(t, w, h)
	// The canary takes traffic at once.
	m = goLive(t, st, m, t0)
	return st, m, clock, bells
}

// executingPending is executing before the canary takes traffic.
func executingPending(t *testing.T, w, h int) (*fakeStore, Model, *time.Time, *int) {
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
	if m.rollout.rollout.Live() {
		t.Fatal("the rollout is live before its canary item is ticked")
	}
	return st, m, &clock, &bells
}

// goLive ticks "Deploy to staging/canary environment first" in the store
// at `at` (as another dashboard would) and reloads.
func goLive(t *testing.T, st *fakeStore, m Model, at time.Time) Model {
	t.Helper()
	for _, it := range st.items {
		if it.DeploymentID == m.rollout.deploy.ID && model.IsItem(it, model.PhaseExecution, model.LiveItemText) {
			if _, err := st.SetItemState(context.Background(), it.ID, "", model.ItemDone, "", "alice", at); err != nil {
				t.Fatal(err)
			}
		}
	}
	return update(t, m, dataChangedMsg{})
}

// reading records an error rate in the store at `at` (as the CLI or a probe
// would) and reloads.
func reading(t *testing.T, st *fakeStore, m Model, at time.Time, rate float64) Model {
	t.Helper()
	base := 0.4
	if _, _, err := st.RecordHealth(context.Background(), m.rollout.deploy.ID, rate, &base, "dave", at); err != nil {
		t.Fatal(err)
	}
	return update(t, m, dataChangedMsg{})
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
	// The soak ends with no reading taken during it: not READY, and no green.
	m = at(t, m, clock, 15*time.Minute)
	if v := m.View(); strings.Contains(v, "READY") || !strings.Contains(v, "NEEDS A HEALTH READING") || *bells != 1 {
		t.Fatalf("bells=%d\n%s", *bells, v)
	}
	m = reading(t, st, m, t0.Add(14*time.Minute+59*time.Second+500*time.Millisecond), 0.5)
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
	if m.mode != modePrompt || !strings.Contains(m.prompt.label, "(last one 1m ago); 15:00 of the 15:00 soak left — promote anyway because") ||
		!strings.HasPrefix(m.prompt.label, "health unknown: no reading during stage 2/4 · 25% yet") {
		t.Fatalf("no reason prompt: %q\n%s", m.prompt.label, m.View())
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
	for _, want := range []string{"ROLLBACK CRITERIA MET", "error rate 7.2% is 6.1 points above baseline 1.1%", "more than 5 points above baseline", "p needs reason · C clears"} {
		if !strings.Contains(v, want) {
			t.Fatalf("missing %q:\n%s", want, v)
		}
	}
	// One state at a time: nothing reads READY or "p promotes" while held.
	for _, bad := range []string{"READY", "p promotes", "✓ error rate"} {
		if strings.Contains(v, bad) {
			t.Fatalf("%q shown while criteria are met:\n%s", bad, v)
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
	// A reading back within the rule does not lift it: the breach latched.
	m = keys(t, m, "h")
	m = typeText(t, m, "1.3")
	m = keys(t, m, "enter")
	if v := m.View(); !strings.Contains(v, "ROLLBACK CRITERIA MET") || strings.Contains(v, "READY TO PROMOTE") {
		t.Fatalf("a good reading wiped the breach:\n%s", v)
	}
	m = keys(t, m, "p")
	if m.mode != modePrompt {
		t.Fatal("promote after a latched breach did not ask for a reason")
	}
	m = keys(t, m, "esc")
	// Clearing it with a reason does.
	m = keys(t, m, "C")
	m = typeText(t, m, "the 7.2% was the load test")
	m = keys(t, m, "enter")
	if v := m.View(); strings.Contains(v, "p needs reason · C clears") || !strings.Contains(v, "READY TO PROMOTE") {
		t.Fatalf("clear did not lift the latch:\n%s", v)
	}
}

func TestDeclaredCriterion(t *testing.T) {
	_, m, _, _ := executing(t, 120, 40)
	m = keys(t, m, "D", "2")
	m = typeText(t, m, "CVE in the new TLS lib")
	m = keys(t, m, "enter")
	// The rollout pane's hold, not the log's "declared ROLLBACK CRITERIA MET: …".
	if v := m.View(); !strings.Contains(v, "Security vulnerability discovered in deployed version") || !strings.Contains(v, "p needs reason · C clears") {
		t.Fatalf("declaration not shown:\n%s", v)
	}
	m = keys(t, m, "C")
	m = typeText(t, m, "false alarm")
	m = keys(t, m, "enter")
	if strings.Contains(m.View(), "p needs reason · C clears") {
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
	// 200x50: the clock band (layout.go), the rollout beside the escalation.
	for _, sz := range [][2]int{{80, 24}, {140, 40}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			st, m, clock, _ := executing(t, sz[0], sz[1])
			m = reading(t, st, m, t0.Add(15*time.Minute), 0.5)
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

// The rollout pane alone, in each state, at a short and a tall size. The
// held states (an incident, a latched breach, unknown health, not live)
// must never read READY, "p promotes" or show a green tick.
func TestGoldenRolloutStates(t *testing.T) {
	type step func(t *testing.T, st *fakeStore, m Model, clock *time.Time) Model
	states := []struct {
		name    string
		pending bool // the canary item is not ticked: the rollout is not live
		steps   step
		never   []string // must not appear at any size
	}{
		{name: "not-started"},
		{name: "not-live", pending: true, steps: func(t *testing.T, _ *fakeStore, m Model, c *time.Time) Model { return at(t, m, c, 20*time.Minute) },
			never: []string{"READY", "p promotes", "soak ends"}},
		{name: "soaking", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(5*time.Minute), 0.45)
			return at(t, m, c, 6*time.Minute+30*time.Second)
		}},
		{name: "ready", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(16*time.Minute), 0.45)
			return at(t, m, c, 17*time.Minute)
		}},
		{name: "needs-health", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(5*time.Minute), 0.45)
			return at(t, m, c, 17*time.Minute+500*time.Millisecond)
		}, never: []string{"READY", "p promotes", "✓"}},
		{name: "probe-failing", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(14*time.Minute), 0.45)
			st.mu.Lock()
			st.ro(1).health.ProbeFailingSince = t0.Add(14*time.Minute + 5*time.Second)
			st.mu.Unlock()
			m = update(t, m, dataChangedMsg{})
			return at(t, m, c, 16*time.Minute)
		}, never: []string{"READY", "p promotes", "✓"}},
		{name: "paused", steps: func(t *testing.T, _ *fakeStore, m Model, c *time.Time) Model {
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, " ")
			return at(t, m, c, 9*time.Minute)
		}},
		{name: "criteria-met", steps: func(t *testing.T, _ *fakeStore, m Model, c *time.Time) Model {
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, "h")
			m = typeText(t, m, "7.2 1.1")
			return keys(t, m, "enter")
		}, never: []string{"READY", "p promotes", "✓"}},
		{name: "latched-after-good-reading", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(9*time.Minute+30*time.Second), 9.5)
			m = reading(t, st, m, t0.Add(16*time.Minute), 0.6)
			return at(t, m, c, 16*time.Minute+5*time.Second)
		}, never: []string{"READY", "p promotes", "✓"}},
		{name: "hold-incident", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(16*time.Minute), 0.45)
			if _, err := st.OpenIncident(context.Background(), model.NewIncident{Title: "checkout 5xx in EU", Severity: model.SEV1, DeploymentID: 1}, "maria", t0.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			m = update(t, m, dataChangedMsg{})
			return at(t, m, c, 17*time.Minute)
		}, never: []string{"READY", "p promotes", "✓"}},
		{name: "hold-and-criteria", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(16*time.Minute), 7.5)
			if _, err := st.OpenIncident(context.Background(), model.NewIncident{Title: "checkout 5xx in EU", Severity: model.SEV2, DeploymentID: 1}, "maria", t0.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			m = update(t, m, dataChangedMsg{})
			return at(t, m, c, 17*time.Minute)
		}, never: []string{"READY", "p promotes"}},
		{name: "rolling-back", steps: func(t *testing.T, _ *fakeStore, m Model, c *time.Time) Model {
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, "a", "enter", "y", "2")
			return at(t, m, c, 6*time.Minute)
		}},
		{name: "watch-served-no-reading", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			m = reading(t, st, m, t0.Add(4*time.Minute), 7.2) // the reason to roll back
			m = at(t, m, c, 5*time.Minute)
			m = keys(t, m, "a", "enter", "y")
			for _, it := range st.items {
				if model.StartsStabilityWatch(it) {
					if _, err := st.SetItemState(context.Background(), it.ID, "", model.ItemDone, "", "erin", t0.Add(6*time.Minute)); err != nil {
						t.Fatal(err)
					}
				}
			}
			m = update(t, m, dataChangedMsg{})
			m = keys(t, m, "2")
			return at(t, m, c, 22*time.Minute)
		}, never: []string{"stable for 15 min"}},
		{name: "finished-leaves-the-dashboard", steps: func(t *testing.T, st *fakeStore, m Model, c *time.Time) Model {
			for i, d := range []time.Duration{16, 32, 48, 64} {
				m = reading(t, st, m, t0.Add(d*time.Minute-time.Minute), 0.45)
				m = at(t, m, c, d*time.Minute)
				if i < 3 {
					m = keys(t, m, "p")
				}
			}
			m = keys(t, m, "f")
			m = typeText(t, m, "post-deploy checks in the release ticket")
			return keys(t, m, "enter")
		}},
	}
	for _, s := range states {
		for _, sz := range [][2]int{{36, 3}, {60, 12}} {
			t.Run(fmt.Sprintf("%s/%dx%d", s.name, sz[0], sz[1]), func(t *testing.T) {
				var m Model
				var clock *time.Time
				var st *fakeStore
				switch {
				case s.steps == nil:
					m = newTestModel(t, seeded(t), 120, 40)
				case s.pending:
					st, m, clock, _ = executingPending(t, 120, 40)
					m = s.steps(t, st, m, clock)
				default:
					st, m, clock, _ = executing(t, 120, 40)
					m = s.steps(t, st, m, clock)
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
				out := strings.Join(lines, "\n")
				for _, bad := range s.never {
					if strings.Contains(out, bad) {
						t.Errorf("%q shown:\n%s", bad, out)
					}
				}
				golden.RequireEqual(t, []byte(out))
			})
		}
	}
}

// D34: p outside the rollout pane says where it works.
func TestPromoteKeyOutsideRolloutPane(t *testing.T) {
	_, m, _, _ := executing(t, 80, 24)
	m = keys(t, m, "1", "p")
	if m.focus != paneChecklist || !strings.Contains(m.status, "p works in the rollout pane (2)") {
		t.Fatalf("focus %d, status %q", m.focus, m.status)
	}
}

// An open SEV1 linked to the deployment holds its rollout: p asks for an
// override that names the hold, and the reason is recorded with it.
func TestIncidentHoldAsksOverride(t *testing.T) {
	st, m, clock, _ := executing(t, 120, 40)
	m = reading(t, st, m, t0.Add(15*time.Minute), 0.45)
	if _, err := st.OpenIncident(context.Background(), model.NewIncident{Title: "checkout 5xx in EU", Severity: model.SEV1, DeploymentID: 1}, "maria", t0.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, dataChangedMsg{})
	m = at(t, m, clock, 16*time.Minute)
	if v := m.View(); !strings.Contains(v, "HOLD: INC-1 SEV1 open") || strings.Contains(v, "READY TO PROMOTE") {
		t.Fatalf("no hold:\n%s", v)
	}
	m = keys(t, m, "p")
	if m.mode != modePrompt || m.prompt.label != "HOLD: INC-1 SEV1 open — promote anyway because" {
		t.Fatalf("prompt %q (mode %d)", m.prompt.label, m.mode)
	}
	m = typeText(t, m, "INC-1 is the payments provider, not us")
	m = keys(t, m, "enter")
	r := st.ro(1).r
	if r.Stage != 1 || r.History[0].Override != "INC-1 is the payments provider, not us" {
		t.Fatalf("rollout %+v", r)
	}
	last := st.events[len(st.events)-1]
	if last.Kind != model.EventRolloutPromote || !strings.Contains(last.Text, "despite HOLD: INC-1 SEV1 open; override: INC-1 is the payments provider, not us") {
		t.Fatalf("event %+v", last)
	}
}

// D8: finish names the open items and needs a reason to leave them.
func TestFinishListsOpenItems(t *testing.T) {
	st, m, clock, _ := executing(t, 120, 40)
	for i, d := range []time.Duration{16, 32, 48, 64} {
		m = reading(t, st, m, t0.Add(d*time.Minute-time.Minute), 0.45)
		m = at(t, m, clock, d*time.Minute)
		if i < 3 {
			m = keys(t, m, "p")
		}
	}
	m = keys(t, m, "f")
	want := "13 Deployment Execution items open (Verify deployment window and change freeze status, Confirm backup/snapshot of production data completed, Review rollback procedure and ensure it's tested, …) — finish anyway (recorded) because"
	if m.mode != modePrompt || m.prompt.label != want {
		t.Fatalf("prompt %q (mode %d)", m.prompt.label, m.mode)
	}
	m = keys(t, m, "enter")
	if m.mode != modePrompt {
		t.Fatal("finish without a reason accepted")
	}
	m = typeText(t, m, "verified in the release ticket")
	m = keys(t, m, "enter")
	if d := st.dep(1); d.Status != model.StatusCompleted {
		t.Fatalf("not finished: %+v", d)
	}
}

// The header names why the focused rollout is held, at 80 and 120 columns:
// the incident for an incident hold, the rule for met criteria.
func TestHeaderSaysWhyTheRolloutIsHeld(t *testing.T) {
	for _, w := range []int{80, 120} {
		st, m, clock, _ := executing(t, w, 30)
		m = reading(t, st, m, t0.Add(16*time.Minute), 0.45)
		if _, err := st.OpenIncident(context.Background(), model.NewIncident{Title: "checkout 5xx in EU", Severity: model.SEV1, DeploymentID: 1}, "maria", t0.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		m = update(t, m, dataChangedMsg{})
		m = at(t, m, clock, 17*time.Minute)
		header := strings.SplitN(m.View(), "\n", 2)[0]
		if !strings.Contains(header, "HOLD") || (w >= 120 && !strings.Contains(header, "INC-1 SEV1 open")) {
			t.Errorf("%d columns: header %q must say HOLD (and why, when there is room)", w, header)
		}
		if strings.Contains(header, "rollback criteria met") || strings.Contains(header, "READY") {
			t.Errorf("%d columns: header %q gives the wrong reason", w, header)
		}
	}
}

// A hold does not stop the soak clock, so the compact pane keeps it in
// sight (the first line gives way to the HOLD banner).
func TestCompactHoldKeepsTheSoakClock(t *testing.T) {
	st, m, clock, _ := executing(t, 80, 24)
	m = reading(t, st, m, t0.Add(2*time.Minute), 0.45)
	if _, err := st.OpenIncident(context.Background(), model.NewIncident{Title: "checkout 5xx in EU", Severity: model.SEV2, DeploymentID: 1}, "maria", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	m = update(t, m, dataChangedMsg{})
	m = at(t, m, clock, 6*time.Minute+30*time.Second)
	m = keys(t, m, "1") // the checklist focused: the rollout pane is compact
	v := m.View()
	if !strings.Contains(v, "HOLD: INC-1 SEV2 open") || !strings.Contains(v, "08:30 left · 0.5% vs 0.4%") {
		t.Fatalf("held mid-soak at 80x24, the pane must show the hold and the soak clock:\n%s", v)
	}
}
