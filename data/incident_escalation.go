package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// AckStep records that the person behind escalation step `step` was
// reached (reached names them; empty: the step's configured person, if
// any). Step 0 means the step someone must act on first (the ladder's next
// deadline). Acknowledging after resolution is allowed, for the record.
func (s *Store) AckStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reached, actor string, at time.Time) error {
	reached, err := cleanLine("reached", reached, MaxNameLen, false)
	if err != nil {
		return err
	}
	p := s.policy()
	return errOnly(s.changeIncident(ctx, "acknowledge escalation", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		step := step // resolved per transaction, from the incident as read in it
		if step == 0 {
			next, ok := p.NextDeadline(inc, at)
			if !ok || (next.State != model.StepDue && next.State != model.StepOverdue) {
				return false, noStepDue(inc, p, at)
			}
			step = next.Step.Number
		}
		st, ok := p.Step(step)
		if !ok {
			return false, invalid(p.CheckAck(inc, step, at))
		}
		if a, ok := firstAck(inc, step); ok {
			return false, model.StaleAcked(inc, st, a)
		}
		if err := checkLadderSeen(ctx, tx, inc, seen); err != nil {
			return false, err
		}
		if err := p.CheckAck(inc, step, at); err != nil {
			return false, err
		}
		if reached == "" {
			reached = st.Person
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_acks (incident_id, step, at, actor, reached) VALUES (?, ?, ?, ?, ?)`,
			inc.ID, step, toMS(at), actor, reached); err != nil {
			return false, fmt.Errorf("record acknowledgement: %w", err)
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentAck, actor, at, model.TextAck(step, st.Role, reached)))
	}))
}

// EscalateNow makes step `step` due at once, with a reason for the
// timeline. Step 0 means the next step of the main path (NextEscalation).
func (s *Store) EscalateNow(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return errOnly(s.manualEscalation(ctx, id, seen, model.ManualEscalateNow, step, reason, actor, at))
}

// SkipToStep makes step `step` due at once and passes over every earlier
// unacknowledged step of the main path, with a reason for the timeline.
func (s *Store) SkipToStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	if step == 0 {
		return invalidf("name the step to skip to")
	}
	return errOnly(s.manualEscalation(ctx, id, seen, model.ManualSkipTo, step, reason, actor, at))
}

func (s *Store) manualEscalation(ctx context.Context, id int64, seen model.IncidentSeen, kind model.ManualKind, step int, reason, actor string, at time.Time) (model.Incident, error) {
	// The reason is input, checked before anything else; the rest of
	// CheckManual is about the incident's state.
	if strings.TrimSpace(reason) == "" {
		return model.Incident{}, invalidf("the reason is empty: say why, it goes in the timeline")
	}
	if _, err := cleanLine("reason", reason, model.MaxReason, true); err != nil {
		return model.Incident{}, err
	}
	p := s.policy()
	return s.changeIncident(ctx, string(kind), id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if err := checkLadderSeen(ctx, tx, inc, seen); err != nil {
			return false, err
		}
		step := step // resolved per transaction, from the incident as read in it
		if step == 0 {
			next, ok := p.NextEscalation(inc, at)
			if !ok {
				return false, fmt.Errorf("%s has no further escalation step: every step is already reached", inc.Ref())
			}
			step = next.Number
		}
		st, ok := p.Step(step)
		if !ok { // CheckAck names the steps that exist, whatever the state
			return false, invalid(p.CheckAck(inc, step, at))
		}
		why, err := p.CheckManual(inc, kind, step, reason, at)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_escalations (incident_id, kind, step, at, actor, reason)
			VALUES (?, ?, ?, ?, ?, ?)`, inc.ID, string(kind), step, toMS(at), actor, why); err != nil {
			return false, fmt.Errorf("record escalation: %w", err)
		}
		text := model.TextEscalatedNow(step, st.Role, why)
		if kind == model.ManualSkipTo {
			after := inc
			after.Escalations = append(append([]model.ManualEscalation(nil), inc.Escalations...),
				model.ManualEscalation{Kind: kind, Step: step, At: at, By: actor, Reason: why})
			text = model.TextSkippedTo(step, st.Role, model.SkippedNote(p, inc, after, at), why)
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, eventKindFor(kind), actor, at, text))
	})
}

func eventKindFor(kind model.ManualKind) model.EventKind {
	if kind == model.ManualSkipTo {
		return model.EventIncidentSkip
	}
	return model.EventIncidentEscalate
}

// firstAck is the earliest acknowledgement of step, if any.
func firstAck(inc model.Incident, step int) (model.Ack, bool) {
	var first model.Ack
	found := false
	for _, a := range inc.Acks {
		if a.Step == step && (!found || a.At.Before(first.At)) {
			first, found = a, true
		}
	}
	return first, found
}

// noStepDue explains an ack without a step when no step is due now: with
// the latest acknowledgement, so a repeated command says it was done rather
// than acknowledging the next step (which nobody has paged yet).
func noStepDue(inc model.Incident, p model.EscalationPolicy, at time.Time) error {
	var last model.Ack
	for _, a := range inc.Acks {
		if !a.At.After(at) && (last.Step == 0 || !a.At.Before(last.At)) {
			last = a
		}
	}
	if last.Step != 0 {
		st, _ := p.Step(last.Step)
		if st.Number == 0 {
			st = model.EscalationStep{Number: last.Step, Role: "step " + fmt.Sprint(last.Step)}
		}
		return model.Stale("%s; no other step is due now: name one to acknowledge it", model.StaleAcked(inc, st, last).Error())
	}
	return fmt.Errorf("%s has no escalation step due now: name the step to acknowledge", inc.Ref())
}
