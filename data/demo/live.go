package demo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// The live scenario, relative to Now, written through the store's own
// methods in time order (so the timeline's ids follow its times):
//
//	-3h05  INC SEV3 "Search suggestions stale…" opened, acked, commander,
//	       mitigated at -1h10: open in the escalation pane, not freezing
//	-58m   web feature-flag deployment started; half its Pre-Deployment done
//	-52m   checkout-api canary started (the newest: the dashboard focuses
//	       it); Pre-Deployment done by -25m
//	-22m   checkout-api enters Deployment Execution: stage 1/4 (5%)
//	-11m   SEV2 "Checkout p99 latency…" opened, linked to the canary;
//	       step 1 acknowledged at -10m; no commander named
//	-21m50s the canary takes traffic ("Deploy to staging/canary environment
//	       first" ticked): the 5% soak starts
//	-6m50s stage 1 soak ends; -6m promoted to 2/4 · 25% over the SEV2's
//	       hold, with the reason recorded
//	now    stage 2 is 6:00 into its 15:00 soak; Eng Lead due in 4:00;
//	       Deployment Execution checklist about half done
const (
	liveCanaryAge     = 52 * time.Minute
	liveExecAge       = 22 * time.Minute
	livePromoteAge    = 6 * time.Minute
	liveLiveDelay     = 10 * time.Second // from Deployment Execution to the canary taking traffic
	livePromoteReason = "SEV2 is p99 latency from the payments DB pool, not the canary: canary error rate flat vs stable"
	liveIncidentAge   = 11 * time.Minute
	livePlannedAge    = 58 * time.Minute
	liveMinorIncAge   = 3*time.Hour + 5*time.Minute
	liveMinorMitAge   = 70 * time.Minute
	liveOnCall        = "dmitri"
	liveCanaryActor   = "erin"
	livePlannedActor  = "farah"
)

type liveStep struct {
	age time.Duration // before Now
	seq int
	do  func(at time.Time) error
}

// live plays the scenario and returns how many checklist items its
// deployments have.
func (g *gen) live(ctx context.Context, store *data.Store, sum *Summary) (int, error) {
	now := g.now
	// Notes are checked against the store's clock to tell backdated ones;
	// here the scenario's clock is the truth.
	clock := now
	s := store.WithClock(func() time.Time { return clock })

	var steps []liveStep
	add := func(age time.Duration, do func(at time.Time) error) {
		steps = append(steps, liveStep{age: age, seq: len(steps), do: do})
	}
	tpl := g.tpl
	var canary, planned model.Deployment
	var canaryItems, plannedItems []model.Item
	var sev2, sev3 model.Incident
	itemID := func(items []model.Item, text string) (int64, error) {
		for _, it := range items {
			if it.Text == text {
				return it.ID, nil
			}
		}
		return 0, fmt.Errorf("no checklist item %q", text)
	}
	tick := func(items *[]model.Item, text, reason, actor string) func(time.Time) error {
		return func(at time.Time) error {
			id, err := itemID(*items, text)
			if err != nil {
				return err
			}
			state := model.ItemDone
			if reason != "" {
				state = model.ItemNA
			}
			_, err = s.SetItemState(ctx, id, "", state, reason, actor, at)
			return err
		}
	}

	// A SEV3 from this afternoon, mitigated, still open.
	add(liveMinorIncAge, func(at time.Time) error {
		var err error
		sev3, err = s.OpenIncident(ctx, model.NewIncident{Title: "Search suggestions stale for some locales", Severity: model.SEV3}, "hana", at)
		return err
	})
	add(liveMinorIncAge-3*time.Minute, func(at time.Time) error {
		return s.AckStep(ctx, sev3.ID, model.IncidentSeen{}, 1, liveOnCall, liveOnCall, at)
	})
	add(liveMinorIncAge-15*time.Minute, func(at time.Time) error {
		return s.AddIncidentNote(ctx, sev3.ID, "reindex job for de-DE and fr-FR is ~40 min behind the catalogue", "hana", at, false)
	})
	add(liveMinorIncAge-35*time.Minute, func(at time.Time) error {
		return s.SetCommander(ctx, sev3.ID, model.IncidentSeen{}, data.RoleCommander, "hana", liveOnCall, at)
	})
	add(liveMinorMitAge, func(at time.Time) error {
		return s.AddIncidentNote(ctx, sev3.ID, "forced a reindex: suggestions fresh again, watching the lag", "hana", at, false)
	})
	add(liveMinorMitAge-time.Second, func(at time.Time) error { return s.MitigateIncident(ctx, sev3.ID, model.IncidentSeen{}, "hana", at) })

	// The two active deployments.
	add(liveCanaryAge, func(at time.Time) error {
		var err error
		canary, err = s.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: g.nextVersion("checkout-api", now),
			Strategy: model.StrategyCanary, CommitSHA: "9c1e4f7a2b3d5e6f708192a3b4c5d6e7f8091a2b", CommittedAt: now.Add(-4*time.Hour - 10*time.Minute).Truncate(time.Second)},
			tpl, liveCanaryActor, at)
		if err == nil {
			canaryItems, _, err = s.Checklist(ctx, canary.ID)
		}
		return err
	})
	add(livePlannedAge, func(at time.Time) error {
		var err error
		planned, err = s.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: g.nextVersion("web", now),
			Strategy: model.StrategyFeatureFlag, CommitSHA: "4be0c21d9a8f", CommittedAt: now.Add(-2 * time.Hour).Truncate(time.Second)},
			tpl, livePlannedActor, at)
		if err == nil {
			plannedItems, _, err = s.Checklist(ctx, planned.ID)
		}
		return err
	})
	var pre, exec []model.Item
	for _, it := range tpl.Items() {
		switch it.Phase {
		case model.PhasePreDeployment:
			pre = append(pre, it)
		case model.PhaseExecution:
			exec = append(exec, it)
		}
	}
	// checkout-api: every Pre-Deployment item between -50m and -25m.
	people := []string{liveCanaryActor, liveCanaryActor, "dmitri", liveCanaryActor, "lena"}
	for i, it := range pre {
		age := 50*time.Minute - time.Duration(i)*25*time.Minute/time.Duration(max(len(pre)-1, 1))
		reason := ""
		if it.Text == "Database migrations tested and rollback plan documented" {
			reason = "no schema change in this release"
		}
		add(age.Truncate(time.Second), tick(&canaryItems, it.Text, reason, people[i%len(people)]))
	}
	// web: the first half of Pre-Deployment between -56m and -14m.
	half := pre[:len(pre)/2]
	for i, it := range half {
		age := 56*time.Minute - time.Duration(i)*42*time.Minute/time.Duration(max(len(half)-1, 1))
		actor := livePlannedActor
		if i%3 == 2 {
			actor = "gus"
		}
		add(age.Truncate(time.Second)+17*time.Second, tick(&plannedItems, it.Text, "", actor))
	}

	baseline := 0.42
	add(24*time.Minute, func(at time.Time) error {
		_, _, err := s.RecordHealth(ctx, canary.ID, 0.40, &baseline, liveCanaryActor, at)
		return err
	})
	add(liveExecAge, func(at time.Time) error {
		_, err := s.StartExecution(ctx, canary.ID, liveCanaryActor, at, false)
		return err
	})
	// Deployment Execution: the pre-flight checks, then the canary steps.
	execTicks := []struct {
		age  time.Duration
		text string
	}{
		{21*time.Minute + 30*time.Second, ""}, {21 * time.Minute, ""}, {20*time.Minute + 30*time.Second, ""}, {20 * time.Minute, ""},
		{liveExecAge - liveLiveDelay, "Deploy to staging/canary environment first"},
		{16 * time.Minute, "Run smoke tests on staging/canary deployment"},
		{7*time.Minute + 30*time.Second, "Monitor key metrics for 10-15 minutes in staging/canary"},
		{5*time.Minute + 30*time.Second, "Monitor error rates, latency, and resource utilization"},
	}
	for i, t := range execTicks {
		text := t.text
		if text == "" && i < len(exec) {
			text = exec[i].Text
		}
		add(t.age, tick(&canaryItems, text, "", liveCanaryActor))
	}
	add(14*time.Minute, func(at time.Time) error {
		_, _, err := s.RecordHealth(ctx, canary.ID, 0.45, nil, liveCanaryActor, at)
		return err
	})

	// The SEV2, linked to the canary.
	add(liveIncidentAge, func(at time.Time) error {
		var err error
		sev2, err = s.OpenIncident(ctx, model.NewIncident{Title: "Checkout p99 latency above 2s for EU customers", Severity: model.SEV2,
			DeploymentID: canary.ID}, liveOnCall, at)
		return err
	})
	add(10*time.Minute, func(at time.Time) error {
		return s.AckStep(ctx, sev2.ID, model.IncidentSeen{}, 1, liveOnCall, liveOnCall, at)
	})
	add(9*time.Minute, func(at time.Time) error {
		return s.AddIncidentNote(ctx, sev2.ID, "p99 at 2.4s in eu-west, US normal; error rate flat", liveOnCall, at, false)
	})
	add(liveExecAge-liveLiveDelay-model.DefaultSoak, func(at time.Time) error {
		_, err := s.MarkReady(ctx, canary.ID, 0, at)
		return err
	})
	add(livePromoteAge+30*time.Second, func(at time.Time) error {
		_, _, err := s.RecordHealth(ctx, canary.ID, 0.44, nil, liveCanaryActor, at)
		return err
	})
	// The SEV2 holds the rollout: the promote records why it went ahead.
	add(livePromoteAge, func(at time.Time) error {
		_, err := s.Promote(ctx, canary.ID, model.RolloutSeen{}, livePromoteReason, liveCanaryActor, at)
		return err
	})
	add(5*time.Minute, func(at time.Time) error {
		return s.PostUpdate(ctx, sev2.ID, model.IncidentSeen{}, model.StakeholderUpdate{
			Conditions: "EU customers see slow checkout (p99 2.4s, normally 0.6s); no errors",
			Actions:    "on-call investigating the payments DB connection pool; checkout-api canary watched at 25%",
			Needs:      "Eng Lead if not resolved by the 15-minute mark",
		}, liveOnCall, at)
	})
	add(4*time.Minute, func(at time.Time) error {
		_, _, err := s.RecordHealth(ctx, canary.ID, 0.48, nil, liveCanaryActor, at)
		return err
	})
	add(3*time.Minute, func(at time.Time) error {
		return s.AddIncidentNote(ctx, sev2.ID, "no difference between canary and stable pods so far", liveOnCall, at, false)
	})

	slices.SortStableFunc(steps, func(a, b liveStep) int { return cmp.Or(cmp.Compare(b.age, a.age), cmp.Compare(a.seq, b.seq)) })
	for _, st := range steps {
		clock = now.Add(-st.age)
		if err := st.do(clock); err != nil {
			return 0, fmt.Errorf("at now-%s: %w", st.age, err)
		}
	}
	sum.Canary, sum.Planned, sum.Incident, sum.MinorIncident = canary.ID, planned.ID, sev2.ID, sev3.ID
	return len(canaryItems) + len(plannedItems), nil
}

// nextVersion is the version after the service's last production one.
func (g *gen) nextVersion(service string, now time.Time) string {
	var last *gDeploy
	for _, d := range g.deps {
		if d.svc.name == service && d.env == model.DefaultEnvironment {
			last = d
		}
	}
	for _, svc := range demoServices {
		if svc.name != service {
			continue
		}
		if svc.calver {
			day := now.Format("2006.01.02")
			n := 1
			if last != nil {
				if v, ok := strings.CutPrefix(last.version, day+"-"); ok {
					fmt.Sscan(v, &n)
					n++
				}
			}
			return fmt.Sprintf("%s-%d", day, n)
		}
		major, minor, patch := svc.major, 0, 0
		if last != nil {
			fmt.Sscanf(last.version, "v%d.%d.%d", &major, &minor, &patch)
		}
		return fmt.Sprintf("v%d.%d.0", major, minor+1)
	}
	return "v1.0.0"
}
