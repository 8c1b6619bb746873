package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// LinkIncident links INC-id (decided on seen: a link that has moved since
// is refused with model.ErrStale) to deployment #deploymentID (any status: a
// cause is often found after the fact), or moves an existing link there.
// The link is what makes the deployment a change failure in the metrics, so
// it is only ever made by someone saying so: this call, or the deployment
// chosen when the incident was opened. One transaction with its
// incident.linked event, filed under the incident and the deployment. A
// link already as asked writes nothing.
func (s *Store) LinkIncident(ctx context.Context, id, deploymentID int64, seen model.IncidentSeen, actor string, at time.Time) error {
	if deploymentID <= 0 {
		return invalidf("deployment #%d: pass the number of a deployment (flightdeck history lists them)", deploymentID)
	}
	_, err := s.changeIncident(ctx, "link incident", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if inc.DeploymentID == deploymentID {
			return false, nil
		}
		if err := checkLinkSeen(ctx, tx, inc, seen); err != nil {
			return false, err
		}
		d, err := getDeployment(ctx, tx, deploymentID)
		if errors.Is(err, ErrNotFound) {
			return false, invalidf("cannot link %s to deployment #%d: it does not exist", inc.Ref(), deploymentID)
		} else if err != nil {
			return false, err
		}
		wasTitle := ""
		if inc.DeploymentID != 0 {
			was, err := getDeployment(ctx, tx, inc.DeploymentID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return false, err
			}
			wasTitle = was.Title()
		}
		if err := setIncidentDeployment(ctx, tx, inc, deploymentID); err != nil {
			return false, err
		}
		e := incidentEvent(inc, model.EventIncidentLinked, actor, at,
			model.TextIncidentLinked(d.ID, d.Title(), inc.DeploymentID, wasTitle))
		e.DeploymentID = d.ID
		return true, appendEvent(ctx, tx, e)
	})
	return err
}

// UnlinkIncident removes INC-id's link to a deployment, so that deployment
// no longer counts as failed because of it. One transaction with its
// incident.unlinked event, filed under the incident and the deployment it
// was linked to. An incident linked to none writes nothing.
func (s *Store) UnlinkIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	_, err := s.changeIncident(ctx, "unlink incident", id, actor, at, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if inc.DeploymentID == 0 {
			return false, nil
		}
		if err := checkLinkSeen(ctx, tx, inc, seen); err != nil {
			return false, err
		}
		was, err := getDeployment(ctx, tx, inc.DeploymentID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, err
		}
		if err := setIncidentDeployment(ctx, tx, inc, 0); err != nil {
			return false, err
		}
		e := incidentEvent(inc, model.EventIncidentUnlinked, actor, at, model.TextIncidentUnlinked(inc.DeploymentID, was.Title()))
		e.DeploymentID = inc.DeploymentID
		return true, appendEvent(ctx, tx, e)
	})
	return err
}

func setIncidentDeployment(ctx context.Context, tx *sql.Tx, inc model.Incident, deploymentID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET deployment_id = ? WHERE id = ?`, nullID(deploymentID), inc.ID); err != nil {
		return fmt.Errorf("link %s: %w", inc.Ref(), err)
	}
	return nil
}

// checkLinkSeen refuses a link change decided on a link that has moved
// since (someone linked, relinked or unlinked it first).
func checkLinkSeen(ctx context.Context, tx *sql.Tx, inc model.Incident, seen model.IncidentSeen) error {
	if !seen.LinkStale(inc) {
		return nil
	}
	last, err := latestEvent(ctx, tx, "incident_id", inc.ID, []model.EventKind{model.EventIncidentLinked, model.EventIncidentUnlinked, model.EventIncidentOpened})
	if err != nil {
		return err
	}
	return model.StaleLink(inc, last)
}
