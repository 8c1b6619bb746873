package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"flightdeck/model"
)

// Store is what the dashboard needs from persistence. It is declared here,
// where it is used; main passes the SQLite store in and tests pass a
// temporary-file store.
type Store interface {
	ChecklistStore
	RolloutStore
}

// ChecklistStore reads deployments and writes checklist changes.
type ChecklistStore interface {
	ActiveDeployments(ctx context.Context) ([]model.Deployment, error)
	Checklist(ctx context.Context, deploymentID int64) ([]model.Item, []model.Guidance, error)
	RecentEvents(ctx context.Context, limit int) ([]model.Event, error)
	StartDeployment(ctx context.Context, n model.NewDeployment, tpl model.Template, actor string, at time.Time) (model.Deployment, error)
	SetItemState(ctx context.Context, itemID int64, state model.ItemState, reason, actor string, at time.Time) (model.Item, error)
	SetItemNote(ctx context.Context, itemID int64, note, actor string, at time.Time) (model.Item, error)
	StartExecution(ctx context.Context, deploymentID int64, actor string, at time.Time, override bool) (model.Deployment, error)
}

// RolloutStore reads and drives a deployment's rollout. Each action is one
// transaction with its timeline event; refusals that a reason would lift
// match model.ErrNeedsReason.
type RolloutStore interface {
	Rollout(ctx context.Context, deploymentID int64) (model.Rollout, bool, error)
	RolloutHealth(ctx context.Context, deploymentID int64) (model.Health, []model.Declaration, error)
	Promote(ctx context.Context, deploymentID int64, reason, actor string, at time.Time) error
	Pause(ctx context.Context, deploymentID int64, actor string, at time.Time) error
	Resume(ctx context.Context, deploymentID int64, actor string, at time.Time) error
	Abort(ctx context.Context, deploymentID int64, reason, actor string, at time.Time) error
	Finish(ctx context.Context, deploymentID int64, reason, actor string, at time.Time) error
	RecordHealth(ctx context.Context, deploymentID int64, errorRate float64, baseline *float64, actor string, at time.Time) (met bool, explanation string, err error)
	DeclareCriterion(ctx context.Context, deploymentID int64, c model.Criterion, reason, actor string, at time.Time) error
	ClearCriteria(ctx context.Context, deploymentID int64, reason, actor string, at time.Time) error
	MarkReady(ctx context.Context, deploymentID int64, stage int, at time.Time) (bool, error)
}

// storeTimeout bounds every database call made from the UI so a stuck query
// can never hang the dashboard; the busy timeout inside it retries locks.
const storeTimeout = 15 * time.Second

// eventLimit is how many recent timeline events the log pane keeps.
const eventLimit = 300

// snapshot is everything the panes draw, read in one command.
type snapshot struct {
	deployments []model.Deployment
	focusID     int64
	items       []model.Item
	guidance    []model.Guidance
	events      []model.Event

	rollout    model.Rollout
	hasRollout bool
	health     model.Health
	declared   []model.Declaration
}

// snapshotMsg delivers a snapshot, or the error that prevented it, plus the
// outcome of the write that preceded it, if any.
type snapshotMsg struct {
	snap     snapshot
	err      error
	status   string // what the write did, shown in the status line
	writeErr error  // the write failed: nothing was changed
}

// loadSnapshot reads the active deployments and the focused one's checklist.
func loadSnapshot(ctx context.Context, st Store, focusID int64) (snapshot, error) {
	var s snapshot
	var err error
	if s.deployments, err = st.ActiveDeployments(ctx); err != nil {
		return s, err
	}
	for _, d := range s.deployments {
		if d.ID == focusID {
			s.focusID = focusID
		}
	}
	if s.focusID == 0 && len(s.deployments) > 0 {
		s.focusID = s.deployments[0].ID
	}
	if s.focusID != 0 {
		if s.items, s.guidance, err = st.Checklist(ctx, s.focusID); err != nil {
			return s, err
		}
		if s.rollout, s.hasRollout, err = st.Rollout(ctx, s.focusID); err != nil {
			return s, err
		}
		if s.health, s.declared, err = st.RolloutHealth(ctx, s.focusID); err != nil {
			return s, err
		}
	}
	s.events, err = st.RecentEvents(ctx, eventLimit)
	return s, err
}

func loadCmd(st Store, focusID int64) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		snap, err := loadSnapshot(ctx, st, focusID)
		return snapshotMsg{snap: snap, err: err}
	}
}

// writeCmd runs one write (one transaction in the store) and then reloads,
// so the screen shows an action as done only after it is committed.
func writeCmd(st Store, focusID int64, write func(ctx context.Context) (status string, focus int64, err error)) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		status, newFocus, werr := write(ctx)
		if newFocus != 0 {
			focusID = newFocus
		}
		snap, err := loadSnapshot(ctx, st, focusID)
		return snapshotMsg{snap: snap, err: err, status: status, writeErr: werr}
	}
}
