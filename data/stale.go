package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The expectation checks: every person-driven write passes the state it was
// decided on (a model.…Seen) and these compare it with the state read inside
// the write's own transaction, with the model's rules (IncidentSeen's …Stale
// methods). A mismatch returns a model.StaleError, built from the latest
// relevant timeline event, and the transaction writes nothing.

// latestEvent is the newest event with column = id whose kind is one of
// kinds; the zero Event when there is none.
func latestEvent(ctx context.Context, q queryer, column string, id int64, kinds []model.EventKind) (model.Event, error) {
	args := []any{id}
	marks := make([]string, len(kinds))
	for i, k := range kinds {
		marks[i] = "?"
		args = append(args, string(k))
	}
	row := q.QueryRowContext(ctx, `SELECT `+eventCols+` FROM events e WHERE e.`+column+` = ? AND e.kind IN (`+strings.Join(marks, ", ")+`)
		ORDER BY e.id DESC LIMIT 1`, args...)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Event{}, nil
	}
	if err != nil {
		return e, fmt.Errorf("read the latest %s event: %w", kinds[0], err)
	}
	return e, nil
}

// checkRolloutSeen refuses a rollout action decided on another rollout
// state than the stored one (read before any rollout is created for it).
func checkRolloutSeen(ctx context.Context, tx *sql.Tx, d model.Deployment, seen model.RolloutSeen, at time.Time) error {
	if !seen.Checked() {
		return nil
	}
	r, _, err := loadRollout(ctx, tx, d.ID)
	if err != nil || seen.Matches(r) {
		return err
	}
	last, err := latestEvent(ctx, tx, "deployment_id", d.ID, model.RolloutEventKinds)
	if err != nil {
		return err
	}
	label := ""
	if r.Started() {
		label = r.Status(at, false).Label
	}
	return model.StaleRollout(model.SanitizeLine(d.Service), label, last)
}

// incidentStale reads the event that made an incident decision stale and
// lets build word the refusal.
func incidentStale(ctx context.Context, tx *sql.Tx, inc model.Incident, kinds []model.EventKind, build func(model.Event) error) error {
	last, err := latestEvent(ctx, tx, "incident_id", inc.ID, kinds)
	if err != nil {
		return err
	}
	return build(last)
}

func checkStatusSeen(ctx context.Context, tx *sql.Tx, inc model.Incident, seen model.IncidentSeen, to model.IncidentStatus, lost string) error {
	if !seen.StatusStale(inc, to) {
		return nil
	}
	return incidentStale(ctx, tx, inc, model.StatusEventKinds, func(e model.Event) error { return model.StaleStatus(inc, e, lost) })
}

func checkSeveritySeen(ctx context.Context, tx *sql.Tx, inc model.Incident, seen model.IncidentSeen) error {
	if !seen.SeverityStale(inc) {
		return nil
	}
	kinds := model.SeverityEventKinds
	if seen.Status != inc.Status {
		kinds = model.StatusEventKinds
	}
	return incidentStale(ctx, tx, inc, kinds, func(e model.Event) error { return model.StaleSeverity(inc, e) })
}

func checkLadderSeen(ctx context.Context, tx *sql.Tx, inc model.Incident, seen model.IncidentSeen) error {
	switch {
	case !seen.LadderStale(inc):
		return nil
	case seen.StatusMoved(inc):
		return incidentStale(ctx, tx, inc, model.StatusEventKinds, func(e model.Event) error { return model.StaleStatus(inc, e, "") })
	}
	return incidentStale(ctx, tx, inc, model.LadderEventKinds, func(e model.Event) error { return model.StaleLadder(inc, e) })
}

func checkRoleSeen(ctx context.Context, tx *sql.Tx, inc model.Incident, seen model.IncidentSeen, role, holder string) error {
	if !seen.RoleStale(role, holder) {
		return nil
	}
	return incidentStale(ctx, tx, inc, model.RoleEventKinds, func(e model.Event) error { return model.StaleRole(inc, role, holder, e) })
}

func checkUpdateSeen(ctx context.Context, tx *sql.Tx, inc model.Incident, seen model.IncidentSeen) error {
	if !seen.UpdateStale(inc) {
		return nil
	}
	return incidentStale(ctx, tx, inc, model.UpdateEventKinds, func(e model.Event) error { return model.StaleUpdate(inc, e) })
}

// LatestRolloutEvent is the newest rollout action on the deployment (who
// started, promoted, paused… it and when); the zero Event when none.
func (s *Store) LatestRolloutEvent(ctx context.Context, deploymentID int64) (model.Event, error) {
	e, err := latestEvent(ctx, s.db, "deployment_id", deploymentID, model.RolloutEventKinds)
	if err != nil {
		return e, s.fail("read the rollout's timeline", err)
	}
	return e, nil
}
