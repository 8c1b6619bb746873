package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// HistoryStore reads the past for the full-screen views.
type HistoryStore interface {
	History(ctx context.Context, q HistoryQuery) ([]model.Deployment, error)
	IncidentHistory(ctx context.Context, q HistoryQuery) ([]model.Incident, error)
	DeploymentDetail(ctx context.Context, id int64) (DeploymentDetail, error)
	IncidentDetail(ctx context.Context, id int64) (IncidentDetail, error)
	// Metrics are the delivery metrics of a window (model.ComputeMetrics
	// over everything stored); asked on every M, w and s.
	Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error)
	Services(ctx context.Context) ([]string, error)
}

// HistoryQuery filters the history lists; empty fields match everything.
type HistoryQuery struct {
	Service     string
	Environment string
	Status      string // a deployment or incident status
	Limit       int
}

// DeploymentDetail is everything known about one deployment.
type DeploymentDetail struct {
	Deployment model.Deployment
	Items      []model.Item
	Guidance   []model.Guidance
	Rollout    model.Rollout
	HasRollout bool
	Incidents  []model.Incident
	Events     []model.Event
}

// IncidentDetail is everything known about one incident.
type IncidentDetail struct {
	Incident   model.Incident
	Deployment model.Deployment // zero when not linked
	Checklist  []model.Item     // the linked deployment's checklist
	Events     []model.Event
}

type historyMsg struct {
	q           HistoryQuery
	deployments []model.Deployment
	incidents   []model.Incident
	err         error
}

type detailMsg struct {
	dep *DeploymentDetail
	inc *IncidentDetail
	err error
}

func historyCmd(st HistoryStore, q HistoryQuery, incidents bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		msg := historyMsg{q: q}
		if incidents {
			msg.incidents, msg.err = st.IncidentHistory(ctx, q)
		} else {
			msg.deployments, msg.err = st.History(ctx, q)
		}
		return msg
	}
}

func detailCmd(st HistoryStore, id int64, incident bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		if incident {
			d, err := st.IncidentDetail(ctx, id)
			return detailMsg{inc: &d, err: err}
		}
		d, err := st.DeploymentDetail(ctx, id)
		return detailMsg{dep: &d, err: err}
	}
}
