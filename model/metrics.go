package model

// Delivery metrics: DORA's five software delivery metrics (dora.dev, "DORA's
// software delivery performance metrics", 2026) plus the seed's mean time to
// recovery, computed over a window of deployments and incidents. Pure: no
// I/O, no clock; the window's bounds are arguments.
//
// The rules, in one place (each is tested in metrics_test.go):
//
//   - The window is [From, To): an event exactly at From counts, one exactly
//     at To belongs to the next window. A zero or inverted window computes to
//     empty metrics (see MetricsWindow.Validate).
//   - Only the window's environment counts (default "production": DORA counts
//     deployments to production). A deployment with no environment is a
//     production deployment. Service "" means every service; names match
//     case-insensitively.
//   - A deployment belongs to the window in which it finished: FinishedAt.
//     One that started in the window but finished after To, or has not
//     finished, is not counted.
//   - A deployment reached production when it completed or was rolled back.
//     Planned, in-progress and aborted deployments (abort is only possible
//     before Deployment Execution; aborting a rollout rolls it back) are not
//     counted anywhere.
//   - Deployment frequency counts completed deployments only (as Four Keys
//     counts successful deploys). Change fail rate and rework rate divide by
//     every deployment that reached production, rolled back ones included, so
//     a rollback is in both the numerator and the denominator.
//   - A deployment failed (DORA: it "required immediate intervention") when
//     it was rolled back or when at least one linked incident was SEV1 or
//     SEV2 at any point of its life (its highest severity, not the one at open
//     or now). Several incidents linked to one deployment are one failure.
//   - Lead time for changes is measured per change, as DORA defines it ("the
//     amount of time it takes a commit to get into production"): one sample
//     per commit a completed deployment shipped (Deployment.Commits, the
//     commits since the service's previous completed deployment to the same
//     environment), from the commit's commit time to the deployment's
//     completion (FinishedAt); the median is over commits, not deployments.
//     A deployment with no commit list (recorded without git) counts as one
//     change at its CommittedAt. Commits not before completion (Four Keys
//     ignores lead times ≤ 0: clock skew) are left out and counted in
//     LeadTimeBasis.SkippedCommits; a completed deployment with no sample at
//     all is counted in LeadTime.Missing.
//   - Failed deployment recovery time runs from the failure's start — the
//     earlier of when the change went out (completion; for a rollback, when
//     Deployment Execution began) and when its first linked SEV1/SEV2
//     incident opened (Four Keys' rule) — to recovery: the later of the
//     rollback finishing and the last linked SEV1/SEV2 incident resolving. It
//     is measured for the failed deployments of the window, whenever they
//     recovered; those not recovered yet are counted in Missing.
//   - MTTR is incident open → resolved, for incidents resolved in the window,
//     whenever they opened. Incidents open at the window's end (opened before
//     To and not resolved before To) are not in MTTR; they are counted in
//     MTTR.Missing. All severities count; MTTRMajor keeps SEV1/SEV2 only.
//     With a service or a non-production environment chosen, an incident
//     counts only through its linked deployment; unlinked incidents count for
//     "all services, production".
//   - Rework rate: deployments marked as the hotfix for an incident
//     (HotfixFor ≠ 0) ÷ deployments that reached production.
//   - No deployments means "n/a" for the rates (Ratio.Valid is false), never
//     0%; no samples means "n/a" for a distribution and its bucket.
//
// Buckets. DORA no longer publishes fixed elite/high/medium/low thresholds:
// its yearly clusters move from report to report. Its current Quick Check
// answers are the scale used here for lead time, deployment frequency and
// recovery time (research/mission-anchors.md §6). For change fail rate the
// Quick Check asks for a plain percentage, so the Four Keys buckets (from the
// 2019 report) are used and the Bucket says so; for rework rate DORA
// publishes no buckets at all and the Bucket says that.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultMetricsSince is the default metrics window, for ParseSince.
const DefaultMetricsSince = "30d"

// MetricsWindow selects what ComputeMetrics looks at: [From, To), one
// service or all, one environment.
type MetricsWindow struct {
	From, To    time.Time
	Service     string // "" = every service
	Environment string // "" = DefaultEnvironment ("production")
}

// Env is the environment the window counts: Environment, or production.
func (w MetricsWindow) Env() string {
	if e := strings.TrimSpace(w.Environment); e != "" {
		return e
	}
	return DefaultEnvironment
}

// Validate explains why the window cannot hold anything, or returns nil.
func (w MetricsWindow) Validate() error {
	switch {
	case w.From.IsZero():
		return fmt.Errorf("the metrics window has no start: give --since, e.g. 30d or 2026-01-01")
	case w.To.IsZero():
		return fmt.Errorf("the metrics window has no end")
	case !w.To.After(w.From):
		return fmt.Errorf("the metrics window ends (%s) before it starts (%s)",
			w.To.UTC().Format(time.RFC3339), w.From.UTC().Format(time.RFC3339))
	}
	return nil
}

// Ratio is a count out of a count. With a zero denominator it is not valid
// ("n/a"), never 0%.
type Ratio struct{ Num, Den int }

// Valid reports whether the ratio has a denominator.
func (r Ratio) Valid() bool { return r.Den > 0 }

// Percent is the ratio in percent; ok is false when it is not valid.
func (r Ratio) Percent() (pct float64, ok bool) {
	if !r.Valid() {
		return 0, false
	}
	return 100 * float64(r.Num) / float64(r.Den), true
}

// String is "37.5% (3/8)", "25% (1/4)" or "n/a".
func (r Ratio) String() string {
	pct, ok := r.Percent()
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%s%% (%d/%d)", strconv.FormatFloat(math.Round(pct*10)/10, 'f', -1, 64), r.Num, r.Den)
}

// Distribution summarises durations. Median and P90 use Percentile (linear
// interpolation). Missing counts what was left out for lack of data; what
// that is depends on the metric (see the Metrics fields).
type Distribution struct {
	N                           int
	Median, P90, Mean, Min, Max time.Duration
	Missing                     int
}

// Valid reports whether there is at least one sample.
func (d Distribution) Valid() bool { return d.N > 0 }

// String is "median 2h · p90 1d (n=5)" or "n/a".
func (d Distribution) String() string {
	if !d.Valid() {
		return "n/a"
	}
	return fmt.Sprintf("median %s · p90 %s (n=%d)", FormatDurationShort(d.Median), FormatDurationShort(d.P90), d.N)
}

func metDistribution(samples []time.Duration, missing int) Distribution {
	s := slices.Clone(samples)
	slices.Sort(s)
	return metDistributionSorted(s, missing)
}

// metDistributionSorted is metDistribution of samples already in ascending
// order.
func metDistributionSorted(s []time.Duration, missing int) Distribution {
	d := Distribution{N: len(s), Missing: missing}
	if len(s) == 0 {
		return d
	}
	d.Median, _ = metPercentileSorted(s, 50)
	d.P90, _ = metPercentileSorted(s, 90)
	d.Min, d.Max = s[0], s[len(s)-1]
	var sum float64 // float: a sum of thousands of long durations overflows int64
	for _, v := range s {
		sum += float64(v)
	}
	d.Mean = time.Duration(math.Round(sum / float64(len(s))))
	return d
}

// Percentile is the p-th percentile (0–100) of ds by linear interpolation
// between closest ranks (the "inclusive" method of PERCENTILE_CONT, Excel
// PERCENTILE.INC and numpy's default): the median of an even count is the
// mean of the two middle values. p ≤ 0 gives the minimum, p ≥ 100 the
// maximum. ok is false when ds is empty. ds is not modified.
func Percentile(ds []time.Duration, p float64) (v time.Duration, ok bool) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return metPercentileSorted(s, p)
}

func metPercentileSorted(s []time.Duration, p float64) (time.Duration, bool) {
	if len(s) == 0 {
		return 0, false
	}
	if p <= 0 || math.IsNaN(p) {
		return s[0], true
	}
	if p >= 100 {
		return s[len(s)-1], true
	}
	h := float64(len(s)-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1], true
	}
	frac := h - float64(lo)
	return s[lo] + time.Duration(math.Round(frac*float64(s[lo+1]-s[lo]))), true
}

// Bucket is where a metric falls on a performance scale.
type Bucket struct {
	Label string // the scale's wording, e.g. "Less than one day"; "n/a" when none
	Rank  int    // 1 = best … Of = worst; 0 = no bucket
	Of    int    // how many buckets the scale has; 0 = none
	Scale string // where the scale comes from, or why there is none
}

// Valid reports whether the metric falls in a bucket.
func (b Bucket) Valid() bool { return b.Rank > 0 }

// String is the label.
func (b Bucket) String() string { return b.Label }

// Where bucket scales come from.
const (
	ScaleQuickCheck   = "DORA Quick Check answers (dora.dev)"
	ScaleFourKeysCFR  = "Four Keys buckets (2019 DORA report): DORA's Quick Check now asks for a plain percentage"
	ScaleNoDORABucket = "DORA publishes no buckets for deployment rework rate: compare the percentage over time"
)

// Lengths behind the buckets. A month is 730 hours (a twelfth of 365 days,
// as Four Keys uses), six months 4380 hours.
const (
	metDay       = 24 * time.Hour
	metWeek      = 7 * metDay
	metMonth     = 730 * time.Hour
	metSixMonths = 6 * metMonth
)

// metNoBucket is the bucket of a metric with no data.
func metNoBucket(scale string) Bucket { return Bucket{Label: "n/a", Scale: scale} }

// DurationBucket places a median lead time or recovery time on DORA's Quick
// Check scale. Each bucket includes its lower bound: exactly one hour is
// "Less than one day", exactly one week is "One week to one month". No
// samples (n == 0) gives no bucket.
func DurationBucket(median time.Duration, n int) Bucket {
	if n <= 0 {
		return metNoBucket(ScaleQuickCheck)
	}
	b := Bucket{Of: 6, Scale: ScaleQuickCheck}
	switch {
	case median < time.Hour:
		b.Rank, b.Label = 1, "Less than one hour"
	case median < metDay:
		b.Rank, b.Label = 2, "Less than one day"
	case median < metWeek:
		b.Rank, b.Label = 3, "One day to one week"
	case median < metMonth:
		b.Rank, b.Label = 4, "One week to one month"
	case median < metSixMonths:
		b.Rank, b.Label = 5, "One to six months"
	default:
		b.Rank, b.Label = 6, "More than six months"
	}
	return b
}

// FrequencyBucket places n completed deployments over a window of the given
// length on DORA's Quick Check scale, by the mean time between deployments
// (window ÷ n, DORA's "time between deployments"). The Quick Check's top two
// answers overlap; "multiple deploys per day" wins, so:
//
//	every 12 h or more often         On demand (multiple deploys per day)
//	every 24 h or more often         Between once per hour and once per day
//	every week or more often         Between once per day and once per week
//	every month (730 h) or more      Between once per week and once per month
//	every six months or more often   Between once per month and once every six months
//	less often                       Less than once per six months
//
// No deployments (or an empty window) gives no bucket.
func FrequencyBucket(n int, window time.Duration) Bucket {
	if n <= 0 || window <= 0 {
		b := metNoBucket(ScaleQuickCheck)
		b.Label = "n/a: no deployments"
		return b
	}
	// window/n ≤ every  ⇔  window ≤ n·every  ⇔  ceil(window/every) ≤ n,
	// in integers so that no product overflows.
	atMost := func(every time.Duration) bool {
		return (window+every-1)/every <= time.Duration(n)
	}
	b := Bucket{Of: 6, Scale: ScaleQuickCheck}
	switch {
	case atMost(12 * time.Hour):
		b.Rank, b.Label = 1, "On demand (multiple deploys per day)"
	case atMost(metDay):
		b.Rank, b.Label = 2, "Between once per hour and once per day"
	case atMost(metWeek):
		b.Rank, b.Label = 3, "Between once per day and once per week"
	case atMost(metMonth):
		b.Rank, b.Label = 4, "Between once per week and once per month"
	case atMost(metSixMonths):
		b.Rank, b.Label = 5, "Between once per month and once every six months"
	default:
		b.Rank, b.Label = 6, "Less than once per six months"
	}
	return b
}

// ChangeFailBucket places a change fail rate on the Four Keys scale: up to
// 15% "0–15%", up to 45% "16–45%", above 45% "over 45%" (exact: 15% and 45%
// fall in the lower bucket). An invalid ratio gives no bucket.
func ChangeFailBucket(r Ratio) Bucket {
	if !r.Valid() {
		return metNoBucket(ScaleFourKeysCFR)
	}
	b := Bucket{Of: 3, Scale: ScaleFourKeysCFR}
	switch {
	case 100*r.Num <= 15*r.Den:
		b.Rank, b.Label = 1, "0–15%"
	case 100*r.Num <= 45*r.Den:
		b.Rank, b.Label = 2, "16–45%"
	default:
		b.Rank, b.Label = 3, "over 45%"
	}
	return b
}

// ReworkBucket is always "no bucket": DORA publishes none for deployment
// rework rate. The label says so when there is a rate to show.
func ReworkBucket(r Ratio) Bucket {
	b := metNoBucket(ScaleNoDORABucket)
	if r.Valid() {
		b.Label = "no DORA bucket"
	}
	return b
}

// Frequency is deployment frequency over the window.
type Frequency struct {
	Days                float64 // the window's length in days
	PerDay, PerWeek     float64 // completed deployments per day and per week
	DaysWithDeployments int     // distinct UTC dates with a completed deployment
	Bucket              Bucket
}

// DeploymentFailure is one failed deployment and why.
type DeploymentFailure struct {
	DeploymentID int64
	Service      string
	RolledBack   bool
	Incidents    []int64   // linked incidents that were SEV1/SEV2 at some point, by id
	Start        time.Time // the failure's start (see the package rules)
	RecoveredAt  time.Time // zero while not recovered
}

// Recovery is the failed deployment recovery time; ok is false while it has
// not recovered (or its times are inconsistent).
func (f DeploymentFailure) Recovery() (time.Duration, bool) {
	if f.RecoveredAt.IsZero() || f.Start.IsZero() || f.RecoveredAt.Before(f.Start) {
		return 0, false
	}
	return f.RecoveredAt.Sub(f.Start), true
}

// Metrics is the result of ComputeMetrics.
type Metrics struct {
	Window MetricsWindow

	// Deployments is the number of completed deployments in the window: the
	// deployment frequency numerator.
	Deployments         int
	DeploymentFrequency Frequency

	// LeadTime is commit → completion, one sample per commit (change).
	// Missing: completed deployments without a usable commit time.
	// LeadTimeBasis says what the samples are.
	LeadTime       Distribution
	LeadTimeBucket Bucket
	LeadTimeBasis  LeadTimeBasis

	// ChangeFailRate is failed ÷ deployments that reached production
	// (completed or rolled back). Failures lists them by deployment id.
	ChangeFailRate   Ratio
	ChangeFailBucket Bucket
	Failures         []DeploymentFailure

	// FailedDeploymentRecovery is each failure's Recovery. Missing: failed
	// deployments not recovered yet.
	FailedDeploymentRecovery       Distribution
	FailedDeploymentRecoveryBucket Bucket

	// MTTR is open → resolved for incidents resolved in the window. Missing:
	// incidents open at the window's end. MTTRMajor is the same for
	// incidents that were SEV1/SEV2 at some point.
	MTTR       Distribution
	MTTRBucket Bucket
	MTTRMajor  Distribution

	// ReworkRate is hotfix deployments ÷ deployments that reached
	// production; Hotfixes lists the hotfix deployment ids.
	ReworkRate   Ratio
	ReworkBucket Bucket
	Hotfixes     []int64

	// Weekly is the trend: one entry per week (Monday 00:00 UTC) that
	// overlaps the window, oldest first.
	Weekly []WeekStats
}

// LeadTimeUnit is what one lead time sample is: a commit (DORA's change).
const LeadTimeUnit = "commit"

// LeadTimeBasis describes the lead time samples: Changes (= LeadTime.N)
// commits from Deployments completed deployments, of which
// WithoutCommitList had no recorded commit list and counted their one
// commit time; SkippedCommits were committed at or after their deployment
// completed and are not counted.
type LeadTimeBasis struct {
	Unit              string // LeadTimeUnit
	Changes           int
	Deployments       int
	WithoutCommitList int
	SkippedCommits    int
}

// describe is "3h12m over 41 commits in 12 deployments" or "n/a".
func (b LeadTimeBasis) describe(d Distribution) string {
	if !d.Valid() {
		return "n/a"
	}
	return fmt.Sprintf("%s over %s in %s", FormatDurationShort(d.Median),
		metPlural(b.Changes, "commit", "commits"), metPlural(b.Deployments, "deployment", "deployments"))
}

// LeadTimeSummary is the per-change median with its unit, the same words on
// every screen: "per commit, median 3h12m over 41 commits in 12
// deployments", or "per commit: n/a (no commit times)".
func (m Metrics) LeadTimeSummary() string {
	if !m.LeadTime.Valid() {
		return "per commit: n/a (no commit times)"
	}
	return "per commit, median " + m.LeadTimeBasis.describe(m.LeadTime)
}

func metPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// WeekStats is one week of the trend. The first and last week may be cut by
// the window: From and To are the part of the week inside it.
type WeekStats struct {
	Start    time.Time // Monday 00:00 UTC
	From, To time.Time

	Deployments              int   // completed
	ChangeFailRate           Ratio // failures (Num) ÷ deployments that reached production (Den)
	ReworkRate               Ratio // hotfixes (Num) ÷ deployments that reached production (Den)
	LeadTime                 Distribution
	FailedDeploymentRecovery Distribution
	MTTR                     Distribution
}

// Partial reports whether the window cuts this week short.
func (w WeekStats) Partial() bool { return w.To.Sub(w.From) < metWeek }

// WeekStart is the Monday 00:00 UTC that starts t's week.
func WeekStart(t time.Time) time.Time {
	u := t.UTC()
	day := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	back := (int(day.Weekday()) + 6) % 7 // Monday → 0 … Sunday → 6
	return day.AddDate(0, 0, -back)
}

// metDeploy is one deployment that reached production, pre-digested.
type metDeploy struct {
	id        int64
	at        time.Time // FinishedAt
	completed bool
	leads     []time.Duration // one per change; empty when none is usable
	fromList  bool            // leads come from the recorded commit list
	skipped   int             // commits not before completion
	hotfix    bool
	failed    bool
	failure   DeploymentFailure
}

// metIncident is one incident in scope, pre-digested.
type metIncident struct {
	opened   time.Time
	resolved time.Time // zero while not resolved
	major    bool
}

// metPeakSeverity is the most severe level the incident ever had.
func metPeakSeverity(inc Incident) Severity {
	var peak Severity
	see := func(s Severity) {
		if s.Valid() && (peak == 0 || s < peak) {
			peak = s
		}
	}
	see(inc.Severity)
	for _, c := range inc.SeverityHistory {
		see(c.From)
		see(c.To)
	}
	return peak
}

func metResolvedAt(inc Incident) time.Time {
	return metResolved(inc.Status, inc.OpenedAt, inc.ResolvedAt)
}

// metResolved is when an incident with this status, opening and stored
// resolution time was resolved; zero while it is not (or the times are
// inconsistent).
func metResolved(status IncidentStatus, opened, resolved time.Time) time.Time {
	if status != IncidentResolved || resolved.IsZero() || resolved.Before(opened) {
		return time.Time{}
	}
	return resolved
}

func (w MetricsWindow) metCovers(d Deployment) bool {
	return w.metCoversScope(d.Service, d.Environment)
}

// metCoversScope reports whether a deployment of service to environment
// counts in w.
func (w MetricsWindow) metCoversScope(service, environment string) bool {
	env := strings.TrimSpace(environment)
	if env == "" {
		env = DefaultEnvironment
	}
	if !strings.EqualFold(env, w.Env()) {
		return false
	}
	svc := strings.TrimSpace(w.Service)
	return svc == "" || strings.EqualFold(strings.TrimSpace(service), svc)
}

func metIn(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// ComputeMetrics computes the delivery metrics of w from every deployment
// and incident the caller has (pass them all, not only the window's:
// incidents are matched to services through their linked deployments, and
// failures through incidents that may open after the window). The rules are
// in this file's header comment. An invalid window gives empty metrics.
func ComputeMetrics(deps []Deployment, incs []Incident, w MetricsWindow) Metrics {
	if w.Validate() != nil {
		return metInvalid(w)
	}
	from, to := w.From, w.To

	byID := make(map[int64]Deployment, len(deps))
	for _, d := range deps {
		byID[d.ID] = d
	}
	linked := make(map[int64][]Incident)
	for _, inc := range incs {
		if inc.DeploymentID != 0 {
			linked[inc.DeploymentID] = append(linked[inc.DeploymentID], inc)
		}
	}

	// Deployments that reached production in the window and scope.
	var recs []metDeploy
	for _, d := range deps {
		if !w.metCovers(d) || d.FinishedAt.IsZero() || !metIn(d.FinishedAt, from, to) {
			continue
		}
		if d.Status != StatusCompleted && d.Status != StatusRolledBack {
			continue
		}
		recs = append(recs, metDigest(d, linked[d.ID]))
	}
	slices.SortFunc(recs, func(a, b metDeploy) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id))
	})

	// Incidents in scope that matter to the window: opened before its end
	// and not resolved before its start.
	allServices := strings.TrimSpace(w.Service) == "" && strings.EqualFold(w.Env(), DefaultEnvironment)
	var mis []metIncident
	for _, inc := range incs {
		if d, ok := byID[inc.DeploymentID]; inc.DeploymentID != 0 && ok {
			if !w.metCovers(d) {
				continue
			}
		} else if !allServices {
			continue
		}
		if inc.OpenedAt.IsZero() || !inc.OpenedAt.Before(to) {
			continue
		}
		mi := metIncident{opened: inc.OpenedAt, resolved: metResolvedAt(inc), major: metPeakSeverity(inc).Major()}
		if !mi.resolved.IsZero() && mi.resolved.Before(from) {
			continue
		}
		mis = append(mis, mi)
	}

	m := metMetrics(w, metAggregate(recs, mis, from, to))
	for ws := WeekStart(from); ws.Before(to); ws = ws.AddDate(0, 0, 7) {
		a, b := metWeekBounds(ws, from, to)
		m.Weekly = append(m.Weekly, metWeekStats(ws, a, b, metAggregate(recs, mis, a, b)))
	}
	return m
}

// metInvalid is the metrics of a window that cannot hold anything: no
// numbers, no buckets.
func metInvalid(w MetricsWindow) Metrics {
	m := Metrics{Window: w}
	m.DeploymentFrequency.Bucket = FrequencyBucket(0, 0)
	m.LeadTimeBucket = DurationBucket(0, 0)
	m.ChangeFailBucket = ChangeFailBucket(Ratio{})
	m.FailedDeploymentRecoveryBucket = DurationBucket(0, 0)
	m.MTTRBucket = DurationBucket(0, 0)
	m.ReworkBucket = ReworkBucket(Ratio{})
	return m
}

// metMetrics is the metrics of window w from its aggregate, without the
// weekly trend.
func metMetrics(w MetricsWindow, agg metAgg) Metrics {
	from, to := w.From, w.To
	m := Metrics{Window: w}
	m.Deployments = agg.deployments
	days := to.Sub(from).Hours() / 24
	m.DeploymentFrequency = Frequency{
		Days:                days,
		PerDay:              float64(agg.deployments) / days,
		PerWeek:             float64(agg.deployments) / days * 7,
		DaysWithDeployments: agg.daysWith,
		Bucket:              FrequencyBucket(agg.deployments, to.Sub(from)),
	}
	m.LeadTime = agg.lead
	m.LeadTimeBucket = DurationBucket(m.LeadTime.Median, m.LeadTime.N)
	m.LeadTimeBasis = agg.leadBasis
	m.ChangeFailRate = agg.cfr
	m.ChangeFailBucket = ChangeFailBucket(m.ChangeFailRate)
	m.Failures = agg.failures
	m.FailedDeploymentRecovery = agg.recovery
	m.FailedDeploymentRecoveryBucket = DurationBucket(m.FailedDeploymentRecovery.Median, m.FailedDeploymentRecovery.N)
	m.MTTR = agg.mttr
	m.MTTRBucket = DurationBucket(m.MTTR.Median, m.MTTR.N)
	m.MTTRMajor = agg.mttrMajor
	m.ReworkRate = agg.rework
	m.ReworkBucket = ReworkBucket(m.ReworkRate)
	m.Hotfixes = agg.hotfixes
	return m
}

// metWeekBounds is the part [a, b) of the week starting ws inside [from, to).
func metWeekBounds(ws, from, to time.Time) (a, b time.Time) {
	a, b = ws, ws.AddDate(0, 0, 7)
	if a.Before(from) {
		a = from
	}
	if b.After(to) {
		b = to
	}
	return a, b
}

// metWeekStats is one week of the trend from its aggregate.
func metWeekStats(ws, a, b time.Time, wa metAgg) WeekStats {
	return WeekStats{
		Start: ws, From: a, To: b,
		Deployments:              wa.deployments,
		ChangeFailRate:           wa.cfr,
		ReworkRate:               wa.rework,
		LeadTime:                 wa.lead,
		FailedDeploymentRecovery: wa.recovery,
		MTTR:                     wa.mttr,
	}
}

// metDigest reads one deployment that reached production, with the
// incidents linked to it.
func metDigest(d Deployment, incs []Incident) metDeploy {
	r := metDeploy{id: d.ID, at: d.FinishedAt, completed: d.Status == StatusCompleted, hotfix: d.HotfixFor != 0}
	switch {
	case !r.completed:
	case len(d.Commits) > 0:
		r.fromList = true
		for _, c := range d.Commits {
			if !c.CommittedAt.IsZero() && d.FinishedAt.After(c.CommittedAt) {
				r.leads = append(r.leads, d.FinishedAt.Sub(c.CommittedAt))
			} else {
				r.skipped++
			}
		}
	case !d.CommittedAt.IsZero() && d.FinishedAt.After(d.CommittedAt):
		r.leads = []time.Duration{d.FinishedAt.Sub(d.CommittedAt)}
	}

	rolledBack := d.Status == StatusRolledBack
	var major []Incident
	for _, inc := range incs {
		if metPeakSeverity(inc).Major() {
			major = append(major, inc)
		}
	}
	if !rolledBack && len(major) == 0 {
		return r
	}
	slices.SortFunc(major, func(a, b Incident) int { return cmp.Compare(a.ID, b.ID) })

	f := DeploymentFailure{DeploymentID: d.ID, Service: d.Service, RolledBack: rolledBack}
	// When the change went out: completion, or for a rollback the start of
	// Deployment Execution (falling back to creation, then the rollback).
	start := d.FinishedAt
	if rolledBack {
		for _, t := range []time.Time{d.ExecutionAt, d.CreatedAt} {
			if !t.IsZero() {
				start = t
				break
			}
		}
	}
	recovered := time.Time{}
	if rolledBack {
		recovered = d.FinishedAt
	}
	allResolved := true
	for _, inc := range major {
		f.Incidents = append(f.Incidents, inc.ID)
		if !inc.OpenedAt.IsZero() && inc.OpenedAt.Before(start) {
			start = inc.OpenedAt
		}
		res := metResolvedAt(inc)
		if res.IsZero() {
			allResolved = false
			continue
		}
		if res.After(recovered) {
			recovered = res
		}
	}
	f.Start = start
	if allResolved {
		f.RecoveredAt = recovered
	}
	r.failed, r.failure = true, f
	return r
}

type metAgg struct {
	deployments, daysWith int
	leadBasis             LeadTimeBasis
	lead, recovery        Distribution
	mttr, mttrMajor       Distribution
	cfr, rework           Ratio
	failures              []DeploymentFailure
	hotfixes              []int64
}

// metAggregate sums up the deployments finished and incidents resolved in
// [from, to).
func metAggregate(recs []metDeploy, incs []metIncident, from, to time.Time) metAgg {
	var a metAgg
	var leads, recoveries []time.Duration
	leadMissing, recMissing := 0, 0
	days := map[time.Time]bool{}
	for _, r := range recs {
		if !metIn(r.at, from, to) {
			continue
		}
		a.cfr.Den++
		a.rework.Den++
		if r.completed {
			a.deployments++
			u := r.at.UTC()
			days[time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)] = true
			a.leadBasis.SkippedCommits += r.skipped
			if len(r.leads) > 0 {
				leads = append(leads, r.leads...)
				a.leadBasis.Deployments++
				if !r.fromList {
					a.leadBasis.WithoutCommitList++
				}
			} else {
				leadMissing++
			}
		}
		if r.hotfix {
			a.rework.Num++
			a.hotfixes = append(a.hotfixes, r.id)
		}
		if r.failed {
			a.cfr.Num++
			a.failures = append(a.failures, r.failure)
			if d, ok := r.failure.Recovery(); ok {
				recoveries = append(recoveries, d)
			} else {
				recMissing++
			}
		}
	}
	a.daysWith = len(days)
	slices.SortFunc(a.failures, func(x, y DeploymentFailure) int { return cmp.Compare(x.DeploymentID, y.DeploymentID) })
	slices.Sort(a.hotfixes)
	a.lead = metDistribution(leads, leadMissing)
	a.leadBasis.Unit, a.leadBasis.Changes = LeadTimeUnit, len(leads)
	a.recovery = metDistribution(recoveries, recMissing)

	var all, major []time.Duration
	open, openMajor := 0, 0
	for _, inc := range incs {
		switch {
		case !inc.resolved.IsZero() && metIn(inc.resolved, from, to):
			all = append(all, inc.resolved.Sub(inc.opened))
			if inc.major {
				major = append(major, inc.resolved.Sub(inc.opened))
			}
		case inc.opened.Before(to) && (inc.resolved.IsZero() || !inc.resolved.Before(to)):
			open++
			if inc.major {
				openMajor++
			}
		}
	}
	a.mttr = metDistribution(all, open)
	a.mttrMajor = metDistribution(major, openMajor)
	return a
}

// ParseSince reads the start of a metrics window: a bare "30d", "12w",
// "24h" or "1y" means that long before now (a window reads as "the last 30
// days"; "m" alone is refused as ambiguous, minutes or months?), anything
// else is ParseTime's grammar ("2026-01-01" is 00:00 in loc). The start
// must be before now.
func ParseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	now = now.Round(0).UTC()
	in := strings.ToLower(strings.TrimSpace(s))
	var t time.Time
	switch d, ok := parseAgo(in); {
	case in == "m" || in == "mo" || ok && strings.HasSuffix(in, "m") || strings.HasSuffix(in, "mo"):
		return time.Time{}, fmt.Errorf("%q is ambiguous (minutes or months?): use days or weeks, e.g. 90d or 12w, or -30m for minutes", strings.TrimSpace(s))
	case ok && d == 0:
		return time.Time{}, fmt.Errorf("%q is an empty window: give at least 1d", strings.TrimSpace(s))
	case ok:
		t = now.Add(-d)
	default:
		var err error
		if t, err = ParseTime(s, now, loc); err != nil {
			return time.Time{}, err
		}
	}
	if !t.Before(now) {
		return time.Time{}, fmt.Errorf("--since %s is not in the past (it is %s now): the window starts at a past time",
			strings.TrimSpace(s), now.Format("2006-01-02 15:04 MST"))
	}
	return t, nil
}

// ParseUntil reads the end of a metrics window in ParseTime's grammar
// ("now" when empty). It may be in the future: the window then simply
// holds nothing after now.
func ParseUntil(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return now.Round(0).UTC(), nil
	}
	return ParseTime(s, now, loc)
}
