package dashstore

import (
	"context"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Rollout half of Store: the data methods return the stored
// rollout, which the dashboard does not need (it reloads after each write).

func (s Store) Promote(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	_, err := s.Store.Promote(ctx, id, seen, reason, actor, at)
	return err
}

func (s Store) Pause(ctx context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	_, err := s.Store.Pause(ctx, id, seen, actor, at)
	return err
}

func (s Store) Resume(ctx context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	_, err := s.Store.Resume(ctx, id, seen, actor, at)
	return err
}

func (s Store) Abort(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	_, err := s.Store.Abort(ctx, id, seen, reason, actor, at)
	return err
}

func (s Store) Finish(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	_, err := s.Store.Finish(ctx, id, seen, reason, actor, at)
	return err
}
