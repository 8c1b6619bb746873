package demo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// gen plans (phase 1: who deploys what when, which incidents follow, as
// offsets) and then builds (phase 2: rows and event texts at final times,
// ids assigned in time order).
type gen struct {
	r       *rand.Rand
	opt     Options
	rule    model.RollbackRule     // the store's: it decides as the store would
	policy  model.EscalationPolicy // the store's: due notes, escalation roles
	now     time.Time
	start   time.Time // first day of the history, 00:00 UTC
	horizon time.Time // nothing of the history happens after this
	days    int
	cum     []float64 // cumulative weights of deployment days

	tpl       model.Template
	items     []model.Item
	pre, exec []int          // item indexes of those phases, in order
	rbItem    map[string]int // Rollback item index by text
	plans     map[model.Strategy]model.Plan

	deps []*gDeploy
	incs []*gIncident
	seq  int
}

// gDeploy is one planned deployment; every duration is an offset from
// created, so moving a deployment (out of a change freeze) moves it whole.
type gDeploy struct {
	seq      int
	id       int64
	svc      *demoService
	env      string
	strategy model.Strategy
	outcome  model.Status // completed, rolled_back or aborted
	created  time.Time
	hotfix   *gIncident   // the incident it fixes
	causes   []*gIncident // incidents it caused
	override string       // freeze override reason kind: "" none, "hotfix", "other"
	base     bool         // a regular planned change (may be moved or dropped)

	execAt   time.Duration // when Deployment Execution started (0: never)
	stages   []gStage      // stages run to their end
	abortAt  time.Duration // rolled back: the rollout was aborted
	verifyAt time.Duration // rolled back: "Verify previous version" ticked
	doneAt   time.Duration // finished: completed, rolled back or aborted
	gateOpen int           // Pre-Deployment items left open (override)

	// phase 2
	version, sha string
	committed    time.Time
	startedBy    string
	runner       string    // who works the checklist
	trigger      time.Time // rolled back: when the rollback criteria were met
}

type gStage struct {
	start, pauseAt, pauseFor, end time.Duration
}

func (d *gDeploy) at(off time.Duration) time.Time { return d.created.Add(off) }
func (d *gDeploy) finished() time.Time            { return d.created.Add(d.doneAt) }

// gIncident is one planned incident, in absolute times.
type gIncident struct {
	seq      int
	id       int64
	svc      *demoService
	title    string
	sev0     model.Severity
	change   *gSevChange
	opened   time.Time
	mitig    time.Time // zero: never mitigated before resolving
	resolved time.Time
	security bool
	dep      *gDeploy // linked (the deployment that caused it)
	rbLinked bool     // its deployment was rolled back because of it
	hotfix   *gDeploy
}

type gSevChange struct {
	at time.Time
	to model.Severity
}

func (inc *gIncident) sevAt(t time.Time) model.Severity {
	if inc.change != nil && !t.Before(inc.change.at) {
		return inc.change.to
	}
	return inc.sev0
}

func (inc *gIncident) peak() model.Severity {
	if inc.change != nil && inc.change.to < inc.sev0 {
		return inc.change.to
	}
	return inc.sev0
}

// majorSpan is when the incident was SEV1/SEV2 and not resolved: it holds
// the change freeze then. ok is false when it never was.
func (inc *gIncident) majorSpan() (from, to time.Time, ok bool) {
	switch {
	case inc.sev0.Major() && inc.change != nil && !inc.change.to.Major():
		return inc.opened, inc.change.at, true
	case inc.sev0.Major():
		return inc.opened, inc.resolved, true
	case inc.change != nil && inc.change.to.Major():
		return inc.change.at, inc.resolved, true
	}
	return time.Time{}, time.Time{}, false
}

func newGen(opt Options, s *data.Store) (*gen, error) {
	g := &gen{
		r:       rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eedf11d)),
		opt:     opt,
		rule:    s.Rule(),
		policy:  s.Policy(),
		now:     opt.Now,
		horizon: opt.Now.Add(-4 * time.Hour),
		tpl:     opt.Template,
		rbItem:  map[string]int{},
		plans:   map[model.Strategy]model.Plan{},
	}
	y := opt.Now.AddDate(0, 0, -365)
	g.start = time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
	g.days = int(g.horizon.Sub(g.start)/(24*time.Hour)) + 1
	g.items = g.tpl.Items()
	for i, it := range g.items {
		switch it.Phase {
		case model.PhasePreDeployment:
			g.pre = append(g.pre, i)
		case model.PhaseExecution:
			g.exec = append(g.exec, i)
		case model.PhaseRollback:
			g.rbItem[it.Text] = i
		}
	}
	if len(g.pre) == 0 || len(g.exec) == 0 {
		return nil, invalidf("demo template %q needs %s and %s phases", g.tpl.Name, model.PhasePreDeployment, model.PhaseExecution)
	}
	for _, st := range model.Strategies {
		g.plans[st] = model.DefaultPlan(st)
	}
	// Deployment days: weekdays, a little more often as the year goes on.
	g.cum = make([]float64, g.days)
	total := 0.0
	for d := range g.days {
		w := 1.0
		if wd := g.start.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 0.07
		}
		total += w * (0.75 + 0.5*float64(d)/float64(g.days))
		g.cum[d] = total
	}
	return g, nil
}

// Random helpers; every duration is whole seconds.

func (g *gen) next() int { g.seq++; return g.seq }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) between(a, b time.Duration) time.Duration {
	a, b = a.Truncate(time.Second), b.Truncate(time.Second)
	if b <= a {
		return a
	}
	return a + time.Duration(g.r.Int64N(int64((b-a)/time.Second)+1))*time.Second
}

// lognormal is a duration around median (half above, half below), clamped.
func (g *gen) lognormal(median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*g.r.NormFloat64()))
	return min(max(d, lo), hi).Truncate(time.Second)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlierOf(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) weighted(ws []float64) int {
	total := 0.0
	for _, w := range ws {
		total += w
	}
	x := g.r.Float64() * total
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

func (g *gen) service() *demoService {
	ws := make([]float64, len(demoServices))
	for i, s := range demoServices {
		ws[i] = s.weight
	}
	return &demoServices[g.weighted(ws)]
}

func (g *gen) severity(w [4]float64) model.Severity {
	return model.Severity(g.weighted(w[:]) + 1)
}

// yearFrac is how far into the history t is, 0 to 1: trends improve with it.
func (g *gen) yearFrac(t time.Time) float64 {
	return min(max(float64(t.Sub(g.start))/float64(g.horizon.Sub(g.start)), 0), 1)
}

// deployTime is a weekday working hour (UTC), no later than latest.
func (g *gen) deployTime(latest time.Time) time.Time {
	for range 50 {
		d := sort.SearchFloat64s(g.cum, g.r.Float64()*g.cum[len(g.cum)-1])
		tod := time.Duration((13.5 + 2.6*g.r.NormFloat64()) * float64(time.Hour))
		tod = min(max(tod, 7*time.Hour), 21*time.Hour+30*time.Minute).Truncate(time.Second)
		if t := g.start.AddDate(0, 0, d).Add(tod); t.Before(latest) {
			return t
		}
	}
	return latest.Add(-g.between(0, 2*time.Hour)).Truncate(time.Second)
}

// incidentTime is any time, mostly working hours, no later than latest.
func (g *gen) incidentTime(latest time.Time) time.Time {
	span := int(latest.Sub(g.start) / (24 * time.Hour))
	for range 50 {
		d := g.r.IntN(max(span, 1))
		if wd := g.start.AddDate(0, 0, d).Weekday(); (wd == time.Saturday || wd == time.Sunday) && g.chance(0.5) {
			continue
		}
		tod := g.between(0, 24*time.Hour-time.Second)
		if g.chance(0.7) {
			tod = g.between(8*time.Hour, 20*time.Hour)
		}
		if t := g.start.AddDate(0, 0, d).Add(tod); t.Before(latest) {
			return t
		}
	}
	return latest.Add(-g.between(time.Hour, 48*time.Hour))
}

// plan is phase 1.
func (g *gen) plan() error {
	n := g.opt.Deployments
	latest := g.horizon.Add(-6 * time.Hour)
	for range n {
		t := g.deployTime(latest)
		svc := g.service()
		env := model.DefaultEnvironment
		if g.chance(0.12) {
			env = "staging"
		}
		outcome := model.StatusCompleted
		pRollback := 0.05
		if env == model.DefaultEnvironment {
			pRollback = 0.155 - 0.07*g.yearFrac(t) // teams get better over the year
		}
		switch x := g.r.Float64(); {
		case x < pRollback:
			outcome = model.StatusRolledBack
		case x < pRollback+0.02:
			outcome = model.StatusAborted
		}
		d := g.newDeploy(svc, t, env, model.Strategies[g.weighted(svc.strategy[:])], outcome, false)
		d.base = true
		g.deps = append(g.deps, d)
	}
	slices.SortFunc(g.deps, func(a, b *gDeploy) int { return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.seq, b.seq)) })

	// Incidents caused by deployments: most come from rolled-back ones (the
	// rollback was the mitigation), some surface after a completed one.
	var rb, done []*gDeploy
	for _, d := range g.deps {
		if d.env != model.DefaultEnvironment || d.finished().After(g.horizon.Add(-2*time.Hour)) {
			continue
		}
		switch d.outcome {
		case model.StatusRolledBack:
			rb = append(rb, d)
		case model.StatusCompleted:
			done = append(done, d)
		}
	}
	linked := int(math.Round(0.25 * float64(g.opt.Incidents)))
	nRB := min(len(rb), int(math.Round(0.6*float64(len(rb)))), int(math.Round(0.65*float64(linked))))
	nDone := min(len(done), linked-nRB)
	for _, i := range g.r.Perm(len(rb))[:nRB] {
		g.incs = append(g.incs, g.causedIncident(rb[i]))
	}
	for _, i := range g.r.Perm(len(done))[:nDone] {
		g.incs = append(g.incs, g.causedIncident(done[i]))
	}
	for len(g.incs) < g.opt.Incidents {
		g.incs = append(g.incs, g.unlinkedIncident())
	}
	slices.SortFunc(g.incs, func(a, b *gIncident) int { return cmp.Or(a.opened.Compare(b.opened), cmp.Compare(a.seq, b.seq)) })

	// Hotfixes, each replacing a regular change so the count stays exact.
	hotfixes := 0
	for _, inc := range g.incs {
		if g.planHotfix(inc) {
			hotfixes++
		}
	}
	var spare []int
	for i, d := range g.deps {
		if d.base && len(d.causes) == 0 {
			spare = append(spare, i)
		}
	}
	if hotfixes > len(spare) {
		return errors.New("too few deployments for the incidents' hotfixes: ask for more deployments or fewer incidents")
	}
	drop := map[int]bool{}
	for _, k := range g.r.Perm(len(spare))[:hotfixes] {
		drop[spare[k]] = true
	}
	kept := g.deps[:0]
	for i, d := range g.deps {
		if !drop[i] {
			kept = append(kept, d)
		}
	}
	g.deps = kept
	for _, inc := range g.incs {
		if inc.hotfix != nil {
			g.deps = append(g.deps, inc.hotfix)
		}
	}

	g.honourFreezes(latest)
	slices.SortFunc(g.deps, func(a, b *gDeploy) int { return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.seq, b.seq)) })
	for i, d := range g.deps {
		d.id = int64(i + 1)
	}
	for i, inc := range g.incs {
		inc.id = int64(i + 1)
	}
	if len(g.deps) != g.opt.Deployments || len(g.incs) != g.opt.Incidents {
		return fmt.Errorf("planned %d deployments and %d incidents, want %d and %d", len(g.deps), len(g.incs), g.opt.Deployments, g.opt.Incidents)
	}
	return nil
}

// newDeploy plans one deployment's life as offsets from created.
func (g *gen) newDeploy(svc *demoService, created time.Time, env string, strategy model.Strategy, outcome model.Status, hotfix bool) *gDeploy {
	d := &gDeploy{seq: g.next(), svc: svc, env: env, strategy: strategy, outcome: outcome, created: created}
	pre := g.lognormal(35*time.Minute, 0.6, 8*time.Minute, 3*time.Hour)
	if hotfix {
		pre = g.between(6*time.Minute, 20*time.Minute)
	}
	if outcome == model.StatusAborted {
		d.doneAt = g.between(pre/4, pre)
		return d
	}
	if !hotfix && g.chance(0.03) {
		d.gateOpen = 1 + g.r.IntN(4)
	}
	d.execAt = pre
	plan := g.plans[strategy]
	abortStage := -1
	if outcome == model.StatusRolledBack {
		abortStage = min(g.weighted([]float64{45, 30, 15, 10}), len(plan.Stages)-1)
	}
	t := pre
	for i, st := range plan.Stages {
		gs := gStage{start: t}
		if i == abortStage {
			longest := st.Soak
			if longest == 0 {
				longest = 8 * time.Minute
			}
			d.abortAt = t + g.between(time.Minute, max(longest*9/10, time.Minute+time.Second))
			break
		}
		if st.Soak > 2*time.Minute && g.chance(0.04) {
			gs.pauseAt = t + g.between(time.Minute, st.Soak-time.Minute)
			gs.pauseFor = g.between(3*time.Minute, 20*time.Minute)
		}
		end := t + st.Soak + gs.pauseFor
		switch {
		case st.Soak == 0:
			end += g.between(2*time.Minute, 10*time.Minute) // deploying, validating
		case g.chance(0.08):
			end += g.between(10*time.Minute, 40*time.Minute) // nobody promoted for a while
		default:
			end += min(time.Duration(g.r.ExpFloat64()*float64(3*time.Minute)), 30*time.Minute).Truncate(time.Second) + time.Second
		}
		gs.end = end
		d.stages = append(d.stages, gs)
		t = end
	}
	if outcome == model.StatusRolledBack {
		d.verifyAt = d.abortAt + g.between(4*time.Minute, 12*time.Minute)
		d.doneAt = d.verifyAt + model.StabilityWatch + g.between(30*time.Second, 8*time.Minute)
	} else {
		d.doneAt = t
	}
	return d
}

var (
	sevCaused    = [4]float64{3, 17, 50, 30}
	sevRolled    = [4]float64{6, 34, 45, 15}
	sevUnlinked  = [4]float64{2, 10, 46, 42}
	sevDurations = [4]struct {
		median time.Duration
		sigma  float64
		lo, hi time.Duration
	}{
		{70 * time.Minute, 0.6, 20 * time.Minute, 8 * time.Hour},
		{2 * time.Hour, 0.7, 30 * time.Minute, 24 * time.Hour},
		{10 * time.Hour, 0.9, time.Hour, 5 * 24 * time.Hour},
		{48 * time.Hour, 0.8, 2 * time.Hour, 14 * 24 * time.Hour},
	}
)

// causedIncident is an incident linked to the deployment that caused it.
func (g *gen) causedIncident(d *gDeploy) *gIncident {
	inc := &gIncident{seq: g.next(), svc: d.svc, dep: d}
	d.causes = append(d.causes, inc)
	if d.outcome == model.StatusRolledBack {
		inc.rbLinked = true
		inc.sev0 = g.severity(sevRolled)
		inc.opened = d.at(max(d.abortAt-g.between(0, 6*time.Minute), d.execAt+30*time.Second))
		inc.mitig = d.finished()
		inc.resolved = inc.mitig.Add(g.between(10*time.Minute, 2*time.Hour))
	} else {
		inc.sev0 = g.severity(sevCaused)
		after := g.lognormal(3*time.Hour, 1.0, 10*time.Minute, 4*24*time.Hour)
		inc.opened = d.finished().Add(after)
		if inc.opened.After(g.horizon.Add(-time.Hour)) {
			inc.opened = d.finished().Add(g.between(5*time.Minute, 20*time.Minute))
		}
		g.lifetime(inc)
	}
	g.details(inc)
	return inc
}

func (g *gen) unlinkedIncident() *gIncident {
	inc := &gIncident{seq: g.next(), svc: g.service()}
	inc.sev0 = g.severity(sevUnlinked)
	inc.opened = g.incidentTime(g.horizon.Add(-time.Hour))
	g.lifetime(inc)
	g.details(inc)
	return inc
}

// lifetime sets when the incident is mitigated and resolved.
func (g *gen) lifetime(inc *gIncident) {
	p := sevDurations[inc.sev0-1]
	dur := g.lognormal(p.median, p.sigma, p.lo, p.hi)
	latest := g.horizon.Add(-g.between(5*time.Minute, 30*time.Minute))
	inc.resolved = inc.opened.Add(dur)
	if inc.resolved.After(latest) {
		inc.resolved = laterOf(latest, inc.opened.Add(10*time.Minute))
	}
	if g.chance(0.6) {
		d := inc.resolved.Sub(inc.opened)
		inc.mitig = inc.opened.Add(time.Duration(float64(d) * (0.3 + 0.5*g.r.Float64())).Truncate(time.Second))
	}
}

// details picks the title, the security flag and a severity change.
func (g *gen) details(inc *gIncident) {
	inc.title = g.pick(inc.svc.titles)
	inc.security = g.chance(0.03)
	var to model.Severity
	var after time.Duration
	switch {
	case inc.sev0 == model.SEV3 && g.chance(0.08):
		to, after = model.SEV2, g.between(10*time.Minute, 90*time.Minute)
	case inc.sev0 == model.SEV2 && g.chance(0.06):
		to, after = model.SEV3, g.between(20*time.Minute, 60*time.Minute)
	case inc.sev0 == model.SEV4 && g.chance(0.05):
		to, after = model.SEV3, g.between(30*time.Minute, 4*time.Hour)
	default:
		return
	}
	if at := inc.opened.Add(after); at.Before(inc.resolved.Add(-10 * time.Minute)) {
		inc.change = &gSevChange{at: at, to: to}
	}
}

// planHotfix decides whether a deployment was made to fix the incident and
// plans it; the incident then resolves soon after the hotfix is out.
func (g *gen) planHotfix(inc *gIncident) bool {
	major := inc.peak().Major()
	var p float64
	switch {
	case inc.rbLinked:
		p = 0.25
	case inc.dep != nil && major:
		p = 0.65
	case inc.dep != nil:
		p = 0.3
	case major:
		p = 0.2
	default:
		p = 0.07
	}
	if !g.chance(p) {
		return false
	}
	strategy := model.StrategyAllAtOnce
	if g.chance(0.45) {
		strategy = model.StrategyCanary
	}
	var created time.Time
	switch {
	case inc.rbLinked: // the fix forward after the rollback
		created = inc.resolved.Add(g.between(time.Hour, 30*time.Hour))
	case major:
		created = inc.opened.Add(g.between(15*time.Minute, 90*time.Minute))
	default:
		created = inc.opened.Add(g.between(time.Hour, 30*time.Hour))
	}
	h := g.newDeploy(inc.svc, created, model.DefaultEnvironment, strategy, model.StatusCompleted, true)
	limit := g.horizon.Add(-10 * time.Minute)
	if h.finished().After(limit) {
		return false
	}
	if !inc.rbLinked {
		resolved := h.finished().Add(g.between(5*time.Minute, 40*time.Minute))
		if resolved.After(limit) {
			return false
		}
		inc.resolved = resolved
		if !inc.mitig.IsZero() && !inc.mitig.Before(created) {
			inc.mitig = time.Time{}
		}
		if inc.change != nil && !inc.change.at.Before(inc.resolved.Add(-10*time.Minute)) {
			inc.change = nil
		}
	}
	h.hotfix, inc.hotfix = inc, h
	return true
}

// honourFreezes moves regular changes that would start while a SEV1/SEV2
// holds the change freeze to after it; hotfixes, deployments that caused an
// incident, and changes that cannot move start anyway, with an override.
func (g *gen) honourFreezes(latest time.Time) {
	type span struct{ from, to time.Time }
	var spans []span
	for _, inc := range g.incs {
		if from, to, ok := inc.majorSpan(); ok {
			spans = append(spans, span{from, to})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	frozen := func(t time.Time) (time.Time, bool) {
		for _, s := range spans {
			if s.from.After(t) {
				break
			}
			if t.Before(s.to) {
				return s.to, true
			}
		}
		return time.Time{}, false
	}
	for _, d := range g.deps {
		until, ok := frozen(d.created)
		if !ok {
			continue
		}
		if d.base && len(d.causes) == 0 {
			moved := d.created
			for range 20 {
				moved = until.Add(g.between(3*time.Minute, 40*time.Minute))
				if until, ok = frozen(moved); !ok {
					break
				}
			}
			if !ok && moved.Before(latest) {
				d.created = moved
				continue
			}
		}
		d.override = "other"
		if d.hotfix != nil {
			d.override = "hotfix"
		}
	}
}
