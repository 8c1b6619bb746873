package data

import (
	"context"
	"database/sql"
	"fmt"

	"flightdeck/model"
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
func appendEvent(ctx context.Context, tx *sql.Tx, e model.Event) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO events (at, actor, kind, deployment_id, item_id, text) VALUES (?, ?, ?, ?, ?, ?)`,
		toMS(e.At), e.Actor, string(e.Kind), nullID(e.DeploymentID), nullID(e.ItemID), e.Text)
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
	q := `SELECT id, at, actor, kind, deployment_id, item_id, text FROM (
		SELECT * FROM events ` + where + ` ORDER BY at DESC, id DESC LIMIT ?
	) ORDER BY at, id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail("read timeline", err)
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, s.fail("read timeline", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read timeline", err)
	}
	return out, nil
}

func scanEvent(r interface{ Scan(...any) error }) (model.Event, error) {
	var e model.Event
	var at int64
	var kind string
	var dep, item sql.NullInt64
	if err := r.Scan(&e.ID, &at, &e.Actor, &kind, &dep, &item, &e.Text); err != nil {
		return e, err
	}
	e.At = fromMS(sql.NullInt64{Int64: at, Valid: true})
	e.Kind = model.EventKind(kind)
	e.DeploymentID = dep.Int64
	e.ItemID = item.Int64
	return e, nil
}
