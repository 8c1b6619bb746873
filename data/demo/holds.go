package demo

import (
	"cmp"
	"slices"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// holdMoment is an incident change that can start or end the change freeze
// or a rollout hold: its opening, a severity change, a mitigation (which
// ends neither, but shows in the reasons) and its resolution. The incident
// builder notes each one with the time and actor of the event it wrote.
type holdMoment struct {
	at     time.Time
	actor  string
	inc    *gIncident
	sev    model.Severity
	status model.IncidentStatus
}

// noteHold records that inc is now sev and status, as of its event at at.
func (b *builder) noteHold(at time.Time, actor string, inc *gIncident, sev model.Severity, status model.IncidentStatus) {
	b.moments = append(b.moments, holdMoment{at: at, actor: actor, inc: inc, sev: sev, status: status})
}

// deployment is #id of the plan (ids follow the plan's order), or nil.
func (g *gen) deployment(id int64) *gDeploy {
	if id <= 0 || id > int64(len(g.deps)) {
		return nil
	}
	return g.deps[id-1]
}

// rolloutRunning is whether d's rollout had started and not yet ended
// (aborted, or finished) at t: only then can an incident hold it.
func rolloutRunning(d *gDeploy, t time.Time) bool {
	if d == nil || d.execAt <= 0 {
		return false
	}
	end := d.finished()
	if d.abortAt > 0 {
		end = d.at(d.abortAt)
	}
	return !t.Before(d.at(d.execAt)) && t.Before(end)
}

// holdEvents writes the freeze.on/off and rollout.held/released events the
// store would have written in the transactions of those changes (see
// data's recordHolds): it replays every moment in time order, keeping each
// incident's severity and status, and compares the freeze and the holds
// before and after each one. It runs after the incidents are built, so its
// events come after the change's own event at the same instant once the
// timeline is sorted. It draws no random numbers: the same plan gives the
// same events.
func (b *builder) holdEvents() {
	ms := slices.Clone(b.moments)
	slices.SortStableFunc(ms, func(x, y holdMoment) int { return x.at.Compare(y.at) })
	state := map[*gIncident]model.Incident{} // the incidents not resolved, as they stand
	snapshot := func(t time.Time) (majors []model.Incident, held map[int64][]model.Incident) {
		held = map[int64][]model.Incident{}
		for _, in := range state {
			if !in.Severity.Major() || !in.Status.Active() {
				continue
			}
			majors = append(majors, in)
		}
		slices.SortFunc(majors, func(a, c model.Incident) int {
			return cmp.Or(cmp.Compare(a.Severity, c.Severity), cmp.Compare(a.ID, c.ID))
		})
		for _, in := range majors {
			if d := b.g.deployment(in.DeploymentID); rolloutRunning(d, t) {
				held[in.DeploymentID] = append(held[in.DeploymentID], in)
			}
		}
		return majors, held
	}
	for _, m := range ms {
		was := state[m.inc] // zero before it opened
		now := model.Incident{ID: m.inc.id, Severity: m.sev, Status: m.status}
		if m.inc.dep != nil {
			now.DeploymentID = m.inc.dep.id
		}
		majorsBefore, heldBefore := snapshot(m.at)
		state[m.inc] = now
		majorsAfter, heldAfter := snapshot(m.at)
		if m.status == model.IncidentResolved {
			delete(state, m.inc)
		}
		ev := func(kind model.EventKind, dep int64, text string) {
			b.bulk.Events = append(b.bulk.Events, model.Event{At: m.at, Actor: m.actor, Kind: kind, DeploymentID: dep,
				IncidentID: now.ID, Severity: now.Severity, Text: text})
		}
		before, _ := model.Freeze(majorsBefore)
		switch after, reason := model.Freeze(majorsAfter); {
		case after && !before:
			ev(model.EventFreezeOn, 0, model.TextFreezeOn(reason))
		case !after && before:
			ev(model.EventFreezeOff, 0, model.TextFreezeOff(model.TextHoldEnded(was, now)))
		}
		// One incident changes at a time, so at most its one deployment flips.
		dep := now.DeploymentID
		d := b.g.deployment(dep)
		if d == nil {
			continue
		}
		_, hb := heldBefore[dep]
		_, ha := heldAfter[dep]
		switch {
		case hb && !ha:
			ev(model.EventRolloutReleased, dep, model.TextRolloutReleased(dep, demoTitle(d), model.TextHoldEnded(was, now)))
		case ha && !hb:
			ev(model.EventRolloutHeld, dep, model.TextRolloutHeld(dep, demoTitle(d), model.Gate{Incidents: heldAfter[dep]}.HoldText()))
		}
	}
}
