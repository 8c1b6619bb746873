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

// met is whether rollback criteria hold the rollout, and why.
func (f *fakeStore) met(id int64) (bool, []string) {
	fr := f.ro(id)
	return model.CriteriaMet(model.DefaultRollbackRule(), fr.health, fr.declared)
}

// gate is data's Store.gate on the fake's state: the linked incidents, the
// criteria, the health reading and, withItems, the items finish would leave.
func (f *fakeStore) gate(id int64, withItems bool) model.Gate {
	fr := f.ro(id)
	_, why := f.met(id)
	g := model.Gate{Criteria: why, Incidents: model.LinkedIncidents(f.incidents, id), Health: fr.health, HealthMaxAge: model.DefaultHealthMaxAge}
	if withItems {
		g.OpenPhase = model.PhaseExecution
		if d := f.dep(id); d != nil && d.RollingBack() {
			g.OpenPhase = model.PhaseRollback
		}
		var items []model.Item
		for _, it := range f.items {
			if it.DeploymentID == id {
				items = append(items, it)
			}
		}
		g.OpenItems = model.OpenItems(items, g.OpenPhase)
	}
	return g
}

// act applies one rollout action: do computes the next rollout with the
// model's rule and says what to write on the timeline, in the store's words
// (data's rolloutChange).
func (f *fakeStore) act(id int64, seen model.RolloutSeen, actor string, at time.Time, do func(r model.Rollout, met bool, why []string) (model.Rollout, model.EventKind, string, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	fr := f.ro(id)
	if !seen.Matches(fr.r) { // as data's checkRolloutSeen
		label := ""
		if fr.r.Started() {
			label = fr.r.Status(at, false).Label
		}
		return model.StaleRollout(f.dep(id).Service, label, f.latest(id, 0, model.RolloutEventKinds))
	}
	met, why := f.met(id)
	r, kind, text, err := do(fr.r, met, why)
	if err != nil {
		return err
	}
	fr.r = r
	f.event(at, actor, kind, id, 0, text)
	return nil
}

// overrideNote is data's: what a promote or finish overrode, from the stage
// record the model just closed.
func overrideNote(next model.Rollout, before model.RolloutStatus, reason string, why []string) string {
	return model.OverrideNote(next.History[len(next.History)-1], before, reason, why)
}

func (f *fakeStore) Promote(_ context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return f.act(id, seen, actor, at, func(r model.Rollout, met bool, why []string) (model.Rollout, model.EventKind, string, error) {
		next, err := model.Promote(r, at, reason, f.gate(id, false))
		if err != nil {
			return r, "", "", err
		}
		if next.Stage == len(next.Plan.Stages)-1 { // data.tickGradual
			for i := range f.items {
				if it := &f.items[i]; it.DeploymentID == id && model.IsItem(*it, model.PhaseExecution, model.GradualItemText) && it.State == model.ItemTodo {
					it.State, it.By, it.At = model.ItemDone, "flightdeck", at
					f.event(at, "flightdeck", model.EventItemDone, id, it.ID,
						model.TextItemAutoDone(model.GradualItemText, "the rollout reached "+next.Status(at, false).Label))
				}
			}
		}
		from, to := r.Status(at, met), next.Status(at, met)
		return next, model.EventRolloutPromote, model.TextPromoted(from.Label, to.Label, to.Soak, to.EndsAt, overrideNote(next, from, reason, why)), nil
	})
}

func (f *fakeStore) Pause(_ context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	return f.act(id, seen, actor, at, func(r model.Rollout, _ bool, _ []string) (model.Rollout, model.EventKind, string, error) {
		next, err := model.Pause(r, at)
		if err != nil {
			return r, "", "", err
		}
		st := next.Status(at, false)
		return next, model.EventRolloutPause, model.TextPaused(st.Label, st.Remaining), nil
	})
}

func (f *fakeStore) Resume(_ context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	return f.act(id, seen, actor, at, func(r model.Rollout, _ bool, _ []string) (model.Rollout, model.EventKind, string, error) {
		next, err := model.Resume(r, at)
		if err != nil {
			return r, "", "", err
		}
		st := next.Status(at, false)
		return next, model.EventRolloutResume, model.TextResumed(st.Label, st.Remaining, st.EndsAt), nil
	})
}

func (f *fakeStore) Abort(_ context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	err := f.act(id, seen, actor, at, func(r model.Rollout, _ bool, _ []string) (model.Rollout, model.EventKind, string, error) {
		next, err := model.Abort(r, at)
		if err != nil {
			return r, "", "", err
		}
		return next, model.EventRolloutAbort, model.TextAborted(r.Status(at, false).Label, reason), nil
	})
	if err == nil {
		f.mu.Lock()
		f.dep(id).RollbackAt = at
		f.mu.Unlock()
	}
	return err
}

func (f *fakeStore) Finish(_ context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	f.mu.Lock()
	d := f.dep(id)
	rolling := d.RollingBack()
	f.mu.Unlock()
	err := f.act(id, seen, actor, at, func(r model.Rollout, met bool, why []string) (model.Rollout, model.EventKind, string, error) {
		g := f.gate(id, true)
		if rolling {
			if err := model.CheckLeave(g.OpenPhase, g.OpenItems, reason, "mark it rolled back"); err != nil {
				return r, "", "", err
			}
			next, err := model.RolledBack(r, at)
			if err != nil {
				return r, "", "", err
			}
			left, started := d.StabilityRemaining(at)
			return next, model.EventRolloutRolledBack, model.TextRolledBackLeaving(r.Status(at, false).Label, started, left,
				model.OpenItemsText(g.OpenPhase, g.OpenItems), reason), nil
		}
		next, err := model.Finish(r, at, reason, g)
		if err != nil {
			return r, "", "", err
		}
		before := r.Status(at, met)
		return next, model.EventRolloutFinish, model.TextFinished(before.Label, overrideNote(next, before, reason, why)), nil
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
	f.event(at, actor, model.EventHealthRecorded, id, 0, model.TextHealthRecorded(expl))
	latched := false
	for _, d := range fr.declared {
		latched = latched || d.Latched
	}
	if met && !latched { // data.latchBreach
		fr.declared = append(fr.declared, model.Declaration{Criterion: model.CriterionErrorRate, Reason: expl, By: actor, At: at, Latched: true})
		f.event(at, actor, model.EventHealthLatched, id, 0, model.TextCriteriaLatched(expl))
	}
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
	f.event(at, actor, model.EventHealthDeclared, id, 0, model.TextCriteriaDeclared(d.Criterion, d.Reason))
	return nil
}

func (f *fakeStore) ClearCriteria(_ context.Context, id int64, reason, actor string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.ro(id)
	if len(fr.declared) == 0 { // as the store refuses (data.ErrNothingToClear)
		return fmt.Errorf("deployment #%d: no declared rollback criteria to clear", id)
	}
	cleared := make([]model.Criterion, len(fr.declared))
	for i, d := range fr.declared {
		cleared[i] = d.Criterion
	}
	fr.declared = nil
	f.event(at, actor, model.EventHealthCleared, id, 0, model.TextCriteriaCleared(cleared, reason))
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
	met, _ := f.met(id)
	st := fr.r.Status(at, met)
	f.event(at, "flightdeck", model.EventRolloutReady, id, 0, model.TextReady(st.Label, st.Soak, met))
	return true, nil
}

func (f *fakeStore) FailingSenders(context.Context) ([]model.SenderFailure, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.SenderFailure(nil), f.failingSenders...), nil
}
