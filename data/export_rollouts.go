package data

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
)

// The rollout tables of schema 2, exported like the others: column names as
// keys, times RFC 3339 UTC, durations in milliseconds as stored, rows by id.

type exportRollout struct {
	DeploymentID       int64           `json:"deployment_id"`
	Plan               json.RawMessage `json:"plan"` // the stored JSON object, not a string of it
	Stage              int64           `json:"stage"`
	StartedAt          msTime          `json:"started_at"`
	StageStartedAt     msTime          `json:"stage_started_at"`
	Paused             bool            `json:"paused"`
	PausedAt           msTime          `json:"paused_at"`
	RemainingAtPauseMS int64           `json:"remaining_at_pause_ms"`
	PausedTotalMS      int64           `json:"paused_total_ms"`
	SoakEndedAt        msTime          `json:"soak_ended_at"`
	AbortedAt          msTime          `json:"aborted_at"`
	RolledBackAt       msTime          `json:"rolled_back_at"`
	CompletedAt        msTime          `json:"completed_at"`
	NotLive            bool            `json:"not_live"`
	LiveAt             msTime          `json:"live_at"`
}

type exportRolloutStage struct {
	ID           int64  `json:"id"`
	DeploymentID int64  `json:"deployment_id"`
	Stage        int64  `json:"stage"`
	StartedAt    msTime `json:"started_at"`
	SoakEndedAt  msTime `json:"soak_ended_at"`
	PromotedAt   msTime `json:"promoted_at"`
	PausedMS     int64  `json:"paused_ms"`
	Override     string `json:"override"`
	CriteriaMet  bool   `json:"criteria_met"`
}

type exportHealthSample struct {
	ID           int64   `json:"id"`
	DeploymentID int64   `json:"deployment_id"`
	At           msTime  `json:"at"`
	Baseline     float64 `json:"baseline"`
	ErrorRate    float64 `json:"error_rate"`
	Actor        string  `json:"actor"`
	Source       string  `json:"source"`
}

type exportDeclaration struct {
	ID           int64  `json:"id"`
	DeploymentID int64  `json:"deployment_id"`
	Criterion    string `json:"criterion"`
	Reason       string `json:"reason"`
	Actor        string `json:"actor"`
	At           msTime `json:"at"`
	ClearedAt    msTime `json:"cleared_at"`
	ClearedBy    string `json:"cleared_by"`
	ClearReason  string `json:"clear_reason"`
	Latched      bool   `json:"latched"`
}

type exportReady struct {
	ID           int64  `json:"id"`
	DeploymentID int64  `json:"deployment_id"`
	Stage        int64  `json:"stage"`
	At           msTime `json:"at"`
}

func exportRollouts(ctx context.Context, tx *sql.Tx, bw *bufio.Writer) error {
	// rollouts is keyed by deployment: its id is deployment_id.
	if err := exportTable(ctx, tx, bw, "rollouts", `SELECT deployment_id, `+rolloutCols+`, not_live, live_at FROM rollouts ORDER BY deployment_id`,
		func(r *sql.Rows, o *exportRollout) error {
			var plan string
			err := r.Scan(&o.DeploymentID, &plan, &o.Stage, &o.StartedAt, &o.StageStartedAt, &o.Paused, &o.PausedAt,
				&o.RemainingAtPauseMS, &o.PausedTotalMS, &o.SoakEndedAt, &o.AbortedAt, &o.RolledBackAt, &o.CompletedAt, &o.NotLive, &o.LiveAt)
			o.Plan = json.RawMessage(plan) // valid JSON: the column has CHECK (json_valid(plan))
			return err
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "rollout_stages", `SELECT id, deployment_id, stage, started_at, soak_ended_at, promoted_at,
		paused_ms, override, criteria_met FROM rollout_stages ORDER BY id`,
		func(r *sql.Rows, st *exportRolloutStage) error {
			return r.Scan(&st.ID, &st.DeploymentID, &st.Stage, &st.StartedAt, &st.SoakEndedAt, &st.PromotedAt, &st.PausedMS, &st.Override, &st.CriteriaMet)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "rollout_ready", `SELECT id, deployment_id, stage, at FROM rollout_ready ORDER BY id`,
		func(r *sql.Rows, rd *exportReady) error {
			return r.Scan(&rd.ID, &rd.DeploymentID, &rd.Stage, &rd.At)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "health_samples", `SELECT id, deployment_id, at, baseline, error_rate, actor, source FROM health_samples ORDER BY id`,
		func(r *sql.Rows, h *exportHealthSample) error {
			return r.Scan(&h.ID, &h.DeploymentID, &h.At, &h.Baseline, &h.ErrorRate, &h.Actor, &h.Source)
		}); err != nil {
		return err
	}
	return exportTable(ctx, tx, bw, "rollback_declarations", `SELECT id, deployment_id, criterion, reason, actor, at, cleared_at,
		cleared_by, clear_reason, latched FROM rollback_declarations ORDER BY id`,
		func(r *sql.Rows, d *exportDeclaration) error {
			return r.Scan(&d.ID, &d.DeploymentID, &d.Criterion, &d.Reason, &d.Actor, &d.At, &d.ClearedAt, &d.ClearedBy, &d.ClearReason, &d.Latched)
		})
}
