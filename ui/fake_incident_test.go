package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Incident half of fakeStore, on the model's rules.

func (f *fakeStore) inc(id int64) (*model.Incident, error) {
	for i := range f.incidents {
		if f.incidents[i].ID == id {
			return &f.incidents[i], nil
		}
	}
	return nil, errors.New("no such incident")
}

func (f *fakeStore) incEvent(inc *model.Incident, at time.Time, actor string, kind model.EventKind, text string) {
	f.events = append(f.events, model.Event{ID: int64(len(f.events) + 1), At: at, Actor: actor, Kind: kind,
		DeploymentID: inc.DeploymentID, IncidentID: inc.ID, Severity: inc.Severity, Text: text})
}

func (f *fakeStore) LogPage(_ context.Context, q LogQuery) ([]model.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Event
	incID, err := model.ParseIncidentRef(q.Search)
	incSearch := err == nil && strings.ContainsAny(q.Search, "iInN#")
	for i := len(f.events) - 1; i >= 0 && len(out) < q.Limit; i-- {
		e := f.events[i]
		if q.BeforeID != 0 && e.ID >= q.BeforeID {
			continue
		}
		if q.MinSeverity != 0 && (!e.Severity.Valid() || e.Severity > q.MinSeverity) {
			continue
		}
		if q.Search != "" && !strings.Contains(strings.ToLower(e.Text+" "+e.Actor), strings.ToLower(q.Search)) &&
			!(incSearch && e.IncidentID == incID) {
			continue
		}
		if q.StarredOnly && !e.Starred {
			continue
		}
		out = append(out, e)
	}
	// As the store: a search for an incident also reads the linked
	// deployment's events on its timeline, within the page's id range.
	if inc, _ := f.inc(incID); incSearch && q.MinSeverity == 0 && inc != nil && inc.DeploymentID != 0 {
		var stage time.Time
		for _, e := range f.events {
			if e.DeploymentID == inc.DeploymentID && !e.At.After(inc.OpenedAt) && slices.Contains(model.StageChangeKinds, e.Kind) && e.At.After(stage) {
				stage = e.At
			}
		}
		from, to := model.IncidentWindowStart(inc.OpenedAt, stage), inc.ResolvedAt
		have := map[int64]bool{}
		for _, e := range out {
			have[e.ID] = true
		}
		for _, e := range f.events {
			inWindow := !e.At.Before(from) && (to.IsZero() || !e.At.After(to)) && slices.Contains(model.DeploymentTimelineKinds, e.Kind)
			if e.DeploymentID != inc.DeploymentID || e.IncidentID != 0 || have[e.ID] || !(inWindow || e.Starred) ||
				(q.BeforeID != 0 && e.ID >= q.BeforeID) || (len(out) >= q.Limit && e.ID <= model.MinEventID(out)) || (q.StarredOnly && !e.Starred) {
				continue
			}
			out = append(out, e)
		}
	}
	model.SortEvents(out) // as the store: pages by id, drawn by time
	return out, nil
}

func (f *fakeStore) OpenIncidents(context.Context) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Incident
	for _, i := range f.incidents {
		if i.Status.Active() {
			out = append(out, i)
		}
	}
	return out, nil
}

func (f *fakeStore) OpenIncident(_ context.Context, n model.NewIncident, actor string, at time.Time) (model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, err := n.Open(actor, at)
	if err != nil {
		return inc, err
	}
	inc.ID = int64(len(f.incidents) + 1)
	f.incidents = append(f.incidents, inc)
	linked := ""
	if d := f.dep(inc.DeploymentID); d != nil {
		linked = d.Title()
	}
	f.incEvent(&inc, at, actor, model.EventIncidentOpened, model.TextIncidentOpened(inc.Severity, inc.Title, inc.DeploymentID, linked, inc.Security,
		model.DueNote(model.DefaultPolicy(), model.Incident{}, inc, at)))
	return inc, nil
}

// incAct applies one incident change: do changes the incident and returns
// the event's text, in the store's words.
func (f *fakeStore) incAct(id int64, at time.Time, actor string, kind model.EventKind, do func(*model.Incident) (string, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, err := f.inc(id)
	if err != nil {
		return err
	}
	text, err := do(inc)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	f.incEvent(inc, at, actor, kind, text)
	return nil
}

func (f *fakeStore) AddIncidentNote(_ context.Context, id int64, text, actor string, at time.Time, force bool) error {
	var entered time.Time // as the store stamps it: its own clock when the note came in
	if f.now != nil {
		entered = f.now().Round(0).UTC()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, err := f.inc(id)
	if err != nil {
		return err
	}
	if err := inc.CheckNoteTime(at, force); err != nil {
		return err
	}
	f.incEvent(inc, at, actor, model.EventIncidentNote, model.TextIncidentNote(text, at, entered))
	f.events[len(f.events)-1].Severity = inc.SeverityAt(at) // as the store: the badge of its time
	return nil
}

// errUnchanged is an incAct that writes nothing: the incident is already
// as asked (the store's changed=false).
var errUnchanged = errors.New("unchanged")

// staleFrom words a stale refusal from the latest of kinds, as data does.
func (f *fakeStore) staleFrom(i *model.Incident, kinds []model.EventKind, build func(model.Event) error) error {
	return build(f.latest(0, i.ID, kinds))
}

func (f *fakeStore) SetIncidentSeverity(_ context.Context, id int64, seen model.IncidentSeen, sev model.Severity, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentSeverity, func(i *model.Incident) (string, error) {
		if seen.SeverityStale(*i) {
			kinds := model.SeverityEventKinds
			if seen.Status != i.Status {
				kinds = model.StatusEventKinds
			}
			return "", f.staleFrom(i, kinds, func(e model.Event) error { return model.StaleSeverity(*i, e) })
		}
		before := *i
		n, err := i.SetSeverity(sev, actor, at)
		*i = n
		return model.TextSeverityChanged(before.Severity, sev, model.DueNote(model.DefaultPolicy(), before, n, at)), err
	})
}

// ladderStale is data's checkLadderSeen.
func (f *fakeStore) ladderStale(i *model.Incident, seen model.IncidentSeen) error {
	switch {
	case !seen.LadderStale(*i):
		return nil
	case seen.StatusMoved(*i):
		return f.staleFrom(i, model.StatusEventKinds, func(e model.Event) error { return model.StaleStatus(*i, e, "") })
	}
	return f.staleFrom(i, model.LadderEventKinds, func(e model.Event) error { return model.StaleLadder(*i, e) })
}

func (f *fakeStore) AckStep(_ context.Context, id int64, seen model.IncidentSeen, step int, reached, actor string, at time.Time) error {
	p := model.DefaultPolicy()
	return f.incAct(id, at, actor, model.EventIncidentAck, func(i *model.Incident) (string, error) {
		for _, a := range i.Acks {
			if a.Step == step {
				st, _ := p.Step(step)
				return "", model.StaleAcked(*i, st, a)
			}
		}
		if err := f.ladderStale(i, seen); err != nil {
			return "", err
		}
		if err := p.CheckAck(*i, step, at); err != nil {
			return "", err
		}
		st, _ := p.Step(step)
		if reached == "" { // as the store records it: the step's configured person
			reached = st.Person
		}
		i.Acks = append(i.Acks, model.Ack{Step: step, At: at, By: actor, Reached: reached})
		return model.TextAck(step, st.Role, reached), nil
	})
}

func (f *fakeStore) manual(id int64, seen model.IncidentSeen, kind model.ManualKind, step int, reason, actor string, at time.Time) error {
	p := model.DefaultPolicy()
	eventKind := model.EventIncidentEscalate
	if kind == model.ManualSkipTo {
		eventKind = model.EventIncidentSkip
	}
	return f.incAct(id, at, actor, eventKind, func(i *model.Incident) (string, error) {
		if err := f.ladderStale(i, seen); err != nil {
			return "", err
		}
		why, err := p.CheckManual(*i, kind, step, reason, at)
		if err != nil {
			return "", err
		}
		st, _ := p.Step(step)
		before := *i
		i.Escalations = append(i.Escalations, model.ManualEscalation{Kind: kind, Step: step, At: at, By: actor, Reason: reason})
		if kind == model.ManualSkipTo {
			return model.TextSkippedTo(step, st.Role, model.SkippedNote(p, before, *i, at), why), nil
		}
		return model.TextEscalatedNow(step, st.Role, why), nil
	})
}

func (f *fakeStore) EscalateNow(_ context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return f.manual(id, seen, model.ManualEscalateNow, step, reason, actor, at)
}

func (f *fakeStore) SkipToStep(_ context.Context, id int64, seen model.IncidentSeen, step int, reason, actor string, at time.Time) error {
	return f.manual(id, seen, model.ManualSkipTo, step, reason, actor, at)
}

// statusStale is data's checkStatusSeen.
func (f *fakeStore) statusStale(i *model.Incident, seen model.IncidentSeen, to model.IncidentStatus, lost string) error {
	if !seen.StatusStale(*i, to) {
		return nil
	}
	return f.staleFrom(i, model.StatusEventKinds, func(e model.Event) error { return model.StaleStatus(*i, e, lost) })
}

func (f *fakeStore) MitigateIncident(_ context.Context, id int64, seen model.IncidentSeen, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentMitigated, func(i *model.Incident) (string, error) {
		if err := f.statusStale(i, seen, model.IncidentMitigated, ""); err != nil {
			return "", err
		}
		n, err := i.Transition(model.IncidentMitigated, at)
		*i = n
		return model.TextMitigated(), err
	})
}

func (f *fakeStore) ResolveIncident(_ context.Context, id int64, seen model.IncidentSeen, rootCause, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentResolved, func(i *model.Incident) (string, error) {
		lost := ""
		if rootCause != "" {
			lost = "your root cause"
		}
		if err := f.statusStale(i, seen, model.IncidentResolved, lost); err != nil {
			return "", err
		}
		n, err := i.Transition(model.IncidentResolved, at)
		n.RootCause = rootCause
		*i = n
		return model.TextResolved(rootCause), err
	})
}

func (f *fakeStore) SetCommander(_ context.Context, id int64, seen model.IncidentSeen, role, person, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentCommander, func(i *model.Incident) (string, error) {
		field, name := &i.Commander, "commander"
		switch role {
		case "scribe":
			field, name = &i.Scribe, role
		case "comms":
			field, name = &i.Comms, role
		}
		was := *field
		if seen.RoleStale(role, was) {
			return "", f.staleFrom(i, model.RoleEventKinds, func(e model.Event) error { return model.StaleRole(*i, name, was, e) })
		}
		*field = person
		return model.TextRole(name, was, person), nil
	})
}

func (f *fakeStore) PostUpdate(_ context.Context, id int64, seen model.IncidentSeen, u model.StakeholderUpdate, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentUpdate, func(i *model.Incident) (string, error) {
		if seen.UpdateStale(*i) {
			return "", f.staleFrom(i, model.UpdateEventKinds, func(e model.Event) error { return model.StaleUpdate(*i, e) })
		}
		i.LastUpdateAt = at
		return model.TextStakeholderUpdate(u), nil
	})
}

func (f *fakeStore) SetRootCause(_ context.Context, id int64, text, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentRootCause, func(i *model.Incident) (string, error) {
		i.RootCause = text
		return model.TextRootCause(text), nil
	})
}

func (f *fakeStore) StarEvent(_ context.Context, eventID int64, starred bool, _ string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.events {
		if f.events[i].ID == eventID {
			f.events[i].Starred = starred
			return nil
		}
	}
	return errors.New("no such event")
}

func (f *fakeStore) ScheduleMeeting(_ context.Context, id int64, meetAt time.Time, owner, actor string, now time.Time) (model.Incident, error) {
	if err := model.CheckMeetingTime(meetAt, now); err != nil {
		return model.Incident{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, err := f.inc(id)
	if err != nil {
		return model.Incident{}, err
	}
	if owner == "" {
		owner = inc.Commander
		if inc.Meeting != nil && inc.Meeting.Owner != "" {
			owner = inc.Meeting.Owner
		}
		if owner == "" {
			owner = actor
		}
	}
	m := model.PostmortemMeeting{At: meetAt.UTC(), Owner: owner, ScheduledBy: actor, ScheduledAt: now.UTC()}
	before := inc.Meeting
	if before != nil {
		m.Sequence = before.Sequence + 1
	}
	inc.Meeting = &m
	f.incEvent(inc, now, actor, model.EventPostmortemScheduled, model.TextPostmortemScheduled(m, before))
	return *inc, nil
}

func (f *fakeStore) StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (model.Deployment, error) {
	d, err := f.start(n, tpl, actor, at, true)
	if err == nil {
		f.mu.Lock()
		if frozen, why := model.Freeze(f.incidents); frozen { // the store records an override only during a freeze
			f.event(at, actor, model.EventFreezeOverride, d.ID, 0, model.TextFreezeOverride(d.Title(), why, reason))
		}
		f.mu.Unlock()
	}
	return d, err
}

func (f *fakeStore) SetPostmortem(_ context.Context, id int64, e model.PostmortemEdit, actor string, at time.Time) (model.Incident, error) {
	var out model.Incident
	err := f.incAct(id, at, actor, model.EventIncidentPostmortem, func(i *model.Incident) (string, error) {
		next, changed, err := i.Postmortem.Apply(e, actor, at)
		if err != nil {
			return "", err
		}
		if len(changed) == 0 {
			out = *i
			return "", errUnchanged
		}
		before := i.Postmortem
		i.Postmortem = next
		out = *i
		return model.TextPostmortem(before, next, changed, e.Reason), nil
	})
	return out, err
}

func (f *fakeStore) AddActionItemWith(_ context.Context, id int64, a model.ActionItem, actor string, at time.Time) (model.ActionItem, error) {
	err := f.incAct(id, at, actor, model.EventIncidentActionItem, func(i *model.Incident) (string, error) {
		a.Position = len(i.ActionItems) + 1
		i.ActionItems = append(i.ActionItems, a)
		return model.TextActionItemAdded(a), nil
	})
	return a, err
}

func (f *fakeStore) EditActionItem(_ context.Context, id int64, pos int, e model.ActionItemEdit, actor string, at time.Time) (model.ActionItem, error) {
	var after model.ActionItem
	err := f.incAct(id, at, actor, model.EventIncidentActionItemEdited, func(i *model.Incident) (string, error) {
		if pos < 1 || pos > len(i.ActionItems) {
			return "", fmt.Errorf("%s has no action item %d", i.Ref(), pos)
		}
		before := i.ActionItems[pos-1]
		after = before
		if e.Owner != nil {
			after.Owner = *e.Owner
		}
		if e.Due != nil {
			after.Due = *e.Due
		}
		if e.Kind != nil {
			after.Kind = *e.Kind
		}
		if e.Done != nil && *e.Done != before.Done {
			after.Done, after.DoneAt, after.DoneBy = *e.Done, time.Time{}, ""
			if after.Done {
				after.DoneAt, after.DoneBy = at, actor
			}
		}
		if after == before {
			return "", errUnchanged
		}
		i.ActionItems[pos-1] = after
		return model.TextActionItemEdited(before, after), nil
	})
	return after, err
}
