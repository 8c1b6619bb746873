package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// insertDemo writes the history in one transaction on one connection,
// table by table, with prepared multi-row INSERTs: a few hundred thousand
// rows in seconds. Foreign keys are checked at commit (deployments and
// incidents refer to each other); a larger page cache for the duration
// keeps the index updates in memory.
func insertDemo(ctx context.Context, s *Store, r *demoRows) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The file is new and holds nothing else: if the machine dies while it
	// is written, the demo is simply generated again. So no fsync for this
	// one transaction; the next commit (the live scenario, synchronous=FULL
	// again) makes the log durable.
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -131072; PRAGMA synchronous = OFF`); err != nil { // 128 MiB
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000; PRAGMA synchronous = FULL`) // the DSN's
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	nz := func(v int64) any {
		if v == 0 {
			return nil
		}
		return v
	}
	steps := []func() error{
		func() error {
			return bulkInsert(ctx, tx, "deployments", []string{"id", "service", "version", "environment", "strategy", "status", "template",
				"started_by", "created_at", "updated_at", "execution_at", "finished_at", "commit_sha", "committed_at", "rollback_at",
				"stability_at", "hotfix_for"}, len(r.deployments), func(i int, a []any) []any {
				d := &r.deployments[i]
				return append(a, d.id, d.service, d.version, d.env, d.strategy, d.status, d.template, d.startedBy, d.created, d.updated,
					nz(d.execution), nz(d.finished), d.sha, nz(d.committed), nz(d.rollback), nz(d.stability), nz(d.hotfix))
			})
		},
		func() error {
			return bulkInsert(ctx, tx, "checklist_items", []string{"id", "deployment_id", "phase", "section", "position", "text", "state",
				"reason", "changed_by", "changed_at", "note", "note_by", "note_at"}, len(r.items), func(i int, a []any) []any {
				it := &r.items[i]
				return append(a, it.id, it.dep, it.phase, it.section, it.pos, it.text, it.state, it.reason, it.by, nz(it.at),
					it.note, it.noteBy, nz(it.noteAt))
			})
		},
		func() error {
			return bulkInsert(ctx, tx, "checklist_guidance", []string{"deployment_id", "phase", "position", "title", "line"},
				len(r.guidance), func(i int, a []any) []any {
					g := &r.guidance[i]
					var line any
					if g.hasLine {
						line = g.line
					}
					return append(a, g.dep, g.phase, g.pos, g.title, line)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "rollouts", []string{"deployment_id", "plan", "stage", "started_at", "stage_started_at", "paused",
				"paused_at", "remaining_at_pause_ms", "paused_total_ms", "soak_ended_at", "aborted_at", "rolled_back_at", "completed_at"},
				len(r.rollouts), func(i int, a []any) []any {
					ro := &r.rollouts[i]
					return append(a, ro.dep, ro.plan, ro.stage, ro.started, ro.stageStarted, 0, nil, 0, ro.pausedTotalMS,
						nz(ro.soakEnded), nz(ro.aborted), nz(ro.rolledBack), nz(ro.completed))
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "rollout_stages", []string{"deployment_id", "stage", "started_at", "soak_ended_at", "promoted_at",
				"paused_ms", "override", "criteria_met"}, len(r.stages), func(i int, a []any) []any {
				st := &r.stages[i]
				return append(a, st.dep, st.stage, st.started, nz(st.soakEnded), st.promoted, st.pausedMS, "", 0)
			})
		},
		func() error {
			return bulkInsert(ctx, tx, "rollout_ready", []string{"deployment_id", "stage", "at"}, len(r.ready), func(i int, a []any) []any {
				rd := &r.ready[i]
				return append(a, rd.dep, rd.stage, rd.at)
			})
		},
		func() error {
			return bulkInsert(ctx, tx, "health_samples", []string{"deployment_id", "at", "baseline", "error_rate", "actor", "source"},
				len(r.health), func(i int, a []any) []any {
					h := &r.health[i]
					return append(a, h.dep, h.at, h.baseline, h.rate, h.actor, HealthSourceManual)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "rollback_declarations", []string{"deployment_id", "criterion", "reason", "actor", "at"},
				len(r.declarations), func(i int, a []any) []any {
					d := &r.declarations[i]
					return append(a, d.dep, d.criterion, d.reason, d.actor, d.at)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "incidents", []string{"id", "title", "severity", "status", "security", "security_at", "deployment_id",
				"commander", "scribe", "comms", "opened_by", "opened_at", "mitigated_at", "resolved_at", "root_cause", "last_update_at"},
				len(r.incidents), func(i int, a []any) []any {
					inc := &r.incidents[i]
					return append(a, inc.id, inc.title, inc.sev, "resolved", inc.security, nz(inc.securityAt), nz(inc.dep),
						inc.commander, inc.scribe, "", inc.openedBy, inc.opened, nz(inc.mitigated), inc.resolved, inc.rootCause, nz(inc.lastUpdate))
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "incident_severity_changes", []string{"incident_id", "at", "from_sev", "to_sev", "actor"},
				len(r.sevChanges), func(i int, a []any) []any {
					c := &r.sevChanges[i]
					return append(a, c.inc, c.at, c.from, c.to, c.actor)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "incident_acks", []string{"incident_id", "step", "at", "actor", "reached"},
				len(r.acks), func(i int, a []any) []any {
					k := &r.acks[i]
					return append(a, k.inc, k.step, k.at, k.actor, k.reached)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "incident_escalations", []string{"incident_id", "kind", "step", "at", "actor", "reason"},
				len(r.escalations), func(i int, a []any) []any {
					e := &r.escalations[i]
					return append(a, e.inc, e.kind, e.step, e.at, e.actor, e.reason)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "incident_action_items", []string{"incident_id", "position", "text", "done"},
				len(r.actionItems), func(i int, a []any) []any {
					it := &r.actionItems[i]
					return append(a, it.inc, it.pos, it.text, 0)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "incident_updates", []string{"incident_id", "at", "actor", "conditions", "actions", "needs"},
				len(r.updates), func(i int, a []any) []any {
					u := &r.updates[i]
					return append(a, u.inc, u.at, u.actor, u.conditions, u.actions, u.needs)
				})
		},
		func() error {
			return bulkInsert(ctx, tx, "events", []string{"at", "actor", "kind", "deployment_id", "item_id", "incident_id", "severity", "text"},
				len(r.events), func(i int, a []any) []any {
					e := &r.events[i]
					var sev any
					if e.sev != 0 {
						sev = e.sev
					}
					return append(a, e.at, e.actor, e.kind, nz(e.dep), nz(e.item), nz(e.inc), sev, e.text)
				})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// bulkInsert inserts n rows of cols into table, `batch` rows per statement.
// row appends row i's values (in cols order) to a and returns it.
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
