package model

import (
	"errors"
	"testing"
	"time"
)

func TestSeenRollout(t *testing.T) {
	plan := DefaultPlan(StrategyCanary)
	r0, err := Start(plan, t0)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := Promote(r0, t0.Add(16*time.Minute+400*time.Millisecond), "", Gate{})
	if err != nil {
		t.Fatal(err)
	}
	paused, err := Pause(r1, t0.Add(17*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	aborted, err := Abort(r1, t0.Add(18*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		seen RolloutSeen
		now  Rollout
		ok   bool
	}{
		{"unchecked", RolloutSeen{}, r1, true},
		{"same stage", SeenRollout(r0), r0, true},
		{"promoted since", SeenRollout(r0), r1, false},
		{"paused since", SeenRollout(r1), paused, false},
		{"aborted since", SeenRollout(r1), aborted, false},
		{"none yet, then started", SeenRollout(Rollout{}), r0, false},
		{"none yet", SeenRollout(Rollout{}), Rollout{}, true},
	} {
		if got := c.seen.Matches(c.now); got != c.ok {
			t.Errorf("%s: Matches = %v, want %v", c.name, got, c.ok)
		}
	}
	if s := SeenRollout(aborted); s.Phase != PhaseRollingBack || s.Stage != 1 {
		t.Errorf("aborted seen: %+v", s)
	}
}

func TestIncidentSeenChecks(t *testing.T) {
	open := Incident{ID: 1, Status: IncidentOpen, Severity: SEV2}
	seen := SeenIncident(open)
	resolved := open
	resolved.Status, resolved.RootCause = IncidentResolved, "x"
	acked := open
	acked.Acks = []Ack{{Step: 1, At: t0, By: "alice", Reached: "carol"}}
	mitigated := open
	mitigated.Status = IncidentMitigated
	for _, c := range []struct {
		name  string
		stale bool
		want  bool
	}{
		{"resolve on open", seen.StatusStale(open, IncidentResolved), false},
		{"resolve after someone resolved", seen.StatusStale(resolved, IncidentResolved), true},
		{"resolve decided on resolved", SeenIncident(resolved).StatusStale(resolved, IncidentResolved), true},
		{"unchecked", IncidentSeen{}.StatusStale(resolved, IncidentResolved), false},
		{"severity unchanged", seen.SeverityStale(open), false},
		{"ladder unchanged", seen.LadderStale(open), false},
		{"ladder acked since", seen.LadderStale(acked), true},
		{"ladder: open → mitigated keeps the ladder", seen.LadderStale(mitigated), false},
		{"ladder: resolved since", seen.LadderStale(resolved), true},
		{"role unchanged", seen.RoleStale("commander", ""), false},
		{"role named since", seen.RoleStale("commander", "erin"), true},
	} {
		if c.stale != c.want {
			t.Errorf("%s: stale = %v, want %v", c.name, c.stale, c.want)
		}
	}
}

func TestStaleWording(t *testing.T) {
	at := t0.Add(41*time.Second + 999*time.Millisecond) // 14:02:41.999: the second shown is :41
	promote := Event{At: at, Actor: "bob", Kind: EventRolloutPromote}
	for _, c := range []struct {
		err  error
		want string
	}{
		{StaleRollout("checkout-api", "2/4 · 25%", promote), "checkout-api is at 2/4 · 25% since 14:02:41 UTC, promoted by bob — nothing changed"},
		{StaleRollout("web", "2/4 · 25%", Event{At: at, Actor: "bob", Kind: EventRolloutPause}), "web was paused at 2/4 · 25% by bob at 14:02:41 UTC — nothing changed"},
		{StaleRollout("web", "", Event{}), "web has not started its rollout — nothing changed"},
		{StaleStatus(Incident{ID: 1, Status: IncidentResolved, RootCause: "x"}, Event{At: at, Actor: "alice", Kind: EventIncidentResolved}, "your root cause"),
			"INC-1 was already resolved by alice at 14:02:41 UTC (root cause: x) — your root cause was not recorded"},
		{StaleAcked(Incident{ID: 1}, EscalationStep{Number: 2, Role: "Engineering Lead"}, Ack{Step: 2, At: at, By: "alice", Reached: "carol"}),
			"INC-1 step 2 (Engineering Lead) was already acknowledged by alice at 14:02:41 UTC (reached carol) — nothing changed"},
		{StaleItem(Item{Text: "Smoke tests passed", State: ItemNA, By: "bob", At: at}), "“Smoke tests passed” was marked n/a by bob at 14:02:41 UTC — nothing changed"},
	} {
		if !errors.Is(c.err, ErrStale) || c.err.Error() != c.want {
			t.Errorf("got  %q\nwant %q", c.err, c.want)
		}
	}
	if got := AlreadyAt("2/4 · 25%", promote); got != "already at 2/4 · 25% since 14:02:41 UTC, promoted by bob — nothing changed" {
		t.Errorf("AlreadyAt: %q", got)
	}
}
