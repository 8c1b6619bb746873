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

// DeploymentFilter selects deployments for the history list. Empty fields
// select everything; Service and Environment match case-insensitively
// (ASCII letters).
type DeploymentFilter struct {
	Service     string
	Environment string
	Status      model.Status // "" = every status
	Limit       int          // <= 0: no limit
	Offset      int
}

func (f DeploymentFilter) where() (string, []any, error) {
	var conds []string
	var args []any
	if s := strings.TrimSpace(f.Service); s != "" {
		conds, args = append(conds, "service = ? COLLATE NOCASE"), append(args, s)
	}
	if e := strings.TrimSpace(f.Environment); e != "" {
		conds, args = append(conds, "environment = ? COLLATE NOCASE"), append(args, e)
	}
	if f.Status != "" {
		if !f.Status.Valid() {
			return "", nil, invalidf("unknown deployment status %q: use planned, in_progress, completed, rolled_back or aborted", string(f.Status))
		}
		conds, args = append(conds, "status = ?"), append(args, string(f.Status))
	}
	if f.Offset < 0 {
		return "", nil, invalidf("offset %d is negative", f.Offset)
	}
	return sqlWhere(conds), args, nil
}

// DeploymentsFiltered lists the deployments matching f, newest first
// (creation time, then id), f.Offset rows in and at most f.Limit of them.
func (s *Store) DeploymentsFiltered(ctx context.Context, f DeploymentFilter) ([]model.Deployment, error) {
	where, args, err := f.where()
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = noLimit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deploymentCols+` FROM deployments`+where+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, s.fail("list deployments", err)
	}
	defer rows.Close()
	out := []model.Deployment{}
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

// DeploymentCount counts the deployments matching f, ignoring Limit and
// Offset ("50 of 4,812").
func (s *Store) DeploymentCount(ctx context.Context, f DeploymentFilter) (int, error) {
	where, args, err := f.where()
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM deployments`+where, args...).Scan(&n); err != nil {
		return 0, s.fail("count deployments", err)
	}
	return n, nil
}

// IncidentFilter selects incidents for the history list.
type IncidentFilter struct {
	Status      model.IncidentStatus // "" = every status
	MinSeverity model.Severity       // SEV2 = SEV1 and SEV2 (current severity); 0 = all
	Limit       int                  // <= 0: no limit
	Offset      int
}

// IncidentsFiltered lists the incidents matching f, newest first (opening
// time, then id), each with its whole history (severity changes, acks,
// escalations, action items).
func (s *Store) IncidentsFiltered(ctx context.Context, f IncidentFilter) ([]model.Incident, error) {
	var conds []string
	var args []any
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, invalidf("unknown incident status %q: use open, mitigated or resolved", string(f.Status))
		}
		conds, args = append(conds, "status = ?"), append(args, string(f.Status))
	}
	if f.MinSeverity != 0 {
		if !f.MinSeverity.Valid() {
			return nil, invalidf("severity filter %d is not valid: use SEV1–SEV4 or 0 for all", int(f.MinSeverity))
		}
		conds, args = append(conds, "severity <= ?"), append(args, int(f.MinSeverity))
	}
	if f.Offset < 0 {
		return nil, invalidf("offset %d is negative", f.Offset)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = noLimit
	}
	// loadIncidents pages by limit only; the page (with its offset) is
	// chosen by the inner query.
	where := `WHERE id IN (SELECT id FROM incidents` + sqlWhere(conds) + ` ORDER BY opened_at DESC, id DESC LIMIT ? OFFSET ?)`
	args = append(args, limit, f.Offset)
	out := []model.Incident{}
	err := s.read(ctx, "list incidents", func(tx *sql.Tx) error {
		incs, err := loadIncidents(ctx, tx, where, args, noLimit)
		if incs != nil {
			out = incs
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeploymentIncidents returns the incidents linked to a deployment (the ones
// it caused, or that were opened while it was the one in focus) and the
// incident it is the hotfix for, newest first, each with its whole history.
func (s *Store) DeploymentIncidents(ctx context.Context, deploymentID int64) ([]model.Incident, error) {
	out := []model.Incident{}
	err := s.read(ctx, "read linked incidents", func(tx *sql.Tx) error {
		if _, err := getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		incs, err := loadIncidents(ctx, tx, `WHERE deployment_id = ?1
			OR id = (SELECT hotfix_for FROM deployments WHERE id = ?1)`, []any{deploymentID}, noLimit)
		if incs != nil {
			out = incs
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Services lists every service that has a deployment, sorted. Names that
// differ only in case are one service (as the filters and the metrics
// match them), listed once.
func (s *Store) Services(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT min(service) FROM deployments GROUP BY service COLLATE NOCASE
		ORDER BY min(service) COLLATE NOCASE`)
	if err != nil {
		return nil, s.fail("list services", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var svc string
		if err := rows.Scan(&svc); err != nil {
			return nil, s.fail("list services", err)
		}
		out = append(out, svc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list services", err)
	}
	return out, nil
}

// MarkHotfix records that the deployment was made to fix INC-incidentID (DORA
// deployment rework rate); incidentID 0 clears the mark. The event is on both
// the deployment's and the incident's timeline. Marking what is already
// marked writes nothing.
func (s *Store) MarkHotfix(ctx context.Context, deploymentID, incidentID int64, actor string, at time.Time) error {
	actor, err := cleanActor(actor)
	if err != nil {
		return err
	}
	if err := checkAt(at); err != nil {
		return err
	}
	if incidentID < 0 {
		return invalidf("incident id %d is not valid", incidentID)
	}
	return s.write(ctx, "mark hotfix", func(tx *sql.Tx) error {
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		if d.HotfixFor == incidentID {
			return nil
		}
		// The event is filed under the incident it now fixes, or, when
		// cleared, the one it no longer fixes.
		about := incidentID
		if about == 0 {
			about = d.HotfixFor
		}
		inc, err := getIncident(ctx, tx, about)
		if errors.Is(err, ErrNotFound) && incidentID != 0 {
			return invalidf("INC-%d does not exist: see flightdeck incident list --all", incidentID)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deployments SET hotfix_for = ?, updated_at = max(updated_at, ?) WHERE id = ?`,
			nullID(incidentID), toMS(at), d.ID); err != nil {
			return fmt.Errorf("mark deployment #%d: %w", d.ID, err)
		}
		text := model.TextHotfixMarked(d.ID, d.Title(), inc.ID, d.HotfixFor)
		if incidentID == 0 {
			text = model.TextHotfixUnmarked(d.ID, d.Title(), inc.ID)
		}
		e := incidentEvent(inc, model.EventDeployHotfix, actor, at, text)
		e.DeploymentID = d.ID
		return appendEvent(ctx, tx, e)
	})
}

// DeploymentTimeline returns every event of a deployment in the order things
// happened (time, then id): its checklist, rollout, health and the incidents
// opened against it. A missing deployment wraps ErrNotFound.
func (s *Store) DeploymentTimeline(ctx context.Context, id int64) ([]model.Event, error) {
	return s.timeline(ctx, "read deployment timeline", "deployment_id", id, func(tx *sql.Tx) error {
		_, err := getDeployment(ctx, tx, id)
		return err
	})
}

// timeline reads the events whose column (deployment_id or incident_id)
// equals id, in the order things happened, after exists has checked that
// the owner is there. It never returns nil on success.
func (s *Store) timeline(ctx context.Context, what, column string, id int64, exists func(tx *sql.Tx) error) ([]model.Event, error) {
	out := []model.Event{}
	err := s.read(ctx, what, func(tx *sql.Tx) error {
		if err := exists(tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+eventCols+` FROM events e WHERE e.`+column+` = ? ORDER BY e.at, e.id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
