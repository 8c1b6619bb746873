package warroom

import (
	"context"
	"errors"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui"
)

// errViewer refuses a write from a viewer's session. The dashboard already
// disables actions for them; this is the second lock, at the store.
var errViewer = errors.New("read-only: viewers cannot change anything (ask to be made a user in the config)")

// sessionStore is one SSH session's view of the shared store. Every call is
// tied to the session, so nothing a dashboard started outlives its client
// (pitfalls B16, E38), and every write that commits tells all sessions at
// once instead of waiting for the data_version poll. Methods added to
// ui.Store later pass through the embedded store untied; the watcher still
// spreads their writes within a poll.
type sessionStore struct {
	ui.Store
	session context.Context
	changed func() // after a commit
	viewer  bool
}

var _ ui.Store = sessionStore{}

// bind derives a context that also ends when the session does.
func (s sessionStore) bind(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	if s.session.Err() != nil { // AfterFunc would cancel, but later
		cancel()
		return ctx, cancel
	}
	stop := context.AfterFunc(s.session, cancel)
	return ctx, func() { stop(); cancel() }
}

// write runs one write for the session and announces it if it committed.
func (s sessionStore) write(ctx context.Context, f func(context.Context) error) error {
	if s.viewer {
		return errViewer
	}
	ctx, done := s.bind(ctx)
	defer done()
	err := f(ctx)
	if err == nil {
		s.changed()
	}
	return err
}

// ---- reads: tied to the session ----

func (s sessionStore) ActiveDeployments(ctx context.Context) ([]model.Deployment, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.ActiveDeployments(ctx)
}

func (s sessionStore) Checklist(ctx context.Context, id int64) ([]model.Item, []model.Guidance, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.Checklist(ctx, id)
}

func (s sessionStore) LogPage(ctx context.Context, q ui.LogQuery) ([]model.Event, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.LogPage(ctx, q)
}

func (s sessionStore) OpenIncidents(ctx context.Context) ([]model.Incident, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.OpenIncidents(ctx)
}

func (s sessionStore) Rollout(ctx context.Context, id int64) (model.Rollout, bool, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.Rollout(ctx, id)
}

func (s sessionStore) RolloutHealth(ctx context.Context, id int64) (model.Health, []model.Declaration, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.RolloutHealth(ctx, id)
}

// ---- writes: refused for viewers, announced when committed ----

func (s sessionStore) StartDeployment(ctx context.Context, n model.NewDeployment, tpl model.Template, actor string, at time.Time) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.Store.StartDeployment(ctx, n, tpl, actor, at)
		return err
	})
	return d, err
}

func (s sessionStore) StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.Store.StartDeploymentOverride(ctx, n, tpl, reason, actor, at)
		return err
	})
	return d, err
}

func (s sessionStore) StartDeploymentWith(ctx context.Context, n model.NewDeployment, tpl model.Template, o model.StartOverride, actor string, at time.Time) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.Store.StartDeploymentWith(ctx, n, tpl, o, actor, at)
		return err
	})
	return d, err
}

func (s sessionStore) LinkIncident(ctx context.Context, id, deploymentID int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.LinkIncident(ctx, id, deploymentID, seen, actor, at) })
}

func (s sessionStore) UnlinkIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.UnlinkIncident(ctx, id, seen, actor, at) })
}

func (s sessionStore) SetItemState(ctx context.Context, id int64, seen, state model.ItemState, reason, actor string, at time.Time) (it model.Item, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		it, err = s.Store.SetItemState(ctx, id, seen, state, reason, actor, at)
		return err
	})
	return it, err
}

func (s sessionStore) SetItemNote(ctx context.Context, id int64, seen model.NoteSeen, note, actor string, at time.Time) (it model.Item, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		it, err = s.Store.SetItemNote(ctx, id, seen, note, actor, at)
		return err
	})
	return it, err
}

func (s sessionStore) StartExecution(ctx context.Context, id int64, actor string, at time.Time, override bool) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.Store.StartExecution(ctx, id, actor, at, override)
		return err
	})
	return d, err
}

func (s sessionStore) OpenIncident(ctx context.Context, n model.NewIncident, actor string, at time.Time) (inc model.Incident, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		inc, err = s.Store.OpenIncident(ctx, n, actor, at)
		return err
	})
	return inc, err
}

func (s sessionStore) AddIncidentNote(ctx context.Context, id int64, text, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.AddIncidentNote(ctx, id, text, actor, at) })
}

func (s sessionStore) SetIncidentSeverity(ctx context.Context, id int64, seen model.IncidentSeen, sev model.Severity, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.SetIncidentSeverity(ctx, id, seen, sev, actor, at) })
}

func (s sessionStore) AckStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reached, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.AckStep(ctx, id, seen, step, reached, actor, at) })
}

func (s sessionStore) EscalateNow(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.EscalateNow(ctx, id, seen, step, reason, actor, at) })
}

func (s sessionStore) SkipToStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.SkipToStep(ctx, id, seen, step, reason, actor, at) })
}

func (s sessionStore) MitigateIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.MitigateIncident(ctx, id, seen, actor, at) })
}

func (s sessionStore) ResolveIncident(ctx context.Context, id int64, seen model.IncidentSeen, rootCause, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.ResolveIncident(ctx, id, seen, rootCause, actor, at) })
}

func (s sessionStore) SetCommander(ctx context.Context, id int64, seen model.IncidentSeen, role, person, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.SetCommander(ctx, id, seen, role, person, actor, at) })
}

func (s sessionStore) PostUpdate(ctx context.Context, id int64, seen model.IncidentSeen, u model.StakeholderUpdate, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.PostUpdate(ctx, id, seen, u, actor, at) })
}

func (s sessionStore) StarEvent(ctx context.Context, eventID int64, starred bool, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.StarEvent(ctx, eventID, starred, actor, at) })
}

func (s sessionStore) Promote(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.Promote(ctx, id, seen, reason, actor, at) })
}

func (s sessionStore) Pause(ctx context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.Pause(ctx, id, seen, actor, at) })
}

func (s sessionStore) Resume(ctx context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.Resume(ctx, id, seen, actor, at) })
}

func (s sessionStore) Abort(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.Abort(ctx, id, seen, reason, actor, at) })
}

func (s sessionStore) Finish(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.Finish(ctx, id, seen, reason, actor, at) })
}

func (s sessionStore) RecordHealth(ctx context.Context, id int64, errorRate float64, baseline *float64, actor string, at time.Time) (met bool, explanation string, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		met, explanation, err = s.Store.RecordHealth(ctx, id, errorRate, baseline, actor, at)
		return err
	})
	return met, explanation, err
}

func (s sessionStore) DeclareCriterion(ctx context.Context, id int64, c model.Criterion, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.DeclareCriterion(ctx, id, c, reason, actor, at) })
}

func (s sessionStore) ClearCriteria(ctx context.Context, id int64, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.Store.ClearCriteria(ctx, id, reason, actor, at) })
}

// MarkReady records that a soak ended. Every dashboard does it (the store
// keeps the first), viewers included: it is a record of the clock, not a
// person's action.
func (s sessionStore) MarkReady(ctx context.Context, id int64, stage int, at time.Time) (bool, error) {
	ctx, done := s.bind(ctx)
	defer done()
	ok, err := s.Store.MarkReady(ctx, id, stage, at)
	if err == nil && ok {
		s.changed()
	}
	return ok, err
}

// ---- history: tied to the session ----

func (s sessionStore) History(ctx context.Context, q ui.HistoryQuery) ([]model.Deployment, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.History(ctx, q)
}

func (s sessionStore) IncidentHistory(ctx context.Context, q ui.HistoryQuery) ([]model.Incident, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.IncidentHistory(ctx, q)
}

func (s sessionStore) DeploymentDetail(ctx context.Context, id int64) (ui.DeploymentDetail, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.DeploymentDetail(ctx, id)
}

func (s sessionStore) IncidentDetail(ctx context.Context, id int64) (ui.IncidentDetail, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.IncidentDetail(ctx, id)
}

func (s sessionStore) MetricsInput(ctx context.Context, from, to time.Time, service string) ([]model.Deployment, []model.Incident, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.MetricsInput(ctx, from, to, service)
}

func (s sessionStore) Services(ctx context.Context) ([]string, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Store.Services(ctx)
}
