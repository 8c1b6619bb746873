package dashstore

import (
	"context"

	"github.com/octoacme/flightdeck/model"
)

// Metrics answers the metrics screen from facts kept between its M, w and
// s (data.MetricsCache): a dashboard asks again and again.
func (s Store) Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error) {
	if s.metrics == nil {
		return s.Store.Metrics(ctx, w)
	}
	return s.metrics.Metrics(ctx, w)
}

// Services lists the services, read again only after a deployment was
// added: the metrics screen asks with every window.
func (s Store) Services(ctx context.Context) ([]string, error) {
	if s.metrics == nil {
		return s.Store.Services(ctx)
	}
	return s.metrics.Services(ctx)
}
