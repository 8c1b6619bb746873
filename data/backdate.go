package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Backdated actions (deploy start/finish/abort, incident open/mitigate/
// resolve with --at). The action's time is its `at` argument as always; the
// caller says when it was really entered with WithEntered, and every
// timeline event the action writes is then marked (model.TextBackdated) when
// its time is more than model.BackdateSlack earlier. The ordering rules —
// nothing dated before the state it changes — are the store's, whether or
// not the action was backdated.

type enteredKey struct{}

// WithEntered returns ctx saying that the write it carries was typed at
// entered: events dated earlier than that are marked as backdated.
func WithEntered(ctx context.Context, entered time.Time) context.Context {
	return context.WithValue(ctx, enteredKey{}, entered.Round(0).UTC())
}

func enteredAt(ctx context.Context) time.Time {
	t, _ := ctx.Value(enteredKey{}).(time.Time)
	return t
}

// deploymentStateKinds are the events that change a deployment's state: a
// later action may not be dated before the last of them.
var deploymentStateKinds = append([]model.EventKind{model.EventDeployStarted, model.EventExecutionStart, model.EventRolloutLive},
	model.RolloutEventKinds...)

// checkDeploymentOrder refuses an action on d dated before d's last state
// change (its start, Deployment Execution, a promotion, the abort…): a
// finish cannot come before the start it finishes.
func checkDeploymentOrder(ctx context.Context, tx *sql.Tx, d model.Deployment, what string, at time.Time) error {
	last, lastWhat := d.CreatedAt, "started"
	for _, c := range []struct {
		t    time.Time
		what string
	}{{d.ExecutionAt, "entered Deployment Execution"}, {d.RollbackAt, "began rolling back"}} {
		if c.t.After(last) {
			last, lastWhat = c.t, c.what
		}
	}
	e, err := latestAtEvent(ctx, tx, d.ID, deploymentStateKinds)
	if err != nil {
		return err
	}
	if e.At.After(last) {
		last, lastWhat = e.At, "had its last rollout change ("+string(e.Kind)+")"
	}
	if at.Before(last) {
		return invalidf("deployment #%d %s: %s at %s would be before it %s at %s: date it at or after that",
			d.ID, d.Title(), what, stamp(at), lastWhat, stamp(last))
	}
	return nil
}

// latestAtEvent is the latest-dated event of the deployment among kinds
// (zero when none).
func latestAtEvent(ctx context.Context, tx *sql.Tx, deploymentID int64, kinds []model.EventKind) (model.Event, error) {
	args := []any{deploymentID}
	marks := ""
	for i, k := range kinds {
		if i > 0 {
			marks += ", "
		}
		marks += "?"
		args = append(args, string(k))
	}
	var at sql.NullInt64
	var kind sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT at, kind FROM events WHERE deployment_id = ? AND kind IN (`+marks+`)
		ORDER BY at DESC, id DESC LIMIT 1`, args...).Scan(&at, &kind)
	if err == sql.ErrNoRows {
		return model.Event{}, nil
	}
	if err != nil {
		return model.Event{}, fmt.Errorf("read the deployment's last change: %w", err)
	}
	return model.Event{At: fromMS(at), Kind: model.EventKind(kind.String)}, nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") }
