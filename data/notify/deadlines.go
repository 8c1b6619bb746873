package notify

// The moments the clock makes, not a person: an escalation step falls due,
// a stakeholder update falls due and then overdue, a stage's soak ends. The
// notifier writes each to the timeline once per database (data.RecordOnce,
// keyed by what and when), so the timeline keeps a trace of every deadline
// that passed and the senders report it in order with everything else.

import (
	"context"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// deadline is one clock-made moment to record.
type deadline struct {
	key string
	ev  model.Event
}

// Record keys. Their last field is the due time in unix milliseconds, so a
// step re-scheduled by a severity change is a new moment.
func escalationKey(inc model.Incident, step int, due time.Time) string {
	return fmt.Sprintf("%s:%d:%d:%d", model.NoticeEscalationDue, inc.ID, step, due.UnixMilli())
}

func updateKey(kind model.NoticeKind, inc model.Incident, due time.Time) string {
	return fmt.Sprintf("%s:%d:%d", kind, inc.ID, due.UnixMilli())
}

// deadlinesDue is the pure part: every clock-made moment that has passed at
// now, and when the next one will (zero: none scheduled).
func deadlinesDue(incs []model.Incident, pol model.EscalationPolicy, upd model.UpdatePolicy, now time.Time) ([]deadline, time.Time) {
	var out []deadline
	var next time.Time
	for _, inc := range incs {
		if !inc.Status.Active() {
			continue
		}
		for _, st := range pol.Ladder(inc, now) {
			switch st.State {
			case model.StepPending:
				next = earliest(next, model.ShownAt(st.Due))
				continue
			case model.StepDue, model.StepOverdue:
			default:
				continue
			}
			who := st.Step.Role
			if st.Step.Person != "" {
				who += " (" + st.Step.Person + ")"
			}
			out = append(out, deadline{key: escalationKey(inc, st.Step.Number, st.Due), ev: model.Event{
				At: model.ShownAt(st.Due), Kind: model.EventEscalationDue, IncidentID: inc.ID, Severity: inc.Severity,
				Text: model.TextEscalationDue(st.Step.Number, who, st.Due),
			}})
		}
		due, ok := upd.NextUpdateDue(inc)
		if !ok {
			continue
		}
		// The clock rule (model.Reached): due from the second it is shown as.
		if !model.Reached(now, due) {
			next = earliest(next, model.ShownAt(due))
			continue
		}
		out = append(out, deadline{key: updateKey(model.NoticeUpdateDue, inc, due), ev: model.Event{
			At: model.ShownAt(due), Kind: model.EventUpdateDue, IncidentID: inc.ID, Severity: inc.Severity, Text: model.TextUpdateDue(due),
		}})
		late := due.Add(model.UpdateOverdueGrace)
		if !model.Reached(now, late) {
			next = earliest(next, model.ShownAt(late))
			continue
		}
		out = append(out, deadline{key: updateKey(model.NoticeUpdateOverdue, inc, due), ev: model.Event{
			At: model.ShownAt(late), Kind: model.EventUpdateOverdue, IncidentID: inc.ID, Severity: inc.Severity,
			Text: model.TextUpdateOverdue(due, model.UpdateOverdueGrace),
		}})
	}
	return out, next
}

// recordDeadlines writes what is due and marks ended soaks ready (as every
// dashboard does, so a headless notifier records them too); it returns
// when the next deadline falls.
func (n *Notifier) recordDeadlines(ctx context.Context, snap snapshot, now time.Time) (time.Time, error) {
	dls, next := deadlinesDue(snap.incidents, n.Policy, n.Updates, now)
	for _, dl := range dls {
		if n.recorded[dl.key] {
			continue
		}
		if _, err := n.Store.RecordOnce(ctx, dl.key, dl.ev); err != nil {
			return next, err
		}
		n.recorded[dl.key] = true
	}
	for _, ds := range snap.deployments {
		if !ds.hasRollout || ds.r.Ended() || !ds.d.Status.Active() || ds.d.RollingBack() {
			continue
		}
		st := ds.r.Status(now, false)
		switch {
		case ds.r.Paused:
		case st.Remaining == 0:
			key := fmt.Sprintf("ready:%d:%d", ds.d.ID, st.Stage)
			if n.recorded[key] {
				continue
			}
			if _, err := n.Store.MarkReady(ctx, ds.d.ID, st.Stage, now); err != nil {
				return next, err
			}
			n.recorded[key] = true
		case !st.EndsAt.IsZero():
			next = earliest(next, st.EndsAt)
		}
	}
	return next, nil
}
