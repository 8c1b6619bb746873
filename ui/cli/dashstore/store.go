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
	metrics *data.MetricsCache // shared by the copies of the Store
}

var _ ui.Store = Store{}

// New wraps st.
func New(st *data.Store) Store { return Store{st, data.NewMetricsCache(st)} }

// FailingSenders lists the senders whose deliveries are failing now.
func (s Store) FailingSenders(ctx context.Context) ([]model.SenderFailure, error) {
	all, err := s.OutboxStates(ctx)
	if err != nil {
		return nil, err
	}
	var out []model.SenderFailure
	for _, o := range all {
		if o.Failing() {
			out = append(out, model.SenderFailure{Name: o.Sender, FailingSince: o.FailingSince, Lost: o.Lost, LastError: o.LastError})
		}
	}
	return out, nil
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
