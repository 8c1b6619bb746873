package model

import (
	"strings"
	"testing"
	"time"
)

// want describes one step of a ladder: its state and, when scheduled, its
// due time as an offset from incT0 (-1 for "not scheduled").
type escWant struct {
	state StepState
	due   time.Duration
}

const escNoDue = time.Duration(-1)

func escCheck(t *testing.T, name string, got []StepStatus, want []escWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d steps, want %d", name, len(got), len(want))
	}
	for k, w := range want {
		g := got[k]
		dueOK := (w.due == escNoDue && g.Due.IsZero()) || (w.due != escNoDue && g.Due.Equal(incAt(w.due)))
		if g.State != w.state || !dueOK {
			due := "none"
			if !g.Due.IsZero() {
				due = "+" + g.Due.Sub(incT0).String()
			}
			t.Errorf("%s: step %d (%s) = %s due %s (%s); want %s due %v",
				name, g.Step.Number, g.Step.ShortRole(), g.State, due, g.Why, w.state, w.due)
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	roles := []string{"On-call DevOps Engineer", "Engineering Lead", "Product/Engineering Director", "Security Lead"}
	short := []string{"On-call", "Eng Lead", "Director", "Security"}
	for k, s := range p.Steps {
		if s.Number != k+1 || s.Role != roles[k] || s.ShortRole() != short[k] {
			t.Errorf("step %d: %+v", k, s)
		}
	}
	if got := p.Steps[1].Describe(); got != "15m after it became SEV1/SEV2 (SEV1, SEV2 only; manual otherwise)" {
		t.Errorf("Describe = %q", got)
	}
	if got := p.Steps[2].Describe(); got != "45m after it became SEV1/SEV2 (SEV1 only; manual otherwise)" {
		t.Errorf("Describe = %q", got)
	}
	if p.Steps[0].Describe() != "at open" || p.Steps[3].Describe() != "when flagged security-related" {
		t.Errorf("Describe: %q %q", p.Steps[0].Describe(), p.Steps[3].Describe())
	}
}

func TestPolicyValidate(t *testing.T) {
	ok := EscalationStep{Number: 1, Role: "On-call", Trigger: TriggerAtOpen}
	cases := []struct {
		steps []EscalationStep
		err   string
	}{
		{nil, "no steps"},
		{[]EscalationStep{{Number: 0, Role: "x", Trigger: TriggerAtOpen}}, "number steps from 1"},
		{[]EscalationStep{ok, {Number: 1, Role: "x", Trigger: TriggerAtOpen}}, "increasing order"},
		{[]EscalationStep{{Number: 1, Role: " ", Trigger: TriggerAtOpen}}, "role is empty"},
		{[]EscalationStep{{Number: 1, Role: "x", Delay: -time.Second, Trigger: TriggerAtOpen}}, "negative"},
		{[]EscalationStep{{Number: 1, Role: "x", Trigger: "later"}}, "unknown trigger"},
		{[]EscalationStep{{Number: 1, Role: "x", Trigger: TriggerAtOpen, Severities: []Severity{7}}}, "severity 7"},
	}
	for _, c := range cases {
		err := EscalationPolicy{Steps: c.steps}.Validate()
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Validate(%+v) = %v, want %q", c.steps, err, c.err)
		}
	}
}

func TestWithRoster(t *testing.T) {
	p := DefaultPolicy()
	p.Steps[0].Person = "preset"
	r := p.WithRoster(map[string]string{"eng lead": " erin ", "Security Lead": "sam", "On-call DevOps Engineer": "ignored"})
	if r.Steps[0].Person != "preset" || r.Steps[1].Person != "erin" || r.Steps[2].Person != "" || r.Steps[3].Person != "sam" {
		t.Errorf("WithRoster: %+v", r.Steps)
	}
	if p.Steps[1].Person != "" {
		t.Error("WithRoster modified its receiver")
	}
}

func TestLadderBySeverity(t *testing.T) {
	p := DefaultPolicy()
	nn := escWant{StepNotNeeded, escNoDue}
	cases := []struct {
		name string
		inc  func() Incident
		now  time.Duration
		want []escWant
	}{
		{"SEV1 at open", func() Incident { return incOpen(1, SEV1) }, 0,
			[]escWant{{StepDue, 0}, {StepPending, 15 * incMin}, {StepPending, 45 * incMin}, nn}},
		{"SEV1 +15m30s", func() Incident { return incOpen(1, SEV1) }, 15*incMin + 30*time.Second,
			[]escWant{{StepOverdue, 0}, {StepDue, 15 * incMin}, {StepPending, 45 * incMin}, nn}},
		{"SEV1 +46m", func() Incident { return incOpen(1, SEV1) }, 46 * incMin,
			[]escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, {StepOverdue, 45 * incMin}, nn}},
		{"SEV2 +20m", func() Incident { return incOpen(1, SEV2) }, 20 * incMin,
			[]escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, nn, nn}},
		{"SEV3 +20m", func() Incident { return incOpen(1, SEV3) }, 20 * incMin,
			[]escWant{{StepOverdue, 0}, nn, nn, nn}},
		{"SEV4 +30s", func() Incident { return incOpen(1, SEV4) }, 30 * time.Second,
			[]escWant{{StepDue, 0}, nn, nn, nn}},
		{"SEV3 never major, +3h", func() Incident { return incOpen(1, SEV3) }, 180 * incMin,
			[]escWant{{StepOverdue, 0}, nn, nn, nn}},
		{"SEV3 raised to SEV2 at +40, seen at +39", escRaised, 39 * incMin,
			[]escWant{{StepOverdue, 0}, nn, nn, nn}},
		{"SEV3 raised to SEV2 at +40, seen at +50", escRaised, 50 * incMin,
			[]escWant{{StepOverdue, 0}, {StepPending, 55 * incMin}, nn, nn}},
		{"SEV3 raised to SEV2 at +40, seen at +56", escRaised, 56 * incMin,
			[]escWant{{StepOverdue, 0}, {StepOverdue, 55 * incMin}, nn, nn}},
		{"SEV2 raised to SEV1 at +20: clock not reset", func() Incident {
			i, _ := incOpen(1, SEV2).SetSeverity(SEV1, "x", incAt(20*incMin))
			return i
		}, 30 * incMin, []escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, {StepPending, 45 * incMin}, nn}},
		{"SEV2 raised to SEV1 at +60: Director immediately overdue", func() Incident {
			i, _ := incOpen(1, SEV2).SetSeverity(SEV1, "x", incAt(60*incMin))
			return i
		}, 60 * incMin, []escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, {StepOverdue, 45 * incMin}, nn}},
		{"SEV1 lowered to SEV2 at +20: Director not needed", func() Incident {
			i, _ := incOpen(1, SEV1).SetSeverity(SEV2, "x", incAt(20*incMin))
			return i
		}, 50 * incMin, []escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, nn, nn}},
		{"SEV2 lowered to SEV3 at +10 (before due)", escLowered, 20 * incMin,
			[]escWant{{StepOverdue, 0}, nn, nn, nn}},
		{"SEV2 lowered to SEV3 at +20 (after due)", func() Incident {
			i, _ := incOpen(1, SEV2).SetSeverity(SEV3, "x", incAt(20*incMin))
			return i
		}, 25 * incMin, []escWant{{StepOverdue, 0}, nn, nn, nn}},
		{"lowered at +10, raised again at +30: 15 min from +30", func() Incident {
			i, _ := escLowered().SetSeverity(SEV2, "x", incAt(30*incMin))
			return i
		}, 35 * incMin, []escWant{{StepOverdue, 0}, {StepPending, 45 * incMin}, nn, nn}},
		{"SEV2 mitigated at +10 keeps its clock", func() Incident {
			i, _ := incOpen(1, SEV2).Transition(IncidentMitigated, incAt(10*incMin))
			return i
		}, 20 * incMin, []escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, nn, nn}},
	}
	for _, c := range cases {
		escCheck(t, c.name, p.Ladder(c.inc(), incAt(c.now)), c.want)
	}

	lad := p.Ladder(escLowered(), incAt(20*incMin))
	if !strings.Contains(lad[1].Why, "lowered to SEV3") {
		t.Errorf("downgrade why = %q", lad[1].Why)
	}
	lad = p.Ladder(incOpen(1, SEV2), incAt(20*incMin))
	if !strings.Contains(lad[2].Why, "SEV1 only") {
		t.Errorf("SEV2 director why = %q", lad[2].Why)
	}
	lad = p.Ladder(incOpen(1, SEV1), incAt(5*incMin))
	if lad[1].Remaining != 10*incMin || lad[2].Remaining != 40*incMin || lad[0].Overdue != 5*incMin {
		t.Errorf("remaining/overdue: %v %v %v", lad[1].Remaining, lad[2].Remaining, lad[0].Overdue)
	}
}

func escRaised() Incident {
	i, _ := incOpen(1, SEV3).SetSeverity(SEV2, "x", incAt(40*incMin))
	return i
}

func escLowered() Incident {
	i, _ := incOpen(1, SEV2).SetSeverity(SEV3, "x", incAt(10*incMin))
	return i
}

func TestLadderAck(t *testing.T) {
	p := DefaultPolicy()
	inc := incOpen(1, SEV1)
	if got := p.Ladder(inc, incAt(20*incMin)); got[1].State != StepOverdue || got[1].Overdue != 5*incMin {
		t.Fatalf("before ack: %+v", got[1])
	}
	inc.Acks = []Ack{
		{Step: 2, At: incAt(21 * incMin), By: "alice", Reached: "erin"},
		{Step: 2, At: incAt(25 * incMin), By: "bob", Reached: "erin again"},
		{Step: 1, At: incAt(2 * incMin), By: "alice", Reached: "alice"},
	}
	got := p.Ladder(inc, incAt(20*incMin)) // the step-2 acks are later than now
	if got[1].State != StepOverdue || got[0].State != StepAcknowledged {
		t.Errorf("future ack counted: %s %s", got[0].State, got[1].State)
	}
	got = p.Ladder(inc, incAt(30*incMin))
	s := got[1]
	if s.State != StepAcknowledged || s.AckedBy != "alice" || s.Reached != "erin" || !s.AckedAt.Equal(incAt(21*incMin)) ||
		s.Remaining != 0 || s.Overdue != 0 || !s.Due.Equal(incAt(15*incMin)) {
		t.Errorf("acked step = %+v", s)
	}
	// Acknowledging ahead of the due time is fine.
	pre := incOpen(1, SEV1)
	pre.Acks = []Ack{{Step: 3, At: incAt(5 * incMin), By: "alice", Reached: "dir"}}
	if got := p.Ladder(pre, incAt(10*incMin)); got[2].State != StepAcknowledged {
		t.Errorf("early ack: %s", got[2].State)
	}
}

func TestLadderManual(t *testing.T) {
	p := DefaultPolicy()
	nn := escWant{StepNotNeeded, escNoDue}

	// Escalate-now on the SEV2's manual Director step.
	inc := incOpen(1, SEV2)
	inc.Escalations = []ManualEscalation{{Kind: ManualEscalateNow, Step: 3, At: incAt(5 * incMin), By: "alice", Reason: "customer data at risk"}}
	escCheck(t, "escalate-now seen before", p.Ladder(inc, incAt(4*incMin)),
		[]escWant{{StepOverdue, 0}, {StepPending, 15 * incMin}, nn, nn})
	escCheck(t, "escalate-now +5m30s", p.Ladder(inc, incAt(5*incMin+30*time.Second)),
		[]escWant{{StepOverdue, 0}, {StepPending, 15 * incMin}, {StepDue, 5 * incMin}, nn})
	lad := p.Ladder(inc, incAt(7*incMin))
	escCheck(t, "escalate-now +7m", lad, []escWant{{StepOverdue, 0}, {StepPending, 15 * incMin}, {StepOverdue, 5 * incMin}, nn})
	if lad[2].Why != "escalated by alice: customer data at risk" || lad[2].Overdue != 2*incMin {
		t.Errorf("escalate-now: %+v", lad[2])
	}

	// Escalate-now on a scheduled step pulls it earlier, never later.
	inc = incOpen(1, SEV1)
	inc.Escalations = []ManualEscalation{
		{Kind: ManualEscalateNow, Step: 2, At: incAt(5 * incMin), By: "alice", Reason: "r"},
		{Kind: ManualEscalateNow, Step: 3, At: incAt(50 * incMin), By: "alice", Reason: "r"},
	}
	escCheck(t, "escalate-now earlier", p.Ladder(inc, incAt(60*incMin)),
		[]escWant{{StepOverdue, 0}, {StepOverdue, 5 * incMin}, {StepOverdue, 45 * incMin}, nn})

	// Skip-to marks earlier unacknowledged steps of the main path skipped,
	// never the security step.
	inc = incOpen(1, SEV1)
	inc.Security = true
	inc.SecurityAt = incT0
	inc.Acks = []Ack{{Step: 1, At: incAt(1 * incMin), By: "alice", Reached: "alice"}}
	inc.Escalations = []ManualEscalation{{Kind: ManualSkipTo, Step: 3, At: incAt(5 * incMin), By: "bob", Reason: "lead on leave"}}
	lad = p.Ladder(inc, incAt(6*incMin))
	escCheck(t, "skip-to 3", lad,
		[]escWant{{StepAcknowledged, 0}, {StepSkipped, 15 * incMin}, {StepOverdue, 5 * incMin}, {StepOverdue, 0}})
	if lad[1].Why != "skipped to step 3 by bob: lead on leave" || lad[1].Remaining != 0 || lad[1].Overdue != 0 {
		t.Errorf("skipped: %+v", lad[1])
	}
	escCheck(t, "skip-to 3, seen before", p.Ladder(inc, incAt(4*incMin)),
		[]escWant{{StepAcknowledged, 0}, {StepPending, 15 * incMin}, {StepPending, 45 * incMin}, {StepOverdue, 0}})

	// A later escalate-now on a skipped step brings it back.
	inc.Escalations = append(inc.Escalations, ManualEscalation{Kind: ManualEscalateNow, Step: 2, At: incAt(8 * incMin), By: "carol", Reason: "lead is back"})
	escCheck(t, "un-skip", p.Ladder(inc, incAt(8*incMin)),
		[]escWant{{StepAcknowledged, 0}, {StepDue, 8 * incMin}, {StepOverdue, 5 * incMin}, {StepOverdue, 0}})

	// D32: a step paged with escalate-now stays paged, not reached, when
	// someone then skips past it: it is still owed an acknowledgement.
	inc.Escalations = []ManualEscalation{
		{Kind: ManualEscalateNow, Step: 2, At: incAt(3*incMin + 250*time.Millisecond), By: "bob", Reason: "customers"},
		{Kind: ManualSkipTo, Step: 3, At: incAt(5 * incMin), By: "bob", Reason: "lead silent"},
	}
	escCheck(t, "escalated, then skipped past", p.Ladder(inc, incAt(6*incMin)),
		[]escWant{{StepAcknowledged, 0}, {StepOverdue, 3*incMin + 250*time.Millisecond}, {StepOverdue, 5 * incMin}, {StepOverdue, 0}})

	// Unknown steps and kinds are ignored.
	inc = incOpen(1, SEV3)
	inc.Escalations = []ManualEscalation{{Kind: ManualSkipTo, Step: 9, At: incT0}, {Kind: "page", Step: 2, At: incT0}}
	escCheck(t, "ignored", p.Ladder(inc, incAt(incMin)), []escWant{{StepOverdue, 0}, nn, nn, nn})
}

func TestLadderSecurity(t *testing.T) {
	p := DefaultPolicy()
	nn := escWant{StepNotNeeded, escNoDue}
	flagged, err := incOpen(1, SEV3).SetSecurity(true, incAt(10*incMin))
	if err != nil {
		t.Fatal(err)
	}
	escCheck(t, "before flag", p.Ladder(flagged, incAt(5*incMin)), []escWant{{StepOverdue, 0}, nn, nn, nn})
	escCheck(t, "at flag", p.Ladder(flagged, incAt(10*incMin)), []escWant{{StepOverdue, 0}, nn, nn, {StepDue, 10 * incMin}})
	escCheck(t, "after flag", p.Ladder(flagged, incAt(12*incMin)), []escWant{{StepOverdue, 0}, nn, nn, {StepOverdue, 10 * incMin}})

	opened, _ := NewIncident{Title: "leaked key", Severity: SEV2, Security: true}.Open("alice", incT0)
	escCheck(t, "opened flagged", p.Ladder(opened, incAt(30*time.Second)),
		[]escWant{{StepDue, 0}, {StepPending, 15 * incMin}, nn, {StepDue, 0}})

	legacy := incOpen(1, SEV4) // flag without a time: counts from open
	legacy.Security = true
	escCheck(t, "flag without time", p.Ladder(legacy, incAt(2*incMin)), []escWant{{StepOverdue, 0}, nn, nn, {StepOverdue, 0}})

	cleared, _ := flagged.SetSecurity(false, incAt(11*incMin))
	escCheck(t, "cleared", p.Ladder(cleared, incAt(12*incMin)), []escWant{{StepOverdue, 0}, nn, nn, nn})
}

func TestLadderResolved(t *testing.T) {
	p := DefaultPolicy()
	nn := escWant{StepNotNeeded, escNoDue}
	res := func(d time.Duration) Incident {
		i, _ := incOpen(1, SEV1).Transition(IncidentResolved, incAt(d))
		return i
	}
	lad := p.Ladder(res(10*incMin), incAt(100*incMin))
	escCheck(t, "resolved at +10", lad,
		[]escWant{{StepOverdue, 0}, {StepNotNeeded, 15 * incMin}, {StepNotNeeded, 45 * incMin}, nn})
	if lad[0].Overdue != 10*incMin || lad[1].Why != "resolved before it was due" {
		t.Errorf("frozen at resolution: %+v / %q", lad[0].Overdue, lad[1].Why)
	}
	// Resolved in the second step 2 falls due: it was shown DUE NOW then,
	// so it stays due (the clock rule), not "resolved before it was due".
	escCheck(t, "resolved exactly at +15", p.Ladder(res(15*incMin), incAt(100*incMin)),
		[]escWant{{StepOverdue, 0}, {StepDue, 15 * incMin}, {StepNotNeeded, 45 * incMin}, nn})
	escCheck(t, "resolved 1ms before +15", p.Ladder(res(15*incMin-time.Millisecond), incAt(100*incMin)),
		[]escWant{{StepOverdue, 0}, {StepNotNeeded, 15 * incMin}, {StepNotNeeded, 45 * incMin}, nn})
	escCheck(t, "resolved at +20, seen at +12 (history)", p.Ladder(res(20*incMin), incAt(12*incMin)),
		[]escWant{{StepOverdue, 0}, {StepPending, 15 * incMin}, {StepPending, 45 * incMin}, nn})
	escCheck(t, "resolved at +20", p.Ladder(res(20*incMin), incAt(100*incMin)),
		[]escWant{{StepOverdue, 0}, {StepOverdue, 15 * incMin}, {StepNotNeeded, 45 * incMin}, nn})
	if _, ok := p.NextDeadline(res(20*incMin), incAt(100*incMin)); ok {
		t.Error("a resolved incident has no next deadline")
	}
}

// TestLadderNeverNegative sweeps the clock across several histories.
func TestLadderNeverNegative(t *testing.T) {
	p := DefaultPolicy()
	sec, _ := escRaised().SetSecurity(true, incAt(20*incMin))
	sec.Acks = []Ack{{Step: 2, At: incAt(70 * incMin), By: "a", Reached: "b"}}
	skip := incOpen(2, SEV1)
	skip.Escalations = []ManualEscalation{{Kind: ManualSkipTo, Step: 3, At: incAt(7 * incMin), Reason: "r"}}
	resolved, _ := incOpen(3, SEV2).Transition(IncidentResolved, incAt(50*incMin))
	for _, inc := range []Incident{incOpen(1, SEV1), incOpen(4, SEV4), escLowered(), sec, skip, resolved} {
		for d := -5 * incMin; d <= 180*incMin; d += 15 * time.Second {
			for _, s := range p.Ladder(inc, incAt(d)) {
				if s.Remaining < 0 || s.Overdue < 0 {
					t.Fatalf("%s +%v step %d: remaining %v overdue %v", inc.Ref(), d, s.Step.Number, s.Remaining, s.Overdue)
				}
				if (s.Remaining > 0) != (s.State == StepPending) {
					t.Fatalf("%s +%v step %d: %s with remaining %v", inc.Ref(), d, s.Step.Number, s.State, s.Remaining)
				}
				if s.Overdue > 0 && s.State != StepDue && s.State != StepOverdue {
					t.Fatalf("%s +%v step %d: %s with overdue %v", inc.Ref(), d, s.Step.Number, s.State, s.Overdue)
				}
				if s.State == StepDue && s.Overdue >= StepDueGrace || s.State == StepOverdue && s.Overdue < StepDueGrace {
					t.Fatalf("%s +%v step %d: %s with overdue %v", inc.Ref(), d, s.Step.Number, s.State, s.Overdue)
				}
				if s.State.Active() && s.Due.IsZero() {
					t.Fatalf("%s +%v step %d: %s without a due time", inc.Ref(), d, s.Step.Number, s.State)
				}
			}
		}
	}
}

func TestNextDeadline(t *testing.T) {
	p := DefaultPolicy()
	inc := incOpen(1, SEV1)
	s, ok := p.NextDeadline(inc, incAt(20*incMin))
	if !ok || s.Step.Number != 1 || s.Overdue != 20*incMin {
		t.Errorf("most overdue first: %+v %v", s, ok)
	}
	inc.Acks = []Ack{{Step: 1, At: incAt(incMin), By: "a", Reached: "a"}}
	s, ok = p.NextDeadline(inc, incAt(5*incMin))
	if !ok || s.Step.Number != 2 || s.Remaining != 10*incMin || s.State != StepPending {
		t.Errorf("soonest pending: %+v %v", s, ok)
	}
	low := incOpen(2, SEV4)
	low.Acks = []Ack{{Step: 1, At: incT0, By: "a", Reached: "a"}}
	if _, ok := p.NextDeadline(low, incAt(5*incMin)); ok {
		t.Error("an acknowledged SEV4 has no deadline")
	}
}

func TestSortByUrgency(t *testing.T) {
	p := DefaultPolicy()
	now := incAt(60 * incMin)
	ack1 := []Ack{{Step: 1, At: incT0, By: "a", Reached: "a"}}

	a := incOpen(1, SEV4) // step 1 unacked since open: 60 min overdue
	a.OpenedAt = incT0
	b := incOpen(2, SEV3) // step 1 unacked, opened at +50: 10 min overdue
	b.OpenedAt = incAt(50 * incMin)
	c := incOpen(3, SEV1) // Eng Lead due in 5 min
	c.OpenedAt, c.Acks = incAt(50*incMin), []Ack{{Step: 1, At: incAt(50 * incMin)}}
	d := incOpen(4, SEV2) // Eng Lead due in 12 min
	d.OpenedAt, d.Acks = incAt(57*incMin), []Ack{{Step: 1, At: incAt(57 * incMin)}}
	e := incOpen(5, SEV4) // nothing to do
	e.Acks = ack1
	f := incOpen(6, SEV3) // nothing to do, more severe than e
	f.Acks = ack1
	g, _ := incOpen(7, SEV1).Transition(IncidentResolved, incAt(30*incMin))
	h := incOpen(8, SEV3) // same deadline as b, lower id wins after severity
	h.OpenedAt = incAt(50 * incMin)

	incs := []Incident{g, e, d, h, c, f, b, a}
	SortByUrgency(incs, p, now)
	var got []int64
	for _, i := range incs {
		got = append(got, i.ID)
	}
	want := []int64{1, 2, 8, 3, 4, 6, 5, 7}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("order = %v, want %v", got, want)
		}
	}

	if u := Urgency(a, p.Ladder(a, now), now); u != -60*incMin {
		t.Errorf("Urgency(overdue) = %v", u)
	}
	if u := Urgency(c, p.Ladder(c, now), now); u != 5*incMin {
		t.Errorf("Urgency(pending) = %v", u)
	}
	if u := Urgency(g, p.Ladder(g, now), now); u != NoEscalationDeadline {
		t.Errorf("Urgency(resolved) = %v", u)
	}
}

func TestNextEscalation(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		name string
		inc  func() Incident
		now  time.Duration
		want int // 0: none
	}{
		{"SEV1 just opened", func() Incident { return incOpen(1, SEV1) }, 0, 2},
		{"SEV1 Eng Lead overdue", func() Incident { return incOpen(1, SEV1) }, 20 * incMin, 3},
		{"SEV3: Eng Lead by hand", func() Incident { return incOpen(1, SEV3) }, 5 * incMin, 2},
		{"SEV1 all reached", func() Incident { return incOpen(1, SEV1) }, 50 * incMin, 0},
		{"resolved", func() Incident { i, _ := incOpen(1, SEV1).Transition(IncidentResolved, incAt(incMin)); return i }, 5 * incMin, 0},
	}
	for _, c := range cases {
		s, ok := p.NextEscalation(c.inc(), incAt(c.now))
		if (c.want == 0) == ok || (ok && s.Number != c.want) {
			t.Errorf("%s: %d %v, want %d", c.name, s.Number, ok, c.want)
		}
	}
}

func TestCheckAckAndManual(t *testing.T) {
	p := DefaultPolicy()
	inc := incOpen(7, SEV2)
	inc.Acks = []Ack{{Step: 1, At: incAt(incMin), By: "a", Reached: "olga"}}
	now := incAt(5 * incMin)

	if err := p.CheckAck(inc, 2, now); err != nil {
		t.Errorf("ack step 2: %v", err)
	}
	if err := p.CheckAck(inc, 1, now); err == nil || !strings.Contains(err.Error(), "already acknowledged (olga reached)") {
		t.Errorf("ack twice: %v", err)
	}
	if err := p.CheckAck(inc, 9, now); err == nil || !strings.Contains(err.Error(), "steps 1, 2, 3, 4") {
		t.Errorf("ack step 9: %v", err)
	}

	cases := []struct {
		kind   ManualKind
		step   int
		reason string
		inc    Incident
		err    string
	}{
		{ManualEscalateNow, 2, " customer escalation ", inc, ""},
		{ManualSkipTo, 3, "lead unreachable", inc, ""},
		{ManualEscalateNow, 3, "", inc, "reason is empty"},
		{ManualEscalateNow, 1, "r", inc, "already acknowledged"},
		{ManualEscalateNow, 5, "r", inc, "no escalation step 5"},
		{"page", 2, "r", inc, "unknown manual escalation"},
		{ManualEscalateNow, 2, "r", func() Incident { i := inc; i.Status = IncidentResolved; return i }(), "INC-7 is resolved"},
		{ManualEscalateNow, 1, "r", incOpen(8, SEV2), "already due"},
		{ManualSkipTo, 2, "r", incOpen(8, SEV2), ""},
	}
	for _, c := range cases {
		r, err := p.CheckManual(c.inc, c.kind, c.step, c.reason, now)
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("CheckManual(%s %d %q) = %v, want %q", c.kind, c.step, c.reason, err, c.err)
		}
		if err == nil && r != strings.TrimSpace(c.reason) {
			t.Errorf("reason not trimmed: %q", r)
		}
	}
}
