package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
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
	for i := len(f.events) - 1; i >= 0 && len(out) < q.Limit; i-- {
		e := f.events[i]
		if q.BeforeID != 0 && e.ID >= q.BeforeID {
			continue
		}
		if q.MinSeverity != 0 && (!e.Severity.Valid() || e.Severity > q.MinSeverity) {
			continue
		}
		if q.Search != "" && !strings.Contains(strings.ToLower(e.Text+" "+e.Actor), strings.ToLower(q.Search)) {
			continue
		}
		if q.StarredOnly && !e.Starred {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
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
	f.incEvent(&inc, at, actor, model.EventIncidentOpened, "opened: "+inc.Title)
	return inc, nil
}

func (f *fakeStore) incAct(id int64, at time.Time, actor string, kind model.EventKind, text string, do func(*model.Incident) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, err := f.inc(id)
	if err != nil {
		return err
	}
	if err := do(inc); err != nil {
		return err
	}
	f.incEvent(inc, at, actor, kind, text)
	return nil
}

func (f *fakeStore) AddIncidentNote(_ context.Context, id int64, text, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentNote, text, func(*model.Incident) error { return nil })
}

func (f *fakeStore) SetIncidentSeverity(_ context.Context, id int64, sev model.Severity, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentSeverity, "severity "+sev.Label(), func(i *model.Incident) error {
		n, err := i.SetSeverity(sev, actor, at)
		*i = n
		return err
	})
}

func (f *fakeStore) AckStep(_ context.Context, id int64, step int, reached, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentAck, fmt.Sprintf("step %d acknowledged: %s", step, reached), func(i *model.Incident) error {
		if err := model.DefaultPolicy().CheckAck(*i, step, at); err != nil {
			return err
		}
		i.Acks = append(i.Acks, model.Ack{Step: step, At: at, By: actor, Reached: reached})
		return nil
	})
}

func (f *fakeStore) manual(id int64, kind model.ManualKind, step int, reason, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentEscalate, fmt.Sprintf("%s step %d: %s", kind, step, reason), func(i *model.Incident) error {
		if _, err := model.DefaultPolicy().CheckManual(*i, kind, step, reason, at); err != nil {
			return err
		}
		i.Escalations = append(i.Escalations, model.ManualEscalation{Kind: kind, Step: step, At: at, By: actor, Reason: reason})
		return nil
	})
}

func (f *fakeStore) EscalateNow(_ context.Context, id int64, step int, reason, actor string, at time.Time) error {
	return f.manual(id, model.ManualEscalateNow, step, reason, actor, at)
}

func (f *fakeStore) SkipToStep(_ context.Context, id int64, step int, reason, actor string, at time.Time) error {
	return f.manual(id, model.ManualSkipTo, step, reason, actor, at)
}

func (f *fakeStore) MitigateIncident(_ context.Context, id int64, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentMitigated, "mitigated", func(i *model.Incident) error {
		n, err := i.Transition(model.IncidentMitigated, at)
		*i = n
		return err
	})
}

func (f *fakeStore) ResolveIncident(_ context.Context, id int64, rootCause, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentResolved, "resolved: "+rootCause, func(i *model.Incident) error {
		n, err := i.Transition(model.IncidentResolved, at)
		n.RootCause = rootCause
		*i = n
		return err
	})
}

func (f *fakeStore) SetCommander(_ context.Context, id int64, role, person, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentCommander, role+": "+person, func(i *model.Incident) error {
		switch role {
		case "scribe":
			i.Scribe = person
		case "comms":
			i.Comms = person
		default:
			i.Commander = person
		}
		return nil
	})
}

func (f *fakeStore) PostUpdate(_ context.Context, id int64, u model.StakeholderUpdate, actor string, at time.Time) error {
	return f.incAct(id, at, actor, model.EventIncidentUpdate, u.OneLine(), func(i *model.Incident) error {
		i.LastUpdateAt = at
		return nil
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

func (f *fakeStore) StartDeploymentOverride(ctx context.Context, n model.NewDeployment, tpl model.Template, reason, actor string, at time.Time) (model.Deployment, error) {
	d, err := f.start(n, tpl, actor, at, true)
	if err == nil {
		f.mu.Lock()
		f.event(at, actor, model.EventFreezeOverride, d.ID, 0, "freeze override: "+reason)
		f.mu.Unlock()
	}
	return d, err
}
