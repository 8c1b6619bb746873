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

// HealthSourceManual marks a reading typed by a person (dashboard or CLI), as
// opposed to one taken by a metrics probe.
const HealthSourceManual = "manual"

// ErrNoBaseline is returned (matching ErrInvalid too) when an error rate is
// recorded without a baseline and none was ever recorded for the deployment.
var ErrNoBaseline = errors.New("no baseline yet: pass --baseline PCT with the error rate before the deploy")

// ErrNothingToClear is wrapped when ClearCriteria finds no declared criteria.
var ErrNothingToClear = errors.New("no declared or latched rollback criteria to clear")

// RolloutHealth returns the deployment's latest health reading (Has is false
// when none was recorded) and its active (not cleared) declared criteria,
// oldest first, from one snapshot.
func (s *Store) RolloutHealth(ctx context.Context, deploymentID int64) (h model.Health, declared []model.Declaration, err error) {
	err = s.read(ctx, "read rollout health", func(tx *sql.Tx) error {
		if _, err := getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		if h, err = currentHealth(ctx, tx, deploymentID); err != nil {
			return err
		}
		declared, err = activeDeclarations(ctx, tx, deploymentID)
		return err
	})
	return h, declared, err
}

// latestHealth is the reading committed last (highest id), not the one with
// the latest timestamp: two hosts' clocks may disagree, commit order cannot.
func latestHealth(ctx context.Context, q queryer, deploymentID int64) (model.Health, error) {
	var h model.Health
	var at int64
	err := q.QueryRowContext(ctx, `SELECT baseline, error_rate, at FROM health_samples
		WHERE deployment_id = ? ORDER BY id DESC LIMIT 1`, deploymentID).Scan(&h.BaselineErrorRate, &h.ErrorRate, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Health{}, nil
	}
	if err != nil {
		return h, fmt.Errorf("read health of deployment #%d: %w", deploymentID, err)
	}
	h.Has, h.At = true, fromMS(sql.NullInt64{Int64: at, Valid: true})
	return h, nil
}

func activeDeclarations(ctx context.Context, q queryer, deploymentID int64) ([]model.Declaration, error) {
	rows, err := q.QueryContext(ctx, `SELECT criterion, reason, actor, at, latched FROM rollback_declarations
		WHERE deployment_id = ? AND cleared_at IS NULL ORDER BY at, id`, deploymentID)
	if err != nil {
		return nil, fmt.Errorf("read declared rollback criteria: %w", err)
	}
	defer rows.Close()
	var out []model.Declaration
	for rows.Next() {
		var d model.Declaration
		var c string
		var at int64
		if err := rows.Scan(&c, &d.Reason, &d.By, &at, &d.Latched); err != nil {
			return nil, fmt.Errorf("read declared rollback criterion: %w", err)
		}
		d.Criterion, d.At = model.Criterion(c), fromMS(sql.NullInt64{Int64: at, Valid: true})
		out = append(out, d)
	}
	return out, rows.Err()
}

// criteriaMet is model.CriteriaMet on the stored health and declarations,
// read inside the caller's transaction so the decision and the write agree.
func (s *Store) criteriaMet(ctx context.Context, q queryer, deploymentID int64) (bool, []string, error) {
	h, err := latestHealth(ctx, q, deploymentID)
	if err != nil {
		return false, nil, err
	}
	declared, err := activeDeclarations(ctx, q, deploymentID)
	if err != nil {
		return false, nil, err
	}
	met, why := model.CriteriaMet(s.rule, h, declared)
	return met, why, nil
}

// RecordHealth stores an error-rate reading and evaluates it with the rule.
// A nil baseline carries the previous reading's forward. met and explanation
// are the rule's verdict on this reading alone (declared criteria are not
// part of it). When this reading makes the rule met and the previous one did
// not, a health.criteria_met event is written too, so the timeline marks the
// moment once rather than on every reading.
func (s *Store) RecordHealth(ctx context.Context, deploymentID int64, errorRate float64, baseline *float64, actor string, at time.Time) (met bool, explanation string, err error) {
	return s.recordHealth(ctx, deploymentID, errorRate, baseline, actor, at, HealthSourceManual)
}

// HealthSourceProbe marks a reading taken by the configured metrics probe.
const HealthSourceProbe = "probe"

// RecordProbeHealth is RecordHealth for a metrics probe reading: the
// baseline is always carried forward (ErrNoBaseline when there is none), and
// since a probe reads every few seconds the timeline gets a health.recorded
// event only for the first probe reading after a person's and when the
// rule's verdict changes — every reading is still kept in health_samples.
//
// A probe reading ends the probe's failure spell, if one is open, with a
// probe.recovered event in the same transaction (probe_state.go).
func (s *Store) RecordProbeHealth(ctx context.Context, deploymentID int64, errorRate float64, actor string, at time.Time) (met bool, explanation string, err error) {
	return s.recordHealth(ctx, deploymentID, errorRate, nil, actor, at, HealthSourceProbe)
}

// RecordProbeHealthWithBaseline is RecordProbeHealth for a probe that reads
// the baseline too (a Prometheus probe's baseline_query): baseline nil
// carries the previous one forward, as RecordProbeHealth does.
func (s *Store) RecordProbeHealthWithBaseline(ctx context.Context, deploymentID int64, errorRate float64, baseline *float64, actor string, at time.Time) (met bool, explanation string, err error) {
	return s.recordHealth(ctx, deploymentID, errorRate, baseline, actor, at, HealthSourceProbe)
}

func (s *Store) recordHealth(ctx context.Context, deploymentID int64, errorRate float64, baseline *float64, actor string, at time.Time, source string) (met bool, explanation string, err error) {
	actor, err = cleanActor(actor)
	if err != nil {
		return false, "", err
	}
	if err := checkAt(at); err != nil {
		return false, "", err
	}
	err = s.write(ctx, "record health", func(tx *sql.Tx) error {
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		if !d.Status.Active() {
			return invalidf("deployment #%d is %s: health is recorded only for active deployments", d.ID, d.Status.Label())
		}
		prev, err := latestHealth(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		h := model.Health{ErrorRate: errorRate, Has: true, At: at.UTC()}
		switch {
		case baseline != nil:
			h.BaselineErrorRate = *baseline
		case prev.Has:
			h.BaselineErrorRate = prev.BaselineErrorRate
		default:
			return invalid(ErrNoBaseline)
		}
		if err := h.Validate(); err != nil {
			return invalid(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO health_samples (deployment_id, at, baseline, error_rate, actor, source)
			VALUES (?, ?, ?, ?, ?, ?)`, d.ID, toMS(at), h.BaselineErrorRate, h.ErrorRate, actor, source); err != nil {
			return fmt.Errorf("record health of deployment #%d: %w", d.ID, err)
		}
		if source == HealthSourceProbe {
			if err := endProbeFailing(ctx, tx, d, actor, at); err != nil {
				return err
			}
		}
		met, explanation = s.rule.Evaluate(h)
		wasMet, _ := s.rule.Evaluate(prev)
		quiet := false
		if source == HealthSourceProbe && met == wasMet {
			var prevSource string
			err := tx.QueryRowContext(ctx, `SELECT source FROM health_samples WHERE deployment_id = ?
				ORDER BY id DESC LIMIT 1 OFFSET 1`, d.ID).Scan(&prevSource)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("read health of deployment #%d: %w", d.ID, err)
			}
			quiet = prevSource == HealthSourceProbe
		}
		if !quiet {
			text := model.TextHealthRecorded(explanation)
			if source == HealthSourceProbe {
				text = model.TextHealthProbed(explanation)
			}
			if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventHealthRecorded, DeploymentID: d.ID,
				Text: text}); err != nil {
				return err
			}
		}
		if met && !wasMet {
			if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventHealthCriteriaMet, DeploymentID: d.ID,
				Text: model.TextCriteriaMet(explanation)}); err != nil {
				return err
			}
		}
		if met {
			if err := latchBreach(ctx, tx, d.ID, explanation, actor, at); err != nil {
				return err
			}
		}
		return touchDeployment(ctx, tx, d.ID, at)
	})
	if err != nil {
		return false, "", err
	}
	return met, explanation, nil
}

// DeclareCriterion records a person stating that a rollback criterion is
// met; it holds the rollout like a met error-rate rule. Declaring the same
// criterion with the same reason again writes nothing (a retried command).
func (s *Store) DeclareCriterion(ctx context.Context, deploymentID int64, c model.Criterion, reason, actor string, at time.Time) error {
	actor, err := cleanActor(actor)
	if err != nil {
		return err
	}
	if err := checkAt(at); err != nil {
		return err
	}
	decl, err := model.Declare(c, reason, actor, at)
	if err != nil {
		return invalid(err)
	}
	if err := checkText("reason", decl.Reason, MaxTextLen); err != nil {
		return err
	}
	return s.write(ctx, "declare rollback criterion", func(tx *sql.Tx) error {
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		if !d.Status.Active() {
			return invalidf("deployment #%d is %s: rollback criteria are declared only for active deployments", d.ID, d.Status.Label())
		}
		active, err := activeDeclarations(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		for _, a := range active {
			if a.Criterion == decl.Criterion && a.Reason == decl.Reason {
				return nil
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rollback_declarations (deployment_id, criterion, reason, actor, at)
			VALUES (?, ?, ?, ?, ?)`, d.ID, string(decl.Criterion), decl.Reason, actor, toMS(at)); err != nil {
			return fmt.Errorf("declare rollback criterion: %w", err)
		}
		if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventHealthDeclared, DeploymentID: d.ID,
			Text: model.TextCriteriaDeclared(decl.Criterion, decl.Reason)}); err != nil {
			return err
		}
		return touchDeployment(ctx, tx, d.ID, at)
	})
}

// latchBreach records a reading's breach of the rollback rule as a latched
// criterion, unless one is already active: the first breach is the one to
// explain, and it holds until ClearCriteria, whatever later readings say.
func latchBreach(ctx context.Context, tx *sql.Tx, deploymentID int64, explanation, actor string, at time.Time) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM rollback_declarations WHERE deployment_id = ? AND latched = 1
		AND cleared_at IS NULL`, deploymentID).Scan(&n); err != nil {
		return fmt.Errorf("read latched rollback criteria: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rollback_declarations (deployment_id, criterion, reason, actor, at, latched)
		VALUES (?, ?, ?, ?, ?, 1)`, deploymentID, string(model.CriterionErrorRate), explanation, actor, toMS(at)); err != nil {
		return fmt.Errorf("latch rollback criteria: %w", err)
	}
	return appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventHealthLatched, DeploymentID: deploymentID,
		Text: model.TextCriteriaLatched(explanation)})
}

// ClearCriteria clears every active declaration of the deployment, and a
// latched breach of the rollback rule, as a false alarm, with a reason.
// With none active it writes nothing and says so (ErrNothingToClear). It
// does not touch health readings: an error rate that still meets the rule
// keeps the criteria met until a new reading, or an override reason on
// promote; the next breach latches again.
func (s *Store) ClearCriteria(ctx context.Context, deploymentID int64, reason, actor string, at time.Time) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalidf("clearing rollback criteria needs a reason: say why it was a false alarm")
	}
	if err := checkText("reason", reason, MaxTextLen); err != nil {
		return err
	}
	actor, err := cleanActor(actor)
	if err != nil {
		return err
	}
	if err := checkAt(at); err != nil {
		return err
	}
	return s.write(ctx, "clear rollback criteria", func(tx *sql.Tx) error {
		if _, err := getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		active, err := activeDeclarations(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		if len(active) == 0 {
			return fmt.Errorf("deployment #%d: %w", deploymentID, ErrNothingToClear)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rollback_declarations SET cleared_at = ?, cleared_by = ?, clear_reason = ?
			WHERE deployment_id = ? AND cleared_at IS NULL`, toMS(at), actor, reason, deploymentID); err != nil {
			return fmt.Errorf("clear rollback criteria: %w", err)
		}
		cleared := make([]model.Criterion, len(active))
		for i, d := range active {
			cleared[i] = d.Criterion
		}
		if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventHealthCleared, DeploymentID: deploymentID,
			Text: model.TextCriteriaCleared(cleared, reason)}); err != nil {
			return err
		}
		return touchDeployment(ctx, tx, deploymentID, at)
	})
}
