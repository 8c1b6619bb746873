package dashstore

import (
	"context"
	"time"

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

// MetricsWarmDelay is how long after start-up a dashboard reads the facts
// of the metrics screen's first window: after the first frame (70–90 ms
// from the process's start), well before a person has read the screen and
// pressed M. A press that comes during the read waits for it, no longer
// than it would have read alone.
const MetricsWarmDelay = 250 * time.Millisecond

// WarmMetrics reads, after MetricsWarmDelay, the facts the metrics screen's
// first window (the 30 days to now) and its list of services need, so that
// M answers from memory: at ten times the demo year the read is 4,000
// deployments with their commits and incidents, 50–150 ms, and made the
// first M take two or three frames. It returns when done or when ctx ends;
// errors are left to the key that needs the answer to say.
func (s Store) WarmMetrics(ctx context.Context, now func() time.Time) {
	if s.metrics == nil {
		return
	}
	t := time.NewTimer(MetricsWarmDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-t.C:
	}
	at := now()
	_, _ = s.metrics.Metrics(ctx, model.MetricsWindow{From: at.Add(-30 * 24 * time.Hour), To: at})
	_, _ = s.metrics.Services(ctx)
}
