package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/octoacme/flightdeck/model"
)

const deploymentCols = `id, service, version, environment, strategy, status, template, started_by,
	created_at, updated_at, execution_at, finished_at, commit_sha, committed_at, rollback_at, stability_at, hotfix_for`

// StartDeployment records a planned deployment with its own copy of the
// template's checklist and guidance, so later template edits never rewrite
// a deployment's history. While an open SEV1/SEV2 freezes deployments it
// refuses with *FreezeError (see StartDeploymentOverride).
func (s *Store) StartDeployment(ctx context.Context, n model.NewDeployment, tpl model.Template, actor string, at time.Time) (model.Deployment, error) {
	return s.startDeployment(ctx, n, tpl, model.StartOverride{}, actor, at)
}

// startDeployment checks the freeze and the deployment in flight inside the
// insert's transaction; o holds validated override reasons ("" for none).
func (s *Store) startDeployment(ctx context.Context, n model.NewDeployment, tpl model.Template, o model.StartOverride, actor string, at time.Time) (model.Deployment, error) {
	n, err := n.Normalize()
	if err != nil {
		return model.Deployment{}, invalid(err)
	}
	if strings.ContainsFunc(n.CommitSHA, unicode.IsControl) || len(n.CommitSHA) > 80 {
		return model.Deployment{}, invalidf("commit %q is not a commit id: pass the hash of the commit being deployed", n.CommitSHA)
	}
	if err := tpl.Validate(); err != nil {
		return model.Deployment{}, invalid(fmt.Errorf("template %q: %w", tpl.Name, err))
	}
	if actor, err = cleanActor(actor); err != nil {
		return model.Deployment{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Deployment{}, err
	}

	var d model.Deployment
	err = s.write(ctx, "start deployment", func(tx *sql.Tx) error {
		freeze, err := freezeGate(ctx, tx, o.Freeze)
		if err != nil {
			return err
		}
		inFlight, err := inFlightGate(ctx, tx, n, o.InFlight)
		if err != nil {
			return err
		}
		if err := checkCommitsBase(ctx, tx, n); err != nil {
			return err
		}
		// The id is the next number, chosen under the write lock: #n has
		// no gaps on either engine (a PostgreSQL sequence would skip the
		// numbers of rolled-back starts).
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO deployments
			(id, service, version, environment, strategy, status, template, started_by, created_at, updated_at, commit_sha, committed_at)
			VALUES ((SELECT coalesce(max(id), 0) + 1 FROM deployments), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Service, n.Version, n.Environment, string(n.Strategy), string(model.StatusPlanned), tpl.Name,
			actor, toMS(at), toMS(at), n.CommitSHA, nullMS(n.CommittedAt)).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert deployment: %w", err)
		}
		if err := insertChecklist(ctx, tx, id, tpl); err != nil {
			return err
		}
		if err := insertCommits(ctx, tx, id, n.Commits); err != nil {
			return err
		}
		if d, err = getDeployment(ctx, tx, id); err != nil {
			return err
		}
		d.Commits = n.Commits
		if err := freeze.recordOverride(ctx, tx, d, o.Freeze, actor, at); err != nil {
			return err
		}
		if inFlight != "" {
			if err := appendEvent(ctx, tx, model.Event{
				At: at, Actor: actor, Kind: model.EventDeployInFlight, DeploymentID: id,
				Text: model.TextInFlightOverride(d.Title(), inFlight, o.InFlight),
			}); err != nil {
				return err
			}
		}
		return appendEvent(ctx, tx, model.Event{
			At: at, Actor: actor, Kind: model.EventDeployStarted, DeploymentID: id,
			Text: model.TextDeployStarted(d.Title(), d.Strategy),
		})
	})
	return d, err
}

func insertChecklist(ctx context.Context, tx *sql.Tx, deploymentID int64, tpl model.Template) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO checklist_items
		(deployment_id, phase, section, position, text, state) VALUES (?, ?, ?, ?, ?, 'todo')`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, it := range tpl.Items() {
		if _, err := ins.ExecContext(ctx, deploymentID, it.Phase, it.Section, it.Position, it.Text); err != nil {
			return fmt.Errorf("insert checklist item %q: %w", it.Text, err)
		}
	}
	gins, err := tx.PrepareContext(ctx, `INSERT INTO checklist_guidance
		(deployment_id, phase, position, title, line) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer gins.Close()
	for pos, g := range tpl.AllGuidance() {
		lines := []any{nil} // a title-only block is one row with line NULL
		if len(g.Lines) > 0 {
			lines = lines[:0]
			for _, l := range g.Lines {
				lines = append(lines, l)
			}
		}
		for _, l := range lines {
			if _, err := gins.ExecContext(ctx, deploymentID, g.Phase, pos+1, g.Title, l); err != nil {
				return fmt.Errorf("insert guidance %q: %w", g.Title, err)
			}
		}
	}
	return nil
}

// Deployment returns one deployment; a missing id wraps ErrNotFound.
func (s *Store) Deployment(ctx context.Context, id int64) (model.Deployment, error) {
	d, err := getDeployment(ctx, s.db, id)
	if err != nil {
		return d, s.fail("read deployment", err)
	}
	return d, nil
}

// ActiveDeployments lists planned and in-progress deployments, newest first.
func (s *Store) ActiveDeployments(ctx context.Context) ([]model.Deployment, error) {
	return s.listDeployments(ctx, `WHERE status IN ('planned', 'in_progress')`, noLimit)
}

// Deployments lists every deployment, newest first; limit <= 0 means all.
func (s *Store) Deployments(ctx context.Context, limit int) ([]model.Deployment, error) {
	if limit <= 0 {
		limit = noLimit
	}
	return s.listDeployments(ctx, "", limit)
}

func (s *Store) listDeployments(ctx context.Context, where string, limit int) ([]model.Deployment, error) {
	// The first read of every dashboard snapshot: a replaced or deleted
	// file is reported here rather than shown as the present.
	if err := s.guard.check(); err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deploymentCols+` FROM deployments `+where+`
		ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.fail("list deployments", err)
	}
	defer rows.Close()
	var out []model.Deployment
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			return nil, s.fail("list deployments", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list deployments", err)
	}
	return out, nil
}

func getDeployment(ctx context.Context, q queryer, id int64) (model.Deployment, error) {
	d, err := scanDeployment(q.QueryRowContext(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("deployment #%d %w", id, ErrNotFound)
	}
	return d, err
}

func scanDeployment(r interface{ Scan(...any) error }) (model.Deployment, error) {
	var d model.Deployment
	var strategy, status string
	var created, updated, execution, finished, committed, rollback, stability, hotfix sql.NullInt64
	err := r.Scan(&d.ID, &d.Service, &d.Version, &d.Environment, &strategy, &status, &d.Template,
		&d.StartedBy, &created, &updated, &execution, &finished, &d.CommitSHA, &committed, &rollback, &stability, &hotfix)
	if err != nil {
		return model.Deployment{}, err
	}
	d.Strategy = model.Strategy(strategy)
	d.Status = model.Status(status)
	d.CreatedAt = fromMS(created)
	d.UpdatedAt = fromMS(updated)
	d.ExecutionAt = fromMS(execution)
	d.FinishedAt = fromMS(finished)
	d.CommittedAt = fromMS(committed)
	d.RollbackAt = fromMS(rollback)
	d.StabilityAt = fromMS(stability)
	d.HotfixFor = hotfix.Int64
	return d, nil
}

// StartExecution moves a planned deployment into Deployment Execution and
// starts its rollout at the strategy's first stage, in one transaction. Open
// Pre-Deployment items block it (*GateError, nothing written) unless
// override is set, in which case the override itself goes on the timeline.
// A deployment already executing is returned unchanged.
func (s *Store) StartExecution(ctx context.Context, deploymentID int64, actor string, at time.Time, override bool) (model.Deployment, error) {
	return s.startExecution(ctx, deploymentID, actor, at, override, "")
}

// StartExecutionWithReason is StartExecution where a non-empty reason
// overrides the Pre-Deployment gate and is quoted in the override event, so
// the timeline says why open items were skipped.
func (s *Store) StartExecutionWithReason(ctx context.Context, deploymentID int64, actor string, at time.Time, reason string) (model.Deployment, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, MaxTextLen); err != nil {
		return model.Deployment{}, err
	}
	return s.startExecution(ctx, deploymentID, actor, at, reason != "", reason)
}

func (s *Store) startExecution(ctx context.Context, deploymentID int64, actor string, at time.Time, override bool, overrideReason string) (model.Deployment, error) {
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Deployment{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Deployment{}, err
	}
	var d model.Deployment
	err = s.write(ctx, "start Deployment Execution", func(tx *sql.Tx) error {
		if d, err = getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		switch d.Status {
		case model.StatusInProgress:
			// Someone started it first: say who and when rather than
			// claim this start (nothing is written).
			last, err := latestEvent(ctx, tx, "deployment_id", d.ID, []model.EventKind{model.EventExecutionStart})
			if err != nil {
				return err
			}
			return model.StaleExecution(d.Title(), last)
		case model.StatusPlanned:
		default:
			return fmt.Errorf("deployment #%d is %s: only a planned deployment can start Deployment Execution", d.ID, d.Status.Label())
		}
		if err := checkDeploymentOrder(ctx, tx, d, "Deployment Execution", at); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM checklist_items
			WHERE deployment_id = ? AND phase = ? AND state = 'todo'`, d.ID, model.PhasePreDeployment).Scan(&open); err != nil {
			return fmt.Errorf("count open Pre-Deployment items: %w", err)
		}
		if open > 0 && !override {
			return &GateError{Open: open}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deployments SET status = ?, execution_at = ?, updated_at = max(updated_at, ?) WHERE id = ?`,
			string(model.StatusInProgress), toMS(at), toMS(at), d.ID); err != nil {
			return fmt.Errorf("update deployment #%d: %w", d.ID, err)
		}
		if open > 0 {
			if err := appendEvent(ctx, tx, model.Event{
				At: at, Actor: actor, Kind: model.EventGateOverride, DeploymentID: d.ID,
				Text: model.TextGateOverride(open, overrideReason),
			}); err != nil {
				return err
			}
		}
		if err := appendEvent(ctx, tx, model.Event{
			At: at, Actor: actor, Kind: model.EventExecutionStart, DeploymentID: d.ID,
			Text: model.TextExecutionStarted(),
		}); err != nil {
			return err
		}
		if _, err := startRollout(ctx, tx, d, s.plan(d.Strategy), actor, at, at, true); err != nil {
			return err
		}
		if err := recordHeldAtStart(ctx, tx, d, actor, at); err != nil {
			return err
		}
		d, err = getDeployment(ctx, tx, d.ID)
		return err
	})
	if err != nil {
		return model.Deployment{}, err
	}
	return d, nil
}
