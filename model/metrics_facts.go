package model

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"
)

// MetricsFacts is the history as the delivery metrics read it: one small
// record per deployment that reached production and per incident, holding
// only what a rule in metrics.go reads (no checklist, no text but the
// service and environment names). Compute gives exactly what ComputeMetrics
// gives on the full deployments and incidents, by the same rules, in time
// proportional to the window rather than to the history: deployments are
// kept in finishing order, so a window is a range of them, and the weekly
// trend is one pass over that range instead of one pass per week.
//
// Facts are immutable once made (NewMetricsFacts): several goroutines may
// call Compute at once, and a store refreshes them by making new ones.
type MetricsFacts struct {
	scopes    []MetricsScope
	deploys   []DeployFact   // by FinishedAt, then ID
	incidents []IncidentFact // by ID
	// major maps a deployment id to its incidents that were SEV1/SEV2 at
	// some point (indices into incidents, by incident id): its failure.
	major map[int64][]int32
}

// MetricsScope is one service in one environment, the names as stored.
type MetricsScope struct{ Service, Environment string }

// DeployFact is one deployment that reached production — completed or
// rolled back, with a finish time — as the metrics read it.
type DeployFact struct {
	ID         int64
	Scope      int  // index into the facts' scopes
	RolledBack bool // else completed
	HotfixFor  int64
	// When it was created, began Deployment Execution and finished (a
	// rollback's change went out at execution, else creation).
	CreatedAt, ExecutionAt, FinishedAt time.Time
	// CommittedAt is the deployed commit's time, the one change of a
	// deployment recorded without a commit list.
	CommittedAt time.Time
	// Commits are the committer dates of the commits it shipped; empty when
	// no commit list was recorded.
	Commits []time.Time
}

// IncidentFact is one incident as the metrics read it.
type IncidentFact struct {
	ID           int64
	DeploymentID int64 // 0: not linked
	// Scope is the linked deployment's scope (index into the facts'
	// scopes); -1 when it is not linked or the deployment is not known.
	Scope                int
	Status               IncidentStatus
	OpenedAt, ResolvedAt time.Time // ResolvedAt as stored
	// Peak is the most severe level it ever had: see SeeSeverity.
	Peak Severity
}

// SeeSeverity records that the incident was at s at some point of its life
// (at opening, now, or either side of a change); Peak keeps the most severe.
func (f *IncidentFact) SeeSeverity(s Severity) {
	if s.Valid() && (f.Peak == 0 || s < f.Peak) {
		f.Peak = s
	}
}

// NewMetricsFacts makes facts from scopes, every deployment that can bear
// on the windows asked (those finished in them) and every incident that can
// (opened before a window's end and not resolved before its start, or linked
// to one of those deployments) — more do no harm. It takes ownership of the
// slices and sorts them.
func NewMetricsFacts(scopes []MetricsScope, deploys []DeployFact, incidents []IncidentFact) *MetricsFacts {
	byFinish := func(a, b DeployFact) int {
		return cmp.Or(a.FinishedAt.Compare(b.FinishedAt), cmp.Compare(a.ID, b.ID))
	}
	if !slices.IsSortedFunc(deploys, byFinish) {
		slices.SortFunc(deploys, byFinish)
	}
	byID := func(a, b IncidentFact) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(incidents, byID) {
		slices.SortStableFunc(incidents, byID)
	}
	f := &MetricsFacts{scopes: scopes, deploys: deploys, incidents: incidents, major: map[int64][]int32{}}
	for i, inc := range incidents {
		if inc.DeploymentID != 0 && inc.Peak.Major() {
			f.major[inc.DeploymentID] = append(f.major[inc.DeploymentID], int32(i))
		}
	}
	return f
}

// Scopes, Deploys and Incidents are the facts, for a store that refreshes
// them: read-only.
func (f *MetricsFacts) Scopes() []MetricsScope    { return f.scopes }
func (f *MetricsFacts) Deploys() []DeployFact     { return f.deploys }
func (f *MetricsFacts) Incidents() []IncidentFact { return f.incidents }
func (f *MetricsFacts) scopeCovered(w MetricsWindow) []bool {
	covers := make([]bool, len(f.scopes))
	for i, sc := range f.scopes {
		covers[i] = w.metCoversScope(sc.Service, sc.Environment)
	}
	return covers
}

// factWeek is one week of the trend while it is summed up.
type factWeek struct {
	start, from, to         time.Time
	agg                     metAgg
	leadMissing, recMissing int
	leadLo, recLo           int // where its samples start among the window's
}

// Compute is ComputeMetrics(every deployment and incident, w) on the facts.
func (f *MetricsFacts) Compute(w MetricsWindow) Metrics {
	if w.Validate() != nil {
		return metInvalid(w)
	}
	from, to := w.From, w.To
	covers := f.scopeCovered(w)
	allServices := strings.TrimSpace(w.Service) == "" && strings.EqualFold(w.Env(), DefaultEnvironment)

	var weeks []factWeek
	for ws := WeekStart(from); ws.Before(to); ws = ws.AddDate(0, 0, 7) {
		a, b := metWeekBounds(ws, from, to)
		weeks = append(weeks, factWeek{start: ws, from: a, to: b})
	}

	// Deployments finished in the window, in finishing order: each week's
	// samples are one run of leads and recoveries.
	var total metAgg
	var leads, recoveries []time.Duration
	leadMissing, recMissing := 0, 0
	lastDay, haveDay := int64(0), false
	wk := 0
	lo := sort.Search(len(f.deploys), func(i int) bool { return !f.deploys[i].FinishedAt.Before(from) })
	for i := lo; i < len(f.deploys) && f.deploys[i].FinishedAt.Before(to); i++ {
		d := &f.deploys[i]
		if !covers[d.Scope] {
			continue
		}
		for !d.FinishedAt.Before(weeks[wk].to) {
			wk++
			weeks[wk].leadLo, weeks[wk].recLo = len(leads), len(recoveries)
		}
		week := &weeks[wk]
		week.agg.cfr.Den++
		week.agg.rework.Den++
		total.cfr.Den++
		total.rework.Den++
		if !d.RolledBack {
			week.agg.deployments++
			total.deployments++
			if day := metUTCDay(d.FinishedAt); !haveDay || day != lastDay {
				total.daysWith++
				lastDay, haveDay = day, true
			}
			n := len(leads)
			switch {
			case len(d.Commits) > 0:
				for _, c := range d.Commits {
					if !c.IsZero() && d.FinishedAt.After(c) {
						leads = append(leads, d.FinishedAt.Sub(c))
					} else {
						total.leadBasis.SkippedCommits++
					}
				}
			case !d.CommittedAt.IsZero() && d.FinishedAt.After(d.CommittedAt):
				leads = append(leads, d.FinishedAt.Sub(d.CommittedAt))
			}
			if len(leads) > n {
				total.leadBasis.Deployments++
				if len(d.Commits) == 0 {
					total.leadBasis.WithoutCommitList++
				}
			} else {
				week.leadMissing++
				leadMissing++
			}
		}
		if d.HotfixFor != 0 {
			week.agg.rework.Num++
			total.rework.Num++
			total.hotfixes = append(total.hotfixes, d.ID)
		}
		major := f.major[d.ID]
		if !d.RolledBack && len(major) == 0 {
			continue
		}
		fl := f.failure(d, major)
		week.agg.cfr.Num++
		total.cfr.Num++
		total.failures = append(total.failures, fl)
		if r, ok := fl.Recovery(); ok {
			recoveries = append(recoveries, r)
		} else {
			week.recMissing++
			recMissing++
		}
	}
	for j := wk + 1; j < len(weeks); j++ {
		weeks[j].leadLo, weeks[j].recLo = len(leads), len(recoveries)
	}
	for j := range weeks {
		leadHi, recHi := len(leads), len(recoveries)
		if j+1 < len(weeks) {
			leadHi, recHi = weeks[j+1].leadLo, weeks[j+1].recLo
		}
		run := leads[weeks[j].leadLo:leadHi]
		slices.Sort(run)
		weeks[j].agg.lead = metDistributionSorted(run, weeks[j].leadMissing)
		run = recoveries[weeks[j].recLo:recHi]
		slices.Sort(run)
		weeks[j].agg.recovery = metDistributionSorted(run, weeks[j].recMissing)
	}
	slices.Sort(leads)
	slices.Sort(recoveries)
	total.lead = metDistributionSorted(leads, leadMissing)
	total.leadBasis.Unit, total.leadBasis.Changes = LeadTimeUnit, len(leads)
	total.recovery = metDistributionSorted(recoveries, recMissing)
	slices.SortFunc(total.failures, func(x, y DeploymentFailure) int { return cmp.Compare(x.DeploymentID, y.DeploymentID) })
	slices.Sort(total.hotfixes)

	f.incidentMetrics(w, covers, allServices, weeks, &total)

	m := metMetrics(w, total)
	m.Weekly = make([]WeekStats, len(weeks))
	for j, week := range weeks {
		m.Weekly[j] = metWeekStats(week.start, week.from, week.to, week.agg)
	}
	return m
}

// incidentMetrics sums up MTTR over the window and its weeks: the incidents
// in scope opened before the window's end and not resolved before its start.
// An incident is open at a week's end b when it opened before b and was not
// resolved before b: for each week that is (opened before b) − (resolved
// before b), every resolution being after its opening.
func (f *MetricsFacts) incidentMetrics(w MetricsWindow, covers []bool, allServices bool, weeks []factWeek, total *metAgg) {
	from, to := w.From, w.To
	type sample struct {
		at    time.Time
		d     time.Duration
		major bool
	}
	var samples []sample
	var opened, openedMajor, resolved, resolvedMajor []time.Time
	for i := range f.incidents {
		inc := &f.incidents[i]
		if inc.Scope >= 0 {
			if !covers[inc.Scope] {
				continue
			}
		} else if !allServices {
			continue
		}
		if inc.OpenedAt.IsZero() || !inc.OpenedAt.Before(to) {
			continue
		}
		res := metResolved(inc.Status, inc.OpenedAt, inc.ResolvedAt)
		if !res.IsZero() && res.Before(from) {
			continue
		}
		major := inc.Peak.Major()
		opened = append(opened, inc.OpenedAt)
		if major {
			openedMajor = append(openedMajor, inc.OpenedAt)
		}
		if res.IsZero() || !res.Before(to) {
			continue
		}
		resolved = append(resolved, res)
		if major {
			resolvedMajor = append(resolvedMajor, res)
		}
		samples = append(samples, sample{at: res, d: res.Sub(inc.OpenedAt), major: major})
	}
	byTime := func(a, b time.Time) int { return a.Compare(b) }
	for _, ts := range [][]time.Time{opened, openedMajor, resolved, resolvedMajor} {
		slices.SortFunc(ts, byTime)
	}
	openAt := func(opened, resolved []time.Time, b time.Time) int {
		before := func(ts []time.Time) int {
			return sort.Search(len(ts), func(i int) bool { return !ts[i].Before(b) })
		}
		return before(opened) - before(resolved)
	}

	slices.SortFunc(samples, func(a, b sample) int { return a.at.Compare(b.at) })
	all := make([]time.Duration, 0, len(samples))
	var major []time.Duration
	for _, s := range samples {
		all = append(all, s.d)
		if s.major {
			major = append(major, s.d)
		}
	}
	// Each week's samples are one run of all (resolutions in time order).
	k := 0
	for j := range weeks {
		lo := k
		for k < len(samples) && samples[k].at.Before(weeks[j].to) {
			k++
		}
		run := slices.Clone(all[lo:k])
		slices.Sort(run)
		weeks[j].agg.mttr = metDistributionSorted(run, openAt(opened, resolved, weeks[j].to))
	}
	slices.Sort(all)
	slices.Sort(major)
	total.mttr = metDistributionSorted(all, openAt(opened, resolved, to))
	total.mttrMajor = metDistributionSorted(major, openAt(openedMajor, resolvedMajor, to))
}

// failure is deployment d's failure, given its SEV1/SEV2 incidents (by id):
// metDigest's rules.
func (f *MetricsFacts) failure(d *DeployFact, major []int32) DeploymentFailure {
	fl := DeploymentFailure{DeploymentID: d.ID, Service: f.scopes[d.Scope].Service, RolledBack: d.RolledBack}
	start := d.FinishedAt
	if d.RolledBack {
		for _, t := range []time.Time{d.ExecutionAt, d.CreatedAt} {
			if !t.IsZero() {
				start = t
				break
			}
		}
	}
	recovered := time.Time{}
	if d.RolledBack {
		recovered = d.FinishedAt
	}
	allResolved := true
	for _, i := range major {
		inc := &f.incidents[i]
		fl.Incidents = append(fl.Incidents, inc.ID)
		if !inc.OpenedAt.IsZero() && inc.OpenedAt.Before(start) {
			start = inc.OpenedAt
		}
		res := metResolved(inc.Status, inc.OpenedAt, inc.ResolvedAt)
		if res.IsZero() {
			allResolved = false
			continue
		}
		if res.After(recovered) {
			recovered = res
		}
	}
	fl.Start = start
	if allResolved {
		fl.RecoveredAt = recovered
	}
	return fl
}

// metUTCDay numbers t's UTC date: days since 1970-01-01.
func metUTCDay(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}
