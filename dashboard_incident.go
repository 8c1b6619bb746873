package main

import (
	"context"
	"errors"
	"time"

	"flightdeck/data"
	"flightdeck/model"
	"flightdeck/ui"
)

// Incident half of dashboardStore.

var errNoIncidents = errors.New("this database layer has no incidents yet")

type incStore interface {
	OpenIncidents(ctx context.Context) ([]model.Incident, error)
	OpenIncident(ctx context.Context, n model.NewIncident, actor string, at time.Time) (model.Incident, error)
	AddIncidentNote(ctx context.Context, id int64, text, actor string, at time.Time) error
	SetIncidentSeverity(ctx context.Context, id int64, sev model.Severity, actor string, at time.Time) error
	AckStep(ctx context.Context, id int64, step int, reached, actor string, at time.Time) error
	EscalateNow(ctx context.Context, id int64, step int, reason, actor string, at time.Time) error
	SkipToStep(ctx context.Context, id int64, step int, reason, actor string, at time.Time) error
	MitigateIncident(ctx context.Context, id int64, actor string, at time.Time) error
	ResolveIncident(ctx context.Context, id int64, rootCause, actor string, at time.Time) error
	SetCommander(ctx context.Context, id int64, role, person, actor string, at time.Time) error
	PostUpdate(ctx context.Context, id int64, u model.StakeholderUpdate, actor string, at time.Time) error
	StarEvent(ctx context.Context, eventID int64, starred bool, actor string, at time.Time) error
	StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (model.Deployment, error)
}

func (s dashboardStore) inc() (incStore, error) {
	if i, ok := any(s.Store).(incStore); ok {
		return i, nil
	}
	return nil, errNoIncidents
}

func (s dashboardStore) LogPage(ctx context.Context, q ui.LogQuery) ([]model.Event, error) {
	if q.BeforeID != 0 {
		return nil, nil
	}
	return s.Events(ctx, data.EventFilter{Limit: q.Limit})
}

func (s dashboardStore) OpenIncidents(ctx context.Context) ([]model.Incident, error) {
	i, err := s.inc()
	if err != nil {
		return nil, nil
	}
	return i.OpenIncidents(ctx)
}

func (s dashboardStore) OpenIncident(ctx context.Context, n model.NewIncident, actor string, at time.Time) (model.Incident, error) {
	i, err := s.inc()
	if err != nil {
		return model.Incident{}, err
	}
	return i.OpenIncident(ctx, n, actor, at)
}

func (s dashboardStore) AddIncidentNote(ctx context.Context, id int64, text, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.AddIncidentNote(ctx, id, text, actor, at)
}

func (s dashboardStore) SetIncidentSeverity(ctx context.Context, id int64, sev model.Severity, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.SetIncidentSeverity(ctx, id, sev, actor, at)
}

func (s dashboardStore) AckStep(ctx context.Context, id int64, step int, reached, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.AckStep(ctx, id, step, reached, actor, at)
}

func (s dashboardStore) EscalateNow(ctx context.Context, id int64, step int, reason, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.EscalateNow(ctx, id, step, reason, actor, at)
}

func (s dashboardStore) SkipToStep(ctx context.Context, id int64, step int, reason, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.SkipToStep(ctx, id, step, reason, actor, at)
}

func (s dashboardStore) MitigateIncident(ctx context.Context, id int64, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.MitigateIncident(ctx, id, actor, at)
}

func (s dashboardStore) ResolveIncident(ctx context.Context, id int64, rootCause, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.ResolveIncident(ctx, id, rootCause, actor, at)
}

func (s dashboardStore) SetCommander(ctx context.Context, id int64, role, person, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.SetCommander(ctx, id, role, person, actor, at)
}

func (s dashboardStore) PostUpdate(ctx context.Context, id int64, u model.StakeholderUpdate, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.PostUpdate(ctx, id, u, actor, at)
}

func (s dashboardStore) StarEvent(ctx context.Context, eventID int64, starred bool, actor string, at time.Time) error {
	i, err := s.inc()
	if err != nil {
		return err
	}
	return i.StarEvent(ctx, eventID, starred, actor, at)
}

func (s dashboardStore) StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (model.Deployment, error) {
	i, err := s.inc()
	if err != nil {
		return model.Deployment{}, err
	}
	return i.StartDeploymentOverride(ctx, n, tpl, reason, actor, at)
}
