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

// SystemActor is who events derived from the clock (a soak ending) are
// recorded as: no person did them.
const SystemActor = "flightdeck"

// rolloutChange computes the next rollout with a model transition and says
// what to write on the timeline. It may also update the deployment row; it
// runs inside the action's transaction.
type rolloutChange func(tx *sql.Tx, d model.Deployment, r model.Rollout) (next model.Rollout, kind model.EventKind, text string, err error)

// changeRollout is one rollout action: one transaction that loads the
// rollout, applies the model's rule, saves the result, appends the event and
// returns the rollout as stored.
func (s *Store) changeRollout(ctx context.Context, what string, deploymentID int64, seen model.RolloutSeen, actor string, at time.Time, change rolloutChange) (model.Rollout, error) {
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Rollout{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Rollout{}, err
	}
	var out model.Rollout
	err = s.write(ctx, what, func(tx *sql.Tx) error {
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		if err := checkRolloutSeen(ctx, tx, d, seen, at); err != nil {
			return err
		}
		if err := checkDeploymentOrder(ctx, tx, d, what, at); err != nil {
			return err
		}
		out, err = applyRollout(ctx, tx, d, actor, at, change)
		return err
	})
	if err != nil {
		return model.Rollout{}, err
	}
	return out, nil
}

func applyRollout(ctx context.Context, tx *sql.Tx, d model.Deployment, actor string, at time.Time, change rolloutChange) (model.Rollout, error) {
	r, err := ensureRollout(ctx, tx, d, actor, at)
	if err != nil {
		return r, err
	}
	next, kind, text, err := change(tx, d, r)
	if err != nil {
		return r, err // the model's refusal, unwrapped: errors.Is(err, model.ErrNeedsReason) holds
	}
	if err := saveRollout(ctx, tx, d.ID, next); err != nil {
		return r, err
	}
	if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: kind, DeploymentID: d.ID, Text: text}); err != nil {
		return r, err
	}
	if err := touchDeployment(ctx, tx, d.ID, at); err != nil {
		return r, err
	}
	r, _, err = loadRollout(ctx, tx, d.ID)
	return r, err
}

func cleanReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	return reason, checkText("reason", reason, MaxTextLen)
}

// Promote moves the rollout to its next stage. Before the soak has elapsed,
// or while rollback criteria are met, the model refuses without a reason
// (errors.Is(err, model.ErrNeedsReason)); with one, the override is recorded.
// seen is the rollout the decision was made on (model.SeenRollout): when it
// has moved on, nothing is written and the error is a model.StaleError.
func (s *Store) Promote(ctx context.Context, deploymentID int64, seen model.RolloutSeen, reason, actor string, at time.Time) (model.Rollout, error) {
	reason, err := cleanReason(reason)
	if err != nil {
		return model.Rollout{}, err
	}
	return s.changeRollout(ctx, "promote", deploymentID, seen, actor, at, func(tx *sql.Tx, d model.Deployment, r model.Rollout) (model.Rollout, model.EventKind, string, error) {
		g, err := s.gate(ctx, tx, d, false)
		if err != nil {
			return r, "", "", err
		}
		next, err := model.Promote(r, at, reason, g)
		if err != nil {
			return r, "", "", err
		}
		met := g.CriteriaMet()
		from, to := r.Status(at, met), next.Status(at, met)
		text := model.TextPromoted(from.Label, to.Label, to.Soak, to.EndsAt, overrideNote(next, from, reason, g.Criteria))
		if err := tickGradual(ctx, tx, d.ID, next, at); err != nil {
			return r, "", "", err
		}
		return next, model.EventRolloutPromote, text, nil
	})
}

// overrideNote says what a promote or finish overrode, from the stage record
// the model just closed (model.OverrideNote).
func overrideNote(next model.Rollout, before model.RolloutStatus, reason string, why []string) string {
	return model.OverrideNote(next.History[len(next.History)-1], before, reason, why)
}

// Pause stops the soak clock; the model stores the remaining time.
func (s *Store) Pause(ctx context.Context, deploymentID int64, seen model.RolloutSeen, actor string, at time.Time) (model.Rollout, error) {
	return s.changeRollout(ctx, "pause", deploymentID, seen, actor, at, func(_ *sql.Tx, _ model.Deployment, r model.Rollout) (model.Rollout, model.EventKind, string, error) {
		next, err := model.Pause(r, at)
		if err != nil {
			return r, "", "", err
		}
		st := next.Status(at, false)
		return next, model.EventRolloutPause, model.TextPaused(st.Label, st.Remaining), nil
	})
}

// Resume restarts the soak clock from the stored remaining time.
func (s *Store) Resume(ctx context.Context, deploymentID int64, seen model.RolloutSeen, actor string, at time.Time) (model.Rollout, error) {
	return s.changeRollout(ctx, "resume", deploymentID, seen, actor, at, func(_ *sql.Tx, _ model.Deployment, r model.Rollout) (model.Rollout, model.EventKind, string, error) {
		next, err := model.Resume(r, at)
		if err != nil {
			return r, "", "", err
		}
		st := next.Status(at, false)
		return next, model.EventRolloutResume, model.TextResumed(st.Label, st.Remaining, st.EndsAt), nil
	})
}

// Abort stops the rollout and starts the rollback: the deployment stays in
// progress with rollback_at set, so it works its Rollback checklist until
// Finish records it rolled back. A planned deployment (no rollout yet) is
// simply aborted. The reason is optional: nothing may block a rollback.
func (s *Store) Abort(ctx context.Context, deploymentID int64, seen model.RolloutSeen, reason, actor string, at time.Time) (model.Rollout, error) {
	reason, err := cleanReason(reason)
	if err != nil {
		return model.Rollout{}, err
	}
	if actor, err = cleanActor(actor); err != nil {
		return model.Rollout{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Rollout{}, err
	}
	var out model.Rollout
	err = s.write(ctx, "abort", func(tx *sql.Tx) error {
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		if err := checkRolloutSeen(ctx, tx, d, seen, at); err != nil {
			return err
		}
		if err := checkDeploymentOrder(ctx, tx, d, "abort", at); err != nil {
			return err
		}
		if d.Status == model.StatusPlanned {
			return abortPlanned(ctx, tx, d, reason, actor, at)
		}
		out, err = applyRollout(ctx, tx, d, actor, at, func(tx *sql.Tx, d model.Deployment, r model.Rollout) (model.Rollout, model.EventKind, string, error) {
			next, err := model.Abort(r, at)
			if err != nil {
				return r, "", "", err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE deployments SET rollback_at = ? WHERE id = ?`, toMS(next.AbortedAt), d.ID); err != nil {
				return r, "", "", fmt.Errorf("start rollback of deployment #%d: %w", d.ID, err)
			}
			st := r.Status(at, false)
			return next, model.EventRolloutAbort, model.TextAborted(st.Label, reason), nil
		})
		return err
	})
	if err != nil {
		return model.Rollout{}, err
	}
	return out, nil
}

func abortPlanned(ctx context.Context, tx *sql.Tx, d model.Deployment, reason, actor string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE deployments SET status = ?, finished_at = ?, updated_at = max(updated_at, ?) WHERE id = ?`,
		string(model.StatusAborted), toMS(at), toMS(at), d.ID); err != nil {
		return fmt.Errorf("abort deployment #%d: %w", d.ID, err)
	}
	return appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventRolloutAbort, DeploymentID: d.ID,
		Text: model.TextAbortedPlanned(reason)})
}

// Finish ends the deployment. Rolling back, it records the rollback done
// (status rolled_back); otherwise it completes the rollout from its last
// stage under the same reason rules as Promote (status completed).
func (s *Store) Finish(ctx context.Context, deploymentID int64, seen model.RolloutSeen, reason, actor string, at time.Time) (model.Rollout, error) {
	reason, err := cleanReason(reason)
	if err != nil {
		return model.Rollout{}, err
	}
	return s.changeRollout(ctx, "finish", deploymentID, seen, actor, at, func(tx *sql.Tx, d model.Deployment, r model.Rollout) (model.Rollout, model.EventKind, string, error) {
		if !r.AbortedAt.IsZero() && r.RolledBackAt.IsZero() {
			// Leaving Rollback steps open needs a reason, like finishing a
			// completed rollout with Deployment Execution items open.
			g, err := s.gate(ctx, tx, d, true)
			if err != nil {
				return r, "", "", err
			}
			if err := model.CheckLeave(g.OpenPhase, g.OpenItems, reason, "mark it rolled back"); err != nil {
				return r, "", "", err
			}
			leftOpen := model.OpenItemsText(g.OpenPhase, g.OpenItems)
			next, err := model.RolledBack(r, at)
			if err != nil {
				return r, "", "", err
			}
			if err := finishDeployment(ctx, tx, d.ID, model.StatusRolledBack, next.RolledBackAt); err != nil {
				return r, "", "", err
			}
			// Recorded without blocking even when the stability watch the seed
			// asks for (15 minutes of watching) was not served: the text says so.
			left, started := d.StabilityRemaining(at)
			return next, model.EventRolloutRolledBack, model.TextRolledBackLeaving(r.Status(at, false).Label, started, left, leftOpen, reason), nil
		}
		g, err := s.gate(ctx, tx, d, true)
		if err != nil {
			return r, "", "", err
		}
		met, why := g.CriteriaMet(), g.Criteria
		next, err := model.Finish(r, at, reason, g)
		if err != nil {
			return r, "", "", err
		}
		if err := finishDeployment(ctx, tx, d.ID, model.StatusCompleted, next.CompletedAt); err != nil {
			return r, "", "", err
		}
		before := r.Status(at, met)
		return next, model.EventRolloutFinish, model.TextFinished(before.Label, overrideNote(next, before, reason, why)), nil
	})
}

func finishDeployment(ctx context.Context, tx *sql.Tx, id int64, status model.Status, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE deployments SET status = ?, finished_at = ? WHERE id = ?`, string(status), toMS(at), id); err != nil {
		return fmt.Errorf("finish deployment #%d: %w", id, err)
	}
	return nil
}

// MarkReady writes the rollout.ready event for a stage whose soak has ended
// as of `at`, once per (deployment, stage) however many dashboards notice
// it, and reports whether this call wrote it. It writes nothing (false) when
// the rollout is not on that stage, the soak is not over, the rollout has
// ended, or the store is read-only (a war-room screen never writes).
func (s *Store) MarkReady(ctx context.Context, deploymentID int64, stage int, at time.Time) (bool, error) {
	if err := checkAt(at); err != nil {
		return false, err
	}
	if s.readOnly {
		return false, nil
	}
	// A cheap read first: every dashboard calls this when it sees the soak
	// end, and only the first needs the write lock.
	var done int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM rollout_ready WHERE deployment_id = ? AND stage = ?`, deploymentID, stage).Scan(&done); err != nil {
		return false, s.fail("mark ready to promote", err)
	}
	if done > 0 {
		return false, nil
	}
	wrote := false
	err := s.write(ctx, "mark ready to promote", func(tx *sql.Tx) error {
		r, ok, err := loadRollout(ctx, tx, deploymentID)
		if err != nil || !ok || r.Stage != stage || r.Ended() {
			return err
		}
		met, _, err := s.criteriaMet(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		st := r.Status(at, met)
		if st.Remaining > 0 {
			return nil
		}
		// The event is dated when the soak ended, not when a screen noticed.
		eventAt := at
		if !st.EndsAt.IsZero() && !st.EndsAt.After(at) {
			eventAt = st.EndsAt
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO rollout_ready (deployment_id, stage, at) VALUES (?, ?, ?)
			ON CONFLICT (deployment_id, stage) DO NOTHING`, deploymentID, stage, toMS(eventAt))
		if err != nil {
			return fmt.Errorf("mark ready to promote: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		wrote = true
		text := model.TextReady(st.Label, st.Soak, met)
		if hold, err := linkedIncidents(ctx, tx, deploymentID); err != nil {
			return err
		} else if h := (model.Gate{Incidents: hold}).HoldText(); h != "" {
			text = model.TextReadyHeld(st.Label, st.Soak, h) // the soak is served; the rollout is not ready
		}
		return appendEvent(ctx, tx, model.Event{At: eventAt, Actor: SystemActor, Kind: model.EventRolloutReady, DeploymentID: deploymentID,
			Text: text})
	})
	if err != nil {
		return false, err
	}
	return wrote, nil
}

// tickGradual ticks "Gradually roll out to production…" when a promote
// reaches the last stage: the item states a rollout fact, so the rollout
// sets it (model.GradualItemText). The event is the flightdeck actor's.
func tickGradual(ctx context.Context, tx *sql.Tx, deploymentID int64, next model.Rollout, at time.Time) error {
	if next.Stage != len(next.Plan.Stages)-1 {
		return nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM checklist_items WHERE deployment_id = ? AND phase = ?
		AND lower(trim(text)) = lower(?) AND state = 'todo' ORDER BY position LIMIT 1`, deploymentID, model.PhaseExecution, model.GradualItemText).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read checklist of deployment #%d: %w", deploymentID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checklist_items SET state = 'done', reason = '', changed_by = ?, changed_at = ? WHERE id = ?`,
		SystemActor, toMS(at), id); err != nil {
		return fmt.Errorf("update checklist item #%d: %w", id, err)
	}
	st := next.Status(at, false)
	return appendEvent(ctx, tx, model.Event{At: at, Actor: SystemActor, Kind: model.EventItemDone, DeploymentID: deploymentID, ItemID: id,
		Text: model.TextItemAutoDone(model.GradualItemText, "the rollout reached "+st.Label)})
}
