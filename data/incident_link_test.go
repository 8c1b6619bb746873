package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// kindsOf lists the kinds of events, oldest first.
func kindsOf(evs []model.Event, want ...model.EventKind) []model.Event {
	var out []model.Event
	for _, e := range evs {
		for _, k := range want {
			if e.Kind == k {
				out = append(out, e)
			}
		}
	}
	return out
}

func TestLinkUnlinkRelink(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := executing(t, s, testTemplate())
	b, err := s.StartDeployment(ctx, model.NewDeployment{Service: "search", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(90*time.Second + 250*time.Millisecond)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "search latency", Severity: model.SEV2}, "bob", at)
	if err != nil {
		t.Fatal(err)
	}
	if inc.DeploymentID != 0 {
		t.Fatalf("opened with no deployment chosen, linked to #%d", inc.DeploymentID)
	}

	// link
	if err := s.LinkIncident(ctx, inc.ID, b.ID, model.IncidentSeen{}, "bob", at.Add(time.Second)); err != nil {
		t.Fatalf("LinkIncident: %v", err)
	}
	if got, _ := s.Incident(ctx, inc.ID); got.DeploymentID != b.ID {
		t.Fatalf("after link: deployment #%d, want #%d", got.DeploymentID, b.ID)
	}
	// the same link again writes nothing
	if err := s.LinkIncident(ctx, inc.ID, b.ID, model.IncidentSeen{}, "bob", at.Add(2*time.Second)); err != nil {
		t.Fatalf("LinkIncident again: %v", err)
	}
	// relink
	if err := s.LinkIncident(ctx, inc.ID, a.ID, model.IncidentSeen{}, "carol", at.Add(3*time.Second)); err != nil {
		t.Fatalf("relink: %v", err)
	}
	// unlink, twice
	if err := s.UnlinkIncident(ctx, inc.ID, model.IncidentSeen{}, "dave", at.Add(4*time.Second)); err != nil {
		t.Fatalf("UnlinkIncident: %v", err)
	}
	if err := s.UnlinkIncident(ctx, inc.ID, model.IncidentSeen{}, "dave", at.Add(5*time.Second)); err != nil {
		t.Fatalf("UnlinkIncident again: %v", err)
	}
	if got, _ := s.Incident(ctx, inc.ID); got.DeploymentID != 0 {
		t.Fatalf("after unlink: deployment #%d", got.DeploymentID)
	}

	evs := kindsOf(events(t, s, 0), model.EventIncidentLinked, model.EventIncidentUnlinked)
	want := []struct {
		kind   model.EventKind
		actor  string
		deploy int64
		text   string
	}{
		{model.EventIncidentLinked, "bob", b.ID, "linked to #2 search v6.18.0 → production"},
		{model.EventIncidentLinked, "carol", a.ID, "linked to #1 checkout-api v2.14.0 → production (was #2 search v6.18.0 → production)"},
		{model.EventIncidentUnlinked, "dave", a.ID, "unlinked from #1 checkout-api v2.14.0 → production: not caused by that deployment"},
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d link events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		e := evs[i]
		if e.Kind != w.kind || e.Actor != w.actor || e.DeploymentID != w.deploy || e.IncidentID != inc.ID || e.Text != w.text {
			t.Errorf("event %d = %s %s #%d INC-%d %q, want %s %s #%d %q", i, e.Kind, e.Actor, e.DeploymentID, e.IncidentID, e.Text,
				w.kind, w.actor, w.deploy, w.text)
		}
	}

	// bad input names the problem
	if err := s.LinkIncident(ctx, inc.ID, 99, model.IncidentSeen{}, "bob", at); err == nil || !strings.Contains(err.Error(), "#99: it does not exist") {
		t.Errorf("link to a missing deployment: %v", err)
	}
	if err := s.LinkIncident(ctx, 42, a.ID, model.IncidentSeen{}, "bob", at); !errors.Is(err, ErrNotFound) {
		t.Errorf("link a missing incident: %v, want ErrNotFound", err)
	}
}

// The change fail rate counts only links that exist: an unlinked incident no
// longer makes its deployment a failure.
func TestMetricsCountOnlyLinksMade(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := executing(t, s, testTemplate())
	at := t0.Add(time.Minute)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "5xx", Severity: model.SEV1, DeploymentID: d.ID}, "bob", at)
	if err != nil {
		t.Fatal(err)
	}
	linked := func() int {
		_, incs, err := s.MetricsInput(ctx, t0.Add(-time.Hour), t0.Add(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, i := range incs {
			if i.DeploymentID == d.ID {
				n++
			}
		}
		return n
	}
	if n := linked(); n != 1 {
		t.Fatalf("linked incidents in metrics = %d, want 1", n)
	}
	if err := s.UnlinkIncident(ctx, inc.ID, model.IncidentSeen{}, "bob", at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := linked(); n != 0 {
		t.Fatalf("after unlink: linked incidents in metrics = %d, want 0", n)
	}
}

func TestSecondDeploymentInFlightNeedsReason(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := executing(t, s, testTemplate())
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "early on purpose", "bob", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	n := model.NewDeployment{Service: "checkout-api", Version: "v2.14.1"}
	at := t0.Add(2*time.Minute + 500*time.Millisecond)
	_, err := s.StartDeployment(ctx, n, testTemplate(), "carol", at)
	var inFlight *InFlightError
	if !errors.As(err, &inFlight) {
		t.Fatalf("second deployment: %v, want *InFlightError", err)
	}
	if got, want := inFlight.Warning(), "checkout-api already has #1 v2.14.0 in progress at 25% in production — start anyway?"; got != want {
		t.Errorf("warning = %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), "give a reason") {
		t.Errorf("refusal does not say how to proceed: %v", err)
	}
	if all, _ := s.ActiveDeployments(ctx); len(all) != 1 {
		t.Fatalf("refused start wrote a deployment: %d active", len(all))
	}
	// Another environment, or another service, is not in flight.
	if _, err := s.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v2.14.1", Environment: "staging"}, testTemplate(), "carol", at); err != nil {
		t.Errorf("staging beside production: %v", err)
	}
	// With a reason it starts, and the override is on its timeline.
	d2, err := s.StartDeploymentWith(ctx, n, testTemplate(), model.StartOverride{InFlight: "hotfix for the tax bug, v2.14.0 will be aborted"}, "carol", at)
	if err != nil {
		t.Fatalf("with a reason: %v", err)
	}
	evs := kindsOf(events(t, s, d2.ID), model.EventDeployInFlight)
	if len(evs) != 1 || evs[0].Actor != "carol" ||
		evs[0].Text != "started checkout-api v2.14.1 → production while #1 v2.14.0 in progress at 25% in production: hotfix for the tax bug, v2.14.0 will be aborted" {
		t.Fatalf("override events = %+v", evs)
	}
	// A blank reason is no reason.
	if _, err := s.StartDeploymentWith(ctx, n, testTemplate(), model.StartOverride{InFlight: "  "}, "carol", at); !errors.As(err, &inFlight) {
		t.Errorf("blank reason: %v, want *InFlightError", err)
	}
}

// A link change decided on a link someone has since moved is refused and
// names who moved it; nothing is written.
func TestStaleLinkRefused(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := executing(t, s, testTemplate())
	b, err := s.StartDeployment(ctx, model.NewDeployment{Service: "search", Version: "v6.18.0"}, testTemplate(), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(2 * time.Minute)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "search latency", Severity: model.SEV2}, "bob", at)
	if err != nil {
		t.Fatal(err)
	}
	aliceSaw := model.SeenIncident(inc) // not linked
	if err := s.LinkIncident(ctx, inc.ID, b.ID, model.SeenIncident(inc), "bob", at.Add(time.Second+400*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	before, _ := s.IncidentTimeline(ctx, inc.ID)
	err = s.LinkIncident(ctx, inc.ID, a.ID, aliceSaw, "alice", at.Add(2*time.Second))
	if !errors.Is(err, model.ErrStale) || !strings.Contains(err.Error(), "UTC: bob linked") || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("stale link: %v", err)
	}
	if err := s.UnlinkIncident(ctx, inc.ID, aliceSaw, "alice", at.Add(3*time.Second)); !errors.Is(err, model.ErrStale) {
		t.Fatalf("stale unlink: %v", err)
	}
	after, _ := s.IncidentTimeline(ctx, inc.ID)
	if len(after) != len(before) {
		t.Fatalf("a refused link wrote %d events", len(after)-len(before))
	}
	got, _ := s.Incident(ctx, inc.ID)
	if got.DeploymentID != b.ID {
		t.Fatalf("link is #%d, want bob's #%d", got.DeploymentID, b.ID)
	}
}
