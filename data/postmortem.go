package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// MaxPostmortemLen is the longest postmortem text (a summary, a lesson),
// in characters; multi-line text is kept.
const MaxPostmortemLen = 8000

// SetPostmortem changes the incident's postmortem fields and status in one
// transaction with one timeline event naming what changed. A status change
// follows model.PostmortemStatus.CheckNext (draft → in-review → published,
// back to draft with e.Reason). An edit that changes nothing writes nothing.
func (s *Store) SetPostmortem(ctx context.Context, id int64, e model.PostmortemEdit, actor string, at time.Time) (model.Incident, error) {
	if e.Empty() {
		return model.Incident{}, invalidf("nothing to change: give a field, e.g. --summary TEXT or --status in-review")
	}
	var err error
	clean := func(field string, p **string, limit int, multiline bool) {
		if *p == nil || err != nil {
			return
		}
		v := strings.TrimSpace(strings.ReplaceAll(**p, "\r\n", "\n"))
		if multiline {
			if cerr := model.CheckText(field, v); cerr != nil {
				err = invalid(cerr)
				return
			}
		} else if cerr := model.CheckLine(field, v); cerr != nil {
			err = invalid(cerr)
			return
		}
		if err = checkText(field, v, limit); err == nil {
			*p = &v
		}
	}
	for _, f := range model.PostmortemFields {
		var p *string
		switch f.Name {
		case "summary":
			p = e.Summary
		case "impact":
			p = e.Impact
		case "detection":
			p = e.Detection
		case "contributing":
			p = e.Contributing
		case "lessons-well":
			p = e.WentWell
		case "lessons-wrong":
			p = e.WentWrong
		case "lessons-lucky":
			p = e.Lucky
		case "owner":
			p = e.Owner
		}
		if f.Name == "owner" {
			clean(f.Name, &p, 200, false)
		} else {
			clean(f.Name, &p, MaxPostmortemLen, true)
		}
		if p != nil {
			f.Set(&e, *p)
		}
	}
	if err != nil {
		return model.Incident{}, err
	}
	e.Reason = strings.TrimSpace(e.Reason)
	if e.Reason != "" {
		if err := model.CheckLine("reason", e.Reason); err != nil {
			return model.Incident{}, invalid(err)
		}
	}
	return s.changeIncident(ctx, "edit postmortem", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		next, changed, err := inc.Postmortem.Apply(e, actor, at)
		if err != nil {
			return false, invalid(err)
		}
		if len(changed) == 0 {
			return false, nil
		}
		p := next
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_postmortems (incident_id, summary, impact, detection, detected_at,
			contributing, went_well, went_wrong, lucky, owner, status, status_at, status_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (incident_id) DO UPDATE SET summary = excluded.summary, impact = excluded.impact,
			detection = excluded.detection, detected_at = excluded.detected_at, contributing = excluded.contributing,
			went_well = excluded.went_well, went_wrong = excluded.went_wrong, lucky = excluded.lucky,
			owner = excluded.owner, status = excluded.status, status_at = excluded.status_at, status_by = excluded.status_by`,
			inc.ID, p.Summary, p.Impact, p.Detection, nullMS(p.DetectedAt), p.Contributing, p.WentWell, p.WentWrong, p.Lucky,
			p.Owner, string(p.State()), nullMS(p.StatusAt), p.StatusBy); err != nil {
			return false, fmt.Errorf("record postmortem: %w", err)
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentPostmortem, actor, at,
			model.TextPostmortem(inc.Postmortem, next, changed, e.Reason)))
	})
}

// AddActionItemWith appends a follow-up action with its owner, due day and
// kind (each may be empty), numbered from 1.
func (s *Store) AddActionItemWith(ctx context.Context, id int64, a model.ActionItem, actor string, at time.Time) (model.ActionItem, error) {
	text, err := cleanLine("action item", a.Text, MaxTextLen, true)
	if err != nil {
		return model.ActionItem{}, err
	}
	owner, err := cleanLine("owner", a.Owner, 200, false)
	if err != nil {
		return model.ActionItem{}, err
	}
	if _, err := model.ParseActionKind(string(a.Kind)); err != nil {
		return model.ActionItem{}, invalid(err)
	}
	item := model.ActionItem{Text: text, Owner: owner, Kind: a.Kind, Due: dueDay(a.Due)}
	_, err = s.changeIncident(ctx, "add action item", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		item.Position = len(inc.ActionItems) + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_action_items (incident_id, position, text, owner, due, kind)
			VALUES (?, ?, ?, ?, ?, ?)`, inc.ID, item.Position, item.Text, item.Owner, nullMS(item.Due), string(item.Kind)); err != nil {
			return false, fmt.Errorf("record action item: %w", err)
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentActionItem, actor, at, model.TextActionItemAdded(item)))
	})
	return item, err
}

// EditActionItem changes action item pos (from 1): owner, due day, kind,
// done. done=true stamps when and by whom; done=false clears that.
func (s *Store) EditActionItem(ctx context.Context, id int64, pos int, e model.ActionItemEdit, actor string, at time.Time) (model.ActionItem, error) {
	if e.Owner != nil {
		o, err := cleanLine("owner", *e.Owner, 200, false)
		if err != nil {
			return model.ActionItem{}, err
		}
		e.Owner = &o
	}
	if e.Kind != nil {
		if _, err := model.ParseActionKind(string(*e.Kind)); err != nil {
			return model.ActionItem{}, invalid(err)
		}
	}
	var after model.ActionItem
	_, err := s.changeIncident(ctx, "edit action item", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if pos < 1 || pos > len(inc.ActionItems) {
			if len(inc.ActionItems) == 0 {
				return false, invalidf("%s has no action items: add one with flightdeck incident action %s \"TEXT\"", inc.Ref(), inc.Ref())
			}
			return false, invalidf("%s has action items 1 to %d, not %d (see flightdeck incident report %s)", inc.Ref(), len(inc.ActionItems), pos, inc.Ref())
		}
		before := inc.ActionItems[pos-1]
		after = before
		if e.Owner != nil {
			after.Owner = *e.Owner
		}
		if e.Due != nil {
			after.Due = dueDay(*e.Due)
		}
		if e.Kind != nil {
			after.Kind = *e.Kind
		}
		if e.Done != nil && *e.Done != before.Done {
			after.Done = *e.Done
			after.DoneAt, after.DoneBy = time.Time{}, ""
			if after.Done {
				after.DoneAt, after.DoneBy = at, actor
			}
		}
		if after == before {
			return false, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_action_items SET owner = ?, due = ?, kind = ?, done = ?, done_at = ?, done_by = ?
			WHERE incident_id = ? AND position = ?`, after.Owner, nullMS(after.Due), string(after.Kind), after.Done,
			nullMS(after.DoneAt), after.DoneBy, inc.ID, pos); err != nil {
			return false, fmt.Errorf("record action item: %w", err)
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventIncidentActionItemEdited, actor, at, model.TextActionItemEdited(before, after)))
	})
	if err != nil {
		return model.ActionItem{}, err
	}
	return after, nil
}

// dueDay is a due date as stored: its day, midnight UTC.
func dueDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func scanActionItem(r *sql.Rows, inc *model.Incident) error {
	var a model.ActionItem
	var due, doneAt sql.NullInt64
	var kind string
	if err := r.Scan(&inc.ID, &a.Position, &a.Text, &a.Done, &a.Owner, &due, &kind, &doneAt, &a.DoneBy); err != nil {
		return err
	}
	a.Due, a.DoneAt, a.Kind = fromMS(due), fromMS(doneAt), model.ActionKind(kind)
	inc.ActionItems = append(inc.ActionItems, a)
	return nil
}

func scanPostmortem(r *sql.Rows, inc *model.Incident) error {
	var p model.Postmortem
	var detected, statusAt sql.NullInt64
	var status string
	if err := r.Scan(&inc.ID, &p.Summary, &p.Impact, &p.Detection, &detected, &p.Contributing, &p.WentWell, &p.WentWrong,
		&p.Lucky, &p.Owner, &status, &statusAt, &p.StatusBy); err != nil {
		return err
	}
	p.DetectedAt, p.StatusAt, p.Status = fromMS(detected), fromMS(statusAt), model.PostmortemStatus(status)
	inc.Postmortem = p
	return nil
}

const postmortemSelect = `SELECT incident_id, summary, impact, detection, detected_at, contributing, went_well, went_wrong,
	lucky, owner, status, status_at, status_by FROM incident_postmortems`
