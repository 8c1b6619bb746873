package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Rollout half of fakeStore: the same pure rules the SQLite store applies.

type fakeRollout struct {
	r        model.Rollout
	health   model.Health
	declared []model.Declaration
	ready    map[int]bool
}

func (f *fakeStore) ro(id int64) *fakeRollout {
	if f.rollouts == nil {
		f.rollouts = map[int64]*fakeRollout{}
	}
	if f.rollouts[id] == nil {
		f.rollouts[id] = &fakeRollout{ready: map[int]bool{}}
	}
	return f.rollouts[id]
}

func (f *fakeStore) dep(id int64) *model.Deployment {
	for i := range f.deps {
		if f.deps[i].ID == id {
			return &f.deps[i]
		}
	}
	return nil
}

func (f *fakeStore) Rollout(_ context.Context, id int64) (model.Rollout, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.ro(id).r
	return r, r.Started(), nil
}

func (f *fakeStore) RolloutHealth(_ context.Context, id int64) (model.Health, []model.Declaration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.ro(id)
	return fr.health, append([]model.Declaration(nil), fr.declared...), nil
}

func (f *fakeStore) met(id int64) bool {
	fr := f.ro(id)
	met, _ := model.CriteriaMet(model.DefaultRollbackRule(), fr.health, fr.declared)
	return met
}

func (f *fakeStore) act(id int64, kind model.EventKind, actor string, at time.Time, text string, do func(model.Rollout, bool) (model.Rollout, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	fr := f.ro(id)
	r, err := do(fr.r, f.met(id))
	if err != nil {
		return err
	}
	fr.r = r
	f.event(at, actor, kind, id, 0, text)
	return nil
}

func (f *fakeStore) Promote(_ context.Context, id int64, reason, actor string, at time.Time) error {
	return f.act(id, model.EventRolloutPromote, actor, at, "promoted "+reason, func(r model.Rollout, met bool) (model.Rollout, error) {
		return model.Promote(r, at, reason, met)
	})
}

func (f *fakeStore) Pause(_ context.Context, id int64, actor string, at time.Time) error {
	return f.act(id, model.EventRolloutPause, actor, at, "paused", func(r model.Rollout, _ bool) (model.Rollout, error) { return model.Pause(r, at) })
}

func (f *fakeStore) Resume(_ context.Context, id int64, actor string, at time.Time) error {
	return f.act(id, model.EventRolloutResume, actor, at, "resumed", func(r model.Rollout, _ bool) (model.Rollout, error) { return model.Resume(r, at) })
}

func (f *fakeStore) Abort(_ context.Context, id int64, reason, actor string, at time.Time) error {
	err := f.act(id, model.EventRolloutAbort, actor, at, "aborted: "+reason, func(r model.Rollout, _ bool) (model.Rollout, error) { return model.Abort(r, at) })
	if err == nil {
		f.mu.Lock()
		f.dep(id).RollbackAt = at
		f.mu.Unlock()
	}
	return err
}

func (f *fakeStore) Finish(_ context.Context, id int64, reason, actor string, at time.Time) error {
	f.mu.Lock()
	d := f.dep(id)
	rolling := d.RollingBack()
	f.mu.Unlock()
	err := f.act(id, model.EventRolloutFinish, actor, at, "finished "+reason, func(r model.Rollout, met bool) (model.Rollout, error) {
		if rolling {
			return model.RolledBack(r, at)
		}
		return model.Finish(r, at, reason, met)
	})
	if err == nil {
		f.mu.Lock()
		d.Status, d.FinishedAt = model.StatusCompleted, at
		if rolling {
			d.Status = model.StatusRolledBack
		}
		f.mu.Unlock()
	}
	return err
}

func (f *fakeStore) RecordHealth(_ context.Context, id int64, rate float64, base *float64, actor string, at time.Time) (bool, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.ro(id)
	h := model.Health{ErrorRate: rate, BaselineErrorRate: fr.health.BaselineErrorRate, Has: true, At: at}
	if base != nil {
		h.BaselineErrorRate = *base
	} else if !fr.health.Has {
		return false, "", errors.New("no baseline yet: pass a baseline")
	}
	fr.health = h
	met, expl := model.DefaultRollbackRule().Evaluate(h)
	f.event(at, actor, model.EventHealthRecorded, id, 0, fmt.Sprintf("error rate %.1f%%", rate))
	return met, expl, nil
}

func (f *fakeStore) DeclareCriterion(_ context.Context, id int64, c model.Criterion, reason, actor string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := model.Declare(c, reason, actor, at)
	if err != nil {
		return err
	}
	f.ro(id).declared = append(f.ro(id).declared, d)
	f.event(at, actor, model.EventHealthDeclared, id, 0, d.String())
	return nil
}

func (f *fakeStore) ClearCriteria(_ context.Context, id int64, reason, actor string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ro(id).declared = nil
	f.event(at, actor, model.EventHealthDeclared, id, 0, "cleared: "+reason)
	return nil
}

func (f *fakeStore) MarkReady(_ context.Context, id int64, stage int, at time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.ro(id)
	if fr.ready[stage] {
		return false, nil
	}
	fr.ready[stage] = true
	f.event(at, "flightdeck", model.EventRolloutReady, id, 0, "ready to promote")
	return true, nil
}
