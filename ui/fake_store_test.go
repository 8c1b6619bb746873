package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// fakeStore is an in-memory Store for UI tests. It follows the same rules as
// the SQLite store (idempotent writes, one event per change, the gate), so
// the UI is tested against the contract, not against an echo.
type fakeStore struct {
	mu             sync.Mutex
	deps           []model.Deployment
	items          []model.Item
	guidance       map[int64][]model.Guidance
	events         []model.Event
	fail           error // when set, every write fails with it
	readFail       error // when set, every snapshot read fails with it
	outage         string
	snapshotReads  int // calls of ActiveDeployments: one per snapshot
	rollouts       map[int64]*fakeRollout
	failingSenders []model.SenderFailure
	incidents      []model.Incident
	// now is the store's own clock: when an incident note was really
	// entered (model.TextIncidentNote). nil: not known, never marked backdated.
	now func() time.Time
}

// Outage is what the fake was told: the database unreachable, as a
// PostgreSQL store says it.
func (f *fakeStore) Outage() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.outage
}

func newFakeStore() *fakeStore { return &fakeStore{guidance: map[int64][]model.Guidance{}} }

func (f *fakeStore) event(at time.Time, actor string, kind model.EventKind, dep, item int64, text string) {
	f.events = append(f.events, model.Event{ID: int64(len(f.events) + 1), At: at, Actor: actor, Kind: kind, DeploymentID: dep, ItemID: item, Text: text})
}

// latest is the newest event of one of kinds about deployment dep or
// incident inc (the store's latestEvent): who a stale refusal names.
func (f *fakeStore) latest(dep, inc int64, kinds []model.EventKind) model.Event {
	for i := len(f.events) - 1; i >= 0; i-- {
		e := f.events[i]
		if ((dep != 0 && e.DeploymentID == dep) || (inc != 0 && e.IncidentID == inc)) && slices.Contains(kinds, e.Kind) {
			return e
		}
	}
	return model.Event{}
}

func (f *fakeStore) ActiveDeployments(context.Context) ([]model.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshotReads++
	if f.readFail != nil {
		return nil, f.readFail
	}
	var out []model.Deployment
	for _, d := range f.deps {
		if d.Status.Active() {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (f *fakeStore) Checklist(_ context.Context, id int64) ([]model.Item, []model.Guidance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Item
	for _, it := range f.items {
		if it.DeploymentID == id {
			out = append(out, it)
		}
	}
	return out, f.guidance[id], nil
}

func (f *fakeStore) StartDeployment(_ context.Context, n model.NewDeployment, tpl model.Template, actor string, at time.Time) (model.Deployment, error) {
	return f.start(n, tpl, actor, at, false)
}

func (f *fakeStore) start(n model.NewDeployment, tpl model.Template, actor string, at time.Time, override bool) (model.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Deployment{}, f.fail
	}
	if frozen, why := model.Freeze(f.incidents); frozen && !override {
		return model.Deployment{}, fmt.Errorf("deploys are frozen: %s — pass an override reason", why)
	}
	n, err := n.Normalize()
	if err != nil {
		return model.Deployment{}, err
	}
	d := model.Deployment{ID: int64(len(f.deps) + 1), Service: n.Service, Version: n.Version, Environment: n.Environment,
		Strategy: n.Strategy, Status: model.StatusPlanned, Template: tpl.Name, StartedBy: actor, CreatedAt: at, UpdatedAt: at,
		CommitSHA: n.CommitSHA, CommittedAt: n.CommittedAt}
	f.deps = append(f.deps, d)
	for _, it := range tpl.Items() {
		it.ID = int64(len(f.items) + 1)
		it.DeploymentID = d.ID
		f.items = append(f.items, it)
	}
	f.guidance[d.ID] = tpl.AllGuidance()
	f.event(at, actor, model.EventDeployStarted, d.ID, 0, model.TextDeployStarted(d.Title(), d.Strategy))
	return d, nil
}

func (f *fakeStore) item(id int64) (*model.Item, error) {
	for i := range f.items {
		if f.items[i].ID == id {
			return &f.items[i], nil
		}
	}
	return nil, errors.New("no such item")
}

func (f *fakeStore) SetItemState(_ context.Context, id int64, seen, state model.ItemState, reason, actor string, at time.Time) (model.Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Item{}, f.fail
	}
	if err := model.ValidateChange(state, reason); err != nil {
		return model.Item{}, err
	}
	it, err := f.item(id)
	if err != nil {
		return model.Item{}, err
	}
	if it.State == state && it.Reason == reason {
		return *it, nil
	}
	if model.ItemStale(seen, *it, state) {
		return model.Item{}, model.StaleItem(*it)
	}
	// data.Store.checkItemFact: items that state rollout facts.
	var frozen string
	if on, why := model.Freeze(f.incidents); on {
		frozen = why
	}
	var stab model.Stability
	if d := f.dep(it.DeploymentID); d != nil {
		stab = d.StabilityOf(at, f.ro(it.DeploymentID).health, model.DefaultRollbackRule())
	}
	if err := model.CheckItemFact(*it, state, f.ro(it.DeploymentID).r, frozen, stab); err != nil {
		return model.Item{}, err
	}
	it.State, it.Reason, it.By, it.At = state, reason, actor, at
	// Kinds and texts as the store writes them (data.Store.SetItemState).
	var kind model.EventKind
	var text string
	switch state {
	case model.ItemDone:
		var watch time.Time // the watch starts now, or did before
		if d := f.dep(it.DeploymentID); d != nil && model.StartsStabilityWatch(*it) && d.StabilityAt.IsZero() {
			d.StabilityAt, watch = at, at
		}
		kind, text = model.EventItemDone, model.TextItemDone(it.Text, watch)
	case model.ItemNA:
		kind, text = model.EventItemNA, model.TextItemNA(it.Text, reason)
	default:
		kind, text = model.EventItemTodo, model.TextItemReopened(it.Text)
	}
	f.event(at, actor, kind, it.DeploymentID, id, text)
	if fr := f.ro(it.DeploymentID); state == model.ItemDone && model.IsItem(*it, model.PhaseExecution, model.LiveItemText) &&
		fr.r.Started() && !fr.r.Live() && !fr.r.Ended() { // data.goLive
		if next, err := model.GoLive(fr.r, at); err == nil {
			fr.r = next
			st := next.Status(at, false)
			f.event(at, actor, model.EventRolloutLive, it.DeploymentID, 0, model.TextLive(st.Label, st.Soak, st.EndsAt, it.Text))
		}
	}
	return *it, nil
}

func (f *fakeStore) SetItemNote(_ context.Context, id int64, seen model.NoteSeen, note, actor string, at time.Time) (model.Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Item{}, f.fail
	}
	it, err := f.item(id)
	if err != nil {
		return model.Item{}, err
	}
	if it.Note == note {
		return *it, nil
	}
	if seen.Stale(*it) {
		return model.Item{}, model.StaleNote(*it, model.Event{Actor: it.NoteBy, At: it.NoteAt})
	}
	it.Note, it.NoteBy, it.NoteAt = note, actor, at
	f.event(at, actor, model.EventItemNote, it.DeploymentID, id, model.TextItemNote(it.Text, note))
	return *it, nil
}

func (f *fakeStore) StartExecution(_ context.Context, id int64, actor string, at time.Time, override bool) (model.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Deployment{}, f.fail
	}
	for i := range f.deps {
		d := &f.deps[i]
		if d.ID != id {
			continue
		}
		if d.Status == model.StatusInProgress {
			return *d, model.StaleExecution(d.Title(), f.latest(id, 0, []model.EventKind{model.EventExecutionStart}))
		}
		open := 0
		for _, it := range f.items {
			if it.DeploymentID == id && it.Phase == model.PhasePreDeployment && it.State == model.ItemTodo {
				open++
			}
		}
		if open > 0 && !override {
			return *d, fmt.Errorf("%d Pre-Deployment items are still open", open)
		}
		if open > 0 {
			f.event(at, actor, model.EventGateOverride, id, 0, model.TextGateOverride(open, "")) // the UI's override gives no reason
		}
		d.Status, d.ExecutionAt = model.StatusInProgress, at
		f.event(at, actor, model.EventExecutionStart, id, 0, model.TextExecutionStarted())
		start := model.Start // data.startRollout: wait for the canary while its item is open
		for _, it := range f.items {
			if it.DeploymentID == id && model.IsItem(it, model.PhaseExecution, model.LiveItemText) && it.State == model.ItemTodo {
				start = model.StartPending
			}
		}
		r, err := start(model.DefaultPlan(d.Strategy), at)
		if err != nil {
			return *d, err
		}
		f.ro(id).r = r
		return *d, nil
	}
	return model.Deployment{}, errors.New("no such deployment")
}

func modelNew(svc, ver string) model.NewDeployment {
	return model.NewDeployment{Service: svc, Version: ver}
}

func builtinTemplate() model.Template { return mdtemplate.Builtin() }
