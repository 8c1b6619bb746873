package data

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func TestClaimOnceAndTakeover(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	a, b := openStore(t, path), openStore(t, path)
	lease := time.Minute
	if won, err := a.Claim(ctx, "k", "escalation_due", "A", t0, lease); err != nil || !won {
		t.Fatalf("first claim: %v %v", won, err)
	}
	if won, _ := b.Claim(ctx, "k", "escalation_due", "B", t0.Add(time.Second), lease); won {
		t.Fatal("a second process won a live claim")
	}
	if open, _ := b.Unclaimed(ctx, []string{"k", "other"}, t0.Add(time.Second), lease); len(open) != 1 || open[0] != "other" {
		t.Errorf("Unclaimed = %v", open)
	}
	// A owner that died: after the lease another process takes over, and
	// the dead one can no longer record an outcome.
	late := t0.Add(2 * lease)
	if open, _ := b.Unclaimed(ctx, []string{"k"}, late, lease); len(open) != 1 {
		t.Errorf("a stale claim is not offered again: %v", open)
	}
	if won, err := b.Claim(ctx, "k", "escalation_due", "B", late, lease); err != nil || !won {
		t.Fatalf("takeover: %v %v", won, err)
	}
	ev := &model.Event{Kind: model.EventNotifySent, Text: "sent"}
	if mine, err := a.FinishClaim(ctx, "k", "A", OutcomeOK, "", ev, late); err != nil || mine {
		t.Errorf("the old owner recorded an outcome: %v %v", mine, err)
	}
	if mine, err := b.FinishClaim(ctx, "k", "B", OutcomeFailed, "exit status 1", ev, late); err != nil || !mine {
		t.Fatalf("finish: %v %v", mine, err)
	}
	if won, _ := a.Claim(ctx, "k", "escalation_due", "A", late.Add(time.Hour), lease); won {
		t.Error("a finished claim was claimed again")
	}
	ns, _ := a.Notifications(ctx, 0)
	if len(ns) != 1 || ns[0].Owner != "B" || ns[0].Attempts != 2 || ns[0].Outcome != OutcomeFailed || ns[0].Detail != "exit status 1" {
		t.Errorf("row = %+v", ns)
	}
	if evs := events(t, a, 0); len(evs) != 1 || evs[0].Actor != SystemActor || evs[0].Kind != model.EventNotifySent {
		t.Errorf("events = %+v", evs)
	}
}

func TestClaimAttemptsAreBounded(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := t0
	wins := 0
	for i := range 10 {
		if won, _ := s.Claim(ctx, "k", "x", "P", at, time.Second); won {
			wins++
		}
		at = at.Add(time.Minute) // every owner "dies"
		_ = i
	}
	if wins != MaxClaimAttempts {
		t.Errorf("%d runs, want %d", wins, MaxClaimAttempts)
	}
}

func TestClaimSlotMovesForward(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, c := range []struct {
		slot int64
		want bool
	}{{5, true}, {5, false}, {4, false}, {6, true}, {6, false}} {
		if won, err := s.ClaimSlot(ctx, "probe:1", "probe", "P", c.slot, t0); err != nil || won != c.want {
			t.Errorf("slot %d: %v %v, want %v", c.slot, won, err, c.want)
		}
	}
	if err := s.ReleaseClaim(ctx, "probe:1", "P"); err != nil {
		t.Fatal(err)
	}
	if won, _ := s.ClaimSlot(ctx, "probe:1", "probe", "P", 6, t0); !won {
		t.Error("a released slot was not claimable again")
	}
}

func TestReadOnlyStoreNeverClaims(t *testing.T) {
	path := tempDB(t)
	openStore(t, path)
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if won, err := ro.Claim(context.Background(), "k", "x", "P", t0, time.Minute); won || err == nil {
		t.Errorf("read-only claim: %v %v", won, err)
	}
}

func TestProbeHealthIsQuietInTheTimeline(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d, _ := startTestDeployment(t, s)
	if _, _, err := s.RecordProbeHealth(ctx, d.ID, 1, "flightdeck", t0); !strings.Contains(errString(err), "no baseline") {
		t.Fatalf("probe without a baseline: %v", err)
	}
	base := 1.0
	if _, _, err := s.RecordHealth(ctx, d.ID, 1, &base, "alice", t0); err != nil {
		t.Fatal(err)
	}
	for i, rate := range []float64{1.1, 1.2, 1.3, 7, 7.1, 1} {
		if _, _, err := s.RecordProbeHealth(ctx, d.ID, rate, "flightdeck", t0.Add(time.Duration(i+1)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	var texts []string
	for _, e := range events(t, s, d.ID) {
		if e.Kind == model.EventHealthRecorded || e.Kind == model.EventHealthCriteriaMet {
			texts = append(texts, string(e.Kind)+" "+e.Text)
		}
	}
	// The person's reading, the first probe reading, the two changes of
	// verdict (and the criteria_met moment): not every reading.
	if len(texts) != 5 || !strings.HasPrefix(texts[1], "health.recorded probe: error rate 1.1%") ||
		!strings.Contains(texts[2], "probe: error rate 7%") || !strings.HasPrefix(texts[3], "health.criteria_met") ||
		!strings.Contains(texts[4], "probe: error rate 1%") {
		t.Errorf("timeline:\n%s", strings.Join(texts, "\n"))
	}
	h, _, _ := s.RolloutHealth(ctx, d.ID)
	if h.ErrorRate != 1 || h.BaselineErrorRate != 1 {
		t.Errorf("latest = %+v", h)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCriteriaEpisode(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d, _ := startTestDeployment(t, s)
	if id, err := s.CriteriaEpisode(ctx, d.ID); err != nil || id != 0 {
		t.Fatalf("none yet: %d %v", id, err)
	}
	base := 1.0
	if _, _, err := s.RecordHealth(ctx, d.ID, 9, &base, "alice", t0); err != nil {
		t.Fatal(err)
	}
	first, _ := s.CriteriaEpisode(ctx, d.ID)
	if _, _, err := s.RecordHealth(ctx, d.ID, 9.5, nil, "alice", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if same, _ := s.CriteriaEpisode(ctx, d.ID); first == 0 || same != first {
		t.Errorf("episode %d then %d: a reading within the spell must not start a new one", first, same)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 1, nil, "alice", t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 8, nil, "alice", t0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.CriteriaEpisode(ctx, d.ID); again == first {
		t.Error("a new spell kept the old episode")
	}
}

// TestOptionsPolicyAndPlans: the configured ladder and plans are what the
// store escalates along and starts rollouts with.
func TestOptionsPolicyAndPlans(t *testing.T) {
	ctx := context.Background()
	pol := model.EscalationPolicy{Steps: []model.EscalationStep{
		{Number: 1, Role: "Pager", Trigger: model.TriggerAtOpen},
		{Number: 2, Role: "Manager", Trigger: model.TriggerManual, Person: "Mo"},
	}}
	plan := model.Plan{Strategy: model.StrategyCanary, Stages: []model.Stage{
		{Name: "one", Label: "1%", Percent: 1, Soak: time.Minute},
		{Name: "all", Label: "100%", Percent: 100, Soak: 2 * time.Minute},
	}}
	s, err := Open(ctx, tempDB(t), Options{Policy: pol, Plans: map[model.Strategy]model.Plan{model.StrategyCanary: plan}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, _ := startTestDeployment(t, s)
	if _, err := s.StartExecution(ctx, d.ID, "alice", t0, true); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Rollout(ctx, d.ID)
	if err != nil || len(r.Plan.Stages) != 2 || r.Plan.Stages[0].Label != "1%" {
		t.Errorf("rollout plan = %+v %v", r.Plan, err)
	}
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "x", Severity: model.SEV3}, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EscalateNow(ctx, inc.ID, model.IncidentSeen{}, 0, "need help", "alice", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	evs := events(t, s, 0)
	if last := evs[len(evs)-1]; !strings.Contains(last.Text, "Manager") {
		t.Errorf("escalated along the seed's ladder: %q", last.Text)
	}
	if _, err := Open(ctx, tempDB(t), Options{Policy: model.EscalationPolicy{Steps: []model.EscalationStep{{Number: 1, Role: "x", Trigger: "soon"}}}}); err == nil {
		t.Error("an invalid policy was accepted")
	}
}
