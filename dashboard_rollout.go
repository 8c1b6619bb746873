package main

import (
	"context"
	"errors"
	"time"

	"flightdeck/model"
)

// Rollout half of dashboardStore: the data methods return the updated
// rollout, which the dashboard does not need (it reloads after each write).

var errNoRollouts = errors.New("this database layer has no rollouts")

type (
	roReader interface {
		RolloutHealth(ctx context.Context, id int64) (model.Health, []model.Declaration, error)
	}
	roPromote interface {
		Promote(ctx context.Context, id int64, reason, actor string, at time.Time) (model.Rollout, error)
	}
	roPause interface {
		Pause(ctx context.Context, id int64, actor string, at time.Time) (model.Rollout, error)
		Resume(ctx context.Context, id int64, actor string, at time.Time) (model.Rollout, error)
	}
	roEnd interface {
		Abort(ctx context.Context, id int64, reason, actor string, at time.Time) (model.Rollout, error)
		Finish(ctx context.Context, id int64, reason, actor string, at time.Time) (model.Rollout, error)
	}
	roHealth interface {
		RecordHealth(ctx context.Context, id int64, errorRate float64, baseline *float64, actor string, at time.Time) (bool, string, error)
		DeclareCriterion(ctx context.Context, id int64, c model.Criterion, reason, actor string, at time.Time) error
		ClearCriteria(ctx context.Context, id int64, reason, actor string, at time.Time) error
		MarkReady(ctx context.Context, id int64, stage int, at time.Time) (bool, error)
	}
)

func (s dashboardStore) RolloutHealth(ctx context.Context, id int64) (model.Health, []model.Declaration, error) {
	if r, ok := any(s.Store).(roReader); ok {
		return r.RolloutHealth(ctx, id)
	}
	return model.Health{}, nil, nil
}

func (s dashboardStore) Promote(ctx context.Context, id int64, reason, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roPromote); ok {
		_, err := r.Promote(ctx, id, reason, actor, at)
		return err
	}
	return errNoRollouts
}

func (s dashboardStore) Pause(ctx context.Context, id int64, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roPause); ok {
		_, err := r.Pause(ctx, id, actor, at)
		return err
	}
	return errNoRollouts
}

func (s dashboardStore) Resume(ctx context.Context, id int64, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roPause); ok {
		_, err := r.Resume(ctx, id, actor, at)
		return err
	}
	return errNoRollouts
}

func (s dashboardStore) Abort(ctx context.Context, id int64, reason, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roEnd); ok {
		_, err := r.Abort(ctx, id, reason, actor, at)
		return err
	}
	return errNoRollouts
}

func (s dashboardStore) Finish(ctx context.Context, id int64, reason, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roEnd); ok {
		_, err := r.Finish(ctx, id, reason, actor, at)
		return err
	}
	return errNoRollouts
}

func (s dashboardStore) RecordHealth(ctx context.Context, id int64, rate float64, base *float64, actor string, at time.Time) (bool, string, error) {
	if r, ok := any(s.Store).(roHealth); ok {
		return r.RecordHealth(ctx, id, rate, base, actor, at)
	}
	return false, "", errNoRollouts
}

func (s dashboardStore) DeclareCriterion(ctx context.Context, id int64, c model.Criterion, reason, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roHealth); ok {
		return r.DeclareCriterion(ctx, id, c, reason, actor, at)
	}
	return errNoRollouts
}

func (s dashboardStore) ClearCriteria(ctx context.Context, id int64, reason, actor string, at time.Time) error {
	if r, ok := any(s.Store).(roHealth); ok {
		return r.ClearCriteria(ctx, id, reason, actor, at)
	}
	return errNoRollouts
}

func (s dashboardStore) MarkReady(ctx context.Context, id int64, stage int, at time.Time) (bool, error) {
	if r, ok := any(s.Store).(roHealth); ok {
		return r.MarkReady(ctx, id, stage, at)
	}
	return false, errNoRollouts
}
