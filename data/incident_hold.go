package data

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The change freeze and the rollout holds are derived from the incidents
// (model.Freeze, model.Gate.Holding), so nothing would say when they began
// or ended. Every incident change therefore reads what they are before and
// after its write, in its own transaction, and records the flips —
// freeze.on/off, rollout.held/released — right after its own event, filed
// under the incident whose change caused them. The timeline is the outbox
// the notifier sends from, so a flip recorded here is a flip notified.

// holdState is what SEV1/SEV2 incidents freeze and hold at one moment:
// majors is every open or mitigated SEV1/SEV2, most severe first; held is
// each running rollout they hold, by deployment id.
type holdState struct {
	majors []model.Incident
	held   map[int64]heldRollout
}

// heldRollout is a deployment whose rollout has not ended, with the
// incidents holding it (model.Gate's Incidents).
type heldRollout struct {
	d    model.Deployment
	incs []model.Incident
}

func (h holdState) frozen() bool { f, _ := model.Freeze(h.majors); return f }

// readHolds is one indexed query (incidents_by_status, then each holding
// incident's deployment and rollout by primary key): the active majors, and
// for each one linked to an in-progress deployment whose rollout has not
// ended (not aborted, not completed — model.Rollout.Ended), that rollout.
func readHolds(ctx context.Context, q queryer) (holdState, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.title, i.severity, i.status, coalesce(i.deployment_id, 0),
			d.service, d.version, d.environment,
			r.deployment_id IS NOT NULL AND d.status = 'in_progress' AND r.aborted_at IS NULL AND r.completed_at IS NULL
		FROM incidents i
		LEFT JOIN deployments d ON d.id = i.deployment_id
		LEFT JOIN rollouts r ON r.deployment_id = i.deployment_id
		WHERE i.status IN ('open', 'mitigated') AND i.severity IN (1, 2)
		ORDER BY i.severity, i.id`)
	if err != nil {
		return holdState{}, fmt.Errorf("read freeze and holds: %w", err)
	}
	defer rows.Close()
	h := holdState{held: map[int64]heldRollout{}}
	for rows.Next() {
		var in model.Incident
		var sev int
		var status string
		var service, version, env sql.NullString
		var running sql.NullBool
		if err := rows.Scan(&in.ID, &in.Title, &sev, &status, &in.DeploymentID, &service, &version, &env, &running); err != nil {
			return holdState{}, fmt.Errorf("read freeze and holds: %w", err)
		}
		in.Severity, in.Status = model.Severity(sev), model.IncidentStatus(status)
		h.majors = append(h.majors, in)
		if running.Bool {
			hr := h.held[in.DeploymentID]
			hr.d = model.Deployment{ID: in.DeploymentID, Service: service.String, Version: version.String, Environment: env.String}
			hr.incs = append(hr.incs, in)
			h.held[in.DeploymentID] = hr
		}
	}
	return h, rows.Err()
}

// recordHolds compares the state before the change (read first in the same
// transaction) with the state now, and appends the flips the change of
// INC-n from was to now caused: freeze.on or freeze.off, then
// rollout.released and rollout.held per deployment, by deployment id. A
// change that keeps the state writes nothing. Events carry now's severity,
// as the change's own event does.
func recordHolds(ctx context.Context, tx *sql.Tx, before holdState, was, now model.Incident, actor string, at time.Time) error {
	if was.ID != 0 && was.Severity == now.Severity && was.Status == now.Status && was.DeploymentID == now.DeploymentID {
		return nil // nothing the freeze or a hold depends on moved: no need to read again
	}
	after, err := readHolds(ctx, tx)
	if err != nil {
		return err
	}
	var evs []model.Event
	switch on, _ := model.Freeze(after.majors); {
	case on && !before.frozen():
		_, reason := model.Freeze(after.majors)
		evs = append(evs, incidentEvent(now, model.EventFreezeOn, actor, at, model.TextFreezeOn(reason)))
	case !on && before.frozen():
		evs = append(evs, incidentEvent(now, model.EventFreezeOff, actor, at, model.TextFreezeOff(model.TextHoldEnded(was, now))))
	}
	ids := make([]int64, 0, len(before.held)+len(after.held))
	for id := range before.held {
		ids = append(ids, id)
	}
	for id := range after.held {
		if _, ok := before.held[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids { // releases first: a relink reads "released on #1", then "HOLD on #2"
		if hr, ok := before.held[id]; ok {
			if _, still := after.held[id]; !still {
				e := incidentEvent(now, model.EventRolloutReleased, actor, at, model.TextRolloutReleased(id, hr.d.Title(), model.TextHoldEnded(was, now)))
				e.DeploymentID = id
				evs = append(evs, e)
			}
		}
	}
	for _, id := range ids {
		if hr, ok := after.held[id]; ok {
			if _, already := before.held[id]; !already {
				e := incidentEvent(now, model.EventRolloutHeld, actor, at, model.TextRolloutHeld(id, hr.d.Title(), model.Gate{Incidents: hr.incs}.HoldText()))
				e.DeploymentID = id
				evs = append(evs, e)
			}
		}
	}
	for _, e := range evs {
		if err := appendEvent(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// recordHeldAtStart writes rollout.held when a rollout starts on a
// deployment that SEV1/SEV2 incidents already hold (linked before it
// entered Deployment Execution), filed under the most severe of them, so
// the later rollout.released has its beginning.
func recordHeldAtStart(ctx context.Context, tx *sql.Tx, d model.Deployment, actor string, at time.Time) error {
	linked, err := linkedIncidents(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	g := model.Gate{Incidents: linked}
	hold := g.Holding()
	if len(hold) == 0 {
		return nil
	}
	e := incidentEvent(hold[0], model.EventRolloutHeld, actor, at, model.TextRolloutHeld(d.ID, d.Title(), g.HoldText()))
	e.DeploymentID = d.ID
	return appendEvent(ctx, tx, e)
}
