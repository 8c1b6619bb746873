package ui

import (
	"strings"
	"testing"
	"time"
)

// D4: an action's result is drawn with a fresh now, not the last tick's.
// The dashboard's last tick was at t0 (14:02:00.000); the action happens
// at 14:02:05.150, and the frame that shows its result must read 15:00, as
// every later frame of that second will, never 15:01.

func TestActionResultRendersWithFreshNow(t *testing.T) {
	st := seeded(t)
	clock := t0
	m := newTestModel(t, st, 140, 40)
	m.opts.Now = func() time.Time { return clock }
	clock = t0.Add(5*time.Second + 150*time.Millisecond) // no tick since t0
	m = keys(t, m, "!")
	m = typeText(t, m, "checkout down")
	m = keys(t, m, "tab", "1", "enter")
	if len(st.incidents) != 1 {
		t.Fatalf("incident not opened: %+v", st.incidents)
	}
	v := m.View()
	if strings.Contains(v, "15:01") || !strings.Contains(v, "Eng Lead") || !strings.Contains(v, "14:17 in 15:00") {
		t.Fatalf("a fresh SEV1 must read \"Eng Lead 14:17 in 15:00\":\n%s", v)
	}
	if !strings.Contains(v, "14:02:05 UTC") {
		t.Fatalf("the header clock is the fresh now too:\n%s", v)
	}
	// The next tick, a second later, reads one second less.
	clock = t0.Add(6 * time.Second)
	m = update(t, m, tickMsg{t: clock, gen: m.clockGen})
	if v := m.View(); !strings.Contains(v, "14:17 in 14:59") {
		t.Fatalf("next second:\n%s", v)
	}
}

func TestRolloutStartRendersWithFreshNow(t *testing.T) {
	st := seeded(t)
	clock := t0
	m := newTestModel(t, st, 120, 40)
	m.opts.Now = func() time.Time { return clock }
	clock = t0.Add(5*time.Second + 150*time.Millisecond)
	m = keys(t, m, "]", "y", "2")
	if !m.rollout.started {
		t.Fatal("rollout not started")
	}
	m = goLive(t, st, m, clock) // the canary takes traffic: its soak starts now
	v := m.View()
	if strings.Contains(v, "15:01") || !strings.Contains(v, "15:00 left · soak ends 14:17:05") {
		t.Fatalf("a fresh soak must read \"15:00 left · soak ends 14:17:05\":\n%s", v)
	}
}

// Pause and resume do not move the clock (D22): the time promised while
// paused is the time shown just after the resume, at any sub-second offset.
func TestPauseResumeShowsThePromisedTime(t *testing.T) {
	_, m, clock, _ := executing(t, 120, 40)
	*clock = t0.Add(4*time.Minute + 30*time.Second + 600*time.Millisecond)
	m = update(t, m, tickMsg{t: *clock, gen: m.clockGen})
	m = keys(t, m, " ")
	*clock = t0.Add(5*time.Minute + 58*time.Second + 300*time.Millisecond)
	m = update(t, m, tickMsg{t: *clock, gen: m.clockGen})
	if v := m.View(); !strings.Contains(v, "10:30 left when resumed") {
		t.Fatalf("paused:\n%s", v)
	}
	*clock = t0.Add(5*time.Minute + 58*time.Second + 900*time.Millisecond)
	m = keys(t, m, " ")
	// Resumed at 14:07:58.9 with 10:30 left: the soak ends 14:18:28.
	if v := m.View(); !strings.Contains(v, "10:30 left · soak ends 14:18:28") {
		t.Fatalf("just after resume:\n%s", v)
	}
}

// D24: at the last stage with the soak served the pane title and the body
// both say READY TO FINISH; D25: the ETA names the finish.
func TestLastStageReadyToFinish(t *testing.T) {
	st, m, clock, _ := executing(t, 120, 40)
	for _, d := range []time.Duration{16, 32, 48} {
		m = reading(t, st, m, t0.Add(d*time.Minute-time.Minute), 0.45)
		m = at(t, m, clock, d*time.Minute)
		m = keys(t, m, "p")
	}
	m = at(t, m, clock, 50*time.Minute)
	if v := m.View(); !strings.Contains(v, "next: finish · finish ETA 15:05") {
		t.Fatalf("ETA at the last stage:\n%s", v)
	}
	m = reading(t, st, m, t0.Add(63*time.Minute), 0.45)
	m = at(t, m, clock, 64*time.Minute)
	v := m.View()
	if strings.Contains(v, "READY TO PROMOTE") || strings.Count(v, "READY TO FINISH") < 2 {
		t.Fatalf("want READY TO FINISH in the title and the body:\n%s", v)
	}
}
