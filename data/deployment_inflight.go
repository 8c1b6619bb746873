package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// InFlightError is returned when a deployment would start beside another of
// the same service and environment still in flight; nothing was written.
type InFlightError struct {
	Service  string
	ID       int64  // the deployment in flight
	InFlight string // model.TextInFlight: "#1 v2.14.0 in progress at 25% in production"
}

func (e *InFlightError) Error() string {
	return fmt.Sprintf("%s already has %s — give a reason to start another beside it, or finish or abort #%d first",
		e.Service, e.InFlight, e.ID)
}

// Warning is the question to ask before overriding (model.TextInFlightWarning).
func (e *InFlightError) Warning() string { return model.TextInFlightWarning(e.Service, e.InFlight) }

// StartDeploymentWith is StartDeployment past the gates o gives reasons for:
// the change freeze (o.Freeze, a freeze.override event) and a deployment of
// the same service and environment in flight (o.InFlight, a
// deploy.in_flight_override event). A gate without a reason refuses
// (*FreezeError, *InFlightError). Gates and insert are one transaction.
func (s *Store) StartDeploymentWith(ctx context.Context, n model.NewDeployment, tpl model.Template, o model.StartOverride, actor string, at time.Time) (model.Deployment, error) {
	var err error
	o.Freeze, o.InFlight = strings.TrimSpace(o.Freeze), strings.TrimSpace(o.InFlight)
	if o.Freeze != "" {
		if o.Freeze, err = model.ValidateFreezeOverride(o.Freeze); err != nil {
			return model.Deployment{}, invalid(err)
		}
	}
	if o.InFlight != "" {
		if o.InFlight, err = model.ValidateFreezeOverride(o.InFlight); err != nil {
			return model.Deployment{}, invalid(err)
		}
	}
	return s.startDeployment(ctx, n, tpl, o, actor, at)
}

// inFlightGate runs in the deployment-start transaction: it finds the
// deployment of the same service and environment still in flight and
// refuses unless reason is given; the returned text names it for the
// override event ("" when none is in flight).
func inFlightGate(ctx context.Context, tx *sql.Tx, n model.NewDeployment, reason string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+deploymentCols+` FROM deployments
		WHERE status = 'in_progress' ORDER BY id`)
	if err != nil {
		return "", err
	}
	var deps []model.Deployment
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			rows.Close()
			return "", err
		}
		deps = append(deps, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	d, ok := model.InFlight(deps, n.Service, n.Environment)
	if !ok {
		return "", nil
	}
	r, _, err := loadRollout(ctx, tx, d.ID)
	if err != nil {
		return "", err
	}
	text := model.TextInFlight(d, r.StageName())
	if reason == "" {
		return "", &InFlightError{Service: d.Service, ID: d.ID, InFlight: text}
	}
	return text, nil
}
