package ui

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/octoacme/flightdeck/model"
)

func (f *fakeStore) History(_ context.Context, q HistoryQuery) ([]model.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Deployment
	for _, d := range f.deps {
		if q.Service != "" && !strings.EqualFold(d.Service, q.Service) && !strings.EqualFold(d.Environment, q.Service) {
			continue
		}
		if q.Status != "" && string(d.Status) != q.Status {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (f *fakeStore) IncidentHistory(_ context.Context, q HistoryQuery) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Incident
	for _, i := range f.incidents {
		if q.Status == "" || string(i.Status) == q.Status {
			out = append(out, i)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID > out[b].ID })
	return out, nil
}

func (f *fakeStore) DeploymentDetail(ctx context.Context, id int64) (DeploymentDetail, error) {
	d := f.dep(id)
	if d == nil {
		return DeploymentDetail{}, errors.New("no such deployment")
	}
	items, guidance, _ := f.Checklist(ctx, id)
	r, has, _ := f.Rollout(ctx, id)
	out := DeploymentDetail{Deployment: *d, Items: items, Guidance: guidance, Rollout: r, HasRollout: has}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, i := range f.incidents {
		if i.DeploymentID == id {
			out.Incidents = append(out.Incidents, i)
		}
	}
	for _, e := range f.events {
		if e.DeploymentID == id {
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

func (f *fakeStore) IncidentDetail(_ context.Context, id int64) (IncidentDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, err := f.inc(id)
	if err != nil {
		return IncidentDetail{}, err
	}
	out := IncidentDetail{Incident: *inc}
	if d := f.dep(inc.DeploymentID); d != nil {
		out.Deployment = *d
	}
	for _, e := range f.events {
		if e.IncidentID == id {
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

func (f *fakeStore) Metrics(_ context.Context, w model.MetricsWindow) (model.Metrics, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return model.ComputeMetrics(f.deps, f.incidents, w), nil
}

func (f *fakeStore) Services(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, d := range f.deps {
		if !seen[d.Service] {
			seen[d.Service] = true
			out = append(out, d.Service)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakeStore) TemplateNames(context.Context) ([]string, error) {
	return []string{"octoacme", "hotfix"}, nil
}

func (f *fakeStore) Template(_ context.Context, name string) (model.Template, error) {
	switch name {
	case "octoacme":
		return builtinTemplate(), nil
	case "hotfix":
		return model.Template{Name: "hotfix", Phases: []model.TemplatePhase{
			{Name: model.PhasePreDeployment, Sections: []model.TemplateSection{{Name: "Fast path", Items: []string{"Fix reviewed by one engineer"}}}},
		}}, nil
	}
	return model.Template{}, errors.New("no such template")
}
