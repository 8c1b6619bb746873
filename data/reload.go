package data

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/octoacme/flightdeck/model"
)

// DashboardQuery is what one snapshot of the dashboard reads.
type DashboardQuery struct {
	// FocusID is the deployment in focus; 0, or one no longer active, is
	// the newest active deployment.
	FocusID int64
	// Log selects the log's newest page (BeforeID and AfterID are ignored).
	Log EventPageFilter
	// Resolved is how many of the newest resolved incidents to read (their
	// postmortem clocks); 0 reads none.
	Resolved int
}

// Dashboard is one snapshot of everything the dashboard draws, read in one
// transaction. Its slices are shared with the snapshots read after it from
// it: never change them.
type Dashboard struct {
	Deployments []model.Deployment // active (planned, in progress), newest first
	FocusID     int64              // the deployment in focus; 0 when none is active
	Items       []model.Item       // the focused deployment's checklist
	Guidance    []model.Guidance
	Rollout     model.Rollout
	HasRollout  bool
	Health      model.Health
	Declared    []model.Declaration
	Incidents   []model.Incident // open and mitigated, newest first (OpenIncidents)
	Resolved    []model.Incident // the newest Resolved resolved ones (IncidentsFiltered)
	Outbox      []OutboxState    // every sender's state (OutboxStates)
	Events      []model.Event    // the log's newest page (EventsPage)

	// Reread says which parts this read took from the database; the
	// others are the previous snapshot's, which no commit since changed.
	Reread DashboardParts

	q    DashboardQuery
	mark changeMark
}

// DashboardParts names parts of a Dashboard.
type DashboardParts uint

const (
	PartDeployments DashboardParts = 1 << iota // the active deployments
	PartChecklist                              // the focused deployment's checklist, rollout and declared criteria
	PartIncidents                              // the open incidents
	PartResolved                               // the recently resolved incidents
	// PartHealth (the focused deployment's health and probe spell), the
	// outbox and the log's page are read every time: a probe's repeated
	// failures, a sender's state and a star change without a timeline
	// event.
	PartHealth
	PartOutbox
	PartLog

	PartAll = PartDeployments | PartChecklist | PartIncidents | PartResolved | PartHealth | PartOutbox | PartLog
)

// changeMark is where the history stood when a snapshot was read: the
// newest event, deployment and incident ids.
type changeMark struct{ events, deployments, incidents int64 }

// reloadMostEvents bounds the events a reload looks through to learn what
// changed; after more than that (an import, a long disconnection) it reads
// everything again, which costs less than sifting them.
const reloadMostEvents = 1000

// DashboardReader reads dashboard snapshots with statements prepared once.
// Every write appends a timeline event naming the deployment and the
// incident it changed (the store's rule; the tests hold every action to
// it), so a reload reads the events since the previous snapshot and then
// only the parts those events name. One reader per dashboard; safe for
// concurrent use.
type DashboardReader struct {
	s     *Store
	stmts *stmtCache
}

// DashboardReader makes a reader of dashboard snapshots on s.
func (s *Store) DashboardReader() *DashboardReader {
	return &DashboardReader{s: s, stmts: newStmtCache(s.db)}
}

// Read reads a snapshot for q. With prev (a snapshot this reader returned
// before), only the parts a commit since prev can have changed are read
// again; the result is what a read without prev returns.
func (r *DashboardReader) Read(ctx context.Context, q DashboardQuery, prev *Dashboard) (*Dashboard, error) {
	q.Log.BeforeID, q.Log.AfterID = 0, 0
	d := &Dashboard{q: q}
	var missed []string
	err := r.s.read(ctx, "read the dashboard", func(tx *sql.Tx) error {
		return r.read(ctx, stmtTx{tx: tx, c: r.stmts, missed: &missed}, d, prev)
	})
	if err != nil {
		return nil, err
	}
	r.stmts.prepare(ctx, missed)
	return d, nil
}

func (r *DashboardReader) read(ctx context.Context, tx stmtTx, d *Dashboard, prev *Dashboard) error {
	var err error
	if d.mark, err = readChangeMark(ctx, tx); err != nil {
		return err
	}
	ch, err := changesSince(ctx, tx, prev, d.q, d.mark)
	if err != nil {
		return err
	}
	if ch.all || len(ch.deployments) > 0 {
		d.Reread |= PartDeployments
		if d.Deployments, err = activeDeploymentsOn(ctx, tx); err != nil {
			return err
		}
	} else {
		d.Deployments = prev.Deployments
	}
	for _, dep := range d.Deployments {
		if dep.ID == d.q.FocusID {
			d.FocusID = dep.ID
		}
	}
	if d.FocusID == 0 && len(d.Deployments) > 0 {
		d.FocusID = d.Deployments[0].ID
	}
	if d.FocusID != 0 {
		if ch.all || d.FocusID != prev.FocusID || ch.deployments[d.FocusID] {
			d.Reread |= PartChecklist
			if d.Items, err = listItems(ctx, tx, d.FocusID); err != nil {
				return err
			}
			if d.Guidance, err = listGuidance(ctx, tx, d.FocusID); err != nil {
				return err
			}
			if d.Rollout, d.HasRollout, err = loadRollout(ctx, tx, d.FocusID); err != nil {
				return err
			}
			if d.Declared, err = activeDeclarations(ctx, tx, d.FocusID); err != nil {
				return err
			}
		} else {
			d.Items, d.Guidance, d.Rollout, d.HasRollout, d.Declared = prev.Items, prev.Guidance, prev.Rollout, prev.HasRollout, prev.Declared
		}
		d.Reread |= PartHealth
		if d.Health, err = currentHealth(ctx, tx, d.FocusID); err != nil {
			return err
		}
	}
	if ch.all || len(ch.incidents) > 0 {
		d.Reread |= PartIncidents
		if d.Incidents, err = loadIncidents(ctx, tx, `WHERE status IN ('open', 'mitigated')`, nil, noLimit); err != nil {
			return err
		}
	} else {
		d.Incidents = prev.Incidents
	}
	if ch.all || resolvedChanged(prev, d.Incidents, ch.incidents) {
		d.Reread |= PartResolved
		if d.Resolved, err = newestResolved(ctx, tx, d.q.Resolved); err != nil {
			return err
		}
	} else {
		d.Resolved = prev.Resolved
	}
	d.Reread |= PartOutbox | PartLog
	if d.Outbox, err = outboxStatesOn(ctx, tx); err != nil {
		return err
	}
	d.Events, err = r.logPage(ctx, tx, d, prev, ch)
	return err
}

// logPage is the log's newest page. Events never change but for their
// stars, so on the previous page it reads only the events added since and
// the stars of the page's range. A page of starred events, or of an
// incident's events (which take in its deployment's events of a window
// that moves with the incident), is read whole.
func (r *DashboardReader) logPage(ctx context.Context, tx queryer, d, prev *Dashboard, ch changes) ([]model.Event, error) {
	f := d.q.Log
	if _, search := incidentSearch(f); ch.all || f != prev.q.Log || f.StarredOnly || search {
		return eventsPageOn(ctx, r.s.eng, tx, f)
	}
	page := prev.Events
	if d.mark.events > prev.mark.events {
		f.AfterID = prev.mark.events
		added, err := eventsPageOn(ctx, r.s.eng, tx, f)
		if err != nil {
			return nil, err
		}
		if len(added) > 0 {
			page = newestPage(page, added, pageLimit(f))
		}
	}
	return restar(ctx, tx, page)
}

// pageLimit is how many events a page of f holds (eventPageQuery's limit).
func pageLimit(f EventPageFilter) int {
	if f.Limit <= 0 {
		return DefaultEventLimit
	}
	return min(f.Limit, MaxEventPage)
}

// newestPage is the newest limit events (by id) of page and added (whose
// ids are all above page's), in the order things happened.
func newestPage(page, added []model.Event, limit int) []model.Event {
	out := make([]model.Event, 0, len(page)+len(added))
	out = append(append(out, page...), added...)
	if len(out) > limit {
		slices.SortFunc(out, func(a, b model.Event) int { return cmp.Compare(a.ID, b.ID) })
		out = out[len(out)-limit:]
	}
	model.SortEvents(out)
	return out
}

// restar sets each event's star as it is now: one range read of
// event_stars. page is shared with the previous snapshot, so a change is
// made on a copy.
func restar(ctx context.Context, q queryer, page []model.Event) ([]model.Event, error) {
	if len(page) == 0 {
		return page, nil
	}
	lo, hi := page[0].ID, page[0].ID
	for _, e := range page {
		lo, hi = min(lo, e.ID), max(hi, e.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT event_id FROM event_stars WHERE event_id >= ? AND event_id <= ?`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read stars: %w", err)
	}
	defer rows.Close()
	starred := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read stars: %w", err)
		}
		starred[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stars: %w", err)
	}
	out := page
	for i, e := range page {
		if e.Starred != starred[e.ID] {
			if &out[0] == &page[0] {
				out = slices.Clone(page)
			}
			out[i].Starred = starred[e.ID]
		}
	}
	return out, nil
}

// changes is what was written between two snapshots: the deployments and
// incidents the events since name, and the ones added; all when the
// previous snapshot cannot be built on.
type changes struct {
	all         bool
	deployments map[int64]bool
	incidents   map[int64]bool
}

func changesSince(ctx context.Context, q queryer, prev *Dashboard, dq DashboardQuery, mark changeMark) (changes, error) {
	ch := changes{deployments: map[int64]bool{}, incidents: map[int64]bool{}}
	if prev == nil || prev.q.Resolved != dq.Resolved {
		ch.all = true
		return ch, nil
	}
	old := prev.mark
	if mark.events < old.events || mark.deployments < old.deployments || mark.incidents < old.incidents {
		// The history went back (a restored database): nothing kept holds.
		ch.all = true
		return ch, nil
	}
	if mark == old {
		return ch, nil
	}
	n, err := namedIDs(ctx, q, `SELECT deployment_id, incident_id FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
		old.events, mark.events, ch)
	if err != nil {
		return ch, err
	}
	// New rows are named by their id as well, so that none is missed.
	m, err := namedIDs(ctx, q, `SELECT id, NULL FROM deployments WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
		old.deployments, mark.deployments, ch)
	if err != nil {
		return ch, err
	}
	k, err := namedIDs(ctx, q, `SELECT NULL, id FROM incidents WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
		old.incidents, mark.incidents, ch)
	if err != nil {
		return ch, err
	}
	ch.all = n > reloadMostEvents || m > reloadMostEvents || k > reloadMostEvents
	return ch, nil
}

// namedIDs adds the deployment and incident ids query returns (two
// nullable columns; parameters from, to and a limit) to ch and says how
// many rows it read, at most reloadMostEvents+1.
func namedIDs(ctx context.Context, q queryer, query string, from, to int64, ch changes) (int, error) {
	if to <= from {
		return 0, nil
	}
	rows, err := q.QueryContext(ctx, query, from, to, reloadMostEvents+1)
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
			ch.deployments[dep.Int64] = true
		}
		if inc.Valid {
			ch.incidents[inc.Int64] = true
		}
	}
	return n, rows.Err()
}

// resolvedChanged says whether the newest resolved incidents may differ
// from prev's, given the open incidents now and the incidents named since:
// a named incident that was on the list, or that is not open now (it was
// resolved, or added resolved), may change it; one that is open now and was
// not on the list can neither be on it nor have moved another.
func resolvedChanged(prev *Dashboard, open []model.Incident, named map[int64]bool) bool {
	for id := range named {
		if slices.ContainsFunc(prev.Resolved, func(i model.Incident) bool { return i.ID == id }) {
			return true
		}
		if !slices.ContainsFunc(open, func(i model.Incident) bool { return i.ID == id }) {
			return true
		}
	}
	return false
}

func readChangeMark(ctx context.Context, q queryer) (changeMark, error) {
	var m changeMark
	err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT max(id) FROM events), 0),
		coalesce((SELECT max(id) FROM deployments), 0), coalesce((SELECT max(id) FROM incidents), 0)`).
		Scan(&m.events, &m.deployments, &m.incidents)
	if err != nil {
		return m, fmt.Errorf("read change mark: %w", err)
	}
	return m, nil
}

// activeDeploymentsOn is ActiveDeployments read with q.
func activeDeploymentsOn(ctx context.Context, q queryer) ([]model.Deployment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE status IN ('planned', 'in_progress')
		ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	defer rows.Close()
	var out []model.Deployment
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			return nil, fmt.Errorf("list deployments: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// newestResolved is IncidentsFiltered's newest limit resolved incidents,
// read with q; limit 0 reads none.
func newestResolved(ctx context.Context, q queryer, limit int) ([]model.Incident, error) {
	out := []model.Incident{}
	if limit <= 0 {
		return out, nil
	}
	incs, err := loadIncidents(ctx, q, `WHERE id IN (SELECT id FROM incidents WHERE status = ? ORDER BY opened_at DESC, id DESC LIMIT ? OFFSET ?)`,
		[]any{string(model.IncidentResolved), limit, 0}, noLimit)
	if incs != nil {
		out = incs
	}
	return out, err
}
