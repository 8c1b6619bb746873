package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// changeIncident runs one incident change in one write transaction: it reads
// INC-id, lets fn write the change and its timeline event, records what the
// change did to the freeze and the rollout holds after that event
// (recordHolds), and returns the incident as committed. fn reports
// changed=false when the incident is already as asked (a retried command, a
// double keypress): then nothing is written, not even an event, as for
// checklist items.
func (s *Store) changeIncident(ctx context.Context, what string, id int64, actor string, at time.Time,
	fn func(tx *sql.Tx, inc model.Incident, actor string) (changed bool, err error)) (model.Incident, error) {
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Incident{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Incident{}, err
	}
	var out model.Incident
	err = s.write(ctx, what, func(tx *sql.Tx) error {
		inc, err := getIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		before, err := holdsBefore(ctx, tx, inc)
		if err != nil {
			return err
		}
		changed, err := fn(tx, inc, actor)
		if err != nil || !changed {
			out = inc
			return err
		}
		if out, err = getIncident(ctx, tx, id); err != nil {
			return err
		}
		return recordHolds(ctx, tx, before, inc, out, actor, at)
	})
	if err != nil {
		return model.Incident{}, err
	}
	return out, nil
}

// updateIncident writes the incident row's mutable columns from inc.
func updateIncident(ctx context.Context, tx *sql.Tx, inc model.Incident) error {
	_, err := tx.ExecContext(ctx, `UPDATE incidents SET severity = ?, status = ?, security = ?, security_at = ?,
		commander = ?, scribe = ?, comms = ?, mitigated_at = ?, resolved_at = ?, root_cause = ?, last_update_at = ?
		WHERE id = ?`,
		int(inc.Severity), string(inc.Status), inc.Security, nullMS(inc.SecurityAt), inc.Commander, inc.Scribe, inc.Comms,
		nullMS(inc.MitigatedAt), nullMS(inc.ResolvedAt), inc.RootCause, nullMS(inc.LastUpdateAt), inc.ID)
	if err != nil {
		return fmt.Errorf("update %s: %w", inc.Ref(), err)
	}
	return nil
}

// AddIncidentNote appends a note to the incident's timeline. at may be
// backdated ("the alert fired at 14:02"): the event carries that time, so
// every timeline ordered by time shows it where it happened; its text
// records when it was really entered, so the log stays honest evidence; and
// its severity badge is the incident's severity at that time. A note dated
// before the incident opened is refused unless force (model CheckNoteTime).
func (s *Store) AddIncidentNote(ctx context.Context, id int64, text, actor string, at time.Time, force bool) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return invalidf("the note is empty: write what happened")
	}
	if err := checkText("note", text, MaxNoteLen); err != nil {
		return err
	}
	entered := s.now().Round(0).UTC()
	_, err := s.changeIncident(ctx, "add note", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if err := inc.CheckNoteTime(at, force); err != nil {
			return false, invalid(err)
		}
		e := incidentEvent(inc, model.EventIncidentNote, actor, at, model.TextIncidentNote(text, at, entered))
		e.Severity = inc.SeverityAt(at)
		return true, appendEvent(ctx, tx, e)
	})
	return err
}

// SetIncidentSeverity raises or lowers the severity, recording the change in
// the severity history the escalation clocks are computed from.
func (s *Store) SetIncidentSeverity(ctx context.Context, id int64, seen model.IncidentSeen, sev model.Severity, actor string, at time.Time) error {
	if err := model.ValidateSeverity(sev); err != nil {
		return invalid(err)
	}
	return errOnly(s.changeIncident(ctx, "change severity", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if err := checkSeveritySeen(ctx, tx, inc, seen); err != nil {
			return false, err
		}
		if inc.Severity == sev {
			return false, nil
		}
		next, err := inc.SetSeverity(sev, actor, at)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_severity_changes (incident_id, at, from_sev, to_sev, actor)
			VALUES (?, ?, ?, ?, ?)`, inc.ID, toMS(at), int(inc.Severity), int(sev), actor); err != nil {
			return false, fmt.Errorf("record severity change: %w", err)
		}
		if err := updateIncident(ctx, tx, next); err != nil {
			return false, err
		}
		text := model.TextSeverityChanged(inc.Severity, sev, model.DueNote(s.policy(), inc, next, at))
		return true, appendEvent(ctx, tx, incidentEvent(next, model.EventIncidentSeverity, actor, at, text))
	}))
}

// MitigateIncident marks the impact stopped. The escalation clocks keep
// running until resolved (the seed's rule is "not resolved").
func (s *Store) MitigateIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return errOnly(s.transition(ctx, id, seen, model.IncidentMitigated, "", "", actor, at))
}

// ResolveIncident resolves the incident, which is final; a non-empty
// rootCause is recorded with it.
func (s *Store) ResolveIncident(ctx context.Context, id int64, seen model.IncidentSeen, rootCause, actor string, at time.Time) error {
	rootCause, err := cleanText("root cause", rootCause, MaxRootCauseLen)
	if err != nil {
		return err
	}
	return errOnly(s.transition(ctx, id, seen, model.IncidentResolved, rootCause, "", actor, at))
}

// ReopenIncident moves a mitigated incident back to open when the
// mitigation did not hold; reason is optional.
func (s *Store) ReopenIncident(ctx context.Context, id int64, seen model.IncidentSeen, reason, actor string, at time.Time) error {
	reason, err := cleanLine("reason", reason, model.MaxReason, false)
	if err != nil {
		return err
	}
	return errOnly(s.transition(ctx, id, seen, model.IncidentOpen, "", reason, actor, at))
}

func (s *Store) transition(ctx context.Context, id int64, seen model.IncidentSeen, to model.IncidentStatus, rootCause, reason, actor string, at time.Time) (model.Incident, error) {
	kind := map[model.IncidentStatus]model.EventKind{
		model.IncidentMitigated: model.EventIncidentMitigated,
		model.IncidentResolved:  model.EventIncidentResolved,
		model.IncidentOpen:      model.EventIncidentReopened,
	}[to]
	return s.changeIncident(ctx, "mark incident "+string(to), id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		lost := ""
		switch {
		case rootCause != "":
			lost = "your root cause"
		case reason != "":
			lost = "your reason"
		}
		if err := checkStatusSeen(ctx, tx, inc, seen, to, lost); err != nil {
			return false, err
		}
		if inc.Status == to {
			return false, nil
		}
		next, err := inc.Transition(to, at)
		if err != nil {
			if at.Before(inc.OpenedAt) || (to == model.IncidentResolved && at.Before(inc.MitigatedAt)) {
				return false, invalid(err) // a time before the state it changes: bad input, as for deployments
			}
			return false, err
		}
		var text string
		switch to {
		case model.IncidentOpen:
			text = model.TextReopened(reason)
		case model.IncidentMitigated:
			text = model.TextMitigated()
		case model.IncidentResolved:
			if rootCause != "" {
				next.RootCause = rootCause
			}
			text = model.TextResolved(rootCause)
		}
		if err := updateIncident(ctx, tx, next); err != nil {
			return false, err
		}
		return true, appendEvent(ctx, tx, incidentEvent(next, kind, actor, at, text))
	})
}

// Incident roles SetCommander accepts.
const (
	RoleCommander = "commander"
	RoleScribe    = "scribe"
	RoleComms     = "comms"
)

// SetCommander names who holds an incident role — commander (the default
// for ""), scribe or comms; an empty person clears it. A hand-off is just
// naming someone new: the event says who held it before.
func (s *Store) SetCommander(ctx context.Context, id int64, seen model.IncidentSeen, role, person, actor string, at time.Time) error {
	role = strings.ToLower(strings.TrimSpace(role))
	if role == "" {
		role = RoleCommander
	}
	if role != RoleCommander && role != RoleScribe && role != RoleComms {
		return invalidf("unknown incident role %q: use commander, scribe or comms", role)
	}
	person, err := cleanLine(role, person, MaxNameLen, false)
	if err != nil {
		return err
	}
	return errOnly(s.changeIncident(ctx, "name "+role, id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		field := map[string]*string{RoleCommander: &inc.Commander, RoleScribe: &inc.Scribe, RoleComms: &inc.Comms}[role]
		was := *field
		if err := checkRoleSeen(ctx, tx, inc, seen, role, was); err != nil {
			return false, err
		}
		if was == person {
			return false, nil
		}
		*field = person
		if err := updateIncident(ctx, tx, inc); err != nil {
			return false, err
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentCommander, actor, at, model.TextRole(role, was, person)))
	}))
}

// PostUpdate records a stakeholder update (Conditions / Actions / Needs),
// writes it to the timeline and restarts the "next update due" clock.
func (s *Store) PostUpdate(ctx context.Context, id int64, seen model.IncidentSeen, u model.StakeholderUpdate, actor string, at time.Time) error {
	u, err := u.Normalize()
	if err != nil {
		return invalid(err)
	}
	return errOnly(s.changeIncident(ctx, "post update", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if err := checkUpdateSeen(ctx, tx, inc, seen); err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_updates (incident_id, at, actor, conditions, actions, needs)
			VALUES (?, ?, ?, ?, ?, ?)`, inc.ID, toMS(at), actor, u.Conditions, u.Actions, u.Needs); err != nil {
			return false, fmt.Errorf("record update: %w", err)
		}
		if inc.LastUpdateAt.Before(at) { // a late-recorded older update does not move the clock back
			inc.LastUpdateAt = at
		}
		if err := updateIncident(ctx, tx, inc); err != nil {
			return false, err
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentUpdate, actor, at, model.TextStakeholderUpdate(u)))
	}))
}

// SetSecurity sets or clears the security flag; setting it makes the
// Security Lead step due at once.
func (s *Store) SetSecurity(ctx context.Context, id int64, on bool, actor string, at time.Time) error {
	return errOnly(s.changeIncident(ctx, "flag security", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if inc.Security == on {
			return false, nil
		}
		next, err := inc.SetSecurity(on, at)
		if err != nil {
			return false, err
		}
		if err := updateIncident(ctx, tx, next); err != nil {
			return false, err
		}
		due := ""
		if on {
			due = model.DueNote(s.policy(), inc, next, at)
		}
		return true, appendEvent(ctx, tx, incidentEvent(next, model.EventIncidentSecurity, actor, at, model.TextSecurity(on, due)))
	}))
}

// AddActionItem appends a follow-up action to the incident (numbered from
// 1) with no owner, due day or kind (AddActionItemWith sets them).
func (s *Store) AddActionItem(ctx context.Context, id int64, text, actor string, at time.Time) error {
	_, err := s.AddActionItemWith(ctx, id, model.ActionItem{Text: text}, actor, at)
	return err
}

// SetRootCause records (or, empty, clears) the root cause. It may span
// lines (a cause and its contributing factors); line breaks are kept.
func (s *Store) SetRootCause(ctx context.Context, id int64, text, actor string, at time.Time) error {
	text, err := cleanText("root cause", text, MaxRootCauseLen)
	if err != nil {
		return err
	}
	return errOnly(s.changeIncident(ctx, "set root cause", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if inc.RootCause == text {
			return false, nil
		}
		inc.RootCause = text
		if err := updateIncident(ctx, tx, inc); err != nil {
			return false, err
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentRootCause, actor, at, model.TextRootCause(text)))
	}))
}

// errOnly drops the incident: writes report success or failure only, and
// callers that show the result read it back (the dashboard reloads anyway).
func errOnly(_ model.Incident, err error) error { return err }
