package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Bulk is a history to write into an empty database in one go: the rows the
// store's own actions would have left, as model values. The demo generator
// fills one; so can an import. Ids are explicit, so the rows can refer to
// each other; times are stored to the millisecond, and a zero time is "not
// yet" (NULL), as everywhere in the store.
//
// InsertBulk trusts the rows: it checks the ids and lets the schema check
// the rest (foreign keys at commit), not the model's rules — build them with
// the model's functions (model.Start, model.Promote, Incident.Transition,
// the model.Text… wording) and they are what the store would have written.
type Bulk struct {
	// Deployments, with ID > 0; each one's Commits are written with it.
	Deployments []model.Deployment
	// Items are the deployments' checklist items, with ID > 0.
	Items []model.Item
	// Guidance is the deployments' checklist guidance blocks.
	Guidance []BulkGuidance
	// Rollouts, one per deployment that reached Deployment Execution; each
	// one's History is its closed stages.
	Rollouts []BulkRollout
	// Ready records which stages' "ready to promote" events were written.
	Ready []BulkReady
	// Health readings and declared rollback criteria.
	Health       []BulkHealth
	Declarations []BulkDeclaration
	// Incidents, with ID > 0, and their histories: SeverityHistory, Acks,
	// Escalations and ActionItems are written with them.
	Incidents []model.Incident
	// Updates are the incidents' stakeholder updates.
	Updates []BulkUpdate
	// Events are the timeline, written in this order so ids follow it: sort
	// them by time first. An ID of 0 is assigned; Starred is not written.
	Events []model.Event
}

// BulkGuidance is one guidance block of a deployment's checklist; Position
// counts the deployment's blocks from 1.
type BulkGuidance struct {
	DeploymentID int64
	Position     int
	Guidance     model.Guidance
}

// BulkRollout is a deployment's rollout as the model left it.
type BulkRollout struct {
	DeploymentID int64
	Rollout      model.Rollout
}

// BulkReady marks the rollout.ready event of a stage as written (at is when
// its soak ended), so no dashboard writes it again.
type BulkReady struct {
	DeploymentID int64
	Stage        int // index into the plan's stages
	At           time.Time
}

// BulkHealth is one health reading; Source is HealthSourceManual when empty.
type BulkHealth struct {
	DeploymentID int64
	Health       model.Health
	Actor        string
	Source       string
}

// BulkDeclaration is one declared rollback criterion and, when ClearedAt is
// set, its clearing as a false alarm.
type BulkDeclaration struct {
	DeploymentID int64
	Declaration  model.Declaration
	ClearedAt    time.Time
	ClearedBy    string
	ClearReason  string
}

// BulkUpdate is one stakeholder update of an incident.
type BulkUpdate struct {
	IncidentID int64
	At         time.Time
	Actor      string
	Update     model.StakeholderUpdate
}

// ErrNotEmpty is wrapped by InsertBulk when the database already holds
// deployments, incidents or events.
var ErrNotEmpty = errors.New("the database already holds data: a bulk history goes into an empty database")

// InsertBulk writes b into an empty database: one transaction on one
// connection, table by table, with prepared multi-row INSERTs — a year of
// history (hundreds of thousands of rows) in a few seconds. Foreign keys
// are checked at commit, so the rows may refer to each other in any order.
// Nothing is written when it fails.
//
// For speed the transaction is committed without waiting for the disk
// (synchronous=OFF), with a larger page cache. The database was empty, so a
// crash before the next commit loses only this history, never older data;
// the next write or Close makes it durable.
func (s *Store) InsertBulk(ctx context.Context, b *Bulk) error {
	const what = "insert history"
	if s.readOnly {
		return fmt.Errorf("%s: %w", what, ErrReadOnly)
	}
	if err := s.guard.check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := b.checkIDs(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.fail(what, err)
	}
	defer conn.Close()
	if s.eng == engineSQLite {
		if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -131072; PRAGMA synchronous = OFF`); err != nil { // 128 MiB
			return s.fail(what, err)
		}
		// Back to the DSN's settings before the connection returns to the pool.
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000; PRAGMA synchronous = FULL`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(what, err)
	}
	defer tx.Rollback()
	if err := s.eng.lockWrites(ctx, tx, s.busyMS()); err != nil {
		return s.fail(what, err)
	}
	if s.eng == enginePostgres {
		// As synchronous=OFF above: the next commit makes it durable.
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return s.fail(what, err)
		}
	}
	var n bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deployments) OR EXISTS (SELECT 1 FROM incidents)
		OR EXISTS (SELECT 1 FROM events)`).Scan(&n); err != nil {
		return s.fail(what, err)
	}
	if n {
		return fmt.Errorf("%s: %s: %w", what, s.path, ErrNotEmpty)
	}
	if err := s.eng.deferForeignKeys(ctx, tx); err != nil {
		return s.fail(what, err)
	}
	tables, err := b.tables()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, t := range tables {
		if t.takesIDs() {
			if err := s.eng.syncIDs(ctx, tx); err != nil {
				return s.fail(what, err)
			}
		}
		if err := bulkInsert(ctx, tx, t.name, t.cols, t.n, t.row); err != nil {
			return s.fail(what, err)
		}
	}
	if err := s.eng.syncIDs(ctx, tx); err != nil {
		return s.fail(what, err)
	}
	if err := s.eng.announce(ctx, tx); err != nil {
		return s.fail(what, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(what, err)
	}
	return nil
}

// checkIDs refuses rows without the ids others refer to them by.
func (b *Bulk) checkIDs() error {
	for _, d := range b.Deployments {
		if d.ID <= 0 {
			return invalidf("deployment %s has no id", d.Title())
		}
	}
	for _, it := range b.Items {
		if it.ID <= 0 {
			return invalidf("checklist item %q of deployment #%d has no id", it.Text, it.DeploymentID)
		}
	}
	for _, inc := range b.Incidents {
		if inc.ID <= 0 {
			return invalidf("incident %q has no id", inc.Title)
		}
	}
	return nil
}

// bulkTable is one table's rows: row appends row i's values, in cols
// order, to a and returns it.
type bulkTable struct {
	name string
	cols []string
	n    int
	row  func(i int, a []any) []any
}

// takesIDs reports rows of a table whose ids were given elsewhere in the
// copy that take theirs from the table's sequence, which must first be
// moved past the given ones (engine.syncIDs).
func (t bulkTable) takesIDs() bool { return t.name == "events" && t.cols[0] != "id" && t.n > 0 }

// msOrNil is a time column that may be NULL; idOrNil an optional reference.
func msOrNil(t time.Time) any { return nullMS(t) }

func idOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// tables lists b's rows table by table, parents first. The incidents'
// children are flattened here, in incident order.
func (b *Bulk) tables() ([]bulkTable, error) {
	type child struct {
		inc *model.Incident
		i   int // index into one of its history slices
	}
	var sevs, acks, escs, actions []child
	for k := range b.Incidents {
		inc := &b.Incidents[k]
		for i := range inc.SeverityHistory {
			sevs = append(sevs, child{inc, i})
		}
		for i := range inc.Acks {
			acks = append(acks, child{inc, i})
		}
		for i := range inc.Escalations {
			escs = append(escs, child{inc, i})
		}
		for i := range inc.ActionItems {
			actions = append(actions, child{inc, i})
		}
	}
	type guidanceLine struct {
		g    *BulkGuidance
		line any // nil: a title-only block is one row with line NULL
	}
	var lines []guidanceLine
	for i := range b.Guidance {
		g := &b.Guidance[i]
		if len(g.Guidance.Lines) == 0 {
			lines = append(lines, guidanceLine{g, nil})
		}
		for _, l := range g.Guidance.Lines {
			lines = append(lines, guidanceLine{g, l})
		}
	}
	type stage struct {
		dep int64
		h   *model.StageRecord
	}
	var stages []stage
	plans := make([]string, len(b.Rollouts))
	type encoded struct {
		plan model.Plan
		js   string
	}
	var seen []encoded // a history has a few distinct plans: encode each once
	for i := range b.Rollouts {
		r := &b.Rollouts[i]
		for k := range r.Rollout.History {
			stages = append(stages, stage{r.DeploymentID, &r.Rollout.History[k]})
		}
		p := r.Rollout.Plan
		k := slices.IndexFunc(seen, func(e encoded) bool { return e.plan.Strategy == p.Strategy && slices.Equal(e.plan.Stages, p.Stages) })
		if k < 0 {
			js, err := encodePlan(p)
			if err != nil {
				return nil, fmt.Errorf("encode the rollout plan of deployment #%d: %w", r.DeploymentID, err)
			}
			seen = append(seen, encoded{p, js})
			k = len(seen) - 1
		}
		plans[i] = seen[k].js
	}

	type shipped struct {
		dep int64
		c   *model.Commit
	}
	var commits []shipped // each deployment's Commits, in order
	for i := range b.Deployments {
		d := &b.Deployments[i]
		for k := range d.Commits {
			commits = append(commits, shipped{d.ID, &d.Commits[k]})
		}
	}

	return []bulkTable{
		{"deployments", []string{"id", "service", "version", "environment", "strategy", "status", "template", "started_by",
			"created_at", "updated_at", "execution_at", "finished_at", "commit_sha", "committed_at", "rollback_at", "stability_at",
			"hotfix_for"}, len(b.Deployments), func(i int, a []any) []any {
			d := &b.Deployments[i]
			return append(a, d.ID, d.Service, d.Version, d.Environment, string(d.Strategy), string(d.Status), d.Template, d.StartedBy,
				toMS(d.CreatedAt), toMS(d.UpdatedAt), msOrNil(d.ExecutionAt), msOrNil(d.FinishedAt), d.CommitSHA, msOrNil(d.CommittedAt),
				msOrNil(d.RollbackAt), msOrNil(d.StabilityAt), idOrNil(d.HotfixFor))
		}},
		{"deployment_commits", []string{"deployment_id", "position", "sha", "committed_at", "authored_at"}, len(commits), func(i int, a []any) []any {
			c := commits[i]
			return append(a, c.dep, c.c.Position, c.c.SHA, toMS(c.c.CommittedAt), toMS(c.c.AuthoredAt))
		}},
		{"checklist_items", []string{"id", "deployment_id", "phase", "section", "position", "text", "state", "reason", "changed_by",
			"changed_at", "note", "note_by", "note_at"}, len(b.Items), func(i int, a []any) []any {
			it := &b.Items[i]
			return append(a, it.ID, it.DeploymentID, it.Phase, it.Section, it.Position, it.Text, string(it.State), it.Reason, it.By,
				msOrNil(it.At), it.Note, it.NoteBy, msOrNil(it.NoteAt))
		}},
		{"checklist_guidance", []string{"deployment_id", "phase", "position", "title", "line"}, len(lines), func(i int, a []any) []any {
			l := lines[i]
			return append(a, l.g.DeploymentID, l.g.Guidance.Phase, l.g.Position, l.g.Guidance.Title, l.line)
		}},
		{"rollouts", []string{"deployment_id", "plan", "stage", "started_at", "stage_started_at", "paused", "paused_at",
			"remaining_at_pause_ms", "paused_total_ms", "soak_ended_at", "aborted_at", "rolled_back_at", "completed_at"},
			len(b.Rollouts), func(i int, a []any) []any {
				ro := &b.Rollouts[i]
				r := &ro.Rollout
				return append(a, ro.DeploymentID, plans[i], r.Stage, toMS(r.StartedAt), toMS(r.StageStartedAt), r.Paused, msOrNil(r.PausedAt),
					max(r.RemainingAtPause, 0).Milliseconds(), max(r.PausedTotal, 0).Milliseconds(), msOrNil(r.SoakEndedAt),
					msOrNil(r.AbortedAt), msOrNil(r.RolledBackAt), msOrNil(r.CompletedAt))
			}},
		{"rollout_stages", []string{"deployment_id", "stage", "started_at", "soak_ended_at", "promoted_at", "paused_ms", "override",
			"criteria_met"}, len(stages), func(i int, a []any) []any {
			st := stages[i]
			h := st.h
			return append(a, st.dep, h.Stage, toMS(h.StartedAt), msOrNil(h.SoakEndedAt), toMS(h.PromotedAt),
				max(h.Paused, 0).Milliseconds(), h.Override, h.CriteriaMet)
		}},
		{"rollout_ready", []string{"deployment_id", "stage", "at"}, len(b.Ready), func(i int, a []any) []any {
			rd := &b.Ready[i]
			return append(a, rd.DeploymentID, rd.Stage, toMS(rd.At))
		}},
		{"health_samples", []string{"deployment_id", "at", "baseline", "error_rate", "actor", "source"}, len(b.Health), func(i int, a []any) []any {
			h := &b.Health[i]
			source := h.Source
			if source == "" {
				source = HealthSourceManual
			}
			return append(a, h.DeploymentID, toMS(h.Health.At), h.Health.BaselineErrorRate, h.Health.ErrorRate, h.Actor, source)
		}},
		{"rollback_declarations", []string{"deployment_id", "criterion", "reason", "actor", "at", "cleared_at", "cleared_by", "clear_reason"},
			len(b.Declarations), func(i int, a []any) []any {
				d := &b.Declarations[i]
				return append(a, d.DeploymentID, string(d.Declaration.Criterion), d.Declaration.Reason, d.Declaration.By,
					toMS(d.Declaration.At), msOrNil(d.ClearedAt), d.ClearedBy, d.ClearReason)
			}},
		{"incidents", []string{"id", "title", "severity", "status", "security", "security_at", "deployment_id", "commander", "scribe",
			"comms", "opened_by", "opened_at", "mitigated_at", "resolved_at", "root_cause", "last_update_at"},
			len(b.Incidents), func(i int, a []any) []any {
				inc := &b.Incidents[i]
				return append(a, inc.ID, inc.Title, int(inc.Severity), string(inc.Status), inc.Security, msOrNil(inc.SecurityAt),
					idOrNil(inc.DeploymentID), inc.Commander, inc.Scribe, inc.Comms, inc.OpenedBy, toMS(inc.OpenedAt),
					msOrNil(inc.MitigatedAt), msOrNil(inc.ResolvedAt), inc.RootCause, msOrNil(inc.LastUpdateAt))
			}},
		{"incident_severity_changes", []string{"incident_id", "at", "from_sev", "to_sev", "actor"}, len(sevs), func(i int, a []any) []any {
			c := &sevs[i].inc.SeverityHistory[sevs[i].i]
			return append(a, sevs[i].inc.ID, toMS(c.At), int(c.From), int(c.To), c.By)
		}},
		{"incident_acks", []string{"incident_id", "step", "at", "actor", "reached"}, len(acks), func(i int, a []any) []any {
			k := &acks[i].inc.Acks[acks[i].i]
			return append(a, acks[i].inc.ID, k.Step, toMS(k.At), k.By, k.Reached)
		}},
		{"incident_escalations", []string{"incident_id", "kind", "step", "at", "actor", "reason"}, len(escs), func(i int, a []any) []any {
			e := &escs[i].inc.Escalations[escs[i].i]
			return append(a, escs[i].inc.ID, string(e.Kind), e.Step, toMS(e.At), e.By, e.Reason)
		}},
		{"incident_action_items", []string{"incident_id", "position", "text", "owner", "due", "kind", "done", "done_at", "done_by"}, len(actions), func(i int, a []any) []any {
			c := actions[i]
			it := c.inc.ActionItems[c.i]
			return append(a, c.inc.ID, c.i+1, it.Text, it.Owner, msOrNil(it.Due), string(it.Kind), it.Done, msOrNil(it.DoneAt), it.DoneBy)
		}},
		{"incident_updates", []string{"incident_id", "at", "actor", "conditions", "actions", "needs"}, len(b.Updates), func(i int, a []any) []any {
			u := &b.Updates[i]
			return append(a, u.IncidentID, toMS(u.At), u.Actor, u.Update.Conditions, u.Update.Actions, u.Update.Needs)
		}},
		eventsTable(b.Events, true),
		// Events without an id take the next ones, after every given id
		// (PostgreSQL refuses NULL for an identity column; SQLite took
		// max(id)+1 row by row).
		eventsTable(b.Events, false),
	}, nil
}

// eventsTable is the rows of events that have an id (withID) or not.
func eventsTable(events []model.Event, withID bool) bulkTable {
	var idx []int
	for i := range events {
		if (events[i].ID != 0) == withID {
			idx = append(idx, i)
		}
	}
	cols := []string{"at", "actor", "kind", "deployment_id", "item_id", "incident_id", "severity", "text"}
	if withID {
		cols = append([]string{"id"}, cols...)
	}
	return bulkTable{name: "events", cols: cols, n: len(idx), row: func(i int, a []any) []any {
		e := &events[idx[i]]
		var sev any
		if e.Severity != 0 {
			sev = int(e.Severity)
		}
		if withID {
			a = append(a, e.ID)
		}
		return append(a, toMS(e.At), e.Actor, string(e.Kind), idOrNil(e.DeploymentID), idOrNil(e.ItemID),
			idOrNil(e.IncidentID), sev, e.Text)
	}}
}

// bulkInsert inserts n rows of cols into table, up to 256 rows per
// statement. row appends row i's values (in cols order) to a and returns it.
func bulkInsert(ctx context.Context, tx *sql.Tx, table string, cols []string, n int, row func(i int, a []any) []any) error {
	if n == 0 {
		return nil
	}
	// SQLite allows 32766 bound values per statement; a few hundred rows
	// per statement is past the point of diminishing returns.
	batch := max(1, min(256, 32766/len(cols)))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	stmtFor := func(rows int) (*sql.Stmt, error) {
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(tuple+",", rows), ",")
		return tx.PrepareContext(ctx, q)
	}
	full, err := stmtFor(min(batch, n))
	if err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	defer full.Close()
	args := make([]any, 0, batch*len(cols))
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		stmt := full
		if end-start < batch && end-start != min(batch, n) {
			if stmt, err = stmtFor(end - start); err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
			defer stmt.Close()
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}
