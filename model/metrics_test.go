package model

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// metT0 is a Monday, 00:00 UTC: the start of a metrics week.
var metT0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// metAt is day/hour/minute after metT0 (day may be negative).
func metAt(day, hour, minute int) time.Time {
	return metT0.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// metDep is a production deployment of "api" that entered execution an hour
// before it finished and was created an hour before that.
func metDep(id int64, st Status, finished time.Time, opts ...func(*Deployment)) Deployment {
	d := Deployment{ID: id, Service: "api", Version: "v1", Environment: "production", Strategy: StrategyCanary, Status: st, FinishedAt: finished}
	if !finished.IsZero() {
		d.CreatedAt, d.ExecutionAt = finished.Add(-2*time.Hour), finished.Add(-time.Hour)
	}
	for _, o := range opts {
		o(&d)
	}
	return d
}

func metCommitted(t time.Time) func(*Deployment) { return func(d *Deployment) { d.CommittedAt = t } }
func metService(s string) func(*Deployment)      { return func(d *Deployment) { d.Service = s } }
func metEnv(e string) func(*Deployment)          { return func(d *Deployment) { d.Environment = e } }
func metHotfix(inc int64) func(*Deployment)      { return func(d *Deployment) { d.HotfixFor = inc } }
func metExec(t time.Time) func(*Deployment)      { return func(d *Deployment) { d.ExecutionAt = t } }

// metInc is an incident linked to deployment dep (0: none), resolved at
// `resolved` (zero: still open).
func metInc(id int64, sev Severity, dep int64, opened, resolved time.Time, hist ...SeverityChange) Incident {
	inc := Incident{ID: id, Title: "broken", Severity: sev, Status: IncidentOpen, DeploymentID: dep, OpenedAt: opened, SeverityHistory: hist}
	if !resolved.IsZero() {
		inc.Status, inc.ResolvedAt = IncidentResolved, resolved
	}
	return inc
}

func metWindow(from, to time.Time) MetricsWindow { return MetricsWindow{From: from, To: to} }

// metDist is a Distribution literal in reading order.
func metDist(n, missing int, median, p90, mean, lo, hi time.Duration) Distribution {
	return Distribution{N: n, Missing: missing, Median: median, P90: p90, Mean: mean, Min: lo, Max: hi}
}

const (
	metM = time.Minute
	metH = time.Hour
)

// metFixture is two weeks of history, [metT0, metT0+14d), plus events just
// outside. Each line says what it tests.
func metFixture() ([]Deployment, []Incident) {
	deps := []Deployment{
		// lead 2h
		metDep(1, StatusCompleted, metAt(0, 10, 0), metCommitted(metAt(0, 8, 0))),
		// lead 24h; failed: linked SEV2 (INC-1) and a SEV3 that was SEV1 for a while (INC-2)
		metDep(2, StatusCompleted, metAt(1, 12, 0), metCommitted(metAt(0, 12, 0))),
		// rolled back (execution 09:00, rollback done 10:00): failed, recovery 1h, no lead time
		metDep(3, StatusRolledBack, metAt(2, 10, 0), metCommitted(metAt(2, 8, 0))),
		// no commit time: lead time missing; linked SEV3 only: not failed
		metDep(4, StatusCompleted, metAt(3, 10, 0)),
		// lead 30m; hotfix for INC-1: rework
		metDep(5, StatusCompleted, metAt(4, 10, 0), metCommitted(metAt(4, 9, 30)), metHotfix(1)),
		// aborted before execution: not counted anywhere
		{ID: 6, Service: "api", Environment: "production", Status: StatusAborted, CreatedAt: metAt(4, 9, 0), FinishedAt: metAt(4, 11, 0), CommittedAt: metAt(4, 8, 0)},
		// still in progress: not counted
		metDep(7, StatusInProgress, time.Time{}, metExec(metAt(5, 9, 0))),
		// staging: not counted in production
		metDep(8, StatusCompleted, metAt(5, 10, 0), metEnv("staging")),
		// web, lead 24h; failed: linked SEV1 INC-4 still open → not recovered
		metDep(9, StatusCompleted, metAt(8, 10, 0), metCommitted(metAt(7, 10, 0)), metService("web")),
		// lead 1h, the last hour of the window
		metDep(10, StatusCompleted, metAt(13, 23, 0), metCommitted(metAt(13, 22, 0))),
		// started in the window, finished after it: not counted
		metDep(11, StatusCompleted, metAt(14, 1, 0), metExec(metAt(13, 23, 0)), metCommitted(metAt(13, 20, 0))),
		// finished before the window: not counted (its incident INC-5 is)
		metDep(12, StatusCompleted, metAt(-1, 10, 0), metCommitted(metAt(-1, 9, 0))),
		// commit time after completion: lead time missing
		metDep(13, StatusCompleted, metAt(10, 10, 0), metCommitted(metAt(10, 12, 0))),
	}
	incs := []Incident{
		metInc(1, SEV2, 2, metAt(1, 13, 0), metAt(1, 15, 0)), // 2h
		metInc(2, SEV3, 2, metAt(1, 14, 0), metAt(1, 18, 0), // 4h, SEV1 14:30–15:00
			SeverityChange{At: metAt(1, 14, 30), From: SEV3, To: SEV1},
			SeverityChange{At: metAt(1, 15, 0), From: SEV1, To: SEV3}),
		metInc(3, SEV3, 4, metAt(3, 11, 0), metAt(3, 12, 0)),      // 1h, never major
		metInc(4, SEV1, 9, metAt(8, 11, 0), time.Time{}),          // open
		metInc(5, SEV2, 12, metAt(-1, 11, 0), metAt(0, 2, 0)),     // opened before, resolved inside: 15h
		metInc(6, SEV4, 0, metAt(12, 10, 0), metAt(16, 0, 0)),     // resolved after To: open at the end
		metInc(7, SEV4, 0, metAt(-10, 0, 0), metAt(-9, 0, 0)),     // long before: nothing
		metInc(8, SEV2, 0, metAt(9, 8, 0), metAt(9, 8, 30)),       // unlinked: 30m
		metInc(9, SEV1, 0, metAt(14, 0, 0), time.Time{}),          // opened exactly at To: next window
		metInc(10, SEV1, 999, metAt(-3, 0, 0), metAt(-2, 0, 0)),   // unknown deployment, before: nothing
		metInc(11, SEV2, 7, metAt(5, 9, 30), metAt(5, 10, 0)),     // links the in-progress deployment: 30m, no failure
		metInc(12, SEV3, 8, metAt(5, 11, 0), metAt(5, 11, 20)),    // links staging: not production
		metInc(13, SEV3, 3, metAt(20, 0, 0), time.Time{}),         // after the window, links a failure: SEV3, no effect
		metInc(14, SEV4, 4, metAt(30, 0, 0), time.Time{}),         // after the window
		metInc(15, SEV2, 11, metAt(14, 2, 0), metAt(14, 3, 0)),    // after the window
		metInc(16, SEV4, 0, metAt(-20, 0, 0), metAt(-20, 23, 0)),  // before the window: 23h
		metInc(17, SEV4, 0, metAt(-20, 0, 0), metAt(-20, 23, 30)), // before the window: 23h30m
	}
	return deps, incs
}

func TestMetricsFixtureAllServices(t *testing.T) {
	deps, incs := metFixture()
	m := metCompute(t, deps, incs, metWindow(metT0, metAt(14, 0, 0)))

	// Completed production deployments finished in the window: 1 2 4 5 9 10 13.
	if m.Deployments != 7 {
		t.Errorf("Deployments = %d, want 7", m.Deployments)
	}
	wantFreq := Frequency{Days: 14, PerDay: 0.5, PerWeek: 3.5, DaysWithDeployments: 7,
		Bucket: Bucket{Label: "Between once per day and once per week", Rank: 3, Of: 6, Scale: ScaleQuickCheck}}
	if m.DeploymentFrequency != wantFreq {
		t.Errorf("DeploymentFrequency = %+v\nwant %+v", m.DeploymentFrequency, wantFreq)
	}

	// Lead times 30m 1h 2h 24h 24h; missing: #4 (none), #13 (after completion).
	if want := metDist(5, 2, 2*metH, 24*metH, 10*metH+18*metM, 30*metM, 24*metH); m.LeadTime != want {
		t.Errorf("LeadTime = %+v\nwant %+v", m.LeadTime, want)
	}
	if m.LeadTimeBucket.Label != "Less than one day" || m.LeadTimeBucket.Rank != 2 {
		t.Errorf("LeadTimeBucket = %+v", m.LeadTimeBucket)
	}

	// Reached production: the 7 plus rolled-back #3. Failed: #2, #3, #9.
	if m.ChangeFailRate != (Ratio{3, 8}) || m.ChangeFailRate.String() != "37.5% (3/8)" {
		t.Errorf("ChangeFailRate = %v", m.ChangeFailRate)
	}
	if m.ChangeFailBucket.Label != "16–45%" || m.ChangeFailBucket.Rank != 2 || m.ChangeFailBucket.Scale != ScaleFourKeysCFR {
		t.Errorf("ChangeFailBucket = %+v", m.ChangeFailBucket)
	}
	wantFailures := []DeploymentFailure{
		{DeploymentID: 2, Service: "api", Incidents: []int64{1, 2}, Start: metAt(1, 12, 0), RecoveredAt: metAt(1, 18, 0)},
		{DeploymentID: 3, Service: "api", RolledBack: true, Start: metAt(2, 9, 0), RecoveredAt: metAt(2, 10, 0)},
		{DeploymentID: 9, Service: "web", Incidents: []int64{4}, Start: metAt(8, 10, 0)},
	}
	if !reflect.DeepEqual(m.Failures, wantFailures) {
		t.Errorf("Failures = %+v\nwant %+v", m.Failures, wantFailures)
	}

	// Recovery: #2 12:00 → 18:00 (the later incident) 6h, #3 1h; #9 not recovered.
	if want := metDist(2, 1, 3*metH+30*metM, 5*metH+30*metM, 3*metH+30*metM, metH, 6*metH); m.FailedDeploymentRecovery != want {
		t.Errorf("FailedDeploymentRecovery = %+v\nwant %+v", m.FailedDeploymentRecovery, want)
	}
	if m.FailedDeploymentRecoveryBucket.Label != "Less than one day" {
		t.Errorf("FailedDeploymentRecoveryBucket = %+v", m.FailedDeploymentRecoveryBucket)
	}

	// Resolved in the window: INC-1 2h, INC-2 4h, INC-3 1h, INC-5 15h, INC-8 30m, INC-11 30m, INC-12 (staging) out.
	// Open at the end: INC-4 (open), INC-6 (resolved after To).
	if want := metDist(6, 2, 1*metH+30*metM, 9*metH+30*metM, 3*metH+50*metM, 30*metM, 15*metH); m.MTTR != want {
		t.Errorf("MTTR = %+v\nwant %+v", m.MTTR, want)
	}
	if m.MTTRBucket.Label != "Less than one day" || m.MTTRBucket.Rank != 2 {
		t.Errorf("MTTRBucket = %+v", m.MTTRBucket)
	}
	// Major (SEV1/SEV2 at any point): INC-1 2h, INC-2 4h, INC-5 15h, INC-8 30m, INC-11 30m; open INC-4.
	if want := metDist(5, 1, 2*metH, 10*metH+36*metM, 4*metH+24*metM, 30*metM, 15*metH); m.MTTRMajor != want {
		t.Errorf("MTTRMajor = %+v\nwant %+v", m.MTTRMajor, want)
	}

	if m.ReworkRate != (Ratio{1, 8}) || !reflect.DeepEqual(m.Hotfixes, []int64{5}) {
		t.Errorf("ReworkRate = %v, Hotfixes = %v", m.ReworkRate, m.Hotfixes)
	}
	if m.ReworkBucket.Valid() || m.ReworkBucket.Label != "no DORA bucket" || m.ReworkBucket.Scale != ScaleNoDORABucket {
		t.Errorf("ReworkBucket = %+v", m.ReworkBucket)
	}
}

func TestMetricsWeeklyAcrossWeekBoundary(t *testing.T) {
	deps, incs := metFixture()
	m := metCompute(t, deps, incs, metWindow(metT0, metAt(14, 0, 0)))
	want := []WeekStats{{
		Start: metT0, From: metT0, To: metAt(7, 0, 0),
		Deployments:    4, // 1 2 4 5
		ChangeFailRate: Ratio{2, 5},
		ReworkRate:     Ratio{1, 5},
		// 30m 2h 24h; #4 missing
		LeadTime:                 metDist(3, 1, 2*metH, 19*metH+36*metM, 8*metH+50*metM, 30*metM, 24*metH),
		FailedDeploymentRecovery: metDist(2, 0, 3*metH+30*metM, 5*metH+30*metM, 3*metH+30*metM, metH, 6*metH),
		// INC-5 15h, INC-1 2h, INC-2 4h, INC-3 1h, INC-11 30m; nothing open on Sunday night
		MTTR: metDist(5, 0, 2*metH, 10*metH+36*metM, 4*metH+30*metM, 30*metM, 15*metH),
	}, {
		Start: metAt(7, 0, 0), From: metAt(7, 0, 0), To: metAt(14, 0, 0),
		Deployments:    3, // 9 10 13
		ChangeFailRate: Ratio{1, 3},
		ReworkRate:     Ratio{0, 3},
		// 24h 1h; #13 missing
		LeadTime:                 metDist(2, 1, 12*metH+30*metM, 21*metH+42*metM, 12*metH+30*metM, metH, 24*metH),
		FailedDeploymentRecovery: metDist(0, 1, 0, 0, 0, 0, 0),
		// INC-8 30m; open at the end: INC-4, INC-6
		MTTR: metDist(1, 2, 30*metM, 30*metM, 30*metM, 30*metM, 30*metM),
	}}
	if !reflect.DeepEqual(m.Weekly, want) {
		t.Errorf("Weekly =\n%+v\nwant\n%+v", m.Weekly, want)
	}
	sum, fails := 0, 0
	for _, w := range m.Weekly {
		sum += w.Deployments
		fails += w.ChangeFailRate.Num
		if w.Partial() {
			t.Errorf("week %s is whole, Partial() = true", w.Start)
		}
	}
	if sum != m.Deployments || fails != m.ChangeFailRate.Num {
		t.Errorf("weeks add up to %d deployments and %d failures, the window has %d and %d", sum, fails, m.Deployments, m.ChangeFailRate.Num)
	}
}

func TestMetricsWeeklyMidWeekWindow(t *testing.T) {
	deps, incs := metFixture()
	// Thursday noon to Thursday noon: two cut weeks.
	m := metCompute(t, deps, incs, metWindow(metAt(3, 12, 0), metAt(10, 12, 0)))
	if len(m.Weekly) != 2 {
		t.Fatalf("Weekly has %d weeks, want 2: %+v", len(m.Weekly), m.Weekly)
	}
	w1, w2 := m.Weekly[0], m.Weekly[1]
	if w1.Start != metT0 || w1.From != metAt(3, 12, 0) || w1.To != metAt(7, 0, 0) || !w1.Partial() {
		t.Errorf("week 1 = %s [%s, %s) partial %v", w1.Start, w1.From, w1.To, w1.Partial())
	}
	if w2.Start != metAt(7, 0, 0) || w2.From != metAt(7, 0, 0) || w2.To != metAt(10, 12, 0) || !w2.Partial() {
		t.Errorf("week 2 = %s [%s, %s) partial %v", w2.Start, w2.From, w2.To, w2.Partial())
	}
	// Week 1: #5 only (#4 finished Thursday 10:00, before the window).
	if w1.Deployments != 1 || w1.ChangeFailRate != (Ratio{0, 1}) || w1.ReworkRate != (Ratio{1, 1}) {
		t.Errorf("week 1 = %+v", w1)
	}
	// Week 2: #9 (failed) and #13.
	if w2.Deployments != 2 || w2.ChangeFailRate != (Ratio{1, 2}) {
		t.Errorf("week 2 = %+v", w2)
	}
	if m.Deployments != 3 || m.DeploymentFrequency.Days != 7 {
		t.Errorf("Deployments = %d over %v days, want 3 over 7", m.Deployments, m.DeploymentFrequency.Days)
	}
}

func TestMetricsFilters(t *testing.T) {
	deps, incs := metFixture()
	type want struct {
		deployments   int
		cfr, rework   Ratio
		leadN, leadMi int
		leadMedian    time.Duration
		recN, recMi   int
		mttrN, mttrMi int
		mttrMedian    time.Duration
		cfrBucket     string
	}
	cases := []struct {
		name string
		w    MetricsWindow
		want want
	}{
		{
			// 1 2 3 4 5 10 13; incidents through api deployments only: INC-1 2h, INC-2 4h, INC-3 1h, INC-5 15h, INC-11 30m
			name: "service api",
			w:    MetricsWindow{From: metT0, To: metAt(14, 0, 0), Service: "api"},
			want: want{6, Ratio{2, 7}, Ratio{1, 7}, 4, 2, 90 * metM, 2, 0, 5, 0, 2 * metH, "16–45%"},
		},
		{
			name: "service matched without case or spaces",
			w:    MetricsWindow{From: metT0, To: metAt(14, 0, 0), Service: " API "},
			want: want{6, Ratio{2, 7}, Ratio{1, 7}, 4, 2, 90 * metM, 2, 0, 5, 0, 2 * metH, "16–45%"},
		},
		{
			// #9 alone, failed and not recovered; INC-4 open
			name: "service web",
			w:    MetricsWindow{From: metT0, To: metAt(14, 0, 0), Service: "web"},
			want: want{1, Ratio{1, 1}, Ratio{0, 1}, 1, 0, 24 * metH, 0, 1, 0, 1, 0, "over 45%"},
		},
		{
			// #8, no commit time; INC-12 links it (20m); unlinked incidents are production's
			name: "environment staging",
			w:    MetricsWindow{From: metT0, To: metAt(14, 0, 0), Environment: "Staging"},
			want: want{1, Ratio{0, 1}, Ratio{0, 1}, 0, 1, 0, 0, 0, 1, 0, 20 * metM, "0–15%"},
		},
		{
			// nothing finished; INC-4, INC-9 and INC-13 still open at the end
			name: "empty window",
			w:    metWindow(metAt(20, 0, 0), metAt(27, 0, 0)),
			want: want{0, Ratio{0, 0}, Ratio{0, 0}, 0, 0, 0, 0, 0, 0, 3, 0, "n/a"},
		},
		{
			// INC-16, INC-17 resolved in it: 23h and 23h30m
			name: "before any deployment",
			w:    metWindow(metAt(-30, 0, 0), metAt(-15, 0, 0)),
			want: want{0, Ratio{0, 0}, Ratio{0, 0}, 0, 0, 0, 0, 0, 2, 0, 23*metH + 15*metM, "n/a"},
		},
		{
			name: "unknown service",
			w:    MetricsWindow{From: metT0, To: metAt(14, 0, 0), Service: "nope"},
			want: want{0, Ratio{0, 0}, Ratio{0, 0}, 0, 0, 0, 0, 0, 0, 0, 0, "n/a"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := metCompute(t, deps, incs, c.w)
			got := want{m.Deployments, m.ChangeFailRate, m.ReworkRate,
				m.LeadTime.N, m.LeadTime.Missing, m.LeadTime.Median,
				m.FailedDeploymentRecovery.N, m.FailedDeploymentRecovery.Missing,
				m.MTTR.N, m.MTTR.Missing, m.MTTR.Median, m.ChangeFailBucket.Label}
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestMetricsEmptyWindowIsNotZero(t *testing.T) {
	m := metCompute(t, nil, nil, metWindow(metT0, metAt(30, 0, 0)))
	if m.ChangeFailRate.Valid() || m.ChangeFailRate.String() != "n/a" {
		t.Errorf("ChangeFailRate = %v, want n/a", m.ChangeFailRate)
	}
	if m.ReworkRate.Valid() || m.ReworkRate.String() != "n/a" {
		t.Errorf("ReworkRate = %v, want n/a", m.ReworkRate)
	}
	if _, ok := m.ChangeFailRate.Percent(); ok {
		t.Error("Percent of an empty ratio is ok")
	}
	for name, d := range map[string]Distribution{"lead": m.LeadTime, "recovery": m.FailedDeploymentRecovery, "mttr": m.MTTR} {
		if d.Valid() || d.String() != "n/a" {
			t.Errorf("%s = %v, want n/a", name, d)
		}
	}
	for name, b := range map[string]Bucket{
		"freq": m.DeploymentFrequency.Bucket, "lead": m.LeadTimeBucket, "cfr": m.ChangeFailBucket,
		"recovery": m.FailedDeploymentRecoveryBucket, "mttr": m.MTTRBucket, "rework": m.ReworkBucket,
	} {
		if b.Valid() || !strings.HasPrefix(b.Label, "n/a") {
			t.Errorf("%s bucket = %+v, want n/a", name, b)
		}
	}
	if m.DeploymentFrequency.PerDay != 0 || m.DeploymentFrequency.Days != 30 {
		t.Errorf("DeploymentFrequency = %+v", m.DeploymentFrequency)
	}
	// 2026-11-02 to 2026-12-02: five weeks starting on Monday, the last cut.
	if len(m.Weekly) != 5 || m.Weekly[4].Start != metAt(28, 0, 0) || m.Weekly[4].To != metAt(30, 0, 0) {
		t.Errorf("Weekly = %+v", m.Weekly)
	}
}

func TestMetricsInvalidWindow(t *testing.T) {
	deps, incs := metFixture()
	cases := []struct {
		w   MetricsWindow
		err string
	}{
		{MetricsWindow{To: metT0}, "no start"},
		{MetricsWindow{From: metT0}, "no end"},
		{metWindow(metT0, metT0), "before it starts"},
		{metWindow(metAt(1, 0, 0), metT0), "before it starts"},
	}
	for _, c := range cases {
		err := c.w.Validate()
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Validate(%v…%v) = %v, want %q", c.w.From, c.w.To, err, c.err)
		}
		m := metCompute(t, deps, incs, c.w)
		if m.Deployments != 0 || m.ChangeFailRate.Valid() || m.MTTR.N != 0 || m.MTTR.Missing != 0 || m.Weekly != nil || m.DeploymentFrequency.Bucket.Valid() {
			t.Errorf("ComputeMetrics on an invalid window = %+v", m)
		}
	}
	if err := metWindow(metT0, metAt(0, 0, 1)).Validate(); err != nil {
		t.Errorf("a one-minute window: %v", err)
	}
	if got := (MetricsWindow{}).Env(); got != "production" {
		t.Errorf("default environment = %q", got)
	}
}

// TestMetricsRules covers one rule per case, each on a tiny history, over
// the window [metT0, metT0+7d).
func TestMetricsRules(t *testing.T) {
	from, to := metT0, metAt(7, 0, 0)
	type got struct {
		deployments   int
		cfr, rework   Ratio
		leadN, leadMi int
		recN, recMi   int
		recMedian     time.Duration
		mttrN, mttrMi int
	}
	cases := []struct {
		name string
		deps []Deployment
		incs []Incident
		want got
	}{
		{
			name: "finished exactly at From counts, exactly at To does not",
			deps: []Deployment{
				metDep(1, StatusCompleted, from, metCommitted(from.Add(-metH))),
				metDep(2, StatusCompleted, to, metCommitted(to.Add(-metH))),
			},
			want: got{deployments: 1, cfr: Ratio{0, 1}, rework: Ratio{0, 1}, leadN: 1},
		},
		{
			name: "commit time equal to or after completion is missing, not zero or negative",
			deps: []Deployment{
				metDep(1, StatusCompleted, metAt(1, 0, 0), metCommitted(metAt(1, 0, 0))),
				metDep(2, StatusCompleted, metAt(1, 0, 0), metCommitted(metAt(1, 0, 1))),
				metDep(3, StatusCompleted, metAt(1, 0, 0)),
			},
			want: got{deployments: 3, cfr: Ratio{0, 3}, rework: Ratio{0, 3}, leadMi: 3},
		},
		{
			name: "rolled back: a deployment that failed, not one completed; no lead time",
			deps: []Deployment{metDep(1, StatusRolledBack, metAt(1, 10, 0), metCommitted(metAt(1, 0, 0)))},
			want: got{cfr: Ratio{1, 1}, rework: Ratio{0, 1}, recN: 1, recMedian: metH},
		},
		{
			name: "aborted and planned deployments are not counted at all",
			deps: []Deployment{
				metDep(1, StatusAborted, metAt(1, 0, 0), metHotfix(9)),
				metDep(2, StatusPlanned, time.Time{}),
			},
			incs: []Incident{metInc(1, SEV1, 1, metAt(1, 0, 0), metAt(1, 1, 0))},
			want: got{mttrN: 1},
		},
		{
			name: "two major incidents on one deployment are one failure; recovery waits for both",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(1, 10, 0))},
			incs: []Incident{
				metInc(1, SEV1, 1, metAt(1, 11, 0), metAt(1, 12, 0)),
				metInc(2, SEV2, 1, metAt(1, 10, 30), metAt(1, 14, 0)),
			},
			want: got{deployments: 1, cfr: Ratio{1, 1}, rework: Ratio{0, 1}, leadMi: 1, recN: 1, recMedian: 4 * metH, mttrN: 2},
		},
		{
			name: "SEV3/SEV4 incidents are not failures, even when a hotfix followed",
			deps: []Deployment{
				metDep(1, StatusCompleted, metAt(1, 10, 0)),
				metDep(2, StatusCompleted, metAt(2, 10, 0), metHotfix(1)),
			},
			incs: []Incident{
				metInc(1, SEV3, 1, metAt(1, 11, 0), metAt(2, 10, 0)),
				metInc(2, SEV4, 1, metAt(1, 11, 0), metAt(1, 12, 0), SeverityChange{At: metAt(1, 11, 30), From: SEV4, To: SEV3}),
			},
			want: got{deployments: 2, cfr: Ratio{0, 2}, rework: Ratio{1, 2}, leadMi: 2, mttrN: 2},
		},
		{
			name: "lowered from SEV2 to SEV3: it was major, so a failure",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(1, 10, 0))},
			incs: []Incident{metInc(1, SEV3, 1, metAt(1, 11, 0), metAt(1, 13, 0),
				SeverityChange{At: metAt(1, 11, 5), From: SEV2, To: SEV3})},
			want: got{deployments: 1, cfr: Ratio{1, 1}, rework: Ratio{0, 1}, leadMi: 1, recN: 1, recMedian: 3 * metH, mttrN: 1},
		},
		{
			name: "incident opened during the rollout, before completion: recovery starts at the incident",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(1, 10, 0))},
			incs: []Incident{metInc(1, SEV2, 1, metAt(1, 9, 30), metAt(1, 11, 0))},
			want: got{deployments: 1, cfr: Ratio{1, 1}, rework: Ratio{0, 1}, leadMi: 1, recN: 1, recMedian: 90 * metM, mttrN: 1},
		},
		{
			name: "rolled back with a major incident resolved after the rollback: recovered when both are done",
			deps: []Deployment{metDep(1, StatusRolledBack, metAt(1, 10, 0), metExec(metAt(1, 8, 0)))},
			incs: []Incident{metInc(1, SEV1, 1, metAt(1, 9, 0), metAt(1, 11, 0))},
			want: got{cfr: Ratio{1, 1}, rework: Ratio{0, 1}, recN: 1, recMedian: 3 * metH, mttrN: 1},
		},
		{
			name: "rolled back with its major incident still open: not recovered",
			deps: []Deployment{metDep(1, StatusRolledBack, metAt(1, 10, 0))},
			incs: []Incident{metInc(1, SEV1, 1, metAt(1, 9, 30), time.Time{})},
			want: got{cfr: Ratio{1, 1}, rework: Ratio{0, 1}, recMi: 1, mttrMi: 1},
		},
		{
			name: "a mitigated incident is not recovered; a resolved one without a time is open",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(1, 10, 0))},
			incs: []Incident{
				func() Incident {
					i := metInc(1, SEV2, 1, metAt(1, 11, 0), time.Time{})
					i.Status, i.MitigatedAt = IncidentMitigated, metAt(1, 11, 30)
					return i
				}(),
				func() Incident {
					i := metInc(2, SEV4, 0, metAt(1, 11, 0), time.Time{})
					i.Status = IncidentResolved
					return i
				}(),
			},
			want: got{deployments: 1, cfr: Ratio{1, 1}, rework: Ratio{0, 1}, leadMi: 1, recMi: 1, mttrMi: 2},
		},
		{
			name: "a failed deployment of the window that recovers after it still counts its recovery",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(6, 20, 0))},
			incs: []Incident{metInc(1, SEV1, 1, metAt(6, 21, 0), metAt(7, 2, 0))},
			want: got{deployments: 1, cfr: Ratio{1, 1}, rework: Ratio{0, 1}, leadMi: 1, recN: 1, recMedian: 6 * metH, mttrMi: 1},
		},
		{
			name: "incident failure of a deployment finished before the window is not this window's",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(-1, 20, 0))},
			incs: []Incident{metInc(1, SEV1, 1, metAt(0, 1, 0), metAt(0, 2, 0))},
			want: got{mttrN: 1},
		},
		{
			name: "incidents at the edges: resolved at From counts, resolved at To is open at the end",
			incs: []Incident{
				metInc(1, SEV2, 0, metAt(-1, 0, 0), from),
				metInc(2, SEV2, 0, metAt(6, 0, 0), to),
				metInc(3, SEV2, 0, metAt(-2, 0, 0), metAt(0, 0, 0).Add(-time.Nanosecond)),
				metInc(4, SEV2, 0, to, time.Time{}),
				metInc(5, SEV2, 0, metAt(-30, 0, 0), time.Time{}), // open through the whole window
			},
			want: got{mttrN: 1, mttrMi: 2},
		},
		{
			name: "no environment is production; an incident linking an unknown deployment is unlinked",
			deps: []Deployment{metDep(1, StatusCompleted, metAt(1, 0, 0), metEnv(""))},
			incs: []Incident{metInc(1, SEV1, 42, metAt(1, 1, 0), metAt(1, 2, 0))},
			want: got{deployments: 1, cfr: Ratio{0, 1}, rework: Ratio{0, 1}, leadMi: 1, mttrN: 1},
		},
		{
			name: "a rolled-back hotfix is rework and a failure",
			deps: []Deployment{metDep(1, StatusRolledBack, metAt(1, 10, 0), metHotfix(3))},
			want: got{cfr: Ratio{1, 1}, rework: Ratio{1, 1}, recN: 1, recMedian: metH},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := metCompute(t, c.deps, c.incs, metWindow(from, to))
			g := got{m.Deployments, m.ChangeFailRate, m.ReworkRate, m.LeadTime.N, m.LeadTime.Missing,
				m.FailedDeploymentRecovery.N, m.FailedDeploymentRecovery.Missing, m.FailedDeploymentRecovery.Median,
				m.MTTR.N, m.MTTR.Missing}
			if g != c.want {
				t.Errorf("got  %+v\nwant %+v", g, c.want)
			}
		})
	}
}

func TestMetricsMTTROpenedBeforeWindow(t *testing.T) {
	incs := []Incident{metInc(1, SEV1, 0, metAt(-2, 22, 0), metAt(0, 1, 0))}
	m := metCompute(t, nil, incs, metWindow(metT0, metAt(7, 0, 0)))
	if m.MTTR.N != 1 || m.MTTR.Median != 27*metH || m.MTTRBucket.Label != "One day to one week" {
		t.Errorf("MTTR = %+v, bucket %+v", m.MTTR, m.MTTRBucket)
	}
	// The window in which it opened sees it open at its end.
	m = metCompute(t, nil, incs, metWindow(metAt(-7, 0, 0), metT0))
	if m.MTTR.N != 0 || m.MTTR.Missing != 1 {
		t.Errorf("previous window MTTR = %+v", m.MTTR)
	}
}

func TestDurationBucketThresholds(t *testing.T) {
	cases := []struct {
		d    time.Duration
		rank int
		want string
	}{
		{0, 1, "Less than one hour"},
		{metH - time.Second, 1, "Less than one hour"},
		{metH, 2, "Less than one day"},
		{24*metH - time.Second, 2, "Less than one day"},
		{24 * metH, 3, "One day to one week"},
		{7*24*metH - time.Second, 3, "One day to one week"},
		{7 * 24 * metH, 4, "One week to one month"},
		{730*metH - time.Second, 4, "One week to one month"},
		{730 * metH, 5, "One to six months"},
		{4380*metH - time.Second, 5, "One to six months"},
		{4380 * metH, 6, "More than six months"},
	}
	for _, c := range cases {
		b := DurationBucket(c.d, 1)
		if b.Rank != c.rank || b.Label != c.want || b.Of != 6 || b.Scale != ScaleQuickCheck {
			t.Errorf("DurationBucket(%v) = %+v, want %d %q", c.d, b, c.rank, c.want)
		}
	}
	if b := DurationBucket(0, 0); b.Valid() || b.Label != "n/a" {
		t.Errorf("DurationBucket with no samples = %+v", b)
	}
}

func TestFrequencyBucketThresholds(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		n      int
		window time.Duration
		rank   int
	}{
		{60, 30 * day, 1},  // every 12h: multiple per day
		{59, 30 * day, 2},  // every 12h12m
		{1000, 1 * day, 1}, // far more than daily
		{30, 30 * day, 2},  // every 24h: once per day
		{29, 30 * day, 3},  // every 24h50m
		{5, 30 * day, 3},   // every 144h
		{5, 35 * day, 3},   // every 168h exactly: once per week
		{4, 30 * day, 4},   // every 180h
		{1, 730 * time.Hour, 4},
		{1, 731 * time.Hour, 5},
		{2, 365 * day, 5}, // every 4380h exactly: once per six months
		{1, 365 * day, 6},
		{1, 100 * 365 * day, 6},
	}
	for _, c := range cases {
		if b := FrequencyBucket(c.n, c.window); b.Rank != c.rank || b.Of != 6 {
			t.Errorf("FrequencyBucket(%d, %v) = %+v, want rank %d", c.n, c.window, b, c.rank)
		}
	}
	if b := FrequencyBucket(0, 30*day); b.Valid() || b.Label != "n/a: no deployments" {
		t.Errorf("no deployments: %+v", b)
	}
	if b := FrequencyBucket(60, 30*day); b.Label != "On demand (multiple deploys per day)" {
		t.Errorf("label = %q", b.Label)
	}
}

func TestChangeFailAndReworkBuckets(t *testing.T) {
	cases := []struct {
		r    Ratio
		rank int
		want string
	}{
		{Ratio{0, 5}, 1, "0–15%"},
		{Ratio{15, 100}, 1, "0–15%"},
		{Ratio{3, 20}, 1, "0–15%"},
		{Ratio{16, 100}, 2, "16–45%"},
		{Ratio{45, 100}, 2, "16–45%"},
		{Ratio{9, 20}, 2, "16–45%"},
		{Ratio{46, 100}, 3, "over 45%"},
		{Ratio{5, 5}, 3, "over 45%"},
		{Ratio{0, 0}, 0, "n/a"},
	}
	for _, c := range cases {
		if b := ChangeFailBucket(c.r); b.Rank != c.rank || b.Label != c.want {
			t.Errorf("ChangeFailBucket(%v) = %+v, want %d %q", c.r, b, c.rank, c.want)
		}
	}
	if b := ReworkBucket(Ratio{1, 10}); b.Valid() || !strings.Contains(b.Scale, "no buckets") {
		t.Errorf("ReworkBucket = %+v", b)
	}
}

func TestRatioString(t *testing.T) {
	cases := map[Ratio]string{
		{3, 8}: "37.5% (3/8)",
		{1, 4}: "25% (1/4)",
		{1, 3}: "33.3% (1/3)",
		{2, 3}: "66.7% (2/3)",
		{0, 5}: "0% (0/5)",
		{5, 5}: "100% (5/5)",
		{0, 0}: "n/a",
	}
	for r, want := range cases {
		if got := r.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", r, got, want)
		}
	}
}

func TestPercentile(t *testing.T) {
	in := []time.Duration{4 * metH, metH, 3 * metH, 2 * metH}
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{50, 150 * metM}, // mean of the middle two
		{0, metH},
		{-5, metH},
		{100, 4 * metH},
		{250, 4 * metH},
		{90, 3*metH + 42*metM}, // h = 2.7: 3h + 0.7h
		{25, 105 * metM},       // h = 0.75
	}
	for _, c := range cases {
		got, ok := Percentile(in, c.p)
		if !ok || got != c.want {
			t.Errorf("Percentile(p%v) = %v %v, want %v", c.p, got, ok, c.want)
		}
	}
	if in[0] != 4*metH {
		t.Error("Percentile sorted its input")
	}
	if _, ok := Percentile(nil, 50); ok {
		t.Error("Percentile of nothing is ok")
	}
	if got, _ := Percentile([]time.Duration{7 * metM}, 90); got != 7*metM {
		t.Errorf("one sample: %v", got)
	}
	// Ten samples 1h…10h: the p90 is 9h06m (h = 8.1).
	ten := make([]time.Duration, 10)
	for i := range ten {
		ten[i] = time.Duration(i+1) * metH
	}
	if got, _ := Percentile(ten, 90); got != 9*metH+6*metM {
		t.Errorf("p90 of 1h…10h = %v", got)
	}
}

func TestDistributionString(t *testing.T) {
	d := metDist(5, 2, 2*metH, 24*metH, 0, 0, 0)
	if got := d.String(); got != "median 2h · p90 1d (n=5)" {
		t.Errorf("String = %q", got)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 2, 0, 0, time.FixedZone("CET", 3600))
	nowUTC := now.UTC()
	cases := []struct {
		in   string
		want time.Time
		err  string
	}{
		{"30d", nowUTC.Add(-30 * 24 * metH), ""},
		{"90d", nowUTC.Add(-90 * 24 * metH), ""},
		{"12w", nowUTC.Add(-12 * 7 * 24 * metH), ""},
		{"24h", nowUTC.Add(-24 * metH), ""},
		{"1y", nowUTC.Add(-365 * 24 * metH), ""},
		{" 30D ", nowUTC.Add(-30 * 24 * metH), ""},
		{"30 d", nowUTC.Add(-30 * 24 * metH), ""},
		{"2026-01-01", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"2026-01-01T10:00:00+02:00", time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), ""},
		{"2026-11-25t12:00:00z", time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), ""},
		{"", time.Time{}, "empty"},
		{"30", time.Time{}, "cannot read"},
		{"0d", time.Time{}, "empty window"},
		{"-5d", nowUTC.Add(-5 * 24 * metH), ""},
		{"+5d", time.Time{}, "is in the future"},
		{"1.5d", nowUTC.Add(-36 * metH), ""},
		{"-30m", nowUTC.Add(-30 * time.Minute), ""},
		{"2026-11-25 09:12:00 +0100", time.Date(2026, 11, 25, 8, 12, 0, 0, time.UTC), ""},
		{"6m", time.Time{}, "ambiguous"},
		{"3mo", time.Time{}, "ambiguous"},
		{"d", time.Time{}, "cannot read"},
		{"abc", time.Time{}, "cannot read"},
		{"30days", time.Time{}, "cannot read"},
		{"2026-13-01", time.Time{}, "YYYY-MM-DD"},
		{"14:00", time.Time{}, "has not come yet"},
		{"2026-11-25T14:00:00Z", time.Time{}, "not in the past"},
		{"2027-01-01", time.Time{}, "not in the past"},
		{"99999w", time.Time{}, "cannot read"},
		{"99999999999999999999d", time.Time{}, "cannot read"},
	}
	for _, c := range cases {
		got, err := ParseSince(c.in, now, time.UTC)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseSince(%q) = %v, %v; want error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseSince(%q) = %v, %v; want %v UTC", c.in, got, err, c.want)
		}
	}
	if _, err := ParseSince(DefaultMetricsSince, now, time.UTC); err != nil {
		t.Errorf("default: %v", err)
	}
}

func TestFormatDurationShort(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{400 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{time.Minute, "1m"},
		{45 * metM, "45m"},
		{59*metM + 59*time.Second, "59m"},
		{metH, "1h"},
		{3*metH + 12*metM, "3h12m"},
		{3*metH + 12*metM + 59*time.Second, "3h12m"},
		{23*metH + 59*metM, "23h59m"},
		{24 * metH, "1d"},
		{2*24*metH + 4*metH, "2d4h"},
		{2*24*metH + 4*metH + 30*metM, "2d4h"},
		{400 * 24 * metH, "400d"},
		{-90 * metM, "-1h30m"},
	}
	for _, c := range cases {
		if got := FormatDurationShort(c.d); got != c.want {
			t.Errorf("FormatDurationShort(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := FormatDurationShort(time.Duration(-1 << 63)); !strings.HasPrefix(got, "-") {
		t.Errorf("min duration = %q", got)
	}
}

func TestWeekStart(t *testing.T) {
	cases := []struct {
		in, want time.Time
	}{
		{metT0, metT0},
		{metAt(0, 23, 59), metT0},
		{metAt(6, 23, 59), metT0}, // Sunday
		{metAt(7, 0, 0), metAt(7, 0, 0)},
		// Monday 00:30 in UTC+1 is Sunday 23:30 UTC: the previous week.
		{time.Date(2026, 11, 9, 0, 30, 0, 0, time.FixedZone("CET", 3600)), metT0},
		// Across a year end: Friday 2027-01-01 → Monday 2026-12-28.
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := WeekStart(c.in); !got.Equal(c.want) || got.Weekday() != time.Monday {
			t.Errorf("WeekStart(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
