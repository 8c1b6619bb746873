package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

// TestHistoryRecordsFreezeAndHolds replays the generated timeline and checks
// that its freeze and hold events are the ones the store would have
// written: the freeze turns on and off in turn, every freeze override falls
// while it is on, each follows the event of the incident change that
// caused it (same incident, same instant, same actor), and a rollout is held
// only while it runs and released only while it still runs.
func TestHistoryRecordsFreezeAndHolds(t *testing.T) {
	s, _ := generate(t, Options{Seed: 7, Now: demoNow, Deployments: 900, Incidents: 360, Events: 30000})
	rows, err := rawDB(t, s).QueryContext(context.Background(), `SELECT id, at, kind, coalesce(deployment_id, 0),
		coalesce(incident_id, 0), coalesce(severity, 0), actor, text FROM events ORDER BY at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type ev struct {
		id, at      int64
		kind        model.EventKind
		dep, inc    int64
		sev         model.Severity
		actor, text string
	}
	var (
		frozen  bool
		last    = map[int64]ev{}   // each incident's latest own event (incident.*)
		held    = map[int64]bool{} // deployments held now
		ended   = map[int64]bool{} // deployments whose rollout ended
		running = map[int64]bool{}
		counts  = map[model.EventKind]int{}
	)
	cause := func(e ev) {
		t.Helper()
		c, ok := last[e.inc]
		if !ok || c.at != e.at || c.actor != e.actor || c.id > e.id {
			t.Errorf("event %d %s of INC-%d at %d by %s does not follow a change of INC-%d at that instant: %+v", e.id, e.kind, e.inc, e.at, e.actor, e.inc, c)
		}
		if e.sev != c.sev {
			t.Errorf("event %d %s carries %s, the change it follows %s", e.id, e.kind, e.sev, c.sev)
		}
	}
	for rows.Next() {
		var e ev
		var sev int
		if err := rows.Scan(&e.id, &e.at, &e.kind, &e.dep, &e.inc, &sev, &e.actor, &e.text); err != nil {
			t.Fatal(err)
		}
		e.sev = model.Severity(sev)
		counts[e.kind]++
		switch e.kind {
		case model.EventFreezeOn, model.EventFreezeOff:
			on := e.kind == model.EventFreezeOn
			if frozen == on {
				t.Errorf("event %d: %s while frozen=%v", e.id, e.kind, frozen)
			}
			frozen = on
			cause(e)
			if on && !strings.HasPrefix(e.text, "change freeze ON: INC-") || !on && !strings.HasPrefix(e.text, "change freeze OFF: INC-") {
				t.Errorf("event %d: %q", e.id, e.text)
			}
		case model.EventFreezeOverride:
			if !frozen {
				t.Errorf("event %d: freeze override while not frozen: %q", e.id, e.text)
			}
		case model.EventRolloutStart:
			running[e.dep] = true
		case model.EventRolloutAbort, model.EventRolloutFinish:
			ended[e.dep], running[e.dep] = true, false
			delete(held, e.dep) // an ended rollout needs no release
		case model.EventRolloutHeld, model.EventRolloutReleased:
			h := e.kind == model.EventRolloutHeld
			if held[e.dep] == h || !running[e.dep] || ended[e.dep] {
				t.Errorf("event %d: %s on #%d (held %v, running %v, ended %v)", e.id, e.kind, e.dep, held[e.dep], running[e.dep], ended[e.dep])
			}
			held[e.dep] = h
			cause(e)
		default:
			if strings.HasPrefix(string(e.kind), "incident.") && e.inc != 0 {
				last[e.inc] = e
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The live scenario's SEV2 on the running canary freezes and holds.
	if !frozen || len(held) != 1 {
		t.Errorf("at the end: frozen %v, held %v; want the live SEV2 freezing and holding its canary", frozen, held)
	}
	for _, k := range []model.EventKind{model.EventFreezeOn, model.EventFreezeOff, model.EventRolloutHeld, model.EventFreezeOverride} {
		if counts[k] == 0 {
			t.Errorf("no %s events in the history: %v", k, counts)
		}
	}
	t.Logf("freeze on %d, off %d, held %d, released %d, overrides %d", counts[model.EventFreezeOn], counts[model.EventFreezeOff],
		counts[model.EventRolloutHeld], counts[model.EventRolloutReleased], counts[model.EventFreezeOverride])
}
