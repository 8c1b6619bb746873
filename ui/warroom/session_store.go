package warroom

import (
	"context"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui"
)

// sessionStore is one SSH session's view of the shared store. Every call is
// tied to the session, so nothing a dashboard started outlives its client
// (pitfalls B16, E38), and every write that commits tells all sessions at
// once instead of waiting for the data_version poll.
//
// A viewer's session gets a sessionReader alone: it embeds the ui.Reader
// interface (not the store behind it), so it has no write method for the
// dashboard to find, and a write added to ui.Writer later cannot reach the
// database from a viewer's session. Reads added to ui.Reader later pass
// through the embedded interface untied to the session.
type sessionReader struct {
	ui.Reader
	session context.Context
}

// sessionStore is a user's session: the reads, and every write, tied to
// the session and announced when it commits.
type sessionStore struct {
	sessionReader
	w       ui.Writer
	changed func() // after a commit
}

var (
	_ ui.Store  = sessionStore{}
	_ ui.Reader = sessionReader{}
)

// newSessionStore is the store a session's dashboard is given: reads only
// for a viewer.
func newSessionStore(st ui.Store, session context.Context, changed func(), viewer bool) ui.Reader {
	r := sessionReader{Reader: ui.ReadOnly(st), session: session}
	if viewer {
		return r
	}
	return sessionStore{sessionReader: r, w: st, changed: changed}
}

// bind derives a context that also ends when the session does.
func (s sessionReader) bind(ctx context.Context) (context.Context, func()) {
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
	ctx, done := s.bind(ctx)
	defer done()
	err := f(ctx)
	if err == nil {
		s.changed()
	}
	return err
}

// ---- reads: tied to the session ----

func (s sessionReader) ActiveDeployments(ctx context.Context) ([]model.Deployment, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.ActiveDeployments(ctx)
}

func (s sessionReader) Checklist(ctx context.Context, id int64) ([]model.Item, []model.Guidance, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.Checklist(ctx, id)
}

func (s sessionReader) LogPage(ctx context.Context, q ui.LogQuery) ([]model.Event, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.LogPage(ctx, q)
}

func (s sessionReader) OpenIncidents(ctx context.Context) ([]model.Incident, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.OpenIncidents(ctx)
}

// Snapshot is the shared store's snapshot (ui.SnapshotReader: what changed
// since prev), tied to the session.
func (s sessionReader) Snapshot(ctx context.Context, q ui.SnapshotQuery, prev *ui.Snapshot) (*ui.Snapshot, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.(ui.SnapshotReader).Snapshot(ctx, q, prev)
}

func (s sessionReader) Rollout(ctx context.Context, id int64) (model.Rollout, bool, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.Rollout(ctx, id)
}

func (s sessionReader) RolloutHealth(ctx context.Context, id int64) (model.Health, []model.Declaration, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.RolloutHealth(ctx, id)
}

func (s sessionReader) FailingSenders(ctx context.Context) ([]model.SenderFailure, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.FailingSenders(ctx)
}

// ---- history: tied to the session ----

func (s sessionReader) History(ctx context.Context, q ui.HistoryQuery) ([]model.Deployment, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.History(ctx, q)
}

func (s sessionReader) IncidentHistory(ctx context.Context, q ui.HistoryQuery) ([]model.Incident, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.IncidentHistory(ctx, q)
}

func (s sessionReader) DeploymentDetail(ctx context.Context, id int64) (ui.DeploymentDetail, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.DeploymentDetail(ctx, id)
}

func (s sessionReader) IncidentDetail(ctx context.Context, id int64) (ui.IncidentDetail, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.IncidentDetail(ctx, id)
}

func (s sessionReader) Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.Metrics(ctx, w)
}

func (s sessionReader) Services(ctx context.Context) ([]string, error) {
	ctx, done := s.bind(ctx)
	defer done()
	return s.Reader.Services(ctx)
}

// ---- writes: a user's session only, announced when committed ----

func (s sessionStore) StartDeployment(ctx context.Context, n model.NewDeployment, tpl model.Template, actor string, at time.Time) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.w.StartDeployment(ctx, n, tpl, actor, at)
		return err
	})
	return d, err
}

func (s sessionStore) StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.w.StartDeploymentOverride(ctx, n, tpl, reason, actor, at)
		return err
	})
	return d, err
}

func (s sessionStore) StartDeploymentWith(ctx context.Context, n model.NewDeployment, tpl model.Template, o model.StartOverride, actor string, at time.Time) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.w.StartDeploymentWith(ctx, n, tpl, o, actor, at)
		return err
	})
	return d, err
}

func (s sessionStore) LinkIncident(ctx context.Context, id, deploymentID int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.LinkIncident(ctx, id, deploymentID, seen, actor, at) })
}

func (s sessionStore) UnlinkIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.UnlinkIncident(ctx, id, seen, actor, at) })
}

func (s sessionStore) SetItemState(ctx context.Context, id int64, seen, state model.ItemState, reason, actor string, at time.Time) (it model.Item, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		it, err = s.w.SetItemState(ctx, id, seen, state, reason, actor, at)
		return err
	})
	return it, err
}

func (s sessionStore) SetItemNote(ctx context.Context, id int64, seen model.NoteSeen, note, actor string, at time.Time) (it model.Item, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		it, err = s.w.SetItemNote(ctx, id, seen, note, actor, at)
		return err
	})
	return it, err
}

func (s sessionStore) StartExecution(ctx context.Context, id int64, actor string, at time.Time, override bool) (d model.Deployment, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		d, err = s.w.StartExecution(ctx, id, actor, at, override)
		return err
	})
	return d, err
}

func (s sessionStore) OpenIncident(ctx context.Context, n model.NewIncident, actor string, at time.Time) (inc model.Incident, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		inc, err = s.w.OpenIncident(ctx, n, actor, at)
		return err
	})
	return inc, err
}

func (s sessionStore) AddIncidentNote(ctx context.Context, id int64, text, actor string, at time.Time, force bool) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.AddIncidentNote(ctx, id, text, actor, at, force) })
}

func (s sessionStore) SetIncidentSeverity(ctx context.Context, id int64, seen model.IncidentSeen, sev model.Severity, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.SetIncidentSeverity(ctx, id, seen, sev, actor, at) })
}

func (s sessionStore) AckStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reached, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.AckStep(ctx, id, seen, step, reached, actor, at) })
}

func (s sessionStore) EscalateNow(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.EscalateNow(ctx, id, seen, step, reason, actor, at) })
}

func (s sessionStore) SkipToStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.SkipToStep(ctx, id, seen, step, reason, actor, at) })
}

func (s sessionStore) MitigateIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.MitigateIncident(ctx, id, seen, actor, at) })
}

func (s sessionStore) ResolveIncident(ctx context.Context, id int64, seen model.IncidentSeen, rootCause, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.ResolveIncident(ctx, id, seen, rootCause, actor, at) })
}

func (s sessionStore) SetCommander(ctx context.Context, id int64, seen model.IncidentSeen, role, person, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.SetCommander(ctx, id, seen, role, person, actor, at) })
}

func (s sessionStore) PostUpdate(ctx context.Context, id int64, seen model.IncidentSeen, u model.StakeholderUpdate, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.PostUpdate(ctx, id, seen, u, actor, at) })
}

func (s sessionStore) SetRootCause(ctx context.Context, id int64, text, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.SetRootCause(ctx, id, text, actor, at) })
}

func (s sessionStore) SetPostmortem(ctx context.Context, id int64, e model.PostmortemEdit, actor string, at time.Time) (model.Incident, error) {
	var inc model.Incident
	err := s.write(ctx, func(ctx context.Context) (err error) { inc, err = s.w.SetPostmortem(ctx, id, e, actor, at); return err })
	return inc, err
}

func (s sessionStore) AddActionItemWith(ctx context.Context, id int64, a model.ActionItem, actor string, at time.Time) (model.ActionItem, error) {
	var item model.ActionItem
	err := s.write(ctx, func(ctx context.Context) (err error) {
		item, err = s.w.AddActionItemWith(ctx, id, a, actor, at)
		return err
	})
	return item, err
}

func (s sessionStore) EditActionItem(ctx context.Context, id int64, pos int, e model.ActionItemEdit, actor string, at time.Time) (model.ActionItem, error) {
	var item model.ActionItem
	err := s.write(ctx, func(ctx context.Context) (err error) {
		item, err = s.w.EditActionItem(ctx, id, pos, e, actor, at)
		return err
	})
	return item, err
}

func (s sessionStore) StarEvent(ctx context.Context, eventID int64, starred bool, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.StarEvent(ctx, eventID, starred, actor, at) })
}

func (s sessionStore) ScheduleMeeting(ctx context.Context, id int64, meetAt time.Time, owner, actor string, now time.Time) (model.Incident, error) {
	var inc model.Incident
	err := s.write(ctx, func(ctx context.Context) error {
		var err error
		inc, err = s.w.ScheduleMeeting(ctx, id, meetAt, owner, actor, now)
		return err
	})
	return inc, err
}

func (s sessionStore) Promote(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.Promote(ctx, id, seen, reason, actor, at) })
}

func (s sessionStore) Pause(ctx context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.Pause(ctx, id, seen, actor, at) })
}

func (s sessionStore) Resume(ctx context.Context, id int64, seen model.RolloutSeen, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.Resume(ctx, id, seen, actor, at) })
}

func (s sessionStore) Abort(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.Abort(ctx, id, seen, reason, actor, at) })
}

func (s sessionStore) Finish(ctx context.Context, id int64, seen model.RolloutSeen, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.Finish(ctx, id, seen, reason, actor, at) })
}

func (s sessionStore) RecordHealth(ctx context.Context, id int64, errorRate float64, baseline *float64, actor string, at time.Time) (met bool, explanation string, err error) {
	err = s.write(ctx, func(ctx context.Context) error {
		met, explanation, err = s.w.RecordHealth(ctx, id, errorRate, baseline, actor, at)
		return err
	})
	return met, explanation, err
}

func (s sessionStore) DeclareCriterion(ctx context.Context, id int64, c model.Criterion, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.DeclareCriterion(ctx, id, c, reason, actor, at) })
}

func (s sessionStore) ClearCriteria(ctx context.Context, id int64, reason, actor string, at time.Time) error {
	return s.write(ctx, func(ctx context.Context) error { return s.w.ClearCriteria(ctx, id, reason, actor, at) })
}

// MarkReady records that a soak ended. Every user's dashboard does it (the
// store keeps the first); a viewer's has no write path, so it does not.
func (s sessionStore) MarkReady(ctx context.Context, id int64, stage int, at time.Time) (bool, error) {
	ctx, done := s.bind(ctx)
	defer done()
	ok, err := s.w.MarkReady(ctx, id, stage, at)
	if err == nil && ok {
		s.changed()
	}
	return ok, err
}
