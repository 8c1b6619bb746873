package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// What holds a rollout, read inside the action's transaction so the
// decision and the write agree: the incidents linked to the deployment, the
// rollback criteria (latched breaches and declarations), the health
// reading's freshness and, for finish, the checklist items left open.

// HealthMaxAge is the configured age a health reading may have when a stage
// is promoted or finished without a reason (model.DefaultHealthMaxAge unless
// Options.HealthMaxAge says otherwise).
func (s *Store) HealthMaxAge() time.Duration { return s.healthMaxAge }

// gate is model.Gate for deployment d as stored. withItems adds the open
// items of the phase finish would leave (Deployment Execution, or Rollback
// while rolling back).
func (s *Store) gate(ctx context.Context, q queryer, d model.Deployment, withItems bool) (model.Gate, error) {
	g := model.Gate{HealthMaxAge: s.healthMaxAge}
	var err error
	if g.Health, err = currentHealth(ctx, q, d.ID); err != nil {
		return g, err
	}
	declared, err := activeDeclarations(ctx, q, d.ID)
	if err != nil {
		return g, err
	}
	_, g.Criteria = model.CriteriaMet(s.rule, g.Health, declared)
	if g.Incidents, err = linkedIncidents(ctx, q, d.ID); err != nil {
		return g, err
	}
	if withItems {
		g.OpenPhase = model.PhaseExecution
		if d.RollingBack() {
			g.OpenPhase = model.PhaseRollback
		}
		if g.OpenItems, err = openItems(ctx, q, d.ID, g.OpenPhase); err != nil {
			return g, err
		}
	}
	return g, nil
}

// RolloutGate is the gate as stored now, open items included: what `deploy
// status` and `deploy finish` show before acting.
func (s *Store) RolloutGate(ctx context.Context, deploymentID int64) (model.Gate, error) {
	var g model.Gate
	err := s.read(ctx, "read rollout holds", func(tx *sql.Tx) error {
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		g, err = s.gate(ctx, tx, d, true)
		return err
	})
	return g, err
}

// currentHealth is latestHealth with the probe's failure spell
// (probe_state.go): since when, how many failed readings, the latest
// reason. Without an open spell, the first probe.failed event after the
// reading (the no-baseline notice; spells a version before them wrote).
func currentHealth(ctx context.Context, q queryer, deploymentID int64) (model.Health, error) {
	h, err := latestHealth(ctx, q, deploymentID)
	if err != nil {
		return h, err
	}
	if h.ProbeFailingSince, h.ProbeFailures, h.ProbeReason, err = probeFailing(ctx, q, deploymentID); err != nil || !h.ProbeFailingSince.IsZero() {
		return h, err
	}
	var since sql.NullInt64
	after := int64(-1 << 62)
	if h.Has {
		after = toMS(h.At)
	}
	if err := q.QueryRowContext(ctx, probeFailedSinceSQL, deploymentID, after).Scan(&since); err != nil {
		return h, fmt.Errorf("read probe failures of deployment #%d: %w", deploymentID, err)
	}
	h.ProbeFailingSince = fromMS(since)
	return h, nil
}

// probeFailedSinceSQL is the first probe failure of a deployment after a
// time. The kind is written out, not a parameter: only then does the
// partial index of probe failures (migration 12) answer it, instead of a
// walk over every event of the deployment since (TestProbeFailedSinceUsesItsIndex).
const probeFailedSinceSQL = `SELECT min(at) FROM events WHERE deployment_id = ? AND kind = '` + string(model.EventProbeFailed) + `' AND at > ?`

// linkedIncidents is the unresolved incidents linked to the deployment.
func linkedIncidents(ctx context.Context, q queryer, deploymentID int64) ([]model.Incident, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, severity, status FROM incidents
		WHERE deployment_id = ? AND status IN ('open', 'mitigated') ORDER BY severity, id`, deploymentID)
	if err != nil {
		return nil, fmt.Errorf("read incidents of deployment #%d: %w", deploymentID, err)
	}
	defer rows.Close()
	var out []model.Incident
	for rows.Next() {
		in := model.Incident{DeploymentID: deploymentID}
		var sev int
		var status string
		if err := rows.Scan(&in.ID, &in.Title, &sev, &status); err != nil {
			return nil, fmt.Errorf("read incident: %w", err)
		}
		in.Severity, in.Status = model.Severity(sev), model.IncidentStatus(status)
		out = append(out, in)
	}
	return out, rows.Err()
}

func openItems(ctx context.Context, q queryer, deploymentID int64, phase string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT text FROM checklist_items WHERE deployment_id = ? AND phase = ? AND state = 'todo'
		ORDER BY position`, deploymentID, phase)
	if err != nil {
		return nil, fmt.Errorf("read open items of deployment #%d: %w", deploymentID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("read open item: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
