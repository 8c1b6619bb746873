package dashstore

import (
	"context"
	"strings"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui"
)

// History half of Store: the full-screen history and detail views.

// History lists deployments; the text filter names a service, else an
// environment.
func (s Store) History(ctx context.Context, q ui.HistoryQuery) ([]model.Deployment, error) {
	f := data.DeploymentFilter{Status: model.Status(q.Status), Limit: q.Limit}
	if t := strings.TrimSpace(q.Service); t != "" {
		f.Service = t
		services, err := s.Services(ctx)
		if err != nil {
			return nil, err
		}
		known := false
		for _, sv := range services {
			known = known || strings.EqualFold(sv, t)
		}
		if !known {
			f.Service, f.Environment = "", t
		}
	}
	return s.DeploymentsFiltered(ctx, f)
}

func (s Store) IncidentHistory(ctx context.Context, q ui.HistoryQuery) ([]model.Incident, error) {
	return s.IncidentsFiltered(ctx, data.IncidentFilter{Status: model.IncidentStatus(q.Status), Limit: q.Limit})
}

func (s Store) DeploymentDetail(ctx context.Context, id int64) (ui.DeploymentDetail, error) {
	var d ui.DeploymentDetail
	var err error
	if d.Deployment, err = s.Deployment(ctx, id); err != nil {
		return d, err
	}
	if d.Items, d.Guidance, err = s.Checklist(ctx, id); err != nil {
		return d, err
	}
	if d.Rollout, d.HasRollout, err = s.Rollout(ctx, id); err != nil {
		return d, err
	}
	if d.Incidents, err = s.DeploymentIncidents(ctx, id); err != nil {
		return d, err
	}
	d.Events, err = s.DeploymentTimeline(ctx, id)
	return d, err
}

func (s Store) IncidentDetail(ctx context.Context, id int64) (ui.IncidentDetail, error) {
	var d ui.IncidentDetail
	var err error
	if d.Incident, err = s.Incident(ctx, id); err != nil {
		return d, err
	}
	if d.Incident.DeploymentID != 0 {
		if d.Deployment, err = s.Deployment(ctx, d.Incident.DeploymentID); err != nil {
			return d, err
		}
		if d.Checklist, _, err = s.Checklist(ctx, d.Deployment.ID); err != nil {
			return d, err
		}
	}
	d.Events, err = s.IncidentTimeline(ctx, id)
	return d, err
}

// TemplateNames lists the checklist templates, the built-in first.
func (s Store) TemplateNames(ctx context.Context) ([]string, error) {
	infos, err := s.Templates(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(infos))
	for _, t := range infos {
		if t.Problem == "" {
			names = append(names, t.Name)
		}
	}
	return names, nil
}
