package cli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// End-to-end tests of flightdeck on PostgreSQL only: what a server brings
// that a file does not (a restart under open dashboards, dashboards on
// several hosts). The tests that run on both engines are in the files of
// what they test.

// syncDeadline fails a propagation that takes longer: the promise is
// "within a second", and a loaded two-core CI machine gets five before a
// test fails. The logged figures are the real ones.
const syncDeadline = 5 * time.Second

// propagation waits until every dashboard's screen satisfies cond and
// returns how long each took since since. The screens are polled every
// 20 ms (plus some 10 ms per tmux capture): figures are that coarse.
func propagation(t *testing.T, ds []*tmux, since time.Time, what string, cond func(screen string) bool) []time.Duration {
	t.Helper()
	took := make([]time.Duration, len(ds))
	last := make([]string, len(ds))
	deadline := since.Add(30 * time.Second)
	for {
		left := 0
		for i, d := range ds {
			if took[i] != 0 {
				continue
			}
			if s := d.screen(); cond(s) {
				took[i] = time.Since(since)
			} else {
				last[i], left = s, left+1
			}
		}
		if left == 0 {
			return took
		}
		if time.Now().After(deadline) {
			for i := range ds {
				if took[i] == 0 {
					t.Errorf("dashboard %d, screen:\n%s", i+1, last[i])
				}
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an effect
	}
}

func has(texts ...string) func(string) bool {
	return func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	}
}

// The done-when test of PostgreSQL: two dashboards and the CLI on one
// database, each its own process as if on three hosts, stay in sync
// through a canary (start, promote into execution, live, the soak clock,
// a promote from a dashboard) and a SEV1 linked to it (the freeze and the
// hold on both, an ack from one dashboard, a stakeholder update from the
// CLI, an abort from the other dashboard, the resolve). Every step's delay
// until each dashboard shows it is logged; over syncDeadline fails.
func TestE2EPostgresTwoDashboardsAndCLI(t *testing.T) {
	db := engineDB(t, enginePostgres)
	bin := flightdeckBin(t)
	cli(t, db, "incident", "list") // creates the schema, as a team's first command would
	a, b := newTmux(t), newTmux(t)
	a.start(120, 40, bin, "--db", db)
	b.start(140, 45, bin, "--db", db)
	ds := []*tmux{a, b}
	propagation(t, ds, time.Now(), "both dashboards up", has("no active deployment"))

	type step struct {
		name string
		took []time.Duration
	}
	var steps []step
	record := func(name string, took []time.Duration) {
		t.Helper()
		steps = append(steps, step{name, took})
		t.Logf("%-40s dashboard 1 %6v   dashboard 2 %6v", name, took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
	}
	byCLI := func(name string, cond func(string) bool, args ...string) {
		t.Helper()
		cli(t, db, append(args, "--as", "pipeline")...)
		record(name+" (CLI)", propagation(t, ds, time.Now(), name, cond))
	}
	// byDashboard sends keys to x, the last of them being what commits.
	byDashboard := func(name string, x *tmux, cond func(string) bool, last string) {
		t.Helper()
		since := time.Now()
		x.keys(last)
		who := 1
		if x == b {
			who = 2
		}
		record(fmt.Sprintf("%s (dashboard %d)", name, who), propagation(t, ds, since, name, cond))
	}

	// The canary.
	byCLI("deploy start", has("1 Checklist · checkout-api v2.14.0"), "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")
	byCLI("promote into execution", has("NOT LIVE YET"), "deploy", "promote", "--reason", "e2e: Pre-Deployment signed off in the release ticket")
	byCLI("live: the soak starts", has("SOAKING", "1/4 · 5%"), "deploy", "live")
	byCLI("health reading", has("error rate 0.40% vs baseline 0.40%"), "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4")
	// The soak ends at one stored instant: the same on both screens.
	soakEnd := regexp.MustCompile(`soak ends (\d\d:\d\d:\d\d)`)
	var ends []string
	for _, x := range ds {
		x.keys("2")
		s := x.waitFor("the soak end", func(s string) bool { return soakEnd.MatchString(s) })
		ends = append(ends, soakEnd.FindStringSubmatch(s)[1])
	}
	if ends[0] != ends[1] {
		t.Fatalf("the dashboards disagree on the soak end: %v", ends)
	}
	a.keys("p") // before the soak ends: a reason is asked for
	a.waitText("promote anyway because")
	a.keys("-l", "e2e: canary metrics already clean")
	byDashboard("promote to 25%", a, has("stage 2/4 · 25%"), "Enter")

	// The SEV1, linked to the canary: freeze and hold everywhere.
	byCLI("SEV1 opened: freeze and hold", has("FREEZE", "HOLD: INC-1 SEV1 open"), "incident", "open", "--sev", "1", "--deploy", "1", "checkout 5xx at 25% of EU traffic")
	b.keys("4")
	b.waitText("▶ 4 Escalation")
	b.keys("a")
	b.waitText("who was reached")
	b.keys("-l", "carol")
	byDashboard("ack", b, has("✓ acked", "carol"), "Enter")
	byCLI("stakeholder update", has("update: "), "incident", "update", "INC-1", "--conditions", "EU checkout failing for 25% of users", "--actions", "aborting the canary")
	a.keys("2")
	a.waitText("▶ 2 Rollout")
	a.keys("a")
	a.waitText("ABORT")
	a.keys("-l", "e2e: 5xx from the canary")
	a.keys("Enter")
	a.waitText("start the rollback now?")
	byDashboard("abort", a, has("aborted the rollout at 2/4 · 25%"), "y")
	b.keys("R")
	b.waitText("root cause")
	b.keys("-l", "bad feature flag")
	b.keys("Enter")
	b.waitText("Resolve INC-1")
	byDashboard("resolve: freeze and hold lift", b, func(s string) bool {
		return strings.Contains(s, "INC-1 schedule postmortem") && !strings.Contains(s, "FREEZE") && !strings.Contains(s, "HOLD:")
	}, "y")

	// One listening connection per dashboard, and a few pooled ones.
	raw := openRaw(t, db)
	var listeners, conns int
	if err := raw.QueryRow(`SELECT count(*) FILTER (WHERE query LIKE 'LISTEN %'), count(*)
		FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'flightdeck'`).Scan(&listeners, &conns); err != nil {
		t.Fatal(err)
	}
	t.Logf("connections of the two dashboards: %d (%d listening)", conns, listeners)
	if listeners != 2 || conns > 2*(4+1) {
		t.Errorf("%d connections, %d listening: want 2 listening and at most 4 pooled per dashboard", conns, listeners)
	}

	var all []time.Duration
	for _, s := range steps {
		all = append(all, s.took...)
		for i, d := range s.took {
			if d > syncDeadline {
				t.Errorf("%s: dashboard %d took %v (deadline %v)", s.name, i+1, d.Round(time.Millisecond), syncDeadline)
			}
		}
	}
	slices.Sort(all)
	t.Logf("%d propagations: median %v, slowest %v", len(all), all[len(all)/2].Round(time.Millisecond), all[len(all)-1].Round(time.Millisecond))
	for _, x := range ds {
		x.keys("q")
		x.waitExit()
	}
}

// A PostgreSQL server restarted under two open dashboards (120x40 and
// 80x24): within a few seconds of the stop each says since when the
// database has been unreachable, keeping the last state it read; an action
// then is refused with the store's message and changes nothing; after the
// start the line clears by itself, and a CLI write made after the restart
// shows within a second or two — the change feed LISTENs again (without
// it, no notification would arrive and nothing would make the dashboards
// read).
func TestE2EPostgresServerRestartUnderDashboard(t *testing.T) {
	cluster := pgtest.StartCluster(t)
	isolate(t)
	db := pgtest.NewDatabase(t, cluster.DSN())
	bin := flightdeckBin(t)
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")
	cli(t, db, "deploy", "promote", "--reason", "e2e: Pre-Deployment signed off in the release ticket")
	cli(t, db, "deploy", "live")
	big, small := newTmux(t), newTmux(t)
	big.start(120, 40, bin, "--db", db)
	small.start(80, 24, bin, "--db", db)
	ds := []*tmux{big, small}
	propagation(t, ds, time.Now(), "both dashboards up", has("SOAKING"))
	before := make([]string, len(ds))
	for i, x := range ds {
		before[i] = x.screen()
	}

	stopped := time.Now()
	cluster.Stop(t)
	stopTook := time.Since(stopped)
	unreachable := regexp.MustCompile(`✗ database unreachable since \d\d:\d\d:\d\d — retrying`)
	took := propagation(t, ds, stopped, "the outage line", unreachable.MatchString)
	t.Logf("outage shown %v and %v after the stop began (pg_ctl stop took %v)", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond), stopTook.Round(time.Millisecond))
	for i, d := range took {
		if d > 10*time.Second {
			t.Errorf("dashboard %d showed the outage only after %v", i+1, d.Round(time.Millisecond))
		}
	}
	for i, x := range ds {
		// The last state read stays: the rollout and the checklist as
		// they were (the header's clock and countdowns move on).
		s := x.screen()
		for _, want := range []string{"SOAKING", "Verify deployment window", "cli started canary rollout"} {
			if strings.Contains(before[i], want) && !strings.Contains(s, want) {
				t.Errorf("dashboard %d lost %q during the outage:\n%s", i+1, want, s)
			}
		}
	}
	// An action is refused with the store's message.
	big.keys("Space") // tick the focused checklist item
	big.waitText("✗ update checklist item: database unreachable since")
	big.waitText("nothing was changed")

	started := time.Now()
	cluster.Start(t)
	up := time.Now()
	took = propagation(t, ds, up, "the outage line to clear", func(s string) bool {
		return !strings.Contains(s, "unreachable") && strings.Contains(s, "✓ database reachable again")
	})
	t.Logf("outage line cleared %v and %v after the server accepted connections (pg_ctl start took %v)", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond), up.Sub(started).Round(time.Millisecond))

	cli(t, db, "check", "Verify deployment window", "--note", "written after the restart", "--as", "pipeline")
	took = propagation(t, ds, time.Now(), "the CLI's note after the restart", has("written after the restart"))
	t.Logf("a CLI write after the restart shown after %v and %v", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
	for i, d := range took {
		if d > syncDeadline {
			t.Errorf("dashboard %d: the note after the restart took %v: is the change feed listening again?", i+1, d.Round(time.Millisecond))
		}
	}
	// The refused tick was not made, then or later.
	for _, it := range exportJSON(t, db).ChecklistItems {
		if it.Text == "Verify deployment window and change freeze status" && it.State != "todo" {
			t.Errorf("the refused tick is stored: %+v", it)
		}
	}
	for _, x := range ds {
		x.keys("q")
		x.waitExit()
	}
}
