package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Links and the second-deployment gate, as the SQLite store applies them.

func (f *fakeStore) LinkIncident(_ context.Context, id, deploymentID int64, seen model.IncidentSeen, actor string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	inc, err := f.inc(id)
	if err != nil {
		return err
	}
	if inc.DeploymentID == deploymentID {
		return nil
	}
	if seen.LinkStale(*inc) {
		return model.StaleLink(*inc, f.latest(0, inc.ID, []model.EventKind{model.EventIncidentLinked, model.EventIncidentUnlinked, model.EventIncidentOpened}))
	}
	d := f.dep(deploymentID)
	if d == nil {
		return fmt.Errorf("cannot link %s to deployment #%d: it does not exist", inc.Ref(), deploymentID)
	}
	wasTitle := ""
	if was := f.dep(inc.DeploymentID); was != nil {
		wasTitle = was.Title()
	}
	text := model.TextIncidentLinked(d.ID, d.Title(), inc.DeploymentID, wasTitle)
	inc.DeploymentID = deploymentID
	f.incEvent(inc, at, actor, model.EventIncidentLinked, text)
	return nil
}

func (f *fakeStore) UnlinkIncident(_ context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	inc, err := f.inc(id)
	if err != nil {
		return err
	}
	if inc.DeploymentID == 0 {
		return nil
	}
	if seen.LinkStale(*inc) {
		return model.StaleLink(*inc, f.latest(0, inc.ID, []model.EventKind{model.EventIncidentLinked, model.EventIncidentUnlinked, model.EventIncidentOpened}))
	}
	title := ""
	if was := f.dep(inc.DeploymentID); was != nil {
		title = was.Title()
	}
	f.incEvent(inc, at, actor, model.EventIncidentUnlinked, model.TextIncidentUnlinked(inc.DeploymentID, title))
	inc.DeploymentID = 0
	return nil
}

func (f *fakeStore) StartDeploymentWith(ctx context.Context, n model.NewDeployment, tpl model.Template, o model.StartOverride, actor string, at time.Time) (model.Deployment, error) {
	o.Freeze, o.InFlight = strings.TrimSpace(o.Freeze), strings.TrimSpace(o.InFlight)
	f.mu.Lock()
	nn, _ := n.Normalize()
	beside, inFlight := model.InFlight(f.deps, nn.Service, nn.Environment)
	text := ""
	if inFlight {
		stage := ""
		if r, ok := f.rollouts[beside.ID]; ok {
			stage = r.r.StageName()
		}
		text = model.TextInFlight(beside, stage)
	}
	f.mu.Unlock()
	if inFlight && o.InFlight == "" {
		return model.Deployment{}, errors.New(beside.Service + " already has " + text + " — give a reason to start another beside it")
	}
	var d model.Deployment
	var err error
	if o.Freeze != "" {
		d, err = f.StartDeploymentOverride(ctx, n, tpl, o.Freeze, actor, at)
	} else {
		d, err = f.StartDeployment(ctx, n, tpl, actor, at)
	}
	if err == nil && inFlight {
		f.mu.Lock()
		f.event(at, actor, model.EventDeployInFlight, d.ID, 0, model.TextInFlightOverride(d.Title(), text, o.InFlight))
		f.mu.Unlock()
	}
	return d, err
}
