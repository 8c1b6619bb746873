package model

import (
	"fmt"
	"testing"
	"time"
)

// The clock rule (clock.go), tested on every clock flightdeck shows with
// deadlines at sub-second offsets: the header shows ShownAt(now), so the
// invariants are stated in shown seconds.

// at is 2026-12-01 hh:mm:ss.ms UTC.
func at(h, m, s, ms int) time.Time {
	return time.Date(2026, 12, 1, h, m, s, ms*int(time.Millisecond), time.UTC)
}

func hms(t time.Time) string { return t.Format("15:04:05") }

// checkShown asserts the invariant of a countdown: before it is reached the
// shown clock plus the time left is the end shown; once reached it is 0.
func checkShown(t *testing.T, what string, now, end time.Time, left time.Duration, reached bool) {
	t.Helper()
	if left%time.Second != 0 {
		t.Errorf("%s at %s: left %s is not whole seconds", what, now.Format("15:04:05.000"), left)
	}
	if reached != Reached(now, end) || reached != (left == 0) {
		t.Errorf("%s at %s: reached=%v left=%s, Reached=%v", what, now.Format("15:04:05.000"), reached, left, Reached(now, end))
	}
	if !reached && hms(ShownAt(now).Add(left)) != hms(end) {
		t.Errorf("%s at %s: shown %s + %s = %s, end shown %s", what, now.Format("15:04:05.000"),
			hms(now), FormatCountdown(left), hms(now.Add(left)), hms(end))
	}
}

func TestClockRule(t *testing.T) {
	end := at(9, 33, 37, 600)
	cases := []struct {
		now     time.Time
		left    string
		reached bool
		elapsed string // since end, once reached
		phrase  string
	}{
		{at(9, 33, 35, 999), "00:02", false, "00:00", "in 00:02"},
		{at(9, 33, 36, 0), "00:01", false, "00:00", "in 00:01"},
		{at(9, 33, 36, 599), "00:01", false, "00:00", "in 00:01"},
		{at(9, 33, 36, 600), "00:01", false, "00:00", "in 00:01"},
		{at(9, 33, 36, 999), "00:01", false, "00:00", "in 00:01"},
		// The second the end is shown as: reached from its start, never
		// "in 00:01" beside a header showing 09:33:37.
		{at(9, 33, 37, 0), "00:00", true, "00:00", "OVERDUE +00:00"},
		{at(9, 33, 37, 599), "00:00", true, "00:00", "OVERDUE +00:00"},
		{at(9, 33, 37, 600), "00:00", true, "00:00", "OVERDUE +00:00"},
		{at(9, 33, 37, 999), "00:00", true, "00:00", "OVERDUE +00:00"},
		{at(9, 33, 38, 0), "00:00", true, "00:01", "OVERDUE +00:01"},
		{at(9, 34, 36, 999), "00:00", true, "00:59", "OVERDUE +00:59"},
		// A minute after the deadline (09:34:37 shown) reads +01:00, never +01:01.
		{at(9, 34, 37, 0), "00:00", true, "01:00", "OVERDUE +01:00"},
		{at(9, 34, 37, 999), "00:00", true, "01:00", "OVERDUE +01:00"},
		{at(9, 34, 38, 0), "00:00", true, "01:01", "OVERDUE +01:01"},
	}
	for _, c := range cases {
		name := c.now.Format("15:04:05.000")
		left := Left(c.now, end)
		if got := FormatCountdown(left); got != c.left {
			t.Errorf("%s: left %s, want %s", name, got, c.left)
		}
		if got := FormatCountdown(Elapsed(end, c.now)); got != c.elapsed {
			t.Errorf("%s: elapsed since end %s, want %s", name, got, c.elapsed)
		}
		if got, reached := FormatLeftOrOverdue(c.now, end); got != c.phrase || reached != c.reached {
			t.Errorf("%s: phrase %q reached %v, want %q %v", name, got, reached, c.phrase, c.reached)
		}
		checkShown(t, "deadline", c.now, end, left, c.reached)
	}
	if Elapsed(end, end.Add(-time.Hour)) != 0 || Left(end.Add(time.Hour), end) != 0 {
		t.Error("a clock is never negative")
	}
}

// subSeconds are the offsets every clock is started at.
var subSeconds = []int{0, 1, 150, 599, 600, 999}

func TestSoakClock(t *testing.T) {
	for _, ms := range subSeconds {
		start := at(9, 18, 37, ms)
		r := mustStart(t, StrategyCanary, start)
		end := start.Add(DefaultSoak)
		t.Run(fmt.Sprintf("start .%03d", ms), func(t *testing.T) {
			if s := r.Status(start, false); s.Remaining != DefaultSoak || FormatCountdown(s.Remaining) != "15:00" {
				t.Errorf("at start: %s left, want 15:00", FormatCountdown(s.Remaining))
			}
			// Sweep the soak's first and last seconds and its end in 37 ms steps.
			for _, span := range [][2]time.Time{{start, start.Add(3 * time.Second)}, {end.Add(-3 * time.Second), end.Add(3 * time.Second)}} {
				for now := span[0]; now.Before(span[1]); now = now.Add(37 * time.Millisecond) {
					s := r.Status(now, false)
					checkShown(t, "soak", now, end, s.Remaining, s.State == RolloutReady)
					if s.Remaining > DefaultSoak {
						t.Fatalf("at %s: %s left of a 15:00 soak", now.Format("15:04:05.000"), FormatCountdown(s.Remaining))
					}
					if s.Elapsed+s.Remaining != s.Soak {
						t.Errorf("at %s: elapsed %s + left %s ≠ soak (D43)", now.Format("15:04:05.000"), s.Elapsed, s.Remaining)
					}
					times := r.StageTimes(now)
					if cur := times[len(times)-1]; cur.Soaking+s.Remaining != s.Soak {
						t.Errorf("at %s: stage table soaking %s + left %s ≠ soak", now.Format("15:04:05.000"), cur.Soaking, s.Remaining)
					}
					if (s.Progress == 1) != (s.Remaining == 0) {
						t.Errorf("at %s: progress %v with %s left", now.Format("15:04:05.000"), s.Progress, s.Remaining)
					}
					if !s.EndsAt.Equal(end) {
						t.Errorf("EndsAt %s, want %s", s.EndsAt, end)
					}
					// ETA: the soak end shown plus the three later soaks.
					if want := hms(end.Add(45 * time.Minute)); s.Remaining > 0 && hms(s.ETA) != want {
						t.Errorf("at %s: ETA %s, want %s", now.Format("15:04:05.000"), hms(s.ETA), want)
					}
				}
			}
			// Promoting in the second the end is shown as needs no reason and
			// records the soak as served in full.
			p, err := Promote(r, ShownAt(end), "", Gate{})
			if err != nil {
				t.Fatalf("promote at the shown end: %v", err)
			}
			if rec := p.StageTimes(ShownAt(end))[0]; rec.Soaking != DefaultSoak || rec.Waiting != 0 {
				t.Errorf("record: soaking %s waiting %s", rec.Soaking, rec.Waiting)
			}
			if _, err := Promote(r, ShownAt(end).Add(-time.Millisecond), "", Gate{}); err == nil {
				t.Error("promote a second before the shown end needs a reason")
			}
		})
	}
}

func TestSoakClockWaiting(t *testing.T) {
	start := at(9, 18, 37, 600)
	r := mustStart(t, StrategyCanary, start)
	for _, c := range []struct {
		now  time.Time
		want time.Duration
	}{
		{at(9, 33, 37, 0), 0}, {at(9, 33, 37, 999), 0}, {at(9, 33, 38, 0), time.Second}, {at(9, 34, 37, 0), time.Minute},
	} {
		if s := r.Status(c.now, false); s.Waiting != c.want || s.State != RolloutReady {
			t.Errorf("at %s: waiting %s state %s, want %s", c.now.Format("15:04:05.000"), s.Waiting, s.State, c.want)
		}
	}
}

// TestPauseResumeClock: the remaining time stored when pausing is the one
// shown, it reads the same while paused, and the first countdown after the
// resume is that value again (D22), whatever the sub-second offsets.
func TestPauseResumeClock(t *testing.T) {
	for _, startMS := range subSeconds {
		for _, pauseMS := range subSeconds {
			for _, resumeMS := range subSeconds {
				start := at(9, 18, 37, startMS)
				pauseAt := at(9, 26, 10, pauseMS)
				resumeAt := at(9, 26, 38, resumeMS)
				name := fmt.Sprintf("start .%03d pause .%03d resume .%03d", startMS, pauseMS, resumeMS)
				r := mustStart(t, StrategyCanary, start)
				shown := r.Status(pauseAt, false).Remaining
				p, err := Pause(r, pauseAt)
				if err != nil {
					t.Fatal(err)
				}
				if p.RemainingAtPause != shown || shown != 7*time.Minute+27*time.Second {
					t.Errorf("%s: stored %s, shown %s, want 07:27", name, p.RemainingAtPause, shown)
				}
				if s := p.Status(resumeAt.Add(-time.Millisecond), false); s.Remaining != shown || s.State != RolloutPaused {
					t.Errorf("%s: while paused %s %s", name, s.Remaining, s.State)
				}
				q, err := Resume(p, resumeAt)
				if err != nil {
					t.Fatal(err)
				}
				s := q.Status(resumeAt, false)
				if s.Remaining != shown {
					t.Errorf("%s: %s left just after resume, %s promised while paused", name, FormatCountdown(s.Remaining), FormatCountdown(shown))
				}
				if hms(resumeAt.Add(s.Remaining)) != hms(s.EndsAt) || hms(s.EndsAt) != "09:34:05" {
					t.Errorf("%s: resumed at %s with %s left, ends %s", name, hms(resumeAt), FormatCountdown(s.Remaining), hms(s.EndsAt))
				}
				if cur := q.StageTimes(resumeAt)[0]; cur.Paused != 28*time.Second || cur.Soaking+s.Remaining != DefaultSoak {
					t.Errorf("%s: paused %s soaking %s", name, cur.Paused, cur.Soaking)
				}
				// A second later, one second less; the end is still the one shown.
				next := ShownAt(resumeAt).Add(time.Second)
				if s2 := q.Status(next, false); s2.Remaining != shown-time.Second {
					t.Errorf("%s: at %s %s left", name, hms(next), FormatCountdown(s2.Remaining))
				}
				checkShown(t, name, at(9, 34, 4, 999), s.EndsAt, q.Status(at(9, 34, 4, 999), false).Remaining, false)
				checkShown(t, name, at(9, 34, 5, 0), s.EndsAt, q.Status(at(9, 34, 5, 0), false).Remaining, true)
			}
		}
	}
}

func TestStabilityWatchClock(t *testing.T) {
	for _, ms := range subSeconds {
		d := Deployment{StabilityAt: at(4, 28, 37, ms)}
		end := d.StabilityEndsAt()
		if rem, ok := d.StabilityRemaining(d.StabilityAt); !ok || FormatCountdown(rem) != "15:00" {
			t.Errorf(".%03d: at start %s left", ms, FormatCountdown(rem))
		}
		for now := at(4, 43, 35, 0); now.Before(at(4, 43, 39, 0)); now = now.Add(37 * time.Millisecond) {
			rem, _ := d.StabilityRemaining(now)
			checkShown(t, "stability watch", now, end, rem, rem == 0)
		}
		if rem, _ := d.StabilityRemaining(at(4, 43, 37, 0)); rem != 0 {
			t.Errorf(".%03d: watch ends 04:43:37, %s left at 04:43:37.000", ms, rem)
		}
	}
	if _, ok := (Deployment{}).StabilityRemaining(at(4, 0, 0, 0)); ok {
		t.Error("no watch before it starts")
	}
}

// TestEscalationClock: the review's INC-2 (step 2 due 09:46:47.731) and
// a fresh SEV1 opened at every sub-second offset.
func TestEscalationClock(t *testing.T) {
	p := DefaultPolicy()
	opened := at(9, 31, 47, 731)
	inc, err := NewIncident{Title: "checkout down", Severity: SEV1}.Open("alice", opened)
	if err != nil {
		t.Fatal(err)
	}
	due := opened.Add(15 * time.Minute)
	cases := []struct {
		now     time.Time
		state   StepState
		left    string
		overdue string
	}{
		{opened, StepPending, "15:00", ""},
		{at(9, 31, 47, 999), StepPending, "15:00", ""},
		{at(9, 31, 48, 0), StepPending, "14:59", ""},
		{at(9, 46, 46, 999), StepPending, "00:01", ""},
		{at(9, 46, 47, 0), StepDue, "", "00:00"},
		{at(9, 46, 47, 730), StepDue, "", "00:00"},
		{at(9, 46, 47, 731), StepDue, "", "00:00"},
		{at(9, 46, 48, 0), StepDue, "", "00:01"},
		{at(9, 47, 46, 999), StepDue, "", "00:59"},
		{at(9, 47, 47, 0), StepOverdue, "", "01:00"},
		{at(9, 48, 47, 500), StepOverdue, "", "02:00"},
	}
	for _, c := range cases {
		s := p.Ladder(inc, c.now)[1]
		name := c.now.Format("15:04:05.000")
		if s.State != c.state {
			t.Errorf("%s: %s, want %s", name, s.State, c.state)
		}
		if c.left != "" && FormatCountdown(s.Remaining) != c.left {
			t.Errorf("%s: in %s, want %s", name, FormatCountdown(s.Remaining), c.left)
		}
		if c.overdue != "" && FormatCountdown(s.Overdue) != c.overdue {
			t.Errorf("%s: +%s, want +%s", name, FormatCountdown(s.Overdue), c.overdue)
		}
		checkShown(t, "step 2", c.now, due, s.Remaining, s.State != StepPending)
	}
	for _, ms := range subSeconds {
		o := at(9, 29, 17, ms)
		fresh, _ := NewIncident{Title: "x", Severity: SEV1}.Open("bob", o)
		for now := o; now.Before(o.Add(2 * time.Second)); now = now.Add(50 * time.Millisecond) {
			if s := p.Ladder(fresh, now)[1]; s.Remaining > 15*time.Minute {
				t.Fatalf("opened .%03d, at %s: Eng Lead in %s", ms, now.Format("15:04:05.000"), FormatCountdown(s.Remaining))
			}
		}
	}
}

func TestStakeholderUpdateClock(t *testing.T) {
	opened := at(9, 0, 0, 400)
	inc, _ := NewIncident{Title: "x", Severity: SEV1}.Open("alice", opened)
	due, ok := DefaultUpdatePolicy().NextUpdateDue(inc)
	if !ok || !due.Equal(at(9, 30, 0, 400)) {
		t.Fatalf("due %s %v", due, ok)
	}
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{opened, "in 30:00"},
		{at(9, 29, 59, 999), "in 00:01"},
		{at(9, 30, 0, 0), "OVERDUE +00:00"},
		{at(9, 30, 0, 399), "OVERDUE +00:00"},
		{at(9, 30, 59, 999), "OVERDUE +00:59"},
		{at(9, 31, 0, 0), "OVERDUE +01:00"},
	} {
		if got, _ := FormatLeftOrOverdue(c.now, due); got != c.want {
			t.Errorf("%s: %q, want %q", c.now.Format("15:04:05.000"), got, c.want)
		}
	}
}

func TestPostmortemClock(t *testing.T) {
	opened := at(8, 0, 0, 0)
	inc, _ := NewIncident{Title: "x", Severity: SEV2}.Open("alice", opened)
	inc, err := inc.Transition(IncidentResolved, at(9, 12, 5, 600))
	if err != nil {
		t.Fatal(err)
	}
	earliest, latest, ok := PostmortemDue(inc)
	if !ok {
		t.Fatal("resolved incident has a postmortem window")
	}
	for _, c := range []struct {
		now               time.Time
		open, closed      bool
		leftEarliest, due string
	}{
		{at(9, 12, 5, 600), false, false, "24:00:00", "48:00:00"},
		{earliest.Add(-601 * time.Millisecond), false, false, "00:01", "24:00:01"},
		{ShownAt(earliest), true, false, "00:00", "24:00:00"},
		{ShownAt(latest).Add(-time.Millisecond), true, false, "00:00", "00:01"},
		{ShownAt(latest), true, true, "00:00", "00:00"},
	} {
		name := c.now.Format("Jan 2 15:04:05.000")
		if Reached(c.now, earliest) != c.open || Reached(c.now, latest) != c.closed {
			t.Errorf("%s: open %v closed %v", name, Reached(c.now, earliest), Reached(c.now, latest))
		}
		if got := FormatCountdown(Left(c.now, earliest)); got != c.leftEarliest {
			t.Errorf("%s: window opens in %s, want %s", name, got, c.leftEarliest)
		}
		if got := FormatCountdown(Left(c.now, latest)); got != c.due {
			t.Errorf("%s: due in %s, want %s", name, got, c.due)
		}
		checkShown(t, "postmortem", c.now, latest, Left(c.now, latest), c.closed)
	}
}
