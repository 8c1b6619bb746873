package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// planJSON is how a model.Plan is stored in rollouts.plan: snake_case keys
// and the soak in milliseconds, so the column reads well in an export and
// does not depend on Go's Duration encoding.
type planJSON struct {
	Strategy string      `json:"strategy"`
	Stages   []stageJSON `json:"stages"`
}

type stageJSON struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Percent int    `json:"percent"`
	SoakMS  int64  `json:"soak_ms"`
	Note    string `json:"note"`
}

func encodePlan(p model.Plan) (string, error) {
	out := planJSON{Strategy: string(p.Strategy), Stages: make([]stageJSON, len(p.Stages))}
	for i, st := range p.Stages {
		out.Stages[i] = stageJSON{Name: st.Name, Label: st.Label, Percent: st.Percent, SoakMS: st.Soak.Milliseconds(), Note: st.Note}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodePlan(s string) (model.Plan, error) {
	var in planJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return model.Plan{}, err
	}
	p := model.Plan{Strategy: model.Strategy(in.Strategy), Stages: make([]model.Stage, len(in.Stages))}
	for i, st := range in.Stages {
		p.Stages[i] = model.Stage{Name: st.Name, Label: st.Label, Percent: st.Percent, Soak: time.Duration(st.SoakMS) * time.Millisecond, Note: st.Note}
	}
	return p, nil
}

const rolloutCols = `plan, stage, started_at, stage_started_at, paused, paused_at, remaining_at_pause_ms,
	paused_total_ms, soak_ended_at, aborted_at, rolled_back_at, completed_at`

// loadRollout reads a deployment's rollout and its stage history; ok is
// false when the deployment has none (it never entered Deployment Execution).
func loadRollout(ctx context.Context, q queryer, deploymentID int64) (r model.Rollout, ok bool, err error) {
	var plan string
	var paused bool
	var remMS, pausedMS int64
	var started, stageStarted int64
	var pausedAt, soakEnded, aborted, rolledBack, completed sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT `+rolloutCols+` FROM rollouts WHERE deployment_id = ?`, deploymentID).Scan(
		&plan, &r.Stage, &started, &stageStarted, &paused, &pausedAt, &remMS, &pausedMS, &soakEnded, &aborted, &rolledBack, &completed)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Rollout{}, false, nil
	}
	if err != nil {
		return model.Rollout{}, false, fmt.Errorf("read rollout of deployment #%d: %w", deploymentID, err)
	}
	if r.Plan, err = decodePlan(plan); err != nil {
		return model.Rollout{}, false, fmt.Errorf("rollout of deployment #%d has a damaged plan: %w", deploymentID, err)
	}
	r.StartedAt = fromMS(sql.NullInt64{Int64: started, Valid: true})
	r.StageStartedAt = fromMS(sql.NullInt64{Int64: stageStarted, Valid: true})
	r.Paused, r.PausedAt = paused, fromMS(pausedAt)
	r.RemainingAtPause = time.Duration(remMS) * time.Millisecond
	r.PausedTotal = time.Duration(pausedMS) * time.Millisecond
	r.SoakEndedAt, r.AbortedAt = fromMS(soakEnded), fromMS(aborted)
	r.RolledBackAt, r.CompletedAt = fromMS(rolledBack), fromMS(completed)
	var notLive bool
	var liveAt sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT not_live, live_at FROM rollouts WHERE deployment_id = ?`, deploymentID).Scan(&notLive, &liveAt); err != nil {
		return model.Rollout{}, false, fmt.Errorf("read rollout of deployment #%d: %w", deploymentID, err)
	}
	switch {
	case notLive:
	case liveAt.Valid:
		r.LiveAt = fromMS(liveAt)
	default:
		r.LiveAt = r.StartedAt // before schema 7: live from the start
	}
	if r.History, err = loadStageHistory(ctx, q, deploymentID); err != nil {
		return model.Rollout{}, false, err
	}
	if !r.Started() {
		return model.Rollout{}, false, fmt.Errorf("stored rollout of deployment #%d is damaged (stage %d of a %d-stage plan)", deploymentID, r.Stage+1, len(r.Plan.Stages))
	}
	return r, true, nil
}

func loadStageHistory(ctx context.Context, q queryer, deploymentID int64) ([]model.StageRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT stage, started_at, soak_ended_at, promoted_at, paused_ms, override, criteria_met
		FROM rollout_stages WHERE deployment_id = ? ORDER BY stage`, deploymentID)
	if err != nil {
		return nil, fmt.Errorf("read rollout stages of deployment #%d: %w", deploymentID, err)
	}
	defer rows.Close()
	var out []model.StageRecord
	for rows.Next() {
		var h model.StageRecord
		var started, promoted, pausedMS int64
		var soakEnded sql.NullInt64
		if err := rows.Scan(&h.Stage, &started, &soakEnded, &promoted, &pausedMS, &h.Override, &h.CriteriaMet); err != nil {
			return nil, fmt.Errorf("read rollout stage: %w", err)
		}
		h.StartedAt = fromMS(sql.NullInt64{Int64: started, Valid: true})
		h.PromotedAt = fromMS(sql.NullInt64{Int64: promoted, Valid: true})
		h.SoakEndedAt = fromMS(soakEnded)
		h.Paused = time.Duration(pausedMS) * time.Millisecond
		out = append(out, h)
	}
	return out, rows.Err()
}

// saveRollout writes the rollout's current state and appends the stage
// records it has beyond those already stored: history only ever grows.
func saveRollout(ctx context.Context, tx *sql.Tx, deploymentID int64, r model.Rollout) error {
	plan, err := encodePlan(r.Plan)
	if err != nil {
		return fmt.Errorf("encode rollout plan: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO rollouts (deployment_id, `+rolloutCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (deployment_id) DO UPDATE SET
			plan = excluded.plan, stage = excluded.stage, started_at = excluded.started_at,
			stage_started_at = excluded.stage_started_at, paused = excluded.paused, paused_at = excluded.paused_at,
			remaining_at_pause_ms = excluded.remaining_at_pause_ms, paused_total_ms = excluded.paused_total_ms,
			soak_ended_at = excluded.soak_ended_at, aborted_at = excluded.aborted_at,
			rolled_back_at = excluded.rolled_back_at, completed_at = excluded.completed_at`,
		deploymentID, plan, r.Stage, toMS(r.StartedAt), toMS(r.StageStartedAt), r.Paused, nullMS(r.PausedAt),
		max(r.RemainingAtPause, 0).Milliseconds(), max(r.PausedTotal, 0).Milliseconds(), nullMS(r.SoakEndedAt),
		nullMS(r.AbortedAt), nullMS(r.RolledBackAt), nullMS(r.CompletedAt))
	if err != nil {
		return fmt.Errorf("save rollout of deployment #%d: %w", deploymentID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rollouts SET not_live = ?, live_at = ? WHERE deployment_id = ?`,
		!r.Live(), nullMS(r.LiveAt), deploymentID); err != nil {
		return fmt.Errorf("save rollout of deployment #%d: %w", deploymentID, err)
	}
	var stored int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM rollout_stages WHERE deployment_id = ?`, deploymentID).Scan(&stored); err != nil {
		return fmt.Errorf("count rollout stages: %w", err)
	}
	for _, h := range r.History[min(stored, len(r.History)):] {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rollout_stages
			(deployment_id, stage, started_at, soak_ended_at, promoted_at, paused_ms, override, criteria_met)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			deploymentID, h.Stage, toMS(h.StartedAt), nullMS(h.SoakEndedAt), toMS(h.PromotedAt),
			max(h.Paused, 0).Milliseconds(), h.Override, h.CriteriaMet); err != nil {
			return fmt.Errorf("record stage %d of deployment #%d: %w", h.Stage+1, deploymentID, err)
		}
	}
	return nil
}

// Rollout returns a deployment's rollout; ok is false when it has none yet
// (planned). A missing deployment wraps ErrNotFound.
func (s *Store) Rollout(ctx context.Context, deploymentID int64) (r model.Rollout, ok bool, err error) {
	err = s.read(ctx, "read rollout", func(tx *sql.Tx) error {
		if _, err := getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		r, ok, err = loadRollout(ctx, tx, deploymentID)
		return err
	})
	return r, ok, err
}

// startRollout begins plan (the strategy's, from Options.Plans or the seed)
// at `at` and records it on the timeline; it runs inside the caller's
// transaction. With waitLive and the seed's "Deploy to staging/canary
// environment first" still open, the first stage waits for it: its soak
// starts when the item is ticked (goLive).
func startRollout(ctx context.Context, tx *sql.Tx, d model.Deployment, plan model.Plan, actor string, at, eventAt time.Time, waitLive bool) (model.Rollout, error) {
	pending := false
	// Only a first stage that soaks on real traffic waits for it: a stage
	// without a soak (blue-green's "deploy green", a flag deployed dark) has
	// no clock to start early.
	if first := plan.Stages; waitLive && len(first) > 0 && first[0].Soak > 0 && first[0].Percent != 0 {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM checklist_items WHERE deployment_id = ? AND phase = ?
			AND lower(trim(text)) = lower(?) AND state = 'todo'`, d.ID, model.PhaseExecution, model.LiveItemText).Scan(&open); err != nil {
			return model.Rollout{}, fmt.Errorf("read checklist of deployment #%d: %w", d.ID, err)
		}
		pending = open > 0
	}
	start := model.Start
	if pending {
		start = model.StartPending
	}
	r, err := start(plan, at)
	if err != nil {
		return r, invalid(fmt.Errorf("deployment #%d: %w", d.ID, err))
	}
	if err := saveRollout(ctx, tx, d.ID, r); err != nil {
		return r, err
	}
	st := r.Status(at, false)
	text := model.TextRolloutStarted(r.Plan.Strategy, st.Label, st.Soak, st.EndsAt)
	if pending {
		text = model.TextRolloutPending(r.Plan.Strategy, st.Label, st.Soak)
	}
	return r, appendEvent(ctx, tx, model.Event{At: eventAt, Actor: actor, Kind: model.EventRolloutStart, DeploymentID: d.ID, Text: text})
}

// goLive makes a pending rollout's first stage live at `at`, inside the
// caller's transaction; a rollout that is live already (or none) is left
// alone. item names what made it live, for the event.
func goLive(ctx context.Context, tx *sql.Tx, deploymentID int64, actor, item string, at time.Time) (bool, error) {
	r, ok, err := loadRollout(ctx, tx, deploymentID)
	if err != nil || !ok || r.Live() || r.Ended() {
		return false, err
	}
	next, err := model.GoLive(r, at)
	if err != nil {
		return false, invalid(err)
	}
	if err := saveRollout(ctx, tx, deploymentID, next); err != nil {
		return false, err
	}
	st := next.Status(at, false)
	return true, appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventRolloutLive, DeploymentID: deploymentID,
		Text: model.TextLive(st.Label, st.Soak, st.EndsAt, item)})
}

// GoLive marks the rollout's first stage live now (`deploy live`): the
// explicit form of ticking "Deploy to staging/canary environment first".
// The item is ticked too, so checklist and rollout agree.
func (s *Store) GoLive(ctx context.Context, deploymentID int64, actor string, at time.Time) (model.Rollout, error) {
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Rollout{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Rollout{}, err
	}
	var out model.Rollout
	err = s.write(ctx, "go live", func(tx *sql.Tx) error {
		if _, err := getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		r, ok, err := loadRollout(ctx, tx, deploymentID)
		switch {
		case err != nil:
			return err
		case !ok:
			return invalidf("deployment #%d has no rollout: start Deployment Execution first", deploymentID)
		case r.Live():
			out = r
			return invalid(fmt.Errorf("stage %s is live already (since %s UTC): nothing changed", r.Status(at, false).Label, r.LiveAt.UTC().Format(time.TimeOnly)))
		}
		var itemID int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM checklist_items WHERE deployment_id = ? AND phase = ?
			AND lower(trim(text)) = lower(?) AND state = 'todo' ORDER BY position LIMIT 1`, deploymentID, model.PhaseExecution, model.LiveItemText).Scan(&itemID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read checklist of deployment #%d: %w", deploymentID, err)
		}
		if itemID != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE checklist_items SET state = 'done', reason = '', changed_by = ?, changed_at = ? WHERE id = ?`,
				actor, toMS(at), itemID); err != nil {
				return fmt.Errorf("update checklist item #%d: %w", itemID, err)
			}
			if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventItemDone, DeploymentID: deploymentID, ItemID: itemID,
				Text: model.TextItemDone(model.LiveItemText, time.Time{})}); err != nil {
				return err
			}
		}
		if _, err := goLive(ctx, tx, deploymentID, actor, "", at); err != nil {
			return err
		}
		if err := touchDeployment(ctx, tx, deploymentID, at); err != nil {
			return err
		}
		out, _, err = loadRollout(ctx, tx, deploymentID)
		return err
	})
	return out, err
}

// ensureRollout loads the rollout an action works on. A deployment that
// entered Deployment Execution before rollouts existed (schema 1) gets one
// now, timed from when execution began, so old databases stay drivable.
func ensureRollout(ctx context.Context, tx *sql.Tx, d model.Deployment, actor string, at time.Time) (model.Rollout, error) {
	r, ok, err := loadRollout(ctx, tx, d.ID)
	if err != nil || ok {
		return r, err
	}
	switch d.Status {
	case model.StatusInProgress:
		from := d.ExecutionAt
		if from.IsZero() || from.After(at) {
			from = at
		}
		// Only schema-1 deployments get here: they predate configured plans.
		return startRollout(ctx, tx, d, model.DefaultPlan(d.Strategy), actor, from, at, false)
	case model.StatusPlanned:
		return r, fmt.Errorf("deployment #%d is planned: start Deployment Execution first, its rollout starts with it", d.ID)
	}
	return r, fmt.Errorf("deployment #%d is %s and has no rollout", d.ID, d.Status.Label())
}
