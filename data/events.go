package data

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/octoacme/flightdeck/model"
)

// EventFilter selects timeline events.
type EventFilter struct {
	DeploymentID int64 // 0: every deployment (and events about none)
	Limit        int   // 0: DefaultEventLimit
}

// DefaultEventLimit is how many events Events returns when no limit is set.
const DefaultEventLimit = 500

// appendEvent is called inside every write transaction: the change and its
// timeline entry commit together or not at all.
//
// When ctx says the action was entered later than e.At (WithEntered), the
// text says so.
func appendEvent(ctx context.Context, tx *sql.Tx, e model.Event) error {
	e.Text = model.TextBackdated(e.Text, e.At, enteredAt(ctx))
	var sev any // deployment events have no severity
	if e.Severity.Valid() {
		sev = int(e.Severity)
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO events (at, actor, kind, deployment_id, item_id, incident_id, severity, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		toMS(e.At), e.Actor, string(e.Kind), nullID(e.DeploymentID), nullID(e.ItemID), nullID(e.IncidentID), sev, e.Text)
	if err != nil {
		return fmt.Errorf("append %s event: %w", e.Kind, err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Events returns the last f.Limit events, oldest first.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]model.Event, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	where, args := "", []any{}
	if f.DeploymentID != 0 {
		where, args = "WHERE deployment_id = ?", append(args, f.DeploymentID)
	}
	args = append(args, limit)
	q := `SELECT ` + eventCols + ` FROM (
		SELECT * FROM events ` + where + ` ORDER BY at DESC, id DESC LIMIT ?
	) e ORDER BY e.at, e.id`
	return s.queryEvents(ctx, q, args...)
}

// queryEvents runs a query of eventCols and reads every event it returns.
func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]model.Event, error) {
	out, err := queryEventsOn(ctx, s.db, q, args...)
	if err != nil {
		return nil, s.fail("read timeline", err)
	}
	return out, nil
}

// queryEventsOn runs a query of eventCols with q and reads every event.
func queryEventsOn(ctx context.Context, q queryer, query string, args ...any) ([]model.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// eventCols are scanEvent's columns of events aliased e; starred comes from
// event_stars, which keeps the events table append-only in every column.
const eventCols = `e.id, e.at, e.actor, e.kind, e.deployment_id, e.item_id, e.incident_id, e.severity,
	EXISTS (SELECT 1 FROM event_stars s WHERE s.event_id = e.id), e.text`

func scanEvent(r interface{ Scan(...any) error }) (model.Event, error) {
	var e model.Event
	var at int64
	var kind string
	var dep, item, inc, sev sql.NullInt64
	if err := r.Scan(&e.ID, &at, &e.Actor, &kind, &dep, &item, &inc, &sev, &e.Starred, &e.Text); err != nil {
		return e, err
	}
	e.IncidentID = inc.Int64
	e.Severity = model.Severity(sev.Int64)
	e.At = fromMS(sql.NullInt64{Int64: at, Valid: true})
	e.Kind = model.EventKind(kind)
	e.DeploymentID = dep.Int64
	e.ItemID = item.Int64
	return e, nil
}
