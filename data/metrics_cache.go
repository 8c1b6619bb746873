package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"

	"github.com/octoacme/flightdeck/model"
)

// MetricsCache answers Metrics for a reader that asks again and again (the
// dashboard's M, w and s; the war room's sessions): it keeps the facts it
// read, and each call first reads a change mark (three index lookups). When
// nothing was written since, the metrics are computed from the facts alone;
// when something was, only the deployments and incidents the new events
// name (and new rows) are read again; a window starting earlier than any
// asked before reads just the part before. Results are exactly Store.Metrics'.
//
// Facts of a year at ten times the demo's size (50,000 deployments, 20,000
// incidents) hold about 15 MB. Safe for concurrent use.
type MetricsCache struct {
	s  *Store
	mu sync.Mutex
	st factState // st.facts is nil until the first call

	servicesMark int64 // max(deployments.id) when services was read
	services     []string
}

// NewMetricsCache keeps metrics facts of s between calls.
func NewMetricsCache(s *Store) *MetricsCache { return &MetricsCache{s: s} }

// Metrics is Store.Metrics(ctx, w), from the facts kept when nothing that
// bears on them changed.
func (c *MetricsCache) Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error) {
	if err := w.Validate(); err != nil {
		return model.Metrics{}, invalid(err)
	}
	f, err := c.facts(ctx, toMS(w.From))
	if err != nil {
		return model.Metrics{}, err
	}
	return f.Compute(w), nil
}

// Services is Store.Services, read again only after a deployment was added
// (a deployment's service never changes).
func (c *MetricsCache) Services(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var mark int64
	if err := c.s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM deployments`).Scan(&mark); err != nil {
		return nil, c.s.fail("list services", err)
	}
	if c.services == nil || mark != c.servicesMark {
		all, err := c.s.servicesByIndex(ctx)
		if err != nil {
			return nil, err
		}
		c.services, c.servicesMark = all, mark
	}
	return append([]string{}, c.services...), nil
}

// servicesByIndex is Store.Services — its grouping and order — over the
// distinct names only, found by skipping through the service index (one
// lookup per name) instead of grouping every deployment.
func (s *Store) servicesByIndex(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `WITH RECURSIVE names (service) AS (
			SELECT min(service) FROM deployments
			UNION ALL
			SELECT (SELECT min(d.service) FROM deployments d WHERE d.service > names.service) FROM names WHERE names.service IS NOT NULL)
		SELECT min(service) FROM names WHERE service IS NOT NULL GROUP BY service COLLATE NOCASE ORDER BY min(service) COLLATE NOCASE`)
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

// facts are the facts for every window starting at or after since, as of
// now.
func (c *MetricsCache) facts(ctx context.Context, since int64) (*model.MetricsFacts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.update(ctx, since)
	if err != nil {
		return nil, err
	}
	c.st = st
	return st.facts, nil
}

// update brings the facts up to date and makes them reach since. The first
// call reads its window (a month of rows costs less than decoding a year's
// snapshot); reaching further back takes the database's snapshot when it
// reaches that far, else reads the span before. A load or an extension (a
// read of much) is kept as the snapshot.
func (c *MetricsCache) update(ctx context.Context, since int64) (factState, error) {
	st, line := c.st, (*lineage)(nil)
	if st.facts != nil && since < st.since {
		if snap, ok := c.s.loadSnapshot(); ok && snap.st.since <= since {
			st, line = snap.st, &snap.line
		}
	}
	st, much, err := c.s.current(ctx, st, line, since)
	if err != nil {
		return c.st, err
	}
	if much && len(st.facts.Deploys())+len(st.facts.Incidents()) >= snapshotMin {
		c.s.saveSnapshotOf(ctx, st)
		// Reading a large history leaves tens of megabytes of rows behind:
		// hand them back now rather than over the next minutes, so that a
		// dashboard's size stays that of its facts.
		debug.FreeOSMemory()
	}
	return st, nil
}

// current brings st up to date and makes it reach since. st may be empty
// (then it is read in full), or a snapshot's read from history line (then
// the database must still hold that history). much reports whether it read
// much: a load, or a span further back.
func (s *Store) current(ctx context.Context, st factState, line *lineage, since int64) (_ factState, much bool, err error) {
	if st.facts == nil {
		st, err = s.loadFacts(ctx, since, newScopeIndex())
		return st, true, err
	}
	reload := false
	err = s.read(ctx, "read metrics", func(tx *sql.Tx) error {
		if line != nil {
			l, err := readLineage(ctx, tx, st.mark.events)
			if err != nil {
				return err
			}
			if l != *line { // another history: the snapshot is of no use
				_ = os.Remove(s.snapshotPath())
				reload = true
				return nil
			}
		}
		mark, err := readFactMark(ctx, tx)
		if err != nil || mark == st.mark {
			return err
		}
		next, ok, err := refreshFacts(ctx, s.eng, tx, st, mark)
		st, reload = next, !ok
		return err
	})
	switch {
	case err != nil:
		return st, false, err
	case reload:
		if line == nil { // keep the reach of the facts kept
			since = min(since, st.since)
		}
		st, err = s.loadFacts(ctx, since, newScopeIndex())
		return st, true, err
	case since >= st.since:
		return st, false, nil
	}
	// Reaching further back: the span before, read at once as of the
	// same mark; after a write in between, in one transaction.
	sp, _, err := s.readSpan(ctx, st.scopes, since, st.since, &st.mark)
	if errors.Is(err, errMoved) {
		err = s.read(ctx, "read metrics", func(tx *sql.Tx) (err error) {
			st, err = updateFactsTx(ctx, s.eng, tx, st, since)
			return err
		})
		return st, true, err
	}
	if err != nil {
		return st, false, err
	}
	return extended(st, sp, since), true, nil
}

// updateFactsTx is update in one transaction.
func updateFactsTx(ctx context.Context, eng engine, tx *sql.Tx, st factState, since int64) (factState, error) {
	mark, err := readFactMark(ctx, tx)
	if err != nil {
		return st, err
	}
	if mark != st.mark {
		next, ok, err := refreshFacts(ctx, eng, tx, st, mark)
		if err != nil {
			return st, err
		}
		if !ok {
			since = min(since, st.since)
			sp, err := readSpanTx(ctx, eng, tx, st.scopes, mark, since, noLimit)
			if err != nil {
				return st, err
			}
			return factState{facts: sp.facts(st.scopes), since: since, mark: mark, scopes: st.scopes}, nil
		}
		st = next
	}
	if since >= st.since {
		return st, nil
	}
	sp, err := readSpanTx(ctx, eng, tx, st.scopes, mark, since, st.since)
	if err != nil {
		return st, err
	}
	return extended(st, sp, since), nil
}

// extended is st reaching back to since with sp, the span [since, st.since)
// read as of st.mark: its deployments added, the incidents all read again
// for the longer reach.
func extended(st factState, sp factSpan, since int64) factState {
	attachCommits(sp.deps, sp.commits)
	deps := append(sp.deps, st.facts.Deploys()...)
	st.facts, st.since = model.NewMetricsFacts(st.scopes.list(), deps, sp.incs), since
	return st
}

// refreshMost is how many events (or new rows) a refresh reads before it
// would rather read everything again: a few days of a busy team's writes
// (the demo year at ten times its size writes 230 events an hour), read in
// a few milliseconds.
var refreshMost = 20_000

// refreshFacts reads again what changed between st.mark and mark: the
// deployments and incidents the events since name, and the rows added.
// ok is false when that is too much, or the history went back (a restored
// database): then the caller reads everything again.
func refreshFacts(ctx context.Context, eng engine, tx *sql.Tx, st factState, mark factMark) (next factState, ok bool, err error) {
	old := st.mark
	if mark.events < old.events || mark.deployments < old.deployments || mark.incidents < old.incidents {
		return st, false, nil
	}
	deps, incs := map[int64]bool{}, map[int64]bool{}
	n, err := collectIDs(ctx, tx, `SELECT deployment_id, incident_id FROM events WHERE id > ?1 AND id <= ?2 LIMIT ?3`,
		old.events, mark.events, deps, incs)
	if err != nil {
		return st, false, err
	}
	if n > refreshMost {
		return st, false, nil
	}
	// Every write appends an event naming what it changed; new rows are
	// read by id as well, so that a row is never missed.
	m, err := collectIDs(ctx, tx, `SELECT id, NULL FROM deployments WHERE id > ?1 AND id <= ?2 LIMIT ?3`,
		old.deployments, mark.deployments, deps, incs)
	if err != nil {
		return st, false, err
	}
	k, err := collectIDs(ctx, tx, `SELECT NULL, id FROM incidents WHERE id > ?1 AND id <= ?2 LIMIT ?3`,
		old.incidents, mark.incidents, deps, incs)
	if err != nil {
		return st, false, err
	}
	if m+k > refreshMost || len(deps)+len(incs) > refreshMost {
		return st, false, nil
	}
	st.mark = mark
	if len(deps)+len(incs) == 0 {
		return st, true, nil
	}
	newDeps, err := readDeployFacts(ctx, tx, st.scopes, len(deps), `d.id IN (`+eng.intList("?1")+`) AND d.finished_at >= ?2`, idList(deps), st.since)
	if err != nil {
		return st, false, err
	}
	commits, err := readCommitsOf(ctx, eng, tx, deps)
	if err != nil {
		return st, false, err
	}
	attachCommits(newDeps, commits)
	// The incidents named and those linked to the deployments named (one
	// that reached production now brings its incidents into its failure).
	newIncs, err := readIncidentFacts(ctx, eng, tx, st.scopes, incidentsByIDs, idList(incs), idList(deps))
	if err != nil {
		return st, false, err
	}
	again := make(map[int64]bool, len(newIncs))
	for _, inc := range newIncs {
		again[inc.ID] = true
	}
	keptDeps := make([]model.DeployFact, 0, len(st.facts.Deploys())+len(newDeps))
	for _, d := range st.facts.Deploys() {
		if !deps[d.ID] {
			keptDeps = append(keptDeps, d)
		}
	}
	keptIncs := make([]model.IncidentFact, 0, len(st.facts.Incidents())+len(newIncs))
	for _, inc := range st.facts.Incidents() {
		if !again[inc.ID] {
			keptIncs = append(keptIncs, inc)
		}
	}
	st.facts = model.NewMetricsFacts(st.scopes.list(), append(keptDeps, newDeps...), append(keptIncs, newIncs...))
	return st, true, nil
}

// collectIDs adds the deployment and incident ids query (two nullable
// columns, parameters from, to and a limit) returns to deps and incs, and
// says how many rows it read (at most refreshMost+1).
func collectIDs(ctx context.Context, tx *sql.Tx, query string, from, to int64, deps, incs map[int64]bool) (int, error) {
	rows, err := tx.QueryContext(ctx, query, from, to, refreshMost+1)
	if err != nil {
		return 0, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var dep, inc sql.NullInt64
		if err := rows.Scan(&dep, &inc); err != nil {
			return 0, fmt.Errorf("read changes: %w", err)
		}
		n++
		if dep.Valid {
			deps[dep.Int64] = true
		}
		if inc.Valid {
			incs[inc.Int64] = true
		}
	}
	return n, rows.Err()
}
