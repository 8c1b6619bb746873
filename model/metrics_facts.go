package model

import (
	"cmp"
	"math"
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
// proportional to the window rather than to the history: what does not
// depend on the window (each deployment's lead times and failure, each
// incident's time to restore) is worked out once, in NewMetricsFacts;
// deployments are kept in finishing order and incidents by scope and time,
// so a window is a few ranges of them, and the weekly trend is one pass over
// those ranges instead of one pass per week.
//
// Times are unix milliseconds, the store's resolution (NoTime when there is
// none): a year at ten times the demo's size is about 8 MB of facts, with no
// pointer for the collector to follow but the commit lists.
//
// Facts are immutable once made: several goroutines may call Compute at
// once, and a store refreshes them by making new ones.
type MetricsFacts struct {
	scopes    []MetricsScope
	deploys   []DeployFact   // by FinishedAt, then ID
	incidents []IncidentFact // by ID

	digests  []factDigest    // per deployment, in the same order
	leads    []time.Duration // every deployment's lead times, in its order
	failures []factFailure   // the failed deployments'
	// Incidents per scope (the last: not linked to a known deployment).
	restores [][]factRestore // the resolved ones' times to restore, by resolution
	resolved [][2][]int64    // resolutions of all and of SEV1/SEV2, sorted
	opened   [][2][]int64    // openings of all and of SEV1/SEV2, sorted
}

// NoTime is a fact's time that is not there ("not yet", or never set): the
// zero time.Time's millisecond, so that comparing fact times compares the
// times ComputeMetrics compares, the zero time included.
var NoTime = time.Time{}.UnixMilli()

// MetricsScope is one service in one environment, the names as stored.
type MetricsScope struct{ Service, Environment string }

// DeployFact is one deployment that reached production — completed or
// rolled back, with a finish time — as the metrics read it. Times are unix
// milliseconds, NoTime for none.
type DeployFact struct {
	ID        int64
	HotfixFor int64
	// When it was created, began Deployment Execution and finished (a
	// rollback's change went out at execution, else creation).
	CreatedAt, ExecutionAt, FinishedAt int64
	// CommittedAt is the deployed commit's time, the one change of a
	// deployment recorded without a commit list.
	CommittedAt int64
	// Commits are the committer dates of the commits it shipped; empty when
	// no commit list was recorded.
	Commits    []int64
	Scope      int32 // index into the facts' scopes
	RolledBack bool  // else completed
}

// IncidentFact is one incident as the metrics read it. Times are unix
// milliseconds, NoTime for none.
type IncidentFact struct {
	ID           int64
	DeploymentID int64 // 0: not linked
	OpenedAt     int64
	ResolvedAt   int64 // as stored, whatever the status
	// Scope is the linked deployment's scope (index into the facts'
	// scopes); -1 when it is not linked or the deployment is not known.
	Scope    int32
	Resolved bool // its status is resolved
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

// FactTime is a time as facts keep it (exact for whole milliseconds).
func FactTime(t time.Time) int64 { return t.UnixMilli() }

// factTime is the time of a fact: time.UnixMilli in UTC, as the store makes
// its times (NoTime is the zero time), so that what Compute returns is what
// ComputeMetrics returns.
func factTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// factSub is factTime(a).Sub(factTime(b)): in whole milliseconds, unless
// that is beyond a Duration's range, where Sub saturates.
func factSub(a, b int64) time.Duration {
	const most = int64(math.MaxInt64 / int64(time.Millisecond))
	if d := a - b; d <= most && d >= -most && (a >= b) == (d >= 0) {
		return time.Duration(d) * time.Millisecond
	}
	return factTime(a).Sub(factTime(b))
}

// ceilMS is the first millisecond at or after t: for a fact time ms,
// factTime(ms) ≥ t exactly when ms ≥ ceilMS(t), and factTime(ms) < t when
// ms < ceilMS(t).
func ceilMS(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

// factDigest is what one deployment brings to any window it is in.
type factDigest struct {
	leadLo, leadHi int32 // its lead times: leads[leadLo:leadHi]
	skipped        int32 // commits not before completion
	failure        int32 // index into failures; -1: it did not fail
}

type factFailure struct {
	DeploymentFailure
	recovery  time.Duration
	recovered bool
}

// factRestore is one resolved incident's time to restore.
type factRestore struct {
	at    int64 // resolved
	d     time.Duration
	major bool
}

// NewMetricsFacts makes facts from scopes, every deployment that can bear
// on the windows asked (those finished in them) and every incident that can
// (opened before a window's end and not resolved before its start, or linked
// to one of those deployments) — more do no harm. It takes ownership of the
// slices and sorts them in place.
func NewMetricsFacts(scopes []MetricsScope, deploys []DeployFact, incidents []IncidentFact) *MetricsFacts {
	sortByFinish(deploys)
	byID := func(a, b IncidentFact) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(incidents, byID) {
		slices.SortStableFunc(incidents, byID)
	}
	f := &MetricsFacts{scopes: scopes, deploys: deploys, incidents: incidents}

	// A deployment's SEV1/SEV2 incidents, by incident id: its failure.
	major := map[int64][]int32{}
	for i, inc := range incidents {
		if inc.DeploymentID != 0 && inc.Peak.Major() {
			major[inc.DeploymentID] = append(major[inc.DeploymentID], int32(i))
		}
	}
	n := 0
	for i := range deploys {
		if !deploys[i].RolledBack {
			n += max(len(deploys[i].Commits), 1)
		}
	}
	f.leads = make([]time.Duration, 0, n)
	f.digests = make([]factDigest, len(deploys))
	for i := range deploys {
		d := &deploys[i]
		dg := factDigest{leadLo: int32(len(f.leads)), failure: -1}
		switch {
		case d.RolledBack:
		case len(d.Commits) > 0:
			for _, c := range d.Commits {
				if c != NoTime && d.FinishedAt > c {
					f.leads = append(f.leads, factSub(d.FinishedAt, c))
				} else {
					dg.skipped++
				}
			}
		case d.CommittedAt != NoTime && d.FinishedAt > d.CommittedAt:
			f.leads = append(f.leads, factSub(d.FinishedAt, d.CommittedAt))
		}
		dg.leadHi = int32(len(f.leads))
		if m := major[d.ID]; d.RolledBack || len(m) > 0 {
			fl := factFailure{DeploymentFailure: f.failure(d, m)}
			fl.recovery, fl.recovered = fl.Recovery()
			dg.failure = int32(len(f.failures))
			f.failures = append(f.failures, fl)
		}
		f.digests[i] = dg
	}

	// Incidents by scope (the last: not linked to a known deployment): their
	// restores by resolution time, their openings and resolutions sorted.
	k := len(scopes) + 1
	f.restores = make([][]factRestore, k)
	f.opened = make([][2][]int64, k)
	f.resolved = make([][2][]int64, k)
	for i := range incidents {
		inc := &incidents[i]
		if inc.OpenedAt == NoTime {
			continue
		}
		sc := int(inc.Scope)
		if sc < 0 || sc >= len(scopes) {
			sc = len(scopes)
		}
		major := inc.Peak.Major()
		f.opened[sc][0] = append(f.opened[sc][0], inc.OpenedAt)
		if major {
			f.opened[sc][1] = append(f.opened[sc][1], inc.OpenedAt)
		}
		res := inc.resolvedAt()
		if res == NoTime {
			continue
		}
		f.resolved[sc][0] = append(f.resolved[sc][0], res)
		if major {
			f.resolved[sc][1] = append(f.resolved[sc][1], res)
		}
		f.restores[sc] = append(f.restores[sc], factRestore{at: res, d: factSub(res, inc.OpenedAt), major: major})
	}
	for sc := range k {
		for j := range 2 {
			slices.Sort(f.opened[sc][j])
			slices.Sort(f.resolved[sc][j])
		}
		// Restores resolved at the same millisecond fall in the same week,
		// whose samples are sorted: their order does not matter.
		slices.SortFunc(f.restores[sc], func(a, b factRestore) int { return cmp.Compare(a.at, b.at) })
	}
	return f
}

// resolvedAt is metResolved on the fact: when it was resolved, or NoTime
// while it is not (or its times are inconsistent).
func (f *IncidentFact) resolvedAt() int64 {
	if !f.Resolved || f.ResolvedAt == NoTime || f.ResolvedAt < f.OpenedAt {
		return NoTime
	}
	return f.ResolvedAt
}

// sortByFinish orders deploys by FinishedAt, then ID, in place. A store
// reads them in table order: sorting small keys and then moving each fact
// once (following the permutation's cycles) is several times faster than
// sorting the facts themselves, and needs no second array.
func sortByFinish(deploys []DeployFact) {
	type key struct {
		at, id int64
		i      int
	}
	byKey := func(a, b key) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id)) }
	keys := make([]key, len(deploys))
	for i := range deploys {
		keys[i] = key{deploys[i].FinishedAt, deploys[i].ID, i}
	}
	if slices.IsSortedFunc(keys, byKey) {
		return
	}
	slices.SortFunc(keys, byKey)
	// Position j is to hold deploys[keys[j].i].
	for start := range keys {
		if keys[start].i == start || keys[start].i < 0 {
			continue
		}
		hold := deploys[start]
		j := start
		for {
			src := keys[j].i
			keys[j].i = -1
			if src == start {
				deploys[j] = hold
				break
			}
			deploys[j] = deploys[src]
			j = src
		}
	}
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
	end                     int64 // ceilMS(to): facts before it are before to
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

	var weeks []factWeek
	for ws := WeekStart(from); ws.Before(to); ws = ws.AddDate(0, 0, 7) {
		a, b := metWeekBounds(ws, from, to)
		weeks = append(weeks, factWeek{start: ws, from: a, to: b, end: ceilMS(b)})
	}

	// Deployments finished in the window, in finishing order: each week's
	// samples are one run of leads and recoveries.
	first, end := ceilMS(from), ceilMS(to)
	lo := sort.Search(len(f.deploys), func(i int) bool { return f.deploys[i].FinishedAt >= first })
	hi := lo + sort.Search(len(f.deploys)-lo, func(i int) bool { return f.deploys[lo+i].FinishedAt >= end })
	var total metAgg
	leads := make([]time.Duration, 0, f.leadOffset(hi)-f.leadOffset(lo))
	var recoveries []time.Duration
	leadMissing, recMissing := 0, 0
	lastDay, haveDay := int64(0), false
	wk := 0
	for i := lo; i < hi; i++ {
		d, dg := &f.deploys[i], f.digests[i]
		if !covers[d.Scope] {
			continue
		}
		for d.FinishedAt >= weeks[wk].end {
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
			total.leadBasis.SkippedCommits += int(dg.skipped)
			if dg.leadHi > dg.leadLo {
				leads = append(leads, f.leads[dg.leadLo:dg.leadHi]...)
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
		if dg.failure < 0 {
			continue
		}
		fl := &f.failures[dg.failure]
		week.agg.cfr.Num++
		total.cfr.Num++
		total.failures = append(total.failures, fl.DeploymentFailure)
		if fl.recovered {
			recoveries = append(recoveries, fl.recovery)
		} else {
			week.recMissing++
			recMissing++
		}
	}
	for j := wk + 1; j < len(weeks); j++ {
		weeks[j].leadLo, weeks[j].recLo = len(leads), len(recoveries)
	}
	leadRuns, recRuns := make([]int, 0, len(weeks)+1), make([]int, 0, len(weeks)+1)
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
		leadRuns, recRuns = append(leadRuns, weeks[j].leadLo), append(recRuns, weeks[j].recLo)
	}
	// Each week is a sorted run now: the window's samples are the runs
	// merged (half the work of sorting them again).
	leads = mergeRuns(leads, append(leadRuns, len(leads)))
	recoveries = mergeRuns(recoveries, append(recRuns, len(recoveries)))
	total.lead = metDistributionSorted(leads, leadMissing)
	total.leadBasis.Unit, total.leadBasis.Changes = LeadTimeUnit, len(leads)
	total.recovery = metDistributionSorted(recoveries, recMissing)
	slices.SortFunc(total.failures, func(x, y DeploymentFailure) int { return cmp.Compare(x.DeploymentID, y.DeploymentID) })
	slices.Sort(total.hotfixes)

	allServices := strings.TrimSpace(w.Service) == "" && strings.EqualFold(w.Env(), DefaultEnvironment)
	f.incidentMetrics(first, end, append(covers, allServices), weeks, &total)

	m := metMetrics(w, total)
	m.Weekly = make([]WeekStats, len(weeks))
	for j, week := range weeks {
		m.Weekly[j] = metWeekStats(week.start, week.from, week.to, week.agg)
	}
	return m
}

// mergeRuns sorts s, made of sorted runs starting at the offsets in bounds
// (ascending, the last being len(s)), by merging neighbouring runs until one
// is left; it may return a new slice.
func mergeRuns(s []time.Duration, bounds []int) []time.Duration {
	buf := make([]time.Duration, len(s))
	for len(bounds) > 2 {
		next := bounds[:0:0]
		for i := 0; i+1 < len(bounds); i += 2 {
			lo, mid, hi := bounds[i], bounds[i+1], len(s)
			if i+2 < len(bounds) {
				hi = bounds[i+2]
			}
			a, b, out := lo, mid, lo
			for a < mid && b < hi {
				if s[b] < s[a] {
					buf[out] = s[b]
					b++
				} else {
					buf[out] = s[a]
					a++
				}
				out++
			}
			out += copy(buf[out:], s[a:mid])
			copy(buf[out:], s[b:hi])
			next = append(next, lo)
		}
		next = append(next, len(s))
		s, buf = buf, s
		bounds = next
	}
	return s
}

// leadOffset is where deployment i's lead times start in f.leads.
func (f *MetricsFacts) leadOffset(i int) int {
	if i < len(f.digests) {
		return int(f.digests[i].leadLo)
	}
	return len(f.leads)
}

// incidentMetrics sums up MTTR over the window [first, end) (in ceilMS) and
// its weeks, for the scopes counted (the last: incidents not linked to a
// known deployment). The samples are the incidents resolved in it, whenever
// they opened. An incident is open at the end b of a week (or of the window)
// when it opened before b and was not resolved before b: that is (opened
// before b) − (resolved before b), every resolution being after its opening
// — whatever the window, so these are counts over sorted times.
func (f *MetricsFacts) incidentMetrics(first, end int64, counted []bool, weeks []factWeek, total *metAgg) {
	before := func(ts []int64, b int64) int {
		return sort.Search(len(ts), func(i int) bool { return ts[i] >= b })
	}
	openAt := func(b int64, major int) int {
		n := 0
		for sc, ok := range counted {
			if ok {
				n += before(f.opened[sc][major], b) - before(f.resolved[sc][major], b)
			}
		}
		return n
	}
	// Each scope's restores in the window, then each week's part of them.
	inWindow := make([][]factRestore, len(counted))
	n := 0
	for sc, ok := range counted {
		if !ok {
			continue
		}
		rs := f.restores[sc]
		lo := sort.Search(len(rs), func(i int) bool { return rs[i].at >= first })
		hi := lo + sort.Search(len(rs)-lo, func(i int) bool { return rs[lo+i].at >= end })
		inWindow[sc] = rs[lo:hi]
		n += hi - lo
	}
	all := make([]time.Duration, 0, n)
	var major []time.Duration
	for j := range weeks {
		lo := len(all)
		for sc, rs := range inWindow {
			k := sort.Search(len(rs), func(i int) bool { return rs[i].at >= weeks[j].end })
			for _, r := range rs[:k] {
				all = append(all, r.d)
				if r.major {
					major = append(major, r.d)
				}
			}
			inWindow[sc] = rs[k:]
		}
		run := slices.Clone(all[lo:])
		slices.Sort(run)
		weeks[j].agg.mttr = metDistributionSorted(run, openAt(weeks[j].end, 0))
	}
	slices.Sort(all)
	slices.Sort(major)
	total.mttr = metDistributionSorted(all, openAt(end, 0))
	total.mttrMajor = metDistributionSorted(major, openAt(end, 1))
}

// failure is deployment d's failure, given its SEV1/SEV2 incidents (by id):
// metDigest's rules.
func (f *MetricsFacts) failure(d *DeployFact, major []int32) DeploymentFailure {
	fl := DeploymentFailure{DeploymentID: d.ID, Service: f.scopes[d.Scope].Service, RolledBack: d.RolledBack}
	start := d.FinishedAt
	if d.RolledBack {
		for _, t := range []int64{d.ExecutionAt, d.CreatedAt} {
			if t != NoTime {
				start = t
				break
			}
		}
	}
	recovered := NoTime
	if d.RolledBack {
		recovered = d.FinishedAt
	}
	allResolved := true
	for _, i := range major {
		inc := &f.incidents[i]
		fl.Incidents = append(fl.Incidents, inc.ID)
		if inc.OpenedAt != NoTime && inc.OpenedAt < start {
			start = inc.OpenedAt
		}
		res := inc.resolvedAt()
		if res == NoTime {
			allResolved = false
			continue
		}
		if res > recovered {
			recovered = res
		}
	}
	fl.Start = factTime(start)
	if allResolved {
		fl.RecoveredAt = factTime(recovered)
	}
	return fl
}

// metUTCDay numbers the UTC date of ms: days since 1970-01-01.
func metUTCDay(ms int64) int64 {
	d := ms / 86_400_000
	if ms%86_400_000 < 0 {
		d--
	}
	return d
}
