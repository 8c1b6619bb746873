// Package dashstore adapts the SQLite store (data) to the Store the
// dashboard declares (ui). It is wiring, so it lives under ui/cli, the one
// place that joins ui and data; tests of ui and ui/warroom use it to run on
// a real temporary-file store.
package dashstore

import (
	"context"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui"
)

// Store is the SQLite store as the dashboard sees it.
type Store struct {
	*data.Store
	metrics *data.MetricsCache    // shared by the copies of the Store
	reader  *data.DashboardReader // the snapshots' prepared statements
}

var _ ui.Store = Store{}

// New wraps st.
func New(st *data.Store) Store {
	return Store{Store: st, metrics: data.NewMetricsCache(st), reader: st.DashboardReader()}
}

// FailingSenders lists the senders whose deliveries are failing now.
func (s Store) FailingSenders(ctx context.Context) ([]model.SenderFailure, error) {
	all, err := s.OutboxStates(ctx)
	if err != nil {
		return nil, err
	}
	return failing(all), nil
}

// failing is the senders among all that are failing now.
func failing(all []data.OutboxState) []model.SenderFailure {
	var out []model.SenderFailure
	for _, o := range all {
		if o.Failing() {
			out = append(out, model.SenderFailure{Name: o.Sender, FailingSince: o.FailingSince, Lost: o.Lost, LastError: o.LastError})
		}
	}
	return out
}

// Outage is the store's wording for a PostgreSQL server it cannot reach
// now, for the status line; "" while the server answers, and always on a
// SQLite file.
func (s Store) Outage() string {
	since, _, down := s.Unreachable()
	if !down {
		return ""
	}
	return data.UnreachableText(since)
}

// Snapshot reads the dashboard's snapshot in one transaction with
// statements prepared once; handed the previous one, it reads again only
// the parts the commits since name (data.DashboardReader).
func (s Store) Snapshot(ctx context.Context, q ui.SnapshotQuery, prev *ui.Snapshot) (*ui.Snapshot, error) {
	var was *data.Dashboard
	if prev != nil {
		was, _ = prev.State.(*data.Dashboard)
	}
	r := s.reader
	if r == nil { // a Store not made by New
		r = s.Store.DashboardReader()
	}
	d, err := r.Read(ctx, data.DashboardQuery{FocusID: q.FocusID, Log: eventFilter(q.Log), Resolved: q.Resolved}, was)
	if err != nil {
		return nil, err
	}
	return &ui.Snapshot{
		Deployments:    d.Deployments,
		FocusID:        d.FocusID,
		Items:          d.Items,
		Guidance:       d.Guidance,
		Events:         d.Events,
		Incidents:      d.Incidents,
		Resolved:       d.Resolved,
		Rollout:        d.Rollout,
		HasRollout:     d.HasRollout,
		Health:         d.Health,
		Declared:       d.Declared,
		FailingSenders: failing(d.Outbox),
		State:          d,
	}, nil
}
