package data

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Metrics computes the delivery metrics of w — model.ComputeMetrics's rules
// over every deployment and incident — from the few columns they read: the
// deployments that finished in the window with their commit times, and the
// incidents that bear on it with their peak severity, read in one snapshot
// into model.MetricsFacts. For one call (the CLI); a dashboard asks a
// MetricsCache, which keeps the facts between calls.
func (s *Store) Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error) {
	if err := w.Validate(); err != nil {
		return model.Metrics{}, invalid(err)
	}
	var st factState
	err := s.read(ctx, "read metrics", func(tx *sql.Tx) (err error) {
		st, err = loadFacts(ctx, s.eng, tx, toMS(w.From), newScopeIndex())
		return err
	})
	if err != nil {
		return model.Metrics{}, err
	}
	return st.facts.Compute(w), nil
}

// factState is what a MetricsCache holds: facts complete for every window
// starting at or after since (unix ms), as of mark.
type factState struct {
	facts  *model.MetricsFacts
	since  int64
	mark   factMark
	scopes *scopeIndex
}

// factMark says whether anything changed: every write appends an event
// (ids only grow), new deployments and incidents take new ids.
type factMark struct{ events, deployments, incidents int64 }

func readFactMark(ctx context.Context, tx *sql.Tx) (factMark, error) {
	var m factMark
	err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT max(id) FROM events), 0),
		coalesce((SELECT max(id) FROM deployments), 0), coalesce((SELECT max(id) FROM incidents), 0)`).
		Scan(&m.events, &m.deployments, &m.incidents)
	if err != nil {
		return m, fmt.Errorf("read change mark: %w", err)
	}
	return m, nil
}

// scopeIndex numbers the (service, environment) pairs met, in the order
// met; it only grows, so facts made earlier keep their numbers.
type scopeIndex struct {
	scopes []model.MetricsScope
	byName map[string]map[string]int
}

func newScopeIndex() *scopeIndex { return &scopeIndex{byName: map[string]map[string]int{}} }

func (x *scopeIndex) of(service, environment string) int {
	envs := x.byName[service]
	if i, ok := envs[environment]; ok {
		return i
	}
	if envs == nil {
		envs = map[string]int{}
		x.byName[service] = envs
	}
	i := len(x.scopes)
	envs[environment] = i
	x.scopes = append(x.scopes, model.MetricsScope{Service: service, Environment: environment})
	return i
}

// loadFacts reads the facts every window starting at or after since needs.
func loadFacts(ctx context.Context, eng engine, tx *sql.Tx, since int64, scopes *scopeIndex) (factState, error) {
	mark, err := readFactMark(ctx, tx)
	if err != nil {
		return factState{}, err
	}
	deps, err := loadDeploySpan(ctx, tx, scopes, mark, since, noLimit)
	if err != nil {
		return factState{}, err
	}
	if err := loadCommitFacts(ctx, eng, tx, deps, commitsInRange(mark)); err != nil {
		return factState{}, err
	}
	incs, err := loadIncidentFacts(ctx, eng, tx, scopes, incidentsFor, since)
	if err != nil {
		return factState{}, err
	}
	return factState{facts: model.NewMetricsFacts(scopes.scopes, deps, incs), since: since, mark: mark, scopes: scopes}, nil
}

// loadDeploySpan reads the deployments that reached production and finished
// in [since, until). A short span is an index range (finishing order, as
// the facts keep them); one holding more than a quarter of the deployments
// is a table scan, which SQLite reads several times faster than an index
// range that looks up every row. (`x + 0` is x to both engines, but no
// index column to SQLite's planner; PostgreSQL chooses by its statistics.)
func loadDeploySpan(ctx context.Context, tx *sql.Tx, scopes *scopeIndex, mark factMark, since, until int64) ([]model.DeployFact, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM deployments WHERE finished_at >= ?1 AND finished_at < ?2`, since, until).Scan(&n); err != nil {
		return nil, fmt.Errorf("count deployments: %w", err)
	}
	col := "d.finished_at"
	if 4*n > mark.deployments {
		col = "d.finished_at + 0"
	}
	return loadDeployFacts(ctx, tx, scopes, col+` >= ?1 AND `+col+` < ?2`, since, until)
}

// loadDeployFacts reads the deployments that reached production (completed
// or rolled back) and match cond, a condition on deployments d. (The status
// index would list every deployment ever completed: appending the empty
// string to the status keeps SQLite's planner off it.)
func loadDeployFacts(ctx context.Context, tx *sql.Tx, scopes *scopeIndex, cond string, args ...any) ([]model.DeployFact, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.status, d.hotfix_for, d.created_at, d.execution_at, d.finished_at, d.committed_at,
		d.service, d.environment FROM deployments d WHERE (d.status || '') IN ('completed', 'rolled_back') AND `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("read deployments: %w", err)
	}
	defer rows.Close()
	var out []model.DeployFact
	for rows.Next() {
		var f model.DeployFact
		var status, service, env string
		var hotfix, created, execution, finished, committed sql.NullInt64
		if err := rows.Scan(&f.ID, &status, &hotfix, &created, &execution, &finished, &committed, &service, &env); err != nil {
			return nil, fmt.Errorf("read deployment: %w", err)
		}
		// The conversions scanDeployment makes, so that the facts are
		// the deployments the model would be given.
		f.FinishedAt = fromMS(finished)
		if f.FinishedAt.IsZero() {
			continue
		}
		f.RolledBack = model.Status(status) == model.StatusRolledBack
		f.HotfixFor = hotfix.Int64
		f.CreatedAt, f.ExecutionAt, f.CommittedAt = fromMS(created), fromMS(execution), fromMS(committed)
		f.Scope = scopes.of(service, env)
		out = append(out, f)
	}
	return out, rows.Err()
}

// How loadCommitFacts finds the commits of the deployments it is given.
type commitsBy int

const (
	commitsByIDs   commitsBy = iota // a few deployments: by their ids
	commitsByRange                  // the index range of their ids
	commitsByScan                   // most deployments: the whole table
)

// commitsInRange chooses how to read the commits of the deployments
// finished in a span: by their id range, or by a scan when that range is
// most of the table (commits are in deployment order).
func commitsInRange(mark factMark) func(lo, hi int64) commitsBy {
	return func(lo, hi int64) commitsBy {
		if 4*(hi-lo+1) > mark.deployments {
			return commitsByScan
		}
		return commitsByRange
	}
}

// loadCommitFacts reads the commit times of the completed deployments among
// deps (rolled back ones have no lead time); how decides how, given their
// id range (nil: by their ids).
func loadCommitFacts(ctx context.Context, eng engine, tx *sql.Tx, deps []model.DeployFact, how func(lo, hi int64) commitsBy) error {
	at := make(map[int64]int32, len(deps))
	var lo, hi int64
	for i, d := range deps {
		if d.RolledBack {
			continue
		}
		if len(at) == 0 {
			lo, hi = d.ID, d.ID
		}
		lo, hi = min(lo, d.ID), max(hi, d.ID)
		at[d.ID] = int32(i)
	}
	if len(at) == 0 {
		return nil
	}
	by := commitsByIDs
	if how != nil {
		by = how(lo, hi)
	}
	var rows *sql.Rows
	var err error
	switch by {
	case commitsByIDs:
		ids := make([]int64, 0, len(at))
		for id := range at {
			ids = append(ids, id)
		}
		js, _ := json.Marshal(ids)
		rows, err = tx.QueryContext(ctx, `SELECT deployment_id, committed_at FROM deployment_commits
			WHERE deployment_id IN (`+eng.intList("?1")+`)`, string(js))
	case commitsByRange:
		rows, err = tx.QueryContext(ctx, `SELECT deployment_id, committed_at FROM deployment_commits
			WHERE deployment_id BETWEEN ?1 AND ?2`, lo, hi)
	default:
		rows, err = tx.QueryContext(ctx, `SELECT deployment_id, committed_at FROM deployment_commits
			WHERE deployment_id + 0 BETWEEN ?1 AND ?2`, lo, hi)
	}
	if err != nil {
		return fmt.Errorf("read commits: %w", err)
	}
	defer rows.Close()
	// Two passes over what was read: count each deployment's commits, then
	// give each its part of one array.
	type commit struct {
		dep int32
		at  time.Time
	}
	var cs []commit
	count := make([]int32, len(deps))
	for rows.Next() {
		var id int64
		var committed sql.NullInt64
		if err := rows.Scan(&id, &committed); err != nil {
			return fmt.Errorf("read commit: %w", err)
		}
		i, ok := at[id]
		if !ok {
			continue
		}
		cs = append(cs, commit{i, fromMS(committed)})
		count[i]++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	all := make([]time.Time, len(cs))
	next := make([]int32, len(deps))
	n := int32(0)
	for i, c := range count {
		next[i] = n
		deps[i].Commits = all[n : n : n+c]
		n += c
	}
	for _, c := range cs {
		deps[c.dep].Commits = append(deps[c.dep].Commits, c.at)
	}
	return nil
}

// Which incidents loadIncidentFacts reads.
const (
	// Every incident a window starting at or after ?1 can need: not
	// resolved before ?1 (a superset: NOT of a resolution the model would
	// take as valid), or linked to a deployment that reached production at
	// or after ?1 (its failure, whenever the incident was).
	incidentsFor = `NOT (i.status = 'resolved' AND coalesce(i.resolved_at, 0) > 0 AND i.resolved_at >= i.opened_at AND i.resolved_at < ?1)
		OR (d.status IN ('completed', 'rolled_back') AND d.finished_at >= ?1)`
	// The incidents ?1 (a JSON list) and those linked to the deployments ?2.
	incidentsByIDs = `i.id IN (SELECT value FROM ids1) OR i.deployment_id IN (SELECT value FROM ids2)`
)

// loadIncidentFacts reads the incidents matching cond (a condition on
// incidents i and the deployment d each is linked to), ordered by id, with
// the scope of that deployment and the most severe level each ever had.
func loadIncidentFacts(ctx context.Context, eng engine, tx *sql.Tx, scopes *scopeIndex, cond string, args ...any) ([]model.IncidentFact, error) {
	with := ""
	if cond == incidentsByIDs {
		with = `WITH ids1 AS (` + eng.intList("?1") + `), ids2 AS (` + eng.intList("?2") + `) `
	}
	rows, err := tx.QueryContext(ctx, with+`SELECT i.id, i.deployment_id, i.severity, i.status, i.opened_at, i.resolved_at, d.service, d.environment
		FROM incidents i LEFT JOIN deployments d ON d.id = i.deployment_id WHERE `+cond+` ORDER BY i.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	defer rows.Close()
	var out []model.IncidentFact
	for rows.Next() {
		var f model.IncidentFact
		var dep, opened, resolved sql.NullInt64
		var service, env sql.NullString
		var sev int
		var status string
		if err := rows.Scan(&f.ID, &dep, &sev, &status, &opened, &resolved, &service, &env); err != nil {
			return nil, fmt.Errorf("read incident: %w", err)
		}
		f.DeploymentID = dep.Int64
		f.Status = model.IncidentStatus(status)
		f.OpenedAt, f.ResolvedAt = fromMS(opened), fromMS(resolved)
		f.Scope = -1
		if f.DeploymentID != 0 && service.Valid {
			f.Scope = scopes.of(service.String, env.String)
		}
		f.SeeSeverity(model.Severity(sev))
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	// Severity changes are few: read the id range and keep ours.
	rows, err = tx.QueryContext(ctx, `SELECT incident_id, from_sev, to_sev FROM incident_severity_changes
		WHERE incident_id BETWEEN ? AND ?`, out[0].ID, out[len(out)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("read severity changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var from, to int
		if err := rows.Scan(&id, &from, &to); err != nil {
			return nil, fmt.Errorf("read severity change: %w", err)
		}
		if i, ok := slices.BinarySearchFunc(out, id, func(f model.IncidentFact, id int64) int { return cmp.Compare(f.ID, id) }); ok {
			out[i].SeeSeverity(model.Severity(from))
			out[i].SeeSeverity(model.Severity(to))
		}
	}
	return out, rows.Err()
}
