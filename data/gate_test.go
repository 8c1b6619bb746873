package data

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// itemID finds a deployment's item by text.
func itemID(t *testing.T, s *Store, depID int64, text string) int64 {
	t.Helper()
	items, _, err := s.Checklist(context.Background(), depID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Text == text {
			return it.ID
		}
	}
	t.Fatalf("no item %q", text)
	return 0
}

// D9: with the seed's checklist the first soak starts when the canary item
// is ticked, not when Deployment Execution begins.
func TestCanaryLiveStartsTheSoak(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	ctx := context.Background()
	d := executing(t, s, mdtemplate.Builtin())
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	r := mustRollout(t, s, d.ID)
	if r.Live() || r.Status(min(20), false).State != model.RolloutNotLive || r.Status(min(20), false).Remaining != 15*time.Minute {
		t.Fatalf("pending rollout: %+v", r.Status(min(20), false))
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutStart); !strings.Contains(e.Text, "not live yet, its 15:00 soak starts when “Deploy to staging/canary environment first” is ticked") {
		t.Errorf("start event: %q", e.Text)
	}
	if _, err := s.Pause(ctx, d.ID, model.RolloutSeen{}, "bob", min(1)); !errors.Is(err, model.ErrNotLive) {
		t.Errorf("pause while not live: %v", err)
	}
	// Ticking the item at +3m500ms starts the soak then; the event says so.
	at := min(3).Add(500 * time.Millisecond)
	if _, err := s.SetItemState(ctx, itemID(t, s, d.ID, model.LiveItemText), "", model.ItemDone, "", "erin", at); err != nil {
		t.Fatal(err)
	}
	evs := events(t, s, d.ID)
	if got := kinds(evs[len(evs)-2:]); got != "check.done rollout.live" ||
		evs[len(evs)-1].Text != "1/4 · 5% is live (“Deploy to staging/canary environment first” ticked) (soak 15:00, ends 14:20:00 UTC)" {
		t.Errorf("live events: %s %q", got, evs[len(evs)-1].Text)
	}
	s.Close()
	s = openStore(t, path) // survives a restart
	r = mustRollout(t, s, d.ID)
	if st := r.Status(min(10), false); !r.LiveAt.Equal(at) || st.State != model.RolloutSoaking || !st.EndsAt.Equal(at.Add(15*time.Minute)) {
		t.Errorf("live rollout: %+v %+v", r, st)
	}
	// Reopening and ticking again does not move it; deploy live refuses.
	for i, st := range []model.ItemState{model.ItemTodo, model.ItemDone} {
		if _, err := s.SetItemState(ctx, itemID(t, s, d.ID, model.LiveItemText), "", st, "", "erin", min(5+i)); err != nil {
			t.Fatal(err)
		}
	}
	if !mustRollout(t, s, d.ID).LiveAt.Equal(at) {
		t.Error("re-tick moved the live time")
	}
	if _, err := s.GoLive(ctx, d.ID, "bob", min(7)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "is live already (since 14:05:00 UTC)") {
		t.Errorf("second go live: %v", err)
	}
}

// deploy live ticks the item too, so checklist and rollout agree.
func TestGoLiveTicksTheItem(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, mdtemplate.Builtin())
	if _, err := s.GoLive(ctx, d.ID, "bob", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	items, _, _ := s.Checklist(ctx, d.ID)
	for _, it := range items {
		if it.Text == model.LiveItemText && (it.State != model.ItemDone || it.By != "bob") {
			t.Errorf("item: %+v", it)
		}
	}
	if !mustRollout(t, s, d.ID).LiveAt.Equal(t0.Add(time.Minute)) {
		t.Error("not live")
	}
}

// D2: an open SEV1 linked to the deployment holds promote and finish until
// an override reason is recorded; resolving it lifts the hold.
func TestIncidentHoldsRollout(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV1, DeploymentID: d.ID}, "maria", min(2))
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.OpenIncident(ctx, model.NewIncident{Title: "unrelated", Severity: model.SEV1}, "maria", min(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.5, ptr(0.5), "dave", min(15)); err != nil {
		t.Fatal(err)
	}
	g, err := s.RolloutGate(ctx, d.ID)
	if err != nil || g.HoldText() != "INC-1 SEV1 open" {
		t.Fatalf("gate %+v %v", g, err)
	}
	if st := mustRollout(t, s, d.ID).Assess(min(16), g); st.State != model.RolloutHold {
		t.Errorf("state %s", st.State)
	}
	before := len(events(t, s, d.ID))
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", min(16)); !errors.Is(err, model.ErrNeedsReason) || err.Error() != "HOLD: INC-1 SEV1 open: give a reason to promote anyway (recorded)" {
		t.Fatalf("promote under hold: %v", err)
	}
	if len(events(t, s, d.ID)) != before {
		t.Fatal("refused promote wrote")
	}
	r, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "INC-1 is the payment provider", "bob", min(16))
	if err != nil || r.History[0].Override != "INC-1 is the payment provider" {
		t.Fatalf("override: %+v %v", r, err)
	}
	if e := lastEvent(t, s, d.ID, model.EventRolloutPromote); !strings.Contains(e.Text, "despite HOLD: INC-1 SEV1 open; override: INC-1 is the payment provider") {
		t.Errorf("event %q", e.Text)
	}
	// Mitigated still holds; resolved does not. The unlinked SEV1 never did.
	if err := s.MitigateIncident(ctx, inc.ID, model.IncidentSeen{}, "maria", min(17)); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.RolloutGate(ctx, d.ID); g.HoldText() != "INC-1 SEV1 mitigated" {
		t.Errorf("mitigated: %q", g.HoldText())
	}
	if err := s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "upstream", "maria", min(18)); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.RolloutGate(ctx, d.ID); g.HoldText() != "" {
		t.Errorf("resolved still holds: %q (other %s)", g.HoldText(), other.Ref())
	}
}

// D5: a breach latches until cleared, whatever later readings say; the
// next breach after a clear latches again.
func TestBreachLatchesUntilCleared(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.4, ptr(0.4), "probe", sec(60)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordProbeHealth(ctx, d.ID, 9.5, "flightdeck", sec(570)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // more breaches latch once
		if _, _, err := s.RecordProbeHealth(ctx, d.ID, 9.6, "flightdeck", sec(575+i*5)); err != nil {
			t.Fatal(err)
		}
	}
	if met, _, err := s.RecordProbeHealth(ctx, d.ID, 0.6, "flightdeck", sec(905)); err != nil || met {
		t.Fatalf("good reading: %v %v", met, err)
	}
	_, decl, err := s.RolloutHealth(ctx, d.ID)
	if err != nil || len(decl) != 1 || !decl[0].Latched || !decl[0].At.Equal(sec(570)) ||
		decl[0].String() != "error rate 9.5% is 9.1 points above baseline 0.4% (rule: more than 5 points above baseline) at 14:11:30 UTC (latched until cleared with a reason)" {
		t.Fatalf("latched: %+v %v", decl, err)
	}
	if n := strings.Count(kinds(events(t, s, d.ID)), string(model.EventHealthLatched)); n != 1 {
		t.Errorf("%d latch events", n)
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", sec(906)); !errors.Is(err, model.ErrNeedsReason) || !strings.Contains(err.Error(), "rollback criteria are met") {
		t.Fatalf("promote after a good reading: %v", err)
	}
	if err := s.ClearCriteria(ctx, d.ID, "9.5% was the load test", "bob", sec(910)); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", sec(911)); err != nil || r.Stage != 1 {
		t.Fatalf("promote after clear: %+v %v", r, err)
	}
	if _, _, err := s.RecordProbeHealth(ctx, d.ID, 8, "flightdeck", sec(920)); err != nil {
		t.Fatal(err)
	}
	if _, decl, _ = s.RolloutHealth(ctx, d.ID); len(decl) != 1 || !decl[0].At.Equal(sec(920)) {
		t.Errorf("second breach: %+v", decl)
	}
}

// D6: a probe failing since the last reading makes health unknown, with
// the time it began failing.
func TestProbeFailingMakesHealthUnknown(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, testTemplate())
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.5, ptr(0.5), "dave", sec(840)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{845, 850} {
		if err := s.write(ctx, "probe failed", func(tx *sql.Tx) error {
			return appendEvent(ctx, tx, model.Event{At: sec(n), Actor: SystemActor, Kind: model.EventProbeFailed, DeploymentID: d.ID, Text: "probe FAILED"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	h, _, err := s.RolloutHealth(ctx, d.ID)
	if err != nil || !h.ProbeFailingSince.Equal(sec(845)) {
		t.Fatalf("health %+v %v", h, err)
	}
	g, _ := s.RolloutGate(ctx, d.ID)
	c := g.CheckHealth(mustRollout(t, s, d.ID), sec(901))
	if c.Fresh || c.Text(sec(901), time.UTC) != "no reading for 1m (probe failing since 14:16:05)" {
		t.Errorf("check %+v %q", c, c.Text(sec(901), time.UTC))
	}
	if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "", "bob", sec(901)); !errors.Is(err, model.ErrNeedsReason) ||
		err.Error() != "health unknown: no reading for 1m (probe failing since 14:16:05): give a reason to promote anyway (recorded)" {
		t.Errorf("promote: %v", err)
	}
	// A new reading ends the spell.
	if _, _, err := s.RecordProbeHealth(ctx, d.ID, 0.5, "flightdeck", sec(902)); err != nil {
		t.Fatal(err)
	}
	if h, _, _ = s.RolloutHealth(ctx, d.ID); !h.ProbeFailingSince.IsZero() {
		t.Errorf("still failing: %+v", h)
	}
}

// The items that state rollout facts: the freeze item refuses during a
// freeze, "Gradually roll out" ticks itself at 100%, "Monitor for 15
// minutes" waits for the watch and a healthy reading.
func TestItemsThatStateRolloutFacts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := executing(t, s, mdtemplate.Builtin())
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	if _, err := s.GoLive(ctx, d.ID, "bob", t0); err != nil {
		t.Fatal(err)
	}
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "db down", Severity: model.SEV2}, "maria", min(1))
	if err != nil {
		t.Fatal(err)
	}
	freeze := itemID(t, s, d.ID, model.FreezeItemText)
	if _, err := s.SetItemState(ctx, freeze, "", model.ItemDone, "", "bob", min(2)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "a change freeze is on (INC-1 SEV2 open)") {
		t.Errorf("freeze item during a freeze: %v", err)
	}
	if _, err := s.SetItemState(ctx, freeze, "", model.ItemNA, "hotfix for INC-1 itself", "bob", min(2)); err != nil {
		t.Errorf("freeze item n/a: %v", err)
	}
	if err := s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "", "maria", min(3)); err != nil {
		t.Fatal(err)
	}
	gradual := itemID(t, s, d.ID, model.GradualItemText)
	if _, err := s.SetItemState(ctx, gradual, "", model.ItemDone, "", "bob", min(4)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "ticks itself") {
		t.Errorf("gradual before 100%%: %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Promote(ctx, d.ID, model.RolloutSeen{}, "test", "bob", min(5+i)); err != nil {
			t.Fatal(err)
		}
	}
	items, _, _ := s.Checklist(ctx, d.ID)
	for _, it := range items {
		if it.ID == gradual && (it.State != model.ItemDone || it.By != SystemActor) {
			t.Errorf("gradual at 100%%: %+v", it)
		}
	}
	// Roll back; the monitor item waits for the watch and a healthy reading.
	if _, err := s.Abort(ctx, d.ID, model.RolloutSeen{}, "x", "bob", min(10)); err != nil {
		t.Fatal(err)
	}
	monitor := itemID(t, s, d.ID, model.MonitorItemText)
	if _, err := s.SetItemState(ctx, monitor, "", model.ItemDone, "", "erin", min(11)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "has not started") {
		t.Errorf("monitor before the watch: %v", err)
	}
	if _, err := s.SetItemState(ctx, itemID(t, s, d.ID, model.StabilityItemText), "", model.ItemDone, "", "erin", min(12)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetItemState(ctx, monitor, "", model.ItemDone, "", "erin", min(12).Add(3*time.Second)); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "the stability watch has 14:57 left (ends 14:29:00 UTC)") {
		t.Errorf("monitor 3 s in: %v", err)
	}
	if _, err := s.SetItemState(ctx, monitor, "", model.ItemDone, "", "erin", min(27)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no healthy reading") {
		t.Errorf("monitor, no reading: %v", err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 0.4, ptr(0.4), "erin", min(26)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetItemState(ctx, monitor, "", model.ItemDone, "", "erin", min(27)); err != nil {
		t.Errorf("monitor after the watch with a healthy reading: %v", err)
	}
}
