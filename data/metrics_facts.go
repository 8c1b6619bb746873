package data

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/octoacme/flightdeck/model"
)

// Metrics computes the delivery metrics of w — model.ComputeMetrics's rules
// over every deployment and incident — from the few columns they read: the
// deployments that finished in the window with their commit times, and the
// incidents that bear on it with their peak severity, read in one snapshot
// into model.MetricsFacts. For one call (the CLI); a dashboard asks a
// MetricsCache, which keeps the facts between calls.
//
// A large history's facts are kept between processes as the database's
// metrics snapshot (see metrics_snapshot.go): read from it, a call reads
// from the database only what was written since.
func (s *Store) Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error) {
	if err := w.Validate(); err != nil {
		return model.Metrics{}, invalid(err)
	}
	var st factState
	var line *lineage
	snap, fromSnap := s.loadSnapshot()
	if fromSnap {
		st, line = snap.st, &snap.line
	}
	st, much, err := s.current(ctx, st, line, toMS(w.From))
	if err != nil {
		return model.Metrics{}, err
	}
	// Kept again after a read of much, or when the snapshot has fallen
	// well behind: each later call then reads fewer events since.
	if much || fromSnap && st.mark.events-snap.st.mark.events > snapshotLag {
		s.saveSnapshotOf(ctx, st)
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
// met; it only grows, so facts made earlier keep their numbers. Readers
// running at once share it.
type scopeIndex struct {
	mu     sync.Mutex
	scopes []model.MetricsScope
	byName map[string]map[string]int32
}

func newScopeIndex() *scopeIndex { return &scopeIndex{byName: map[string]map[string]int32{}} }

func (x *scopeIndex) of(service, environment string) int32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	envs := x.byName[service]
	if i, ok := envs[environment]; ok {
		return i
	}
	if envs == nil {
		envs = map[string]int32{}
		x.byName[service] = envs
	}
	i := int32(len(x.scopes))
	envs[environment] = i
	x.scopes = append(x.scopes, model.MetricsScope{Service: service, Environment: environment})
	return i
}

// list is the pairs numbered so far (appends later do not touch them).
func (x *scopeIndex) list() []model.MetricsScope {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.scopes
}

// factSpan is what one read brings: the deployments that reached production
// and finished in a span, the commits of deployments of about those ids,
// and the incidents the span's windows can need.
type factSpan struct {
	deps    []model.DeployFact
	commits []commitRow
	incs    []model.IncidentFact
}

type commitRow struct{ deployment, at int64 }

// facts are the span's facts, the commits given to their deployments.
func (sp factSpan) facts(scopes *scopeIndex) *model.MetricsFacts {
	attachCommits(sp.deps, sp.commits)
	return model.NewMetricsFacts(scopes.list(), sp.deps, sp.incs)
}

// errMoved says that readers running at once saw different snapshots (a
// write committed between their starts).
var errMoved = errors.New("the database changed while its metrics facts were read")

// loadFacts reads the facts every window starting at or after since needs.
func (s *Store) loadFacts(ctx context.Context, since int64, scopes *scopeIndex) (factState, error) {
	sp, mark, err := s.readSpan(ctx, scopes, since, noLimit, nil)
	if errors.Is(err, errMoved) {
		err = s.read(ctx, "read metrics", func(tx *sql.Tx) (err error) {
			if mark, err = readFactMark(ctx, tx); err == nil {
				sp, err = readSpanTx(ctx, s.eng, tx, scopes, mark, since, noLimit)
			}
			return err
		})
	}
	if err != nil {
		return factState{}, err
	}
	return factState{facts: sp.facts(scopes), since: since, mark: mark, scopes: scopes}, nil
}

// readSpan reads the span [since, until) with two readers at once, each in
// its own read transaction on its own connection — the deployments; the
// commits and incidents — which halves the wait on a machine with two cores
// (most of it is SQLite stepping through rows). The two snapshots are one
// when both saw the same change mark (and the mark want, if given): else it
// returns errMoved, and the caller reads again in one transaction.
func (s *Store) readSpan(ctx context.Context, scopes *scopeIndex, since, until int64, want *factMark) (factSpan, factMark, error) {
	var sp factSpan
	var marks [2]factMark
	var errs [2]error
	var wg sync.WaitGroup
	readers := [2]func(tx *sql.Tx, mark factMark) error{
		func(tx *sql.Tx, mark factMark) (err error) {
			sp.deps, err = readDeploySpan(ctx, tx, scopes, mark, since, until)
			return err
		},
		func(tx *sql.Tx, mark factMark) (err error) {
			if sp.commits, err = readCommitSpan(ctx, tx, mark, since, until); err != nil {
				return err
			}
			sp.incs, err = readIncidentFacts(ctx, s.eng, tx, scopes, incidentsFor, since)
			return err
		},
	}
	for i, r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.read(ctx, "read metrics", func(tx *sql.Tx) (err error) {
				if marks[i], err = readFactMark(ctx, tx); err != nil {
					return err
				}
				if want != nil && marks[i] != *want {
					return errMoved
				}
				return r(tx, marks[i])
			})
		}()
	}
	wg.Wait()
	if err := cmp.Or(errs[0], errs[1]); err != nil {
		return sp, marks[0], err
	}
	if marks[0] != marks[1] {
		return sp, marks[0], errMoved
	}
	return sp, marks[0], nil
}

// readSpanTx is readSpan in one transaction, as of mark.
func readSpanTx(ctx context.Context, eng engine, tx *sql.Tx, scopes *scopeIndex, mark factMark, since, until int64) (sp factSpan, err error) {
	if sp.deps, err = readDeploySpan(ctx, tx, scopes, mark, since, until); err != nil {
		return sp, err
	}
	if sp.commits, err = readCommitSpan(ctx, tx, mark, since, until); err != nil {
		return sp, err
	}
	sp.incs, err = readIncidentFacts(ctx, eng, tx, scopes, incidentsFor, since)
	return sp, err
}

// spanIDs is how many deployments finished in [since, until), and their
// smallest and largest ids (the finishing-time index holds the ids).
func spanIDs(ctx context.Context, tx *sql.Tx, since, until int64) (n, lo, hi int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(id), 0), coalesce(max(id), -1) FROM deployments
		WHERE finished_at >= ?1 AND finished_at < ?2`, since, until).Scan(&n, &lo, &hi)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("count deployments: %w", err)
	}
	return n, lo, hi, nil
}

// most reports whether n rows of a table of total are most of it: then a
// table scan beats an index range that looks up every row, several times
// over on SQLite. SQLite's planner takes the index whenever it can; an
// expression it cannot match to an index (coalesce(x, 0), x + 0: the same
// values to both engines here) keeps it off. PostgreSQL chooses by its
// statistics either way.
func most(n, total int64) bool { return 4*n > total }

// readDeploySpan reads the deployments that reached production and finished
// in [since, until), in finishing order for a short span.
func readDeploySpan(ctx context.Context, tx *sql.Tx, scopes *scopeIndex, mark factMark, since, until int64) ([]model.DeployFact, error) {
	n, _, _, err := spanIDs(ctx, tx, since, until)
	if err != nil {
		return nil, err
	}
	col := "d.finished_at"
	if most(n, mark.deployments) {
		col = "coalesce(d.finished_at, 0)"
	}
	return readDeployFacts(ctx, tx, scopes, int(n), col+` >= ?1 AND `+col+` < ?2`, since, until)
}

// readDeployFacts reads the deployments that reached production (completed
// or rolled back) and match cond, a condition on deployments d; about says
// about how many there are. (The status index would list every deployment
// ever completed: appending the empty string to the status keeps SQLite's
// planner off it.)
func readDeployFacts(ctx context.Context, tx *sql.Tx, scopes *scopeIndex, about int, cond string, args ...any) ([]model.DeployFact, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.status = 'rolled_back', coalesce(d.hotfix_for, 0),
		coalesce(d.created_at, 0), coalesce(d.execution_at, 0), coalesce(d.finished_at, 0), coalesce(d.committed_at, 0),
		d.service, d.environment FROM deployments d WHERE (d.status || '') IN ('completed', 'rolled_back') AND `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("read deployments: %w", err)
	}
	defer rows.Close()
	out := make([]model.DeployFact, 0, about)
	for rows.Next() {
		var f model.DeployFact
		var service, env string
		var created, execution, finished, committed int64
		if err := rows.Scan(&f.ID, &f.RolledBack, &f.HotfixFor, &created, &execution, &finished, &committed, &service, &env); err != nil {
			return nil, fmt.Errorf("read deployment: %w", err)
		}
		if f.FinishedAt = factMS(finished); f.FinishedAt == model.NoTime {
			continue
		}
		f.CreatedAt, f.ExecutionAt, f.CommittedAt = factMS(created), factMS(execution), factMS(committed)
		f.Scope = scopes.of(service, env)
		out = append(out, f)
	}
	return out, rows.Err()
}

// readCommitSpan reads the commit times of the deployments whose ids are
// in the range of those finished in [since, until): a superset, which
// attachCommits sorts out.
func readCommitSpan(ctx context.Context, tx *sql.Tx, mark factMark, since, until int64) ([]commitRow, error) {
	n, lo, hi, err := spanIDs(ctx, tx, since, until)
	if err != nil || n == 0 {
		return nil, err
	}
	col := "deployment_id"
	if most(hi-lo+1, mark.deployments) {
		col = "deployment_id + 0"
	}
	return readCommits(ctx, tx, int(3*n), `SELECT deployment_id, committed_at FROM deployment_commits WHERE `+col+` BETWEEN ?1 AND ?2`, lo, hi)
}

// readCommitsOf reads the commit times of the deployments ids.
func readCommitsOf(ctx context.Context, eng engine, tx *sql.Tx, ids map[int64]bool) ([]commitRow, error) {
	return readCommits(ctx, tx, 3*len(ids), `SELECT deployment_id, committed_at FROM deployment_commits
		WHERE deployment_id IN (`+eng.intList("?1")+`)`, idList(ids))
}

// readCommits reads (deployment id, commit time) rows; about says about
// how many (a deployment ships a few commits).
func readCommits(ctx context.Context, tx *sql.Tx, about int, query string, args ...any) ([]commitRow, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read commits: %w", err)
	}
	defer rows.Close()
	out := make([]commitRow, 0, about)
	for rows.Next() {
		var c commitRow
		var at int64
		if err := rows.Scan(&c.deployment, &at); err != nil {
			return nil, fmt.Errorf("read commit: %w", err)
		}
		c.at = factMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// attachCommits gives each completed deployment in deps its commit times
// from rows (rows of other deployments are ignored; rolled back ones have
// no lead time), in one array.
func attachCommits(deps []model.DeployFact, rows []commitRow) {
	at := make(map[int64]int32, len(deps))
	for i, d := range deps {
		if !d.RolledBack {
			at[d.ID] = int32(i)
		}
	}
	count := make([]int32, len(deps))
	of := make([]int32, len(rows)) // the deployment of each row; -1: none asked
	n := 0
	for j, c := range rows {
		i, ok := at[c.deployment]
		if !ok {
			of[j] = -1
			continue
		}
		of[j] = i
		count[i]++
		n++
	}
	all := make([]int64, n)
	off := int32(0)
	for i, c := range count {
		deps[i].Commits = all[off : off : off+c]
		off += c
	}
	for j, c := range rows {
		if i := of[j]; i >= 0 {
			deps[i].Commits = append(deps[i].Commits, c.at)
		}
	}
}

// Which incidents readIncidentFacts reads.
const (
	// Every incident a window starting at or after ?1 can need: not
	// resolved before ?1 (a superset: NOT of a resolution the model would
	// take as valid), or linked to a deployment that reached production at
	// or after ?1 (its failure, whenever the incident was). A table scan:
	// at a month's reach it reads all incidents and keeps a tenth, but
	// incidents are few beside deployments and commits.
	incidentsFor = `NOT (i.status = 'resolved' AND coalesce(i.resolved_at, 0) > 0 AND i.resolved_at >= i.opened_at AND i.resolved_at < ?1)
		OR (d.status IN ('completed', 'rolled_back') AND d.finished_at >= ?1)`
	// The incidents ?1 (a JSON list) and those linked to the deployments ?2.
	incidentsByIDs = `i.id IN (SELECT value FROM ids1) OR i.deployment_id IN (SELECT value FROM ids2)`
)

// readIncidentFacts reads the incidents matching cond (a condition on
// incidents i and the deployment d each is linked to), ordered by id, with
// the scope of that deployment and the most severe level each ever had.
func readIncidentFacts(ctx context.Context, eng engine, tx *sql.Tx, scopes *scopeIndex, cond string, args ...any) ([]model.IncidentFact, error) {
	with := ""
	if cond == incidentsByIDs {
		with = `WITH ids1 AS (` + eng.intList("?1") + `), ids2 AS (` + eng.intList("?2") + `) `
	}
	rows, err := tx.QueryContext(ctx, with+`SELECT i.id, coalesce(i.deployment_id, 0), i.severity, i.status,
		coalesce(i.opened_at, 0), coalesce(i.resolved_at, 0), d.service, d.environment
		FROM incidents i LEFT JOIN deployments d ON d.id = i.deployment_id WHERE `+cond+` ORDER BY i.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	defer rows.Close()
	var out []model.IncidentFact
	for rows.Next() {
		var f model.IncidentFact
		var opened, resolved int64
		var service, env sql.NullString
		var sev int
		var status string
		if err := rows.Scan(&f.ID, &f.DeploymentID, &sev, &status, &opened, &resolved, &service, &env); err != nil {
			return nil, fmt.Errorf("read incident: %w", err)
		}
		f.Resolved = model.IncidentStatus(status) == model.IncidentResolved
		f.OpenedAt, f.ResolvedAt = factMS(opened), factMS(resolved)
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

// factMS is a time column read with coalesce(x, 0) as facts keep it: the
// conversion scanDeployment makes (NULL and 0 are "none"), so that the facts
// are what the model would be given.
func factMS(ms int64) int64 { return model.FactTime(msTimeOf(ms)) }

func idList(set map[int64]bool) string {
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	js, _ := json.Marshal(ids)
	return string(js)
}
