package data

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

func TestStartDeployment(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	committed := time.Date(2026, 11, 25, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	d, err := s.StartDeployment(ctx, model.NewDeployment{
		Service: " api ", Version: "v1.2", Strategy: model.StrategyBlueGreen, CommitSHA: "3f2a9c1", CommittedAt: committed,
	}, testTemplate(), "alice", t0.Add(123456789*time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	want := model.Deployment{
		ID: d.ID, Service: "api", Version: "v1.2", Environment: "production", Strategy: model.StrategyBlueGreen,
		Status: model.StatusPlanned, Template: "test", StartedBy: "alice",
		CreatedAt: t0.Add(123 * time.Millisecond), UpdatedAt: t0.Add(123 * time.Millisecond),
		CommitSHA: "3f2a9c1", CommittedAt: committed.UTC(),
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}
	if d.CreatedAt.Location() != time.UTC {
		t.Errorf("times must come back in UTC, got %v", d.CreatedAt.Location())
	}

	items, guidance, err := s.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	tplItems := testTemplate().Items()
	if len(items) != len(tplItems) {
		t.Fatalf("%d items, want %d", len(items), len(tplItems))
	}
	for i, it := range items {
		w := tplItems[i]
		if it.DeploymentID != d.ID || it.Phase != w.Phase || it.Section != w.Section || it.Position != w.Position || it.Text != w.Text || it.State != model.ItemTodo || !it.At.IsZero() {
			t.Errorf("item %d = %+v, want %+v", i, it, w)
		}
	}
	if !reflect.DeepEqual(guidance, testTemplate().AllGuidance()) {
		t.Errorf("guidance = %#v\nwant %#v", guidance, testTemplate().AllGuidance())
	}

	evs := events(t, s, d.ID)
	if len(evs) != 1 || evs[0].Kind != model.EventDeployStarted || evs[0].Actor != "alice" ||
		evs[0].Text != "started api v1.2 → production (blue-green)" || !evs[0].At.Equal(d.CreatedAt) {
		t.Errorf("events = %+v", evs)
	}
}

func TestStartDeploymentBuiltinTemplate(t *testing.T) {
	s := newStore(t)
	d, err := s.StartDeployment(context.Background(), model.NewDeployment{Service: "web", Version: "2"}, mdtemplate.Builtin(), "bob", t0)
	if err != nil {
		t.Fatal(err)
	}
	items, guidance, err := s.Checklist(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 41 || len(guidance) != 1 || guidance[0].Title != "When to Rollback" || len(guidance[0].Lines) != 4 {
		t.Errorf("%d items, guidance %+v", len(items), guidance)
	}
}

func TestStartDeploymentRejectsBadInput(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for name, c := range map[string]struct {
		n     model.NewDeployment
		tpl   model.Template
		actor string
	}{
		"no service":     {model.NewDeployment{Version: "1"}, testTemplate(), "a"},
		"bad strategy":   {model.NewDeployment{Service: "a", Version: "1", Strategy: "yolo"}, testTemplate(), "a"},
		"empty tpl":      {model.NewDeployment{Service: "a", Version: "1"}, model.Template{Name: "x"}, "a"},
		"no actor":       {model.NewDeployment{Service: "a", Version: "1"}, testTemplate(), " "},
		"control in sha": {model.NewDeployment{Service: "a", Version: "1", CommitSHA: "ab\x1bcd"}, testTemplate(), "a"},
	} {
		if _, err := s.StartDeployment(ctx, c.n, c.tpl, c.actor, t0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if ds, _ := s.Deployments(ctx, 0); len(ds) != 0 {
		t.Errorf("rejected input wrote %d deployments", len(ds))
	}
}

func TestDeploymentLists(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var ids []int64
	for i, at := range []time.Time{t0, t0.Add(time.Minute), t0.Add(time.Minute)} {
		d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "svc", Version: string(rune('a' + i))}, testTemplate(), "a", at)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if _, err := s.db.Exec(`UPDATE deployments SET status = 'completed' WHERE id = ?`, ids[1]); err != nil {
		t.Fatal(err)
	}
	active, err := s.ActiveDeployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := deploymentIDs(active); !reflect.DeepEqual(got, []int64{ids[2], ids[0]}) {
		t.Errorf("active = %v", got)
	}
	all, err := s.Deployments(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := deploymentIDs(all); !reflect.DeepEqual(got, []int64{ids[2], ids[1], ids[0]}) {
		t.Errorf("all = %v", got)
	}
	two, _ := s.Deployments(ctx, 2)
	if len(two) != 2 {
		t.Errorf("limit 2 gave %d", len(two))
	}
	if _, err := s.Deployment(ctx, 999); !errors.Is(err, ErrNotFound) || err.Error() != "deployment #999 not found" {
		t.Errorf("missing deployment: %v", err)
	}
	if _, _, err := s.Checklist(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("checklist of missing deployment: %v", err)
	}
}

func deploymentIDs(ds []model.Deployment) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func TestStartExecutionGate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	if _, err := s.SetItemState(ctx, items[0].ID, "", model.ItemDone, "", "alice", t0); err != nil {
		t.Fatal(err)
	}
	before := len(events(t, s, d.ID))

	_, err := s.StartExecution(ctx, d.ID, "bob", t0.Add(time.Minute), false)
	var ge *GateError
	if !errors.As(err, &ge) || ge.Open != 2 || err.Error() != "2 Pre-Deployment items are still open" {
		t.Fatalf("err = %v, want GateError{2}", err)
	}
	if got, _ := s.Deployment(ctx, d.ID); got.Status != model.StatusPlanned || !got.ExecutionAt.IsZero() {
		t.Errorf("gate refused but deployment changed: %+v", got)
	}
	if n := len(events(t, s, d.ID)); n != before {
		t.Errorf("gate refused but %d events written", n-before)
	}

	at := t0.Add(2 * time.Minute)
	got, err := s.StartExecution(ctx, d.ID, "bob", at, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.StatusInProgress || !got.ExecutionAt.Equal(at) || !got.UpdatedAt.Equal(at) {
		t.Errorf("after override: %+v", got)
	}
	evs := events(t, s, d.ID)[before:]
	if len(evs) != 3 ||
		evs[0].Kind != model.EventGateOverride || evs[0].Text != "started Deployment Execution with 2 Pre-Deployment items open (override)" ||
		evs[1].Kind != model.EventExecutionStart || evs[1].Text != "started Deployment Execution" ||
		evs[2].Kind != model.EventRolloutStart || evs[2].Text != "started canary rollout at 1/4 · 5% (soak 15:00, ends 14:19:00 UTC)" ||
		evs[0].Actor != "bob" || !evs[1].At.Equal(at) {
		t.Errorf("events = %+v", evs)
	}

	// A second start was decided on a planned deployment that is not
	// planned any more: refused, naming who started it (nothing written).
	_, err = s.StartExecution(ctx, d.ID, "carol", at.Add(time.Hour), false)
	if !errors.Is(err, model.ErrStale) || !strings.Contains(err.Error(), "already started by bob") {
		t.Errorf("second StartExecution: %v; want it refused as stale, naming bob", err)
	}
	if n := len(events(t, s, d.ID)); n != before+3 {
		t.Errorf("second StartExecution wrote events")
	}

	if _, err := s.db.Exec(`UPDATE deployments SET status = 'aborted' WHERE id = ?`, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartExecution(ctx, d.ID, "bob", at, true); err == nil || !strings.Contains(err.Error(), "is aborted") {
		t.Errorf("aborted deployment: %v", err)
	}
	if _, err := s.StartExecution(ctx, 999, "bob", at, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing deployment: %v", err)
	}
}

func TestStartExecutionWithoutOpenItems(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	for _, it := range items {
		if it.Phase == model.PhasePreDeployment {
			if _, err := s.SetItemState(ctx, it.ID, "", model.ItemNA, "not this time", "alice", t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.StartExecution(ctx, d.ID, "alice", t0, false); err != nil {
		t.Fatal(err)
	}
	evs := events(t, s, d.ID)
	if n := len(evs); evs[n-1].Kind != model.EventRolloutStart || evs[n-2].Kind != model.EventExecutionStart || evs[n-3].Kind == model.EventGateOverride {
		t.Errorf("events = %+v", evs)
	}
	var ge *GateError
	if (&GateError{Open: 1}).Error() != "1 Pre-Deployment item is still open" || errors.As(error(nil), &ge) {
		t.Error("singular gate message")
	}
}
