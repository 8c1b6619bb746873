package dashstore

import (
	"context"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui"
)

// LogPage maps the dashboard's log query onto the store's event pages.
func (s Store) LogPage(ctx context.Context, q ui.LogQuery) ([]model.Event, error) {
	return s.EventsPage(ctx, eventFilter(q))
}

func eventFilter(q ui.LogQuery) data.EventPageFilter {
	return data.EventPageFilter{
		BeforeID:    q.BeforeID,
		Limit:       q.Limit,
		MinSeverity: q.MinSeverity,
		Search:      q.Search,
		StarredOnly: q.StarredOnly,
	}
}
