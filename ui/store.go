package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// Store is what a dashboard that may act needs from persistence: the reads
// and the writes. It is declared here, where it is used; main passes the
// SQLite store in and tests pass a temporary-file store.
type Store interface {
	Reader
	Writer
}

// Reader is everything the dashboard reads. A read-only dashboard (a
// war-room viewer, --read-only) is given only a Reader: it holds no value
// with a write method, so a write added to Writer later cannot reach the
// database from it, whatever the keys do.
type Reader interface {
	ActiveDeployments(ctx context.Context) ([]model.Deployment, error)
	Checklist(ctx context.Context, deploymentID int64) ([]model.Item, []model.Guidance, error)
	LogPage(ctx context.Context, q LogQuery) ([]model.Event, error)
	OpenIncidents(ctx context.Context) ([]model.Incident, error)
	Rollout(ctx context.Context, deploymentID int64) (model.Rollout, bool, error)
	RolloutHealth(ctx context.Context, deploymentID int64) (model.Health, []model.Declaration, error)
	// FailingSenders lists the notification senders failing now (the
	// status line says so until they recover).
	FailingSenders(ctx context.Context) ([]model.SenderFailure, error)
	// Outage is the store's own words for a database it cannot reach now
	// ("database unreachable since 09:41:05 — retrying"), or "" while the
	// database answers. A file on this machine never has one; a server
	// (PostgreSQL) does while it is down or out of reach. It reads what
	// the store's last read, write or change feed found, and never waits.
	Outage() string
	TemplateStore
	HistoryStore
}

// ReadOnly hides every method of st but the reads: the dashboard built on
// it has no write path (New finds no Writer in it).
func ReadOnly(st Reader) Reader { return readOnlyStore{st} }

// readOnlyStore embeds the Reader interface, not st itself, so st's write
// methods are not promoted.
type readOnlyStore struct{ Reader }

// TemplateStore offers the checklist templates a deployment can start from.
type TemplateStore interface {
	TemplateNames(ctx context.Context) ([]string, error)
	Template(ctx context.Context, name string) (model.Template, error)
}

// Writer is every change the dashboard can make. Each call is one
// transaction with its timeline event. Each decision carries the state as
// the person saw it (model.SeenIncident, model.SeenRollout, the item's
// state or note, captured when the prompt opened); a store refuses with
// model.ErrStale when it has moved on, writing nothing. Refusals that a
// reason would lift match model.ErrNeedsReason.
type Writer interface {
	StartDeployment(ctx context.Context, n model.NewDeployment, tpl model.Template, actor string, at time.Time) (model.Deployment, error)
	// StartDeploymentOverride starts a deployment during a change freeze,
	// recording the reason; StartDeployment refuses while frozen.
	StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (model.Deployment, error)
	// StartDeploymentWith starts a deployment past the change freeze
	// (o.Freeze) and beside another of the same service in flight
	// (o.InFlight), recording each reason; a gate without one refuses.
	StartDeploymentWith(ctx context.Context, n model.NewDeployment, tpl model.Template, o model.StartOverride, actor string, at time.Time) (model.Deployment, error)
	SetItemState(ctx context.Context, itemID int64, seen, state model.ItemState, reason, actor string, at time.Time) (model.Item, error)
	SetItemNote(ctx context.Context, itemID int64, seen model.NoteSeen, note, actor string, at time.Time) (model.Item, error)
	StartExecution(ctx context.Context, deploymentID int64, actor string, at time.Time, override bool) (model.Deployment, error)

	LinkIncident(ctx context.Context, id, deploymentID int64, seen model.IncidentSeen, actor string, at time.Time) error
	UnlinkIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error
	OpenIncident(ctx context.Context, n model.NewIncident, actor string, at time.Time) (model.Incident, error)
	AddIncidentNote(ctx context.Context, id int64, text, actor string, at time.Time, force bool) error
	SetIncidentSeverity(ctx context.Context, id int64, seen model.IncidentSeen, sev model.Severity, actor string, at time.Time) error
	AckStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reached, actor string, at time.Time) error
	EscalateNow(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error
	SkipToStep(ctx context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error
	MitigateIncident(ctx context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error
	ResolveIncident(ctx context.Context, id int64, seen model.IncidentSeen, rootCause, actor string, at time.Time) error
	SetCommander(ctx context.Context, id int64, seen model.IncidentSeen, role, person, actor string, at time.Time) error
	PostUpdate(ctx context.Context, id int64, seen model.IncidentSeen, u model.StakeholderUpdate, actor string, at time.Time) error
	// SetRootCause records (or, with "", clears) the root cause; line breaks
	// are kept.
	SetRootCause(ctx context.Context, id int64, text, actor string, at time.Time) error
	StarEvent(ctx context.Context, eventID int64, starred bool, actor string, at time.Time) error
	// SetPostmortem changes the postmortem's fields and status (the status
	// follows model.PostmortemStatus.CheckNext); AddActionItemWith appends
	// a follow-up action; EditActionItem changes item pos (from 1), e.g.
	// marks it done. Resolved incidents take them too.
	SetPostmortem(ctx context.Context, id int64, e model.PostmortemEdit, actor string, at time.Time) (model.Incident, error)
	AddActionItemWith(ctx context.Context, id int64, a model.ActionItem, actor string, at time.Time) (model.ActionItem, error)
	EditActionItem(ctx context.Context, id int64, pos int, e model.ActionItemEdit, actor string, at time.Time) (model.ActionItem, error)
	// ScheduleMeeting records (or moves) a resolved incident's postmortem
	// meeting at meetAt, owned by owner ("" keeps the owner, else the
	// commander, else the actor); it refuses a time in the past or more
	// than model.MaxMeetingLead ahead.
	ScheduleMeeting(ctx context.Context, id int64, meetAt time.Time, owner, actor string, now time.Time) (model.Incident, error)

	Promote(ctx context.Context, deploymentID int64, seen model.RolloutSeen, reason, actor string, at time.Time) error
	Pause(ctx context.Context, deploymentID int64, seen model.RolloutSeen, actor string, at time.Time) error
	Resume(ctx context.Context, deploymentID int64, seen model.RolloutSeen, actor string, at time.Time) error
	Abort(ctx context.Context, deploymentID int64, seen model.RolloutSeen, reason, actor string, at time.Time) error
	Finish(ctx context.Context, deploymentID int64, seen model.RolloutSeen, reason, actor string, at time.Time) error
	RecordHealth(ctx context.Context, deploymentID int64, errorRate float64, baseline *float64, actor string, at time.Time) (met bool, explanation string, err error)
	DeclareCriterion(ctx context.Context, deploymentID int64, c model.Criterion, reason, actor string, at time.Time) error
	ClearCriteria(ctx context.Context, deploymentID int64, reason, actor string, at time.Time) error
	// MarkReady records that a soak ended (the store keeps the first). A
	// dashboard without a Writer does not record it; one that can write
	// does.
	MarkReady(ctx context.Context, deploymentID int64, stage int, at time.Time) (bool, error)
}

// LogQuery selects a page of the timeline: the Limit events before BeforeID
// (0: the newest), filtered, in the order things happened (time, then id):
// pages are cut by event id and each is ordered by time, so a backdated note
// sits where it happened among the events of its page. Pages keep the log instant with
// hundreds of thousands of events: only what can be seen is loaded.
type LogQuery struct {
	BeforeID    int64
	Limit       int
	MinSeverity model.Severity // 0: everything; SEV2: incidents of SEV1–SEV2 only
	Search      string
	StarredOnly bool
}

// storeTimeout bounds every database call made from the UI so a stuck query
// can never hang the dashboard; the busy timeout inside it retries locks.
const storeTimeout = 15 * time.Second

// logPageSize is how many timeline events one page load reads.
const logPageSize = 200

// Snapshot is everything the panes draw, read in one command. Its slices
// may be shared with the snapshot read before or after it: never change
// them.
type Snapshot struct {
	Deployments []model.Deployment
	FocusID     int64
	Items       []model.Item
	Guidance    []model.Guidance
	Events      []model.Event
	Incidents   []model.Incident
	Resolved    []model.Incident // recently resolved: their postmortems are due
	LogQuery    LogQuery

	Rollout    model.Rollout
	HasRollout bool
	Health     model.Health
	Declared   []model.Declaration

	FailingSenders []model.SenderFailure

	// State is the store's own note of what it read, handed back with the
	// next read (SnapshotReader); the dashboard never looks inside.
	State any
}

// SnapshotQuery is what a snapshot reads: the deployment in focus (0, or
// one no longer active: the newest active one), the log's filter (its
// newest page of LogQuery.Limit events) and how many recently resolved
// incidents.
type SnapshotQuery struct {
	FocusID  int64
	Log      LogQuery
	Resolved int
}

// SnapshotReader is a Reader that reads a whole snapshot at once and,
// handed the previous snapshot it read, reads again only what a commit
// since can have changed: a reload after a commit elsewhere costs what
// that commit touched, with statements prepared once. Without it the
// dashboard reads through the Reader's methods, one by one.
type SnapshotReader interface {
	Snapshot(ctx context.Context, q SnapshotQuery, prev *Snapshot) (*Snapshot, error)
}

// resolvedShown is how many recently resolved incidents a snapshot reads
// (their postmortem clocks).
const resolvedShown = 10

// snapshotMsg delivers a snapshot, or the error that prevented it, plus the
// outcome of the write that preceded it, if any.
type snapshotMsg struct {
	snap     *Snapshot
	err      error
	status   string  // what the write did, shown in the status line
	writeErr error   // the write failed: nothing was changed
	reload   bool    // a plain reload, not the result of a write
	outage   string  // Reader.Outage after the reads: "" when the database answered
	retry    *prompt // the prompt whose answer writeErr refused: reopened with its text
}

// loadSnapshot reads the active deployments and the focused one's checklist,
// the open incidents and the newest page of the timeline. prev is the
// snapshot on screen (nil: none yet), for a SnapshotReader to build on.
func loadSnapshot(ctx context.Context, st Reader, focusID int64, q LogQuery, prev *Snapshot) (*Snapshot, error) {
	q.BeforeID, q.Limit = 0, logPageSize
	s, err := snapshotOf(ctx, st, SnapshotQuery{FocusID: focusID, Log: q, Resolved: resolvedShown}, prev)
	if err != nil {
		return &Snapshot{}, err
	}
	return s, nil
}

// snapshotOf reads through st's SnapshotReader, else through its methods.
func snapshotOf(ctx context.Context, st Reader, q SnapshotQuery, prev *Snapshot) (*Snapshot, error) {
	if sr, ok := st.(SnapshotReader); ok {
		s, err := sr.Snapshot(ctx, q, prev)
		if err != nil {
			return nil, err
		}
		s.LogQuery = q.Log
		return s, nil
	}
	s, err := readSnapshot(ctx, st, q)
	return &s, err
}

// Snapshot is the wrapped store's (a read).
func (r readOnlyStore) Snapshot(ctx context.Context, q SnapshotQuery, prev *Snapshot) (*Snapshot, error) {
	return snapshotOf(ctx, r.Reader, q, prev)
}

// readSnapshot is a snapshot read through the Reader's methods one by one:
// for stores without SnapshotReader, and the tests' reference for those
// with it.
func readSnapshot(ctx context.Context, st Reader, q SnapshotQuery) (Snapshot, error) {
	var s Snapshot
	var err error
	if s.Deployments, err = st.ActiveDeployments(ctx); err != nil {
		return s, err
	}
	for _, d := range s.Deployments {
		if d.ID == q.FocusID {
			s.FocusID = q.FocusID
		}
	}
	if s.FocusID == 0 && len(s.Deployments) > 0 {
		s.FocusID = s.Deployments[0].ID
	}
	if s.FocusID != 0 {
		if s.Items, s.Guidance, err = st.Checklist(ctx, s.FocusID); err != nil {
			return s, err
		}
		if s.Rollout, s.HasRollout, err = st.Rollout(ctx, s.FocusID); err != nil {
			return s, err
		}
		if s.Health, s.Declared, err = st.RolloutHealth(ctx, s.FocusID); err != nil {
			return s, err
		}
	}
	if s.Incidents, err = st.OpenIncidents(ctx); err != nil {
		return s, err
	}
	if s.FailingSenders, err = st.FailingSenders(ctx); err != nil {
		return s, err
	}
	if s.Resolved, err = st.IncidentHistory(ctx, HistoryQuery{Status: string(model.IncidentResolved), Limit: q.Resolved}); err != nil {
		return s, err
	}
	s.LogQuery = q.Log
	s.Events, err = st.LogPage(ctx, q.Log)
	return s, err
}

func loadCmd(st Reader, focusID int64, q LogQuery) func() tea.Msg {
	return loadCmdFrom(st, focusID, q, nil)
}

// loadCmdFrom reads a snapshot building on prev (see loadSnapshot).
func loadCmdFrom(st Reader, focusID int64, q LogQuery, prev *Snapshot) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		snap, err := loadSnapshot(ctx, st, focusID, q, prev)
		return snapshotMsg{snap: snap, err: err, reload: true, outage: st.Outage()}
	}
}

// writeCmd runs one write (one transaction in the store) and then reloads,
// so the screen shows an action as done only after it is committed.
func writeCmd(st Reader, focusID int64, q LogQuery, prev *Snapshot, write func(ctx context.Context) (status string, focus int64, err error)) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		status, newFocus, werr := write(ctx)
		if newFocus != 0 {
			focusID = newFocus
		}
		snap, err := loadSnapshot(ctx, st, focusID, q, prev)
		return snapshotMsg{snap: snap, err: err, status: status, writeErr: werr, outage: st.Outage()}
	}
}

// olderMsg delivers an older page of the timeline for the log pane.
type olderMsg struct {
	q      LogQuery
	events []model.Event
	err    error
}

func olderCmd(st Reader, q LogQuery) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		ev, err := st.LogPage(ctx, q)
		return olderMsg{q: q, events: ev, err: err}
	}
}

// load reads a fresh snapshot, keeping the log's filter.
func (m Model) load(focusID int64) tea.Cmd {
	return loadCmdFrom(m.store, focusID, m.log.query, m.shown)
}

// write runs one write then reloads; see writeCmd.
// Without a Writer nothing runs: do would call through m.writer.
func (m Model) write(focusID int64, do func(ctx context.Context) (string, int64, error)) tea.Cmd {
	if m.writer == nil {
		err := errors.New(m.readOnlyNotice())
		do = func(context.Context) (string, int64, error) { return "", 0, err }
	}
	return writeCmd(m.store, focusID, m.log.query, m.shown, do)
}

// dataChangedMsg says the database changed under us: reload.
type dataChangedMsg struct{}
