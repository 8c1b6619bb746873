package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var gateT0 = time.Date(2026, 12, 1, 9, 40, 0, 0, time.UTC)

// live5 is a canary live at gateT0 on stage 1/4 · 5%.
func live5(t *testing.T) Rollout {
	t.Helper()
	r, err := Start(DefaultPlan(StrategyCanary), gateT0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sev(id int64, s Severity, st IncidentStatus) Incident {
	return Incident{ID: id, Severity: s, Status: st, DeploymentID: 1}
}

// One state at a time, worst first: HOLD over CRITERIA MET over paused,
// not live, soaking, needs health and READY.
func TestAssessPrecedence(t *testing.T) {
	ms := time.Millisecond
	fresh := Health{Has: true, ErrorRate: 0.5, BaselineErrorRate: 0.4, At: gateT0.Add(14*time.Minute + 59*time.Second + 900*ms)}
	stale := Health{Has: true, ErrorRate: 0.5, BaselineErrorRate: 0.4, At: gateT0.Add(9*time.Minute + 59*time.Second + 999*ms)}
	r := live5(t)
	paused, _ := Pause(r, gateT0.Add(5*time.Minute))
	pending, _ := StartPending(DefaultPlan(StrategyCanary), gateT0)
	for _, c := range []struct {
		name string
		r    Rollout
		at   time.Duration
		g    Gate
		want RolloutState
	}{
		{"soaking", r, 5 * time.Minute, Gate{Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, RolloutSoaking},
		{"soak ends, fresh reading: ready", r, 15 * time.Minute, Gate{Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, RolloutReady},
		{"soak ends, no reading", r, 15 * time.Minute, Gate{HealthMaxAge: DefaultHealthMaxAge}, RolloutNeedsHealth},
		{"reading 5m0.001s old", r, 15*time.Minute + 1*ms, Gate{Health: stale, HealthMaxAge: DefaultHealthMaxAge}, RolloutNeedsHealth},
		{"reading exactly 5m old", r, 15 * time.Minute, Gate{Health: Health{Has: true, At: gateT0.Add(10 * time.Minute)}, HealthMaxAge: DefaultHealthMaxAge}, RolloutReady},
		{"probe failing since the reading", r, 15 * time.Minute, Gate{Health: withFailing(fresh, fresh.At.Add(50*ms)), HealthMaxAge: DefaultHealthMaxAge}, RolloutNeedsHealth},
		{"probe failed before the reading", r, 15 * time.Minute, Gate{Health: withFailing(fresh, fresh.At.Add(-50*ms)), HealthMaxAge: DefaultHealthMaxAge}, RolloutReady},
		{"no max age: no reading needed", r, 15 * time.Minute, Gate{}, RolloutReady},
		{"criteria met over ready", r, 15 * time.Minute, Gate{Criteria: []string{"x"}, Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, RolloutCriteriaMet},
		{"criteria met over paused", paused, 6 * time.Minute, Gate{Criteria: []string{"x"}}, RolloutCriteriaMet},
		{"hold over criteria met", r, 15 * time.Minute, Gate{Criteria: []string{"x"}, Incidents: []Incident{sev(1, SEV1, IncidentOpen)}, Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, RolloutHold},
		{"hold over soaking", r, time.Minute, Gate{Incidents: []Incident{sev(1, SEV2, IncidentMitigated)}}, RolloutHold},
		{"hold over paused", paused, 6 * time.Minute, Gate{Incidents: []Incident{sev(1, SEV1, IncidentOpen)}}, RolloutHold},
		{"SEV3 does not hold", r, 15 * time.Minute, Gate{Incidents: []Incident{sev(1, SEV3, IncidentOpen)}, Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, RolloutReady},
		{"resolved SEV1 does not hold", r, 15 * time.Minute, Gate{Incidents: []Incident{sev(1, SEV1, IncidentResolved)}, Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, RolloutReady},
		{"not live: no soak runs", pending, 20 * time.Minute, Gate{HealthMaxAge: DefaultHealthMaxAge}, RolloutNotLive},
		{"paused", paused, 6 * time.Minute, Gate{}, RolloutPaused},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.r.Assess(gateT0.Add(c.at), c.g).State; got != c.want {
				t.Errorf("state %q, want %q", got, c.want)
			}
		})
	}
}

func withFailing(h Health, since time.Time) Health {
	h.ProbeFailingSince = since
	return h
}

// A reading from the previous stage does not back the current one.
func TestCheckHealthStageAndText(t *testing.T) {
	ms := time.Millisecond
	r := live5(t)
	g := Gate{HealthMaxAge: DefaultHealthMaxAge, Health: Health{Has: true, At: gateT0.Add(14*time.Minute + 30*time.Second)}}
	next, err := Promote(r, gateT0.Add(15*time.Minute), "", g)
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		name string
		r    Rollout
		h    Health
		at   time.Time
		want string
	}{
		{"none", r, Health{}, gateT0.Add(time.Minute), "no error rate recorded yet"},
		{"none, probe failing", r, Health{ProbeFailingSince: gateT0.Add(30*time.Second + 250*ms)}, gateT0.Add(time.Minute), "no error rate recorded yet (probe failing since 10:40:30)"},
		{"previous stage", next, g.Health, gateT0.Add(16*time.Minute + 500*ms), "no reading during stage 2/4 · 25% yet (last one 1m ago)"},
		{"too old", r, Health{Has: true, At: gateT0}, gateT0.Add(6*time.Minute + 999*ms), "no reading for 6m (older than 5m)"},
		{"probe failing", r, Health{Has: true, At: gateT0, ProbeFailingSince: gateT0.Add(15*time.Second + 100*ms)}, gateT0.Add(6 * time.Minute), "no reading for 6m (probe failing since 10:40:15)"},
		{"fresh", r, Health{Has: true, At: gateT0.Add(time.Minute)}, gateT0.Add(6*time.Minute - ms), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := Gate{HealthMaxAge: DefaultHealthMaxAge, Health: c.h}.CheckHealth(c.r, c.at)
			if got := ch.Text(c.at, loc); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
			if ch.Fresh != (c.want == "") {
				t.Errorf("fresh = %v", ch.Fresh)
			}
		})
	}
}

// Every hold needs a reason; the refusal lists them worst first, and the
// record keeps what was overridden.
func TestPromoteNeedsReasonForEachHold(t *testing.T) {
	r := live5(t)
	fresh := Health{Has: true, At: gateT0.Add(14 * time.Minute)}
	hold := Gate{Incidents: []Incident{sev(1, SEV1, IncidentOpen)}, Health: fresh, HealthMaxAge: DefaultHealthMaxAge}
	at := gateT0.Add(15 * time.Minute)
	for _, c := range []struct {
		name string
		g    Gate
		at   time.Time
		want string
	}{
		{"hold", hold, at, "HOLD: INC-1 SEV1 open: give a reason to promote anyway (recorded)"},
		{"no reading", Gate{HealthMaxAge: DefaultHealthMaxAge}, at, "health unknown: no error rate recorded yet: give a reason to promote anyway (recorded)"},
		{"criteria", Gate{Criteria: []string{"error rate 9.5%"}, Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, at,
			"rollback criteria are met: give an override reason to promote anyway, or abort to roll back"},
		{"soak", Gate{Health: fresh, HealthMaxAge: DefaultHealthMaxAge}, gateT0.Add(14*time.Minute + 59*time.Second + 1),
			"stage 1/4 · 5% has 00:01 of its 15:00 soak left (ends 09:55:00 UTC): give a reason to promote early"},
		{"hold and soak", hold, gateT0.Add(14 * time.Minute), "HOLD: INC-1 SEV1 open; 01:00 of the 15:00 soak left: give a reason to promote anyway (recorded)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Promote(r, c.at, " ", c.g)
			if !errors.Is(err, ErrNeedsReason) || err.Error() != c.want {
				t.Fatalf("%v\nwant %s", err, c.want)
			}
			next, err := Promote(r, c.at, "INC-1 is upstream", c.g)
			if err != nil {
				t.Fatal(err)
			}
			rec := next.History[0]
			if rec.Override != "INC-1 is upstream" || len(rec.Overrode) == 0 {
				t.Errorf("record %+v", rec)
			}
		})
	}
	// Finish lists the open items too.
	last := r
	for i := 0; i < 3; i++ {
		last, _ = Promote(last, last.StageStartedAt.Add(15*time.Minute), "x", Gate{})
	}
	open := Gate{OpenPhase: PhaseExecution, OpenItems: []string{"Smoke tests passed in production", "No spike in error rates or alerts triggered",
		"Key business metrics stable (e.g., transaction volume, API response times)", "User-facing features validated manually"}}
	_, err := Finish(last, last.StageStartedAt.Add(16*time.Minute), "", open)
	if want := "4 Deployment Execution items open (Smoke tests passed in production, No spike in error rates or alerts triggered, " +
		"Key business metrics stable (e.g., transaction volume, API response times), …): give a reason to finish anyway (recorded)"; err == nil || err.Error() != want {
		t.Errorf("finish: %v", err)
	}
}

func TestGoLive(t *testing.T) {
	p, _ := StartPending(DefaultPlan(StrategyCanary), gateT0)
	st := p.Status(gateT0.Add(time.Hour), false)
	if st.Remaining != DefaultSoak || !st.EndsAt.IsZero() || st.State != RolloutNotLive {
		t.Fatalf("pending: %+v", st)
	}
	if _, err := Pause(p, gateT0); err == nil || !errors.Is(err, ErrNotLive) {
		t.Errorf("pause while not live: %v", err)
	}
	live, err := GoLive(p, gateT0.Add(7*time.Minute+250*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	st = live.Status(gateT0.Add(8*time.Minute), false)
	if st.State != RolloutSoaking || !st.EndsAt.Equal(gateT0.Add(22*time.Minute+250*time.Millisecond)) {
		t.Errorf("live: %+v", st)
	}
	if _, err := GoLive(live, gateT0.Add(9*time.Minute)); err == nil || !strings.Contains(err.Error(), "already live") {
		t.Errorf("second go live: %v", err)
	}
	// Promoting over "not live" with a reason makes it live then.
	next, err := Promote(p, gateT0.Add(time.Minute), "traffic was on before flightdeck", Gate{})
	if err != nil || !next.Live() || next.Stage != 1 {
		t.Errorf("promote over not live: %+v %v", next, err)
	}
}

func TestCheckItemFact(t *testing.T) {
	item := func(phase, text string) Item { return Item{Phase: phase, Text: text} }
	r := live5(t)
	watch := Deployment{StabilityAt: gateT0}
	rule := DefaultRollbackRule()
	for _, c := range []struct {
		name  string
		it    Item
		state ItemState
		r     Rollout
		freez string
		st    Stability
		want  string // "" allowed
	}{
		{"freeze item during a freeze", item(PhaseExecution, FreezeItemText), ItemDone, r, "INC-3 SEV1 open", Stability{}, "a change freeze is on (INC-3 SEV1 open)"},
		{"freeze item n/a during a freeze", item(PhaseExecution, FreezeItemText), ItemNA, r, "INC-3 SEV1 open", Stability{}, ""},
		{"freeze item, no freeze", item(PhaseExecution, FreezeItemText), ItemDone, r, "", Stability{}, ""},
		{"gradual before 100%", item(PhaseExecution, GradualItemText), ItemDone, r, "", Stability{}, "the rollout is at 1/4 · 5%: this item ticks itself"},
		{"monitor before the watch", item(PhaseRollback, MonitorItemText), ItemDone, r, "", Stability{}, "the stability watch has not started"},
		{"monitor 3s into the watch", item(PhaseRollback, MonitorItemText), ItemDone, r, "", watch.StabilityOf(gateT0.Add(3*time.Second+500*time.Millisecond), Health{}, rule),
			"the stability watch has 14:57 left (ends 09:55:00 UTC)"},
		{"monitor, watch over, no reading", item(PhaseRollback, MonitorItemText), ItemDone, r, "", watch.StabilityOf(gateT0.Add(15*time.Minute), Health{}, rule),
			"no healthy reading since the stability watch started"},
		{"monitor, watch over, reading before it", item(PhaseRollback, MonitorItemText), ItemDone, r, "",
			watch.StabilityOf(gateT0.Add(15*time.Minute), Health{Has: true, At: gateT0.Add(-time.Millisecond)}, rule), "no healthy reading"},
		{"monitor, watch over, bad reading", item(PhaseRollback, MonitorItemText), ItemDone, r, "",
			watch.StabilityOf(gateT0.Add(15*time.Minute), Health{Has: true, At: gateT0.Add(time.Minute), ErrorRate: 7.2, BaselineErrorRate: 1.1}, rule), "no healthy reading"},
		{"monitor, watch over, healthy", item(PhaseRollback, MonitorItemText), ItemDone, r, "",
			watch.StabilityOf(gateT0.Add(15*time.Minute), Health{Has: true, At: gateT0.Add(time.Minute), ErrorRate: 1.2, BaselineErrorRate: 1.1}, rule), ""},
		{"monitor n/a early", item(PhaseRollback, MonitorItemText), ItemNA, r, "", Stability{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckItemFact(c.it, c.state, c.r, c.freez, c.st)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("%v, want %q", err, c.want)
			}
		})
	}
}
