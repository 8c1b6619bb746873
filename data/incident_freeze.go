package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// FreezeError is returned by StartDeployment while an open or mitigated
// SEV1/SEV2 freezes deployments; nothing was written.
type FreezeError struct {
	Reason string // the incidents holding the freeze: "INC-3 SEV1 open"
}

func (e *FreezeError) Error() string {
	return "deploys are frozen: " + e.Reason + " — pass an override reason"
}

// Freeze reports whether new deployments are frozen, and by which
// incidents (model.Freeze).
func (s *Store) Freeze(ctx context.Context) (frozen bool, reason string, err error) {
	err = s.read(ctx, "read change freeze", func(tx *sql.Tx) error {
		st, err := readFreeze(ctx, tx)
		frozen, reason = st.frozen, st.reason
		return err
	})
	return frozen, reason, err
}

// StartDeploymentOverride is StartDeployment that, during a freeze, starts
// the deployment anyway and records a freeze.override event quoting reason.
// Outside a freeze it is StartDeployment and records no override. The freeze
// check and the insert are one transaction, so an incident opened meanwhile
// cannot slip between them.
func (s *Store) StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (model.Deployment, error) {
	reason, err := model.ValidateFreezeOverride(reason)
	if err != nil {
		return model.Deployment{}, invalid(err)
	}
	return s.startDeployment(ctx, n, tpl, model.StartOverride{Freeze: reason}, actor, at)
}

// freezeState is the freeze as read inside a write transaction; lead is the
// most severe incident holding it, which the override event is filed under.
type freezeState struct {
	frozen bool
	reason string
	lead   model.Incident
}

func readFreeze(ctx context.Context, q queryer) (freezeState, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, severity, status FROM incidents
		WHERE status IN ('open', 'mitigated') ORDER BY severity, id`)
	if err != nil {
		return freezeState{}, fmt.Errorf("read change freeze: %w", err)
	}
	defer rows.Close()
	var incs []model.Incident
	for rows.Next() {
		var inc model.Incident
		var sev int
		var status string
		if err := rows.Scan(&inc.ID, &sev, &status); err != nil {
			return freezeState{}, fmt.Errorf("read change freeze: %w", err)
		}
		inc.Severity, inc.Status = model.Severity(sev), model.IncidentStatus(status)
		incs = append(incs, inc)
	}
	if err := rows.Err(); err != nil {
		return freezeState{}, err
	}
	var st freezeState
	st.frozen, st.reason = model.Freeze(incs)
	for _, inc := range incs {
		if st.frozen && inc.Severity.Major() {
			st.lead = inc
			break
		}
	}
	return st, nil
}

// freezeGate runs first in the deployment-start transaction: while frozen
// it refuses unless override (a validated reason) is given.
func freezeGate(ctx context.Context, tx *sql.Tx, override string) (freezeState, error) {
	st, err := readFreeze(ctx, tx)
	if err != nil {
		return st, err
	}
	if st.frozen && override == "" {
		return st, &FreezeError{Reason: st.reason}
	}
	return st, nil
}

// recordOverride writes the freeze.override event for a deployment started
// during a freeze, filed under the lead incident so its report shows it.
func (st freezeState) recordOverride(ctx context.Context, tx *sql.Tx, d model.Deployment, override, actor string, at time.Time) error {
	if !st.frozen {
		return nil
	}
	e := incidentEvent(st.lead, model.EventFreezeOverride, actor, at, model.TextFreezeOverride(d.Title(), st.reason, override))
	e.DeploymentID = d.ID
	return appendEvent(ctx, tx, e)
}
