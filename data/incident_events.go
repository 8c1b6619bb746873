package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// EventPageFilter selects one page of the timeline for the log pane.
//
// Pages are chosen in insertion order (event id), the order the log follows
// live, and each page is returned in the order things happened (time, then
// id): a backdated note sits among the events of its time on its page.
type EventPageFilter struct {
	// BeforeID pages back: only events older than this id; 0 = from the newest.
	BeforeID int64
	// AfterID follows the log: only events newer than this id; 0 = no bound.
	AfterID int64
	// Limit is the page size: 0 = DefaultEventLimit, at most MaxEventPage.
	Limit int
	// MinSeverity keeps incident events at least this severe (SEV2 = SEV1
	// and SEV2); deployment events have no severity, so any severity filter
	// hides them. 0 = every event.
	MinSeverity model.Severity
	// IncidentID keeps one incident's events; 0 = all.
	IncidentID int64
	// Search keeps events whose text or actor contains it (ASCII letters
	// match case-insensitively); "INC-7" also matches INC-7's events.
	Search string
	// StarredOnly keeps starred events.
	StarredOnly bool
}

// MaxEventPage bounds one page so no caller can ask for the whole history.
const MaxEventPage = 5000

// EventsPage returns the newest Limit events matching f (by id), ordered by
// time then id (ready to draw with the newest at the bottom); to page back,
// pass the page's lowest ID (model.MinEventID) as the next BeforeID. Every filter is served from an index
// walked newest-first and stopped at Limit — severity and incident through
// their indexes, stars through event_stars — except Search, which scans
// backwards from BeforeID until the page is full.
func (s *Store) EventsPage(ctx context.Context, f EventPageFilter) ([]model.Event, error) {
	q, args, err := eventPageQuery(s.eng, f)
	if err != nil {
		return nil, err
	}
	out, err := s.queryEvents(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	if id, ok := incidentSearch(f); ok {
		if out, err = s.addIncidentDeploymentEvents(ctx, f, id, out); err != nil {
			return nil, err
		}
	}
	model.SortEvents(out)
	return out, nil
}

// incidentSearch is the incident a Search names ("INC-7", "#7", "inc7"),
// when the page is not narrowed to a severity (deployment events have none).
func incidentSearch(f EventPageFilter) (int64, bool) {
	term := strings.TrimSpace(f.Search)
	if term == "" || f.MinSeverity != 0 || f.IncidentID != 0 {
		return 0, false
	}
	id, err := model.ParseIncidentRef(term)
	if err != nil || !strings.ContainsAny(term, "iInN#") {
		return 0, false
	}
	return id, true
}

// addIncidentDeploymentEvents adds to page (the events a search for INC-id
// matched) the linked deployment's events on the incident's timeline, the
// rule IncidentTimeline follows (deploymentTimelineCond), within the page's
// id range: below BeforeID and, when the page is full, above its lowest id,
// so pages stay disjoint and paging back from the lowest id misses none. It
// is one range read on events_by_deployment bounded by the incident's
// window, plus the deployment's starred events.
func (s *Store) addIncidentDeploymentEvents(ctx context.Context, f EventPageFilter, id int64, page []model.Event) ([]model.Event, error) {
	err := s.read(ctx, "read the incident's deployment events", func(tx *sql.Tx) error {
		var err error
		page, err = incidentDeploymentEvents(ctx, tx, f, id, page)
		return err
	})
	return page, err
}

// eventsPageOn is EventsPage read with q, inside a read transaction.
func eventsPageOn(ctx context.Context, eng engine, q queryer, f EventPageFilter) ([]model.Event, error) {
	query, args, err := eventPageQuery(eng, f)
	if err != nil {
		return nil, err
	}
	out, err := queryEventsOn(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	if id, ok := incidentSearch(f); ok {
		if out, err = incidentDeploymentEvents(ctx, q, f, id, out); err != nil {
			return nil, err
		}
	}
	model.SortEvents(out)
	return out, nil
}

// incidentDeploymentEvents is addIncidentDeploymentEvents read with q.
func incidentDeploymentEvents(ctx context.Context, tx queryer, f EventPageFilter, id int64, page []model.Event) ([]model.Event, error) {
	limit := min(f.Limit, MaxEventPage)
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	inc, err := getIncident(ctx, tx, id)
	if errors.Is(err, ErrNotFound) {
		return page, nil // a search for an incident that does not exist
	} else if err != nil {
		return page, err
	}
	if inc.DeploymentID == 0 {
		return page, nil
	}
	cond, args, err := deploymentTimelineCond(ctx, tx, inc)
	if err != nil {
		return page, err
	}
	if f.BeforeID > 0 {
		cond, args = cond+" AND d.id < ?", append(args, f.BeforeID)
	}
	if f.AfterID > 0 {
		cond, args = cond+" AND d.id > ?", append(args, f.AfterID)
	}
	if len(page) >= limit {
		cond, args = cond+" AND d.id > ?", append(args, model.MinEventID(page))
	}
	if f.StarredOnly {
		cond += " AND EXISTS (SELECT 1 FROM event_stars st WHERE st.event_id = d.id)"
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+eventCols+` FROM events e WHERE e.id IN (
		SELECT d.id FROM events d LEFT JOIN checklist_items i ON i.id = d.item_id WHERE `+cond+`)`, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	have := make(map[int64]bool, len(page))
	for _, e := range page {
		have[e.ID] = true
	}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return page, err
		}
		if !have[e.ID] {
			page = append(page, e)
		}
	}
	return page, rows.Err()
}

// deploymentTimelineCond is which of inc's linked deployment's events (d,
// joined to its checklist item i) are on inc's timeline: those of
// model.DeploymentTimelineKinds and the Rollback phase's ticks from
// model.IncidentWindowStart until the incident was resolved (or now), and
// its starred events whenever they happened; never those filed under an
// incident.
func deploymentTimelineCond(ctx context.Context, tx queryer, inc model.Incident) (string, []any, error) {
	from, err := incidentWindowStart(ctx, tx, inc)
	if err != nil {
		return "", nil, err
	}
	to := int64(math.MaxInt64)
	if !inc.ResolvedAt.IsZero() {
		to = toMS(inc.ResolvedAt)
	}
	kinds := make([]string, 0, len(model.DeploymentTimelineKinds))
	for _, k := range model.DeploymentTimelineKinds {
		kinds = append(kinds, "'"+string(k)+"'")
	}
	cond := `d.deployment_id = ? AND d.incident_id IS NULL AND (
		(d.at >= ? AND d.at <= ? AND (d.kind IN (` + strings.Join(kinds, ", ") + `)
			OR (d.kind IN ('` + string(model.EventItemDone) + `', '` + string(model.EventItemNA) + `') AND i.phase = ?)))
		OR EXISTS (SELECT 1 FROM event_stars st WHERE st.event_id = d.id))`
	return "(" + cond + ")", []any{inc.DeploymentID, toMS(from), to, model.PhaseRollback}, nil
}

// EventCount counts the events matching f, ignoring Limit. It reads every
// matching index entry (1–3 ms for 200,000 events; with a Search it scans
// them all, ~30 ms), so call it when the filter changes, not on every tick.
func (s *Store) EventCount(ctx context.Context, f EventPageFilter) (int, error) {
	if f.MinSeverity != 0 && !f.MinSeverity.Valid() {
		return 0, invalidf("severity filter %d is not valid: use SEV1–SEV4 or 0 for all", int(f.MinSeverity))
	}
	from, _, where, args := eventConds(s.eng, f, 0)
	if f.MinSeverity != 0 {
		where = append(where, "e.severity <= ?")
		args = append(args, int(f.MinSeverity))
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+from+sqlWhere(where), args...).Scan(&n)
	if err != nil {
		return 0, s.fail("count timeline", err)
	}
	return n, nil
}

// eventPageQuery builds one newest-first branch per severity level (or one
// in all), each an index range read stopped at the limit, and merges them.
// "severity <= 2" would read the index in severity order and then sort every
// SEV1 and SEV2 event ever recorded; "severity = 1" and "severity = 2" are
// each already in id order.
func eventPageQuery(eng engine, f EventPageFilter) (string, []any, error) {
	if f.MinSeverity != 0 && !f.MinSeverity.Valid() {
		return "", nil, invalidf("severity filter %d is not valid: use SEV1–SEV4 or 0 for all", int(f.MinSeverity))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	limit = min(limit, MaxEventPage)
	sevs := []model.Severity{0}
	if f.MinSeverity != 0 {
		sevs = model.Severities[:f.MinSeverity]
	}
	if len(sevs) == 1 {
		from, order, where, args := eventConds(eng, f, sevs[0])
		return `SELECT ` + eventCols + ` FROM ` + from + sqlWhere(where) + ` ORDER BY ` + order + ` DESC LIMIT ?`,
			append(args, limit), nil
	}
	var branches []string
	var args []any
	for _, sev := range sevs {
		from, order, where, a := eventConds(eng, f, sev)
		branches = append(branches, `SELECT id FROM (SELECT e.id AS id FROM `+from+sqlWhere(where)+` ORDER BY `+order+` DESC LIMIT ?) AS branch`)
		args = append(append(args, a...), limit)
	}
	q := `SELECT ` + eventCols + ` FROM events e WHERE e.id IN (` + strings.Join(branches, " UNION ALL ") + `)
		ORDER BY e.id DESC LIMIT ?`
	return q, append(args, limit), nil
}

// eventConds is the FROM clause, the id to order by and the conditions of
// f, with severity fixed to sev (0: no severity condition).
func eventConds(eng engine, f EventPageFilter, sev model.Severity) (from, order string, where []string, args []any) {
	from, order = "events e", "e.id"
	if f.StarredOnly {
		// CROSS JOIN keeps event_stars as the outer loop, walked by its
		// rowid (the event id): stars are few, events many.
		from, order = "event_stars s CROSS JOIN events e ON e.id = s.event_id", "s.event_id"
		if eng == enginePostgres {
			// PostgreSQL's planner chooses the join order itself (and its
			// CROSS JOIN takes no ON).
			from = "event_stars s JOIN events e ON e.id = s.event_id"
		}
	}
	// Bound the id the walk is ordered by, so the bound is a range seek.
	if f.BeforeID > 0 {
		where, args = append(where, order+" < ?"), append(args, f.BeforeID)
	}
	if f.AfterID > 0 {
		where, args = append(where, order+" > ?"), append(args, f.AfterID)
	}
	if sev != 0 {
		where, args = append(where, "e.severity = ?"), append(args, int(sev))
	}
	if f.IncidentID != 0 {
		where, args = append(where, "e.incident_id = ?"), append(args, f.IncidentID)
	}
	if term := strings.TrimSpace(f.Search); term != "" {
		pat := "%" + likeEscaper.Replace(term) + "%"
		// lower() on both sides: SQLite's LIKE ignores ASCII case and
		// PostgreSQL's ignores none.
		cond := `(lower(e.text) LIKE lower(?) ESCAPE '\' OR lower(e.actor) LIKE lower(?) ESCAPE '\'`
		args = append(args, pat, pat)
		if id, err := model.ParseIncidentRef(term); err == nil && strings.ContainsAny(term, "iInN#") {
			cond += ` OR e.incident_id = ?`
			args = append(args, id)
		}
		where = append(where, cond+")")
	}
	return from, order, where, args
}

// likeEscaper makes user text literal inside a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func sqlWhere(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// IncidentTimeline returns INC-id's timeline in the order things happened
// (time, then id; a backdated note sits where it happened): every event
// filed under the incident and, when it is linked to a deployment, what
// happened to that deployment meanwhile (model.OnIncidentTimeline: stage
// changes, holds, health breaches, the abort and roll-back, Rollback
// checklist ticks, gate and freeze overrides) from the start of the stage
// that was running when the incident opened (model.IncidentWindowStart)
// until it was resolved (or now), and the deployment's starred events
// whenever they happened, so every key moment reaches the report. Events of
// the deployment filed under another incident are not included. Tell the
// two apart with model.Event.FromDeployment.
func (s *Store) IncidentTimeline(ctx context.Context, id int64) ([]model.Event, error) {
	out := []model.Event{}
	err := s.read(ctx, "read incident timeline", func(tx *sql.Tx) error {
		inc, err := getIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		q := `SELECT ` + eventCols + ` FROM events e WHERE e.incident_id = ? ORDER BY e.at, e.id`
		args := []any{id}
		if inc.DeploymentID != 0 {
			cond, dargs, err := deploymentTimelineCond(ctx, tx, inc)
			if err != nil {
				return err
			}
			q = `SELECT ` + eventCols + ` FROM events e WHERE e.id IN (
				SELECT id FROM events WHERE incident_id = ?
				UNION
				SELECT d.id FROM events d LEFT JOIN checklist_items i ON i.id = d.item_id WHERE ` + cond + `
			) ORDER BY e.at, e.id`
			args = append(args, dargs...)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
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

// incidentWindowStart is when the linked deployment's part of inc's
// timeline begins: its last stage change at or before the opening
// (model.IncidentWindowStart over the deployment's stage events).
func incidentWindowStart(ctx context.Context, tx queryer, inc model.Incident) (time.Time, error) {
	args := []any{inc.DeploymentID, toMS(inc.OpenedAt)}
	marks := make([]string, 0, len(model.StageChangeKinds))
	for _, k := range model.StageChangeKinds {
		marks = append(marks, "?")
		args = append(args, string(k))
	}
	var at sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT max(at) FROM events WHERE deployment_id = ? AND at <= ? AND kind IN (`+
		strings.Join(marks, ", ")+`)`, args...).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the linked deployment's stage: %w", err)
	}
	return model.IncidentWindowStart(inc.OpenedAt, fromMS(at)), nil
}

// StarEvent marks (or unmarks) a timeline event as a key moment for the
// report. The star records who set it and when; the event itself never
// changes. Starring a starred event, or unstarring an unstarred one,
// changes nothing.
func (s *Store) StarEvent(ctx context.Context, eventID int64, starred bool, actor string, at time.Time) error {
	actor, err := cleanActor(actor)
	if err != nil {
		return err
	}
	if err := checkAt(at); err != nil {
		return err
	}
	return s.write(ctx, "star event", func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM events WHERE id = ?`, eventID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("event #%d %w", eventID, ErrNotFound)
		} else if err != nil {
			return err
		}
		if starred {
			_, err = tx.ExecContext(ctx, `INSERT INTO event_stars (event_id, actor, at) VALUES (?, ?, ?)
				ON CONFLICT (event_id) DO NOTHING`, eventID, actor, toMS(at))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM event_stars WHERE event_id = ?`, eventID)
		}
		return err
	})
}
