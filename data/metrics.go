package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/model"
)

// MetricsInput loads what model.ComputeMetrics needs for the window [from,
// to) and one service ("" = all), from one snapshot. The metrics screens
// and `metrics` use Store.Metrics and MetricsCache, which compute the same
// from a few columns of the same rows; this path, whole rows into
// ComputeMetrics, is the reference the tests hold them to. It loads:
//
//   - deployments that finished or were created in the window;
//   - incidents that matter to the window: opened before `to` and not
//     resolved before `from`, plus every incident linked to one of those
//     deployments, whenever it opened (a failure may surface after the
//     window) — each with its severity history (its peak severity decides
//     whether it is a failure), but without acks, escalations or action
//     items, which no metric reads;
//   - the deployment each of those incidents is linked to, wherever it
//     falls, so an incident is matched to its service and environment;
//   - each deployment's commits (lead time is measured per commit).
//
// With a service, only that service's deployments and the incidents linked
// to them are loaded (the model counts an incident for a service only
// through its deployment). Every environment is loaded; the model keeps the
// window's. Both slices are ordered by id.
func (s *Store) MetricsInput(ctx context.Context, from, to time.Time, service string) ([]model.Deployment, []model.Incident, error) {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return nil, nil, invalidf("the metrics window [%s, %s) is empty", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	service = strings.TrimSpace(service)
	// SQLite's NOCASE folds ASCII only; for other names every service is
	// loaded and the model (strings.EqualFold) chooses.
	svcCond, svcArgs := "", []any(nil)
	if service != "" && isASCII(service) {
		svcCond, svcArgs = " AND service = ? COLLATE NOCASE", []any{service}
	}
	fromMS, toMS := toMS(from), toMS(to)
	var deps []model.Deployment
	var incs []model.Incident
	err := s.read(ctx, "read metrics", func(tx *sql.Tx) error {
		// The window's deployments and incidents by id, each set built from
		// index range reads; ?3 is the service, when one is chosen.
		depIDs := `SELECT id FROM deployments WHERE finished_at >= ?1 AND finished_at < ?2` + strings.ReplaceAll(svcCond, "?", "?3") + `
			UNION SELECT id FROM deployments WHERE created_at >= ?1 AND created_at < ?2` + strings.ReplaceAll(svcCond, "?", "?3")
		// Every parameter a statement is given must appear in it (PostgreSQL
		// types each one): ?3 exists only with a service, and the linked ids
		// come last.
		args := append([]any{fromMS, toMS}, svcArgs...)
		linkedParam := "?" + strconv.Itoa(len(args)+1)
		incIDs := `SELECT id FROM incidents WHERE resolved_at >= ?1 AND opened_at < ?2
			UNION SELECT id FROM incidents WHERE status <> 'resolved' AND opened_at < ?2
			UNION SELECT id FROM incidents WHERE deployment_id IN (` + depIDs + `)`
		if svcCond != "" {
			// Only incidents linked to the service's deployments count.
			incIDs = `SELECT i.id FROM incidents i JOIN deployments d ON d.id = i.deployment_id
				WHERE i.id IN (` + incIDs + `) AND d.service = ?3 COLLATE NOCASE`
		}
		var err error
		if incs, err = loadMetricIncidents(ctx, tx, incIDs, args); err != nil {
			return err
		}
		// The window's deployments and every deployment an incident is
		// linked to, wherever it falls.
		linked := []int64{}
		for _, inc := range incs {
			if inc.DeploymentID != 0 {
				linked = append(linked, inc.DeploymentID)
			}
		}
		js, err := json.Marshal(linked)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE id IN (`+depIDs+`
			UNION `+s.eng.intList(linkedParam)+`) ORDER BY id`, append(args, string(js))...)
		if err != nil {
			return fmt.Errorf("read deployments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDeployment(rows)
			if err != nil {
				return fmt.Errorf("read deployment: %w", err)
			}
			deps = append(deps, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// The commits each shipped: lead time is measured per commit.
		ids := make([]int64, len(deps))
		for i, d := range deps {
			ids[i] = d.ID
		}
		commits := map[int64][]model.Commit{}
		if err := loadCommits(ctx, tx, ids, commits); err != nil {
			return err
		}
		for i := range deps {
			deps[i].Commits = commits[deps[i].ID]
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return deps, incs, nil
}

// loadMetricIncidents reads the incidents whose ids ids (a SELECT) returns,
// ordered by id, with their severity history only.
func loadMetricIncidents(ctx context.Context, q queryer, ids string, args []any) ([]model.Incident, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents WHERE id IN (`+ids+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	out, byID, err := scanIncidentRows(rows)
	if err != nil || len(out) == 0 {
		return out, err
	}
	// Severity changes are few: read the id range (an index range) rather
	// than evaluate the id set again; loadChildren keeps only ours.
	err = loadChildren(ctx, q, `SELECT incident_id, at, from_sev, to_sev, actor FROM incident_severity_changes
		WHERE incident_id BETWEEN ? AND ? ORDER BY at, id`, []any{out[0].ID, out[len(out)-1].ID}, out, byID, scanSeverityChange)
	return out, err
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
