// Package ui is the flightdeck dashboard: a Bubble Tea root model that owns
// the layout, the clock and the dialogs, and four panes drawn from a
// snapshot of the store. It never imports the data package: it declares the
// Store it needs (store.go) and main passes one in.
package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/octoacme/flightdeck/model"
)

// Options configure a dashboard.
type Options struct {
	Actor    string             // who actions are recorded as
	Now      func() time.Time   // the clock; tests pin it
	Location *time.Location     // for displayed times; default local
	Template model.Template     // checklist for deployments started here
	Rule     model.RollbackRule // zero is the default rule
	// HealthMaxAge is how old a reading may be to promote without a reason;
	// zero is model.DefaultHealthMaxAge (the store decides; this shows it).
	HealthMaxAge time.Duration
	Bell         func()                 // rings the terminal bell; nil rings none
	Policy       model.EscalationPolicy // zero is the seed\'s policy
	Updates      model.UpdatePolicy     // zero is 30 / 60 min
	ReadOnly     bool                   // the war-room view: every action disabled
	ReadOnlyWhy  string                 // why read-only, for the notice; default: started with --read-only
	History      HistoryStore           // past deployments, incidents and metrics; nil hides them
	Renderer     *lipgloss.Renderer     // for styles; nil is this terminal (SSH sessions pass their own)
	Links        []model.Link           // the team\'s Resources, shown with L and in reports
	// Editor is the command E runs to write a long note ($VISUAL, else
	// $EDITOR, else vi, split on spaces); empty: no editor here (a war-room
	// session: the editor would run on the server).
	Editor string
}

// mode gates keys: while a dialog is open, keys go to it.
type mode int

const (
	modeNormal mode = iota
	modePrompt
	modeConfirm
	modeForm
	modeIncidentForm
	modeHelp
)

// Model is the root Bubble Tea model.
type Model struct {
	store  Reader
	writer Writer // nil: read-only, no write path at all
	opts   Options
	// The parts that are large and change rarely are behind pointers: a
	// Model is copied on every message (Bubble Tea's Update takes and
	// returns a value), so it is a few KB however big the dialogs are. The
	// key map and help are shared and never changed in place (a scope
	// copies the key map: liveKeys; a new width makes a new help); the open
	// dialog is copied once per message (ownDialog) before it changes.
	keys   *KeyMap
	styles Styles // a handle: one shared set
	help   *help.Model

	width, height int
	layout        layout
	now           time.Time
	clockGen      int
	arm           func(gen int) tea.Cmd // the clock; tests drive time by hand
	utc           bool

	screen  screen
	hist    historyView
	detail  detailView
	metrics metricsView
	focus   paneID
	mode    mode
	helpTop int // first line of the ? help shown, when it is taller than the window
	dialogs int // counts prompts opened, so a prompt can open the next one

	// gen is this Model's generation and cache what View kept of the
	// frames drawn for it (view_cache.go).
	gen   uint64
	cache *viewCache

	loaded       bool
	reloading    bool  // a reload for a change elsewhere is in flight
	reloadQueued bool  // another change arrived meanwhile
	lastFailure  int64 // newest notify/probe failure already shown
	// failingSenders are the senders failing now: the status line says so
	// whenever it has nothing else to say.
	failingSenders []model.SenderFailure
	// outage is the store's words while the database does not answer
	// (Reader.Outage); the status line says it (outage.go).
	outage   string
	lastLoad time.Time // when the last snapshot (or its failure) arrived
	// shown is the snapshot on screen, handed to the next read so that a
	// SnapshotReader reads only what changed since (never changed: its
	// slices are shared with the panes and the next snapshot).
	shown       *Snapshot
	loadErr     error
	deployments []model.Deployment
	focusID     int64
	checklist   checklistPane
	rollout     rolloutPane
	escalation  escalationPane
	log         logPane
	alerts      alertState

	prompt *prompt
	choice choice
	form   *deployForm
	iform  *incidentForm

	status    string
	statusErr bool
}

// New builds the dashboard on a store.
func New(st Reader, opts Options) Model {
	// The writer is found in st or not at all: a read-only dashboard is
	// given a store without write methods (ReadOnly, a viewer's session).
	var w Writer
	if sw, ok := st.(Writer); ok && !opts.ReadOnly {
		w = sw
	}
	if w == nil {
		opts.ReadOnly = true
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if len(opts.Policy.Steps) == 0 {
		opts.Policy = model.DefaultPolicy()
	}
	if opts.Updates == (model.UpdatePolicy{}) {
		opts.Updates = model.DefaultUpdatePolicy()
	}
	if opts.History == nil {
		opts.History = st
	}
	if opts.Renderer == nil {
		opts.Renderer = lipgloss.DefaultRenderer()
	}
	s := StylesFor(opts.Renderer)
	h := help.New()
	h.Styles.ShortKey = s.Accent.Style
	h.Styles.ShortDesc = s.Muted.Style
	h.Styles.ShortSeparator = s.Muted.Style
	h.Styles.FullKey = s.Accent.Style
	h.Styles.FullDesc = s.Muted.Style
	h.Styles.FullSeparator = s.Muted.Style
	h.Styles.Ellipsis = s.Muted.Style
	keys := DefaultKeyMap()
	return Model{
		store:      st,
		writer:     w,
		opts:       opts,
		keys:       &keys,
		styles:     s,
		help:       &h,
		prompt:     &prompt{},
		form:       &deployForm{},
		iform:      &incidentForm{},
		now:        opts.Now(),
		checklist:  newChecklistPane(),
		rollout:    newRolloutPane(opts.Rule, opts.HealthMaxAge, opts.Renderer),
		escalation: newEscalationPane(opts.Policy, opts.Updates),
		log:        newLogPane(),
		focus:      paneChecklist,
		arm:        tick,
		gen:        nextGen(),
		cache:      &viewCache{},
	}
}

// Init loads the first snapshot and starts the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.load(0), m.arm(m.clockGen))
}

// Update routes messages: keys to the dialog or the focused pane, data and
// clock messages to their handlers.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, clock := msg.(tickMsg); !clock {
		m.gen = nextGen() // whatever it changes, View draws it afresh
	}
	m.ownDialog()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.width <= 0 && m.height <= 0 {
			// A pseudo-terminal nobody sized (some relays, script(1)):
			// draw the classic 80x24 rather than nothing.
			m.width, m.height = 80, 24
		}
		m.relayout()
		return m, nil
	case tickMsg:
		return m.handleClock(msg)
	case dataChangedMsg:
		// Coalesce: at most one reload in flight, one more queued.
		if m.reloading {
			m.reloadQueued = true
			return m, nil
		}
		m.reloading = true
		return m, m.load(m.focusID)
	case editorTextMsg:
		return m.handleEditorText(msg)
	case snapshotMsg:
		m.freshNow()
		m = m.handleData(msg)
		cmds := []tea.Cmd{m.checkAlerts()}
		if msg.reload {
			m.reloading = false
			if m.reloadQueued {
				m.reloadQueued, m.reloading = false, true
				cmds = append(cmds, m.load(m.focusID))
			}
		}
		return m, tea.Batch(cmds...)
	case templatesMsg:
		if m.mode == modeForm {
			m.form.templates = msg.names
		}
		return m, nil
	case historyMsg:
		m.freshNow()
		m.hist.set(msg)
		return m, nil
	case detailMsg:
		m.freshNow()
		m.detail.set(msg, m.styles, m.opts.Policy, m.opts.Links, m.now, m.loc())
		return m, nil
	case metricsMsg:
		m.freshNow()
		return m, m.setMetrics(msg)
	case olderMsg:
		m.log.setOlder(msg)
		if msg.err != nil {
			m.setStatus("✗ could not read older events: "+msg.err.Error(), true)
		}
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	// Cursor blinks and other messages go to whichever input is open.
	var cmd tea.Cmd
	switch m.mode {
	case modePrompt:
		*m.prompt, cmd = m.prompt.update(msg)
	case modeForm:
		*m.form, cmd = m.form.update(msg, *m.keys)
	case modeIncidentForm:
		*m.iform, cmd = m.iform.update(msg, *m.keys)
	}
	return m, cmd
}

// ownDialog gives this message its own copy of the open dialog, which it
// may then change in place: the Model it was handed (the caller's, a
// test's earlier state) shares the pointer and must not change. A closed
// dialog is never changed, so it stays shared.
func (m *Model) ownDialog() {
	switch m.mode {
	case modePrompt:
		p := *m.prompt
		m.prompt = &p
	case modeForm:
		f := *m.form
		m.form = &f
	case modeIncidentForm:
		f := *m.iform
		m.iform = &f
	}
}

// handleEditorText takes what the editor wrote. It is a method of its own
// because editorText keeps &m (the action it starts reads it): inline, that
// would move every Update's Model to the heap, a tick's included.
func (m Model) handleEditorText(msg editorTextMsg) (tea.Model, tea.Cmd) {
	m.freshNow()
	cmd := m.editorText(msg)
	return m, cmd
}

// loc is where displayed times are shown: local, or UTC when toggled.
func (m Model) loc() *time.Location {
	if m.utc {
		return time.UTC
	}
	return m.opts.Location
}

func (m *Model) relayout() {
	fw, fh := m.styles.paneFrame()
	m.layout = computeLayout(m.width, m.height, m.focus, fw, fh)
	w, h := m.layout.contentSize(paneChecklist, fw, fh)
	m.checklist.setSize(w, h)
	w, h = m.layout.contentSize(paneRollout, fw, fh)
	m.rollout.setSize(w, h)
	m.rollout.tableFirst = m.layout.ClockBand
	w, h = m.layout.contentSize(paneEscalation, fw, fh)
	m.escalation.setSize(w, h)
	w, h = m.layout.contentSize(paneLog, fw, fh)
	m.log.setSize(w, h)
	if m.help.Width != m.width {
		h := *m.help
		h.Width = m.width
		m.help = &h
	}
	bodyH := max(m.height-m.layout.HeaderH-m.layout.FooterH, 0)
	m.hist.width, m.hist.height = m.width, bodyH
	m.detail.setSize(m.width, bodyH)
	m.metrics.width, m.metrics.height = m.width, bodyH
}

func (m *Model) setFocus(p paneID) {
	m.focus = (p + paneCount) % paneCount
	m.relayout()
}

func (m Model) focused() (model.Deployment, bool) {
	for _, d := range m.deployments {
		if d.ID == m.focusID {
			return d, true
		}
	}
	return model.Deployment{}, false
}

func (m Model) handleData(msg snapshotMsg) Model {
	m.lastLoad = m.now
	m.followOutage(msg.outage)
	if msg.writeErr != nil {
		m.setStatus("✗ "+msg.writeErr.Error(), true)
		m.reopenRefused(msg.retry, msg.writeErr)
	} else if strings.HasPrefix(msg.status, "! ") {
		m.setStatus(msg.status, true) // done, but what it found is bad news: no green tick
	} else if msg.status != "" {
		m.setStatus("✓ "+msg.status, false)
	}
	if msg.err != nil {
		// Keep showing what was last read: the panes never blank or drop
		// to zeros because a read failed.
		m.loadErr = msg.err
		if msg.writeErr == nil && msg.outage == "" {
			// While the database is out of reach the outage line says
			// so; this is any other failure.
			m.setStatus("✗ could not read the database: "+msg.err.Error(), true)
		}
		return m
	}
	m.loaded, m.loadErr = true, nil
	s := msg.snap
	m.shown = s
	m.deployments = s.Deployments
	m.focusID = s.FocusID
	d, has := m.focused()
	m.checklist.setData(d, has, s.Items, s.Guidance)
	m.rollout.setData(d, has, m.checklist.list, s)
	m.surfaceFailures(s.Events)
	m.failingSenders = s.FailingSenders
	m.escalation.setData(s.Incidents, m.now)
	m.escalation.resolved = s.Resolved
	m.log.setNewest(s.Events, s.LogQuery, s.Deployments)
	return m
}

func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr = s, isErr
}

// surfaceFailures shows a sender or probe that began failing (in any
// process) in the status line once, so nobody believes a page went out
// when it did not, and its recovery likewise. Failures older than five
// minutes at start-up stay in the log only.
func (m *Model) surfaceFailures(events []model.Event) {
	for _, e := range events {
		var failed bool
		switch e.Kind {
		case model.EventNotifyFailed, model.EventProbeFailed:
			failed = true
		case model.EventNotifyRecovered, model.EventProbeRecovered:
		default:
			continue
		}
		if e.ID <= m.lastFailure {
			continue
		}
		m.lastFailure = e.ID
		if m.now.Sub(e.At) < 5*time.Minute {
			mark := "✓ "
			if failed {
				mark = "✗ "
			}
			m.setStatus(mark+clean(e.Text), failed)
		}
	}
}
