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
// or ended. Every incident change that can move them (a SEV1/SEV2, open or
// mitigated, before or after it) therefore reads what they are before and
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
const holdsQuery = `SELECT i.id, i.title, i.severity, i.status, coalesce(i.deployment_id, 0),
		d.service, d.version, d.environment,
		r.deployment_id IS NOT NULL AND d.status = 'in_progress' AND r.aborted_at IS NULL AND r.completed_at IS NULL
	FROM incidents i
	LEFT JOIN deployments d ON d.id = i.deployment_id
	LEFT JOIN rollouts r ON r.deployment_id = i.deployment_id
	WHERE i.status IN ('open', 'mitigated') AND i.severity IN (1, 2)
	ORDER BY i.severity, i.id`

func readHolds(ctx context.Context, q queryer) (holdState, error) {
	rows, err := q.QueryContext(ctx, holdsQuery)
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

// majorActive is whether inc counts for the freeze and the holds at all: a
// SEV1/SEV2 open or mitigated. A change of an incident that is not, before
// or after, cannot move either.
func majorActive(inc model.Incident) bool {
	return inc.ID != 0 && inc.Severity.Major() && inc.Status.Active()
}

// holdsBefore is the state before a change of was, read first in the
// change's transaction — only when was counts: otherwise the state before
// is the state after without it (recordHolds), and nothing is read.
func holdsBefore(ctx context.Context, tx *sql.Tx, was model.Incident) (*holdState, error) {
	if !majorActive(was) {
		return nil, nil
	}
	h, err := readHolds(ctx, tx)
	return &h, err
}

// without is h had INC-id not counted: the state before a change of an
// incident that did not count then.
func (h holdState) without(id int64) holdState {
	out := holdState{held: map[int64]heldRollout{}}
	for _, in := range h.majors {
		if in.ID != id {
			out.majors = append(out.majors, in)
		}
	}
	for dep, hr := range h.held {
		var incs []model.Incident
		for _, in := range hr.incs {
			if in.ID != id {
				incs = append(incs, in)
			}
		}
		if len(incs) > 0 {
			out.held[dep] = heldRollout{d: hr.d, incs: incs}
		}
	}
	return out
}

// recordHolds compares the state before the change (holdsBefore) with the
// state now, and appends the flips the change of INC-n from was to now
// (was is zero for a new incident) caused: freeze.on or freeze.off, then
// rollout.released and rollout.held per deployment, by deployment id. A
// change that keeps the state writes nothing. Events carry now's severity,
// as the change's own event does. At most one query: none when the incident
// counts neither before nor after, or when its severity, status and link
// did not move.
func recordHolds(ctx context.Context, tx *sql.Tx, before *holdState, was, now model.Incident, actor string, at time.Time) error {
	if !majorActive(was) && !majorActive(now) {
		return nil
	}
	if before != nil && was.Severity == now.Severity && was.Status == now.Status && was.DeploymentID == now.DeploymentID {
		return nil
	}
	after, err := readHolds(ctx, tx)
	if err != nil {
		return err
	}
	if before == nil {
		b := after.without(now.ID)
		before = &b
	}
	var evs []model.Event
	switch on, reason := model.Freeze(after.majors); {
	case on && !before.frozen():
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
