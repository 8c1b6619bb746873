package data

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Rows of the demo history, as the store would have written them. Optional
// times and ids are 0 for NULL.
type demoRows struct {
	deployments  []rowDeployment
	items        []rowItem
	guidance     []rowGuidance
	events       []rowEvent
	rollouts     []rowRollout
	stages       []rowStage
	ready        []rowReady
	health       []rowHealth
	declarations []rowDeclaration
	incidents    []rowIncident
	sevChanges   []rowSevChange
	acks         []rowAck
	escalations  []rowEscalation
	actionItems  []rowActionItem
	updates      []rowUpdate
}

type rowDeployment struct {
	id                                                           int64
	service, version, env, strategy, status, template, startedBy string
	created, updated, execution, finished, committed             int64
	sha                                                          string
	rollback, stability, hotfix                                  int64
}

type rowItem struct {
	id, dep                 int64
	phase, section          string
	pos                     int
	text, state, reason, by string
	at                      int64
	note, noteBy            string
	noteAt                  int64
}

type rowGuidance struct {
	dep     int64
	phase   string
	pos     int
	title   string
	line    string
	hasLine bool
}

type rowEvent struct {
	at             int64
	seq            int
	actor, kind    string
	dep, item, inc int64
	sev            int
	text           string
}

type rowRollout struct {
	dep                                       int64
	plan                                      string
	stage                                     int
	started, stageStarted, pausedTotalMS      int64
	soakEnded, aborted, rolledBack, completed int64
}

type rowStage struct {
	dep                          int64
	stage                        int
	started, soakEnded, promoted int64
	pausedMS                     int64
}

type rowReady struct {
	dep   int64
	stage int
	at    int64
}

type rowHealth struct {
	dep            int64
	at             int64
	baseline, rate float64
	actor          string
}

type rowDeclaration struct {
	dep                      int64
	criterion, reason, actor string
	at                       int64
}

type rowIncident struct {
	id                          int64
	title                       string
	sev                         int
	security                    bool
	securityAt, dep             int64
	commander, scribe, openedBy string
	opened, mitigated, resolved int64
	rootCause                   string
	lastUpdate                  int64
}

type rowSevChange struct {
	inc      int64
	at       int64
	from, to int
	actor    string
}

type rowAck struct {
	inc            int64
	step           int
	at             int64
	actor, reached string
}

type rowEscalation struct {
	inc           int64
	kind          string
	step          int
	at            int64
	actor, reason string
}

type rowActionItem struct {
	inc  int64
	pos  int
	text string
}

type rowUpdate struct {
	inc                               int64
	at                                int64
	actor, conditions, actions, needs string
}

// demoBuilder is phase 2.
type demoBuilder struct {
	g     *demoGen
	rows  *demoRows
	seq   int
	touch []int64 // per deployment index: the last change (updated_at)
	plans map[model.Strategy]string
	p     model.EscalationPolicy
}

func (g *demoGen) build() (*demoRows, error) {
	b := &demoBuilder{g: g, rows: &demoRows{}, touch: make([]int64, len(g.deps)),
		plans: map[model.Strategy]string{}, p: g.s.policy()}
	for st, p := range g.plans {
		js, err := encodePlan(p)
		if err != nil {
			return nil, err
		}
		b.plans[st] = js
	}
	n := len(g.deps)
	b.rows.deployments = make([]rowDeployment, 0, n)
	b.rows.items = make([]rowItem, 0, n*len(g.items))
	b.rows.events = make([]rowEvent, 0, g.opt.Events+g.opt.Events/20)
	g.versions()
	for _, d := range g.deps {
		if err := b.deployment(d); err != nil {
			return nil, err
		}
	}
	for _, inc := range g.incs {
		if err := b.incident(inc); err != nil {
			return nil, err
		}
	}
	b.executionTicks()
	for i := range b.rows.deployments {
		b.rows.deployments[i].updated = max(b.rows.deployments[i].created, b.touch[i])
	}
	slices.SortStableFunc(b.rows.events, func(x, y rowEvent) int { return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.seq, y.seq)) })
	return b.rows, nil
}

// versions gives each deployment, in time order, its version, commit and
// people.
func (g *demoGen) versions() {
	type semver struct{ major, minor, patch int }
	sem := map[string]*semver{}
	perDay := map[string]int{}
	for _, d := range g.deps {
		svc := d.svc
		if svc.calver {
			day := d.created.Format("2006.01.02")
			perDay[svc.name+day]++
			d.version = fmt.Sprintf("%s-%d", day, perDay[svc.name+day])
		} else {
			v := sem[svc.name]
			if v == nil {
				v = &semver{major: svc.major}
				sem[svc.name] = v
			}
			next := *v
			switch {
			case d.hotfix != nil:
				next.patch++
			case v.minor >= 20 && g.chance(0.04):
				next = semver{major: v.major + 1}
			case g.chance(0.15):
				next = semver{major: v.major, minor: v.minor + 1}
			default:
				next.patch++
			}
			d.version = fmt.Sprintf("v%d.%d.%d", next.major, next.minor, next.patch)
			if d.env == model.DefaultEnvironment {
				*v = next
			} else {
				d.version += "-rc.1"
			}
		}
		d.sha = fmt.Sprintf("%016x%016x%08x", g.r.Uint64(), g.r.Uint64(), g.r.Uint32())
		if d.hotfix == nil && g.chance(0.3) {
			d.startedBy = demoBot
			d.runner = g.pick(svc.team)
		} else {
			d.startedBy = g.pick(svc.team)
			d.runner = d.startedBy
		}
		// Lead time, commit → production, for most deployments: hours
		// typically, minutes for a hotfix, days for a slow review.
		if g.chance(0.85) {
			median := time.Duration(float64(5*time.Hour) * (1 - 0.45*g.yearFrac(d.created)))
			lead := g.lognormal(median, 1.1, 20*time.Minute, 8*24*time.Hour)
			if d.hotfix != nil {
				lead = g.lognormal(50*time.Minute, 0.5, 20*time.Minute, 6*time.Hour)
			}
			d.committed = d.finished().Add(-lead)
			if latest := d.created.Add(-2 * time.Minute); d.committed.After(latest) {
				d.committed = d.created.Add(-g.between(2*time.Minute, 30*time.Minute))
			}
		}
	}
}

func (g *demoGen) oncall(t time.Time) string {
	week := int(t.Sub(g.start) / (7 * 24 * time.Hour))
	return demoPeople[week%len(demoPeople)]
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return toMS(t)
}

// event appends a timeline event; seq keeps the order of events written in
// one transaction (or at one instant) as the store writes them.
func (b *demoBuilder) event(at time.Time, actor string, kind model.EventKind, dep *gDeploy, item int64, inc *gIncident, text string) {
	b.seq++
	e := rowEvent{at: toMS(at), seq: b.seq, actor: actor, kind: string(kind), item: item, text: text}
	if dep != nil {
		e.dep = dep.id
	}
	if inc != nil {
		e.inc, e.sev = inc.id, int(inc.sevAt(at))
	}
	b.rows.events = append(b.rows.events, e)
}

// depEvent is an event that also touches the deployment (updated_at).
func (b *demoBuilder) depEvent(at time.Time, actor string, kind model.EventKind, d *gDeploy, item int64, text string) {
	b.event(at, actor, kind, d, item, nil, text)
	if m := toMS(at); m > b.touch[d.id-1] {
		b.touch[d.id-1] = m
	}
}

func demoTitle(d *gDeploy) string {
	return model.Deployment{Service: d.svc.name, Version: d.version, Environment: d.env}.Title()
}

// tick sets checklist item i of d (index into the template's items).
func (b *demoBuilder) tick(d *gDeploy, i int, at time.Time, actor, reason string) {
	row := &b.rows.items[int(d.id-1)*len(b.g.items)+i]
	row.by, row.at = actor, toMS(at)
	if reason != "" {
		row.state, row.reason = string(model.ItemNA), reason
		b.depEvent(at, actor, model.EventItemNA, d, row.id, fmt.Sprintf("marked %q n/a: %s", row.text, reason))
		return
	}
	row.state = string(model.ItemDone)
	text := fmt.Sprintf("checked %q", row.text)
	if model.StartsStabilityWatch(b.g.items[i]) {
		text += fmt.Sprintf(" — stability watch started (%d min), ends %s UTC",
			int(model.StabilityWatch/time.Minute), at.UTC().Add(model.StabilityWatch).Format(time.TimeOnly))
	}
	b.depEvent(at, actor, model.EventItemDone, d, row.id, text)
}

// spread is n sorted times in [from, to].
func (g *demoGen) spread(n int, from, to time.Time) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = from.Add(g.between(0, to.Sub(from)))
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// ciItems are ticked by the pipeline when it started the deployment.
var ciItems = map[string]bool{
	"All automated tests passing in CI":                           true,
	"Security scans completed (SAST, dependency vulnerabilities)": true,
	"Build artifacts versioned and tagged appropriately":          true,
}

func (b *demoBuilder) deployment(d *gDeploy) error {
	g := b.g
	rows := b.rows
	row := rowDeployment{id: d.id, service: d.svc.name, version: d.version, env: d.env, strategy: string(d.strategy),
		status: string(d.outcome), template: g.tpl.Name, startedBy: d.startedBy, created: toMS(d.created),
		finished: ms(d.finished()), committed: ms(d.committed), sha: d.sha}
	if d.execAt > 0 {
		row.execution = ms(d.at(d.execAt))
	}
	if d.outcome == model.StatusRolledBack {
		row.rollback, row.stability = ms(d.at(d.abortAt)), ms(d.at(d.verifyAt))
	}
	if d.hotfix != nil {
		row.hotfix = d.hotfix.id
	}
	rows.deployments = append(rows.deployments, row)
	base := (d.id - 1) * int64(len(g.items))
	for i, it := range g.items {
		rows.items = append(rows.items, rowItem{id: base + int64(i) + 1, dep: d.id, phase: it.Phase, section: it.Section,
			pos: it.Position, text: it.Text, state: string(model.ItemTodo)})
	}
	for pos, gd := range g.tpl.AllGuidance() {
		if len(gd.Lines) == 0 {
			rows.guidance = append(rows.guidance, rowGuidance{dep: d.id, phase: gd.Phase, pos: pos + 1, title: gd.Title})
		}
		for _, l := range gd.Lines {
			rows.guidance = append(rows.guidance, rowGuidance{dep: d.id, phase: gd.Phase, pos: pos + 1, title: gd.Title, line: l, hasLine: true})
		}
	}
	title := demoTitle(d)

	// Starting: the freeze override (written first), the start, the hotfix mark.
	if d.override != "" {
		if lead, reason, ok := g.freezeAt(d.created); ok {
			why := "unrelated low-risk change, approved by the incident commander"
			if d.override == "hotfix" {
				why = fmt.Sprintf("hotfix for INC-%d", d.hotfix.id)
			}
			b.event(d.created, d.startedBy, model.EventFreezeOverride, d, 0, lead,
				fmt.Sprintf("started %s despite the change freeze (%s): %s", title, reason, why))
		}
	}
	b.depEvent(d.created, d.startedBy, model.EventDeployStarted, d, 0, fmt.Sprintf("started %s (%s)", title, d.strategy))
	if d.hotfix != nil {
		b.event(d.created, d.startedBy, EventDeployHotfix, d, 0, d.hotfix,
			fmt.Sprintf("marked #%d %s as the hotfix for INC-%d", d.id, title, d.hotfix.id))
		b.touch[d.id-1] = max(b.touch[d.id-1], toMS(d.created))
	}

	// Pre-Deployment, top to bottom.
	end := d.at(d.execAt)
	if d.outcome == model.StatusAborted {
		end = d.finished()
	}
	todo := slices.Clone(g.pre)
	switch {
	case d.outcome == model.StatusAborted:
		todo = todo[:g.r.IntN(len(todo)+1)]
	case d.gateOpen > 0:
		for range d.gateOpen {
			k := g.r.IntN(len(todo))
			todo = slices.Delete(todo, k, k+1)
		}
	}
	naP := 0.07
	if d.hotfix != nil {
		naP = 0.35
	}
	times := g.spread(len(todo), d.created.Add(30*time.Second), end.Add(-30*time.Second))
	for k, i := range todo {
		it := g.items[i]
		actor := d.runner
		switch {
		case d.startedBy == demoBot && ciItems[it.Text]:
			actor = demoBot
		case g.chance(0.25):
			actor = g.pick(d.svc.team)
		}
		reason := ""
		if rs := demoNAReasons[it.Text]; len(rs) > 0 && actor != demoBot && g.chance(naP) {
			reason = g.pick(rs)
		}
		b.tick(d, i, times[k], actor, reason)
		if reason == "" && g.chance(0.03) {
			at := earlierOf(times[k].Add(g.between(10*time.Second, 3*time.Minute)), end.Add(-time.Second))
			note := g.pick(demoItemNotes)
			row := &rows.items[int(base)+i]
			row.note, row.noteBy, row.noteAt = note, actor, toMS(at)
			b.depEvent(at, actor, model.EventItemNote, d, row.id, fmt.Sprintf("note on %q: %s", it.Text, note))
		}
	}
	if d.outcome == model.StatusAborted {
		reason := g.pick([]string{"release pulled: bug found in review", "superseded by the next release", "dependency not ready", ""})
		b.depEvent(d.finished(), d.runner, model.EventRolloutAbort, d, 0, "aborted before Deployment Execution started"+quoted(reason))
		return nil
	}

	// Deployment Execution and the rollout.
	at := d.at(d.execAt)
	if d.gateOpen > 0 {
		why := "(override: " + g.pick([]string{"security fix, reviewed in the ticket", "customer escalation, approved by the Eng Lead",
			"items done outside flightdeck"}) + ")"
		b.depEvent(at, d.runner, model.EventGateOverride, d, 0, fmt.Sprintf("started %s with %s open %s",
			model.PhaseExecution, plural(d.gateOpen, "Pre-Deployment item", "Pre-Deployment items"), why))
	}
	b.depEvent(at, d.runner, model.EventExecutionStart, d, 0, "started "+model.PhaseExecution)
	r, err := model.Start(g.plans[d.strategy], at)
	if err != nil {
		return err
	}
	st := r.Status(at, false)
	text := fmt.Sprintf("started %s rollout at %s", r.Plan.Strategy, st.Label)
	if st.Soak > 0 {
		text += fmt.Sprintf(" (soak %s, ends %s UTC)", model.FormatCountdown(st.Soak), st.EndsAt.Format(time.TimeOnly))
	}
	b.depEvent(at, d.runner, model.EventRolloutStart, d, 0, text)

	// Health readings: on some deployments, and always before a rollback
	// the error rate decided.
	baseline := math.Round((0.2+1.3*g.r.Float64())*10) / 10
	var prev model.Health
	record := func(at time.Time, rate float64) {
		h := model.Health{BaselineErrorRate: baseline, ErrorRate: math.Round(rate*100) / 100, Has: true, At: at}
		met, expl := g.rule.Evaluate(h)
		rows.health = append(rows.health, rowHealth{dep: d.id, at: toMS(at), baseline: baseline, rate: h.ErrorRate, actor: d.runner})
		b.depEvent(at, d.runner, model.EventHealthRecorded, d, 0, "recorded health: "+expl)
		if wasMet, _ := g.rule.Evaluate(prev); met && !wasMet {
			b.depEvent(at, d.runner, model.EventHealthCriteriaMet, d, 0, "ROLLBACK CRITERIA MET: "+expl)
		}
		prev = h
	}
	healthy := func() float64 { return baseline * (0.9 + 0.25*g.r.Float64()) }
	watch := (d.strategy == model.StrategyCanary || d.strategy == model.StrategyBlueGreen) && g.chance(0.25)
	if d.outcome == model.StatusRolledBack && g.chance(0.65) {
		watch = true
	}

	for i, gs := range d.stages {
		stage := r.Plan.Stages[i]
		if watch && stage.Soak > 0 {
			record(d.at(gs.start+g.between(time.Minute, min(stage.Soak, 10*time.Minute))), healthy())
		}
		if gs.pauseFor > 0 {
			pat := d.at(gs.pauseAt)
			if r, err = model.Pause(r, pat); err != nil {
				return err
			}
			ps := r.Status(pat, false)
			b.depEvent(pat, d.runner, model.EventRolloutPause, d, 0, fmt.Sprintf("paused %s with %s of the soak left", ps.Label, model.FormatCountdown(ps.Remaining)))
			rat := d.at(gs.pauseAt + gs.pauseFor)
			if r, err = model.Resume(r, rat); err != nil {
				return err
			}
			rs := r.Status(rat, false)
			text := fmt.Sprintf("resumed %s: soak served, ready to promote", rs.Label)
			if rs.Remaining > 0 {
				text = fmt.Sprintf("resumed %s: %s of the soak left, ends %s UTC", rs.Label, model.FormatCountdown(rs.Remaining), rs.EndsAt.Format(time.TimeOnly))
			}
			b.depEvent(rat, d.runner, model.EventRolloutResume, d, 0, text)
		}
		endAt := d.at(gs.end)
		if stage.Soak > 0 {
			es := r.Status(endAt, false)
			rows.ready = append(rows.ready, rowReady{dep: d.id, stage: i, at: toMS(es.EndsAt)})
			b.event(es.EndsAt, SystemActor, model.EventRolloutReady, d, 0, nil,
				fmt.Sprintf("%s soak ended (%s): ready to promote", es.Label, model.FormatCountdown(es.Soak)))
		}
		from := r.Status(endAt, false)
		if i < len(r.Plan.Stages)-1 {
			if r, err = model.Promote(r, endAt, "", false); err != nil {
				return fmt.Errorf("deployment #%d stage %d: %w", d.id, i+1, err)
			}
			to := r.Status(endAt, false)
			text := fmt.Sprintf("promoted %s → %s", from.Label, to.Label)
			if to.Soak > 0 {
				text += fmt.Sprintf(" (soak %s, ends %s UTC)", model.FormatCountdown(to.Soak), to.EndsAt.Format(time.TimeOnly))
			}
			b.depEvent(endAt, d.runner, model.EventRolloutPromote, d, 0, text)
		} else {
			if r, err = model.Finish(r, endAt, "", false); err != nil {
				return fmt.Errorf("deployment #%d finish: %w", d.id, err)
			}
			b.depEvent(endAt, d.runner, model.EventRolloutFinish, d, 0, fmt.Sprintf("finished the rollout at %s: deployment completed", from.Label))
		}
	}

	if d.outcome == model.StatusRolledBack {
		abortAt := d.at(d.abortAt)
		stageStart := r.StageStartedAt
		trigger := laterOf(abortAt.Add(-g.between(30*time.Second, 3*time.Minute)), stageStart.Add(10*time.Second))
		d.trigger = trigger
		if watch {
			rate := baseline + 5.5 + 6.5*g.r.Float64()
			for range 8 {
				if met, _ := g.rule.Evaluate(model.Health{BaselineErrorRate: baseline, ErrorRate: math.Round(rate*100) / 100, Has: true}); met || rate >= 100 {
					break
				}
				rate = min(rate*2, 100)
			}
			record(trigger, rate)
		} else {
			dc := demoDeclarations[g.weighted([]float64{6, 3, 1})]
			reason := g.pick(dc.reasons)
			rows.declarations = append(rows.declarations, rowDeclaration{dep: d.id, criterion: string(dc.criterion), reason: reason, actor: d.runner, at: toMS(trigger)})
			b.depEvent(trigger, d.runner, model.EventHealthDeclared, d, 0, "declared ROLLBACK CRITERIA MET: "+dc.criterion.Label()+": "+reason)
		}
		label := r.Status(abortAt, false).Label
		if r, err = model.Abort(r, abortAt); err != nil {
			return err
		}
		b.depEvent(abortAt, d.runner, model.EventRolloutAbort, d, 0, fmt.Sprintf("aborted the rollout at %s: rolling back", label)+quoted(g.pick(demoAbortReasons)))
		verify := d.at(d.verifyAt)
		done := d.finished()
		steps := []struct {
			text string
			at   time.Time
		}{
			{"Announce rollback decision to team and stakeholders", abortAt.Add(g.between(20*time.Second, 90*time.Second))},
			{"Execute rollback procedure (revert deployment, restore database if needed)", abortAt.Add(g.between(2*time.Minute, 3*time.Minute))},
			{model.StabilityItemText, verify},
			{"Monitor for 15 minutes to confirm stability", verify.Add(model.StabilityWatch).Add(g.between(0, done.Sub(verify)-model.StabilityWatch))},
		}
		for _, s := range steps {
			if i, ok := g.rbItem[s.text]; ok {
				b.tick(d, i, s.at, d.runner, "")
			}
		}
		label = r.Status(done, false).Label
		if r, err = model.RolledBack(r, done); err != nil {
			return err
		}
		b.depEvent(done, d.runner, model.EventRolloutRolledBack, d, 0,
			fmt.Sprintf("rolled back from %s: previous version restored; stability watch served", label))
		if g.chance(0.6) {
			for _, text := range []string{"Document root cause and action items in incident report", "Schedule postmortem meeting within 24-48 hours"} {
				if i, ok := g.rbItem[text]; ok {
					b.tick(d, i, done.Add(g.between(10*time.Minute, 2*time.Hour)), d.runner, "")
				}
			}
		}
	}

	rows.rollouts = append(rows.rollouts, rowRollout{dep: d.id, plan: b.plans[d.strategy], stage: r.Stage,
		started: toMS(r.StartedAt), stageStarted: toMS(r.StageStartedAt), pausedTotalMS: r.PausedTotal.Milliseconds(),
		soakEnded: ms(r.SoakEndedAt), aborted: ms(r.AbortedAt), rolledBack: ms(r.RolledBackAt), completed: ms(r.CompletedAt)})
	for _, h := range r.History {
		rows.stages = append(rows.stages, rowStage{dep: d.id, stage: h.Stage, started: toMS(h.StartedAt),
			soakEnded: ms(h.SoakEndedAt), promoted: toMS(h.PromotedAt), pausedMS: h.Paused.Milliseconds()})
	}
	return nil
}

// freezeAt is what the store's freeze check would have said at t: the lead
// incident and the reason (model.Freeze).
func (g *demoGen) freezeAt(t time.Time) (*gIncident, string, bool) {
	var hold []model.Incident
	var byID = map[int64]*gIncident{}
	for _, inc := range g.incs {
		if inc.opened.After(t) || !inc.resolved.After(t) || !inc.sevAt(t).Major() {
			continue
		}
		status := model.IncidentOpen
		if !inc.mitig.IsZero() && !inc.mitig.After(t) {
			status = model.IncidentMitigated
		}
		hold = append(hold, model.Incident{ID: inc.id, Severity: inc.sevAt(t), Status: status})
		byID[inc.id] = inc
	}
	frozen, reason := model.Freeze(hold)
	if !frozen {
		return nil, "", false
	}
	slices.SortStableFunc(hold, func(a, b model.Incident) int {
		return cmp.Or(cmp.Compare(a.Severity, b.Severity), cmp.Compare(a.ID, b.ID))
	})
	return byID[hold[0].ID], reason, true
}

// executionTicks spends what is left of the event budget on Deployment
// Execution items, spread evenly over the deployments that executed. A
// rolled-back deployment only got through the steps before its rollback
// criteria were met, and never to Post-Deployment Verification.
func (b *demoBuilder) executionTicks() {
	g := b.g
	const liveEvents = 70 // about what the live scenario writes
	var executed []*gDeploy
	for _, d := range g.deps {
		if d.execAt > 0 {
			executed = append(executed, d)
		}
	}
	left := g.opt.Events - liveEvents - len(b.rows.events)
	for n, d := range executed {
		candidates := g.exec
		from, end := d.at(d.execAt).Add(30*time.Second), d.finished().Add(-10*time.Second)
		if d.outcome == model.StatusRolledBack {
			candidates = nil
			for _, i := range g.exec {
				if g.items[i].Section != "Post-Deployment Verification" {
					candidates = append(candidates, i)
				}
			}
			end = d.trigger.Add(-5 * time.Second)
		}
		if !end.After(from) {
			continue
		}
		target := float64(max(left, 0)) / float64(len(executed)-n)
		k := min(max(int(math.Round(target+5*(g.r.Float64()-0.5))), 0), len(candidates))
		picked := slices.Clone(candidates)
		g.r.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
		picked = picked[:k]
		slices.Sort(picked)
		times := g.spread(k, from, end)
		for n, i := range picked {
			reason := ""
			if rs := demoNAReasons[g.items[i].Text]; len(rs) > 0 && g.chance(0.05) {
				reason = g.pick(rs)
			}
			b.tick(d, i, times[n], d.runner, reason)
		}
		left -= k
	}
}

// incident builds one incident: its actions are applied in time order to a
// model.Incident, so every event text (due times included) is what the
// store would have written.
func (b *demoBuilder) incident(inc *gIncident) error {
	g := b.g
	rows := b.rows
	oncall := g.oncall(inc.opened)
	openedBy := oncall
	if g.chance(0.3) {
		openedBy = g.pick(inc.svc.team)
	}
	row := rowIncident{id: inc.id, title: inc.title, sev: int(inc.sevAt(inc.resolved)), security: inc.security,
		openedBy: openedBy, opened: toMS(inc.opened), mitigated: ms(inc.mitig), resolved: toMS(inc.resolved)}
	if inc.security {
		row.securityAt = toMS(inc.opened)
	}
	m := model.Incident{ID: inc.id, Title: inc.title, Severity: inc.sev0, Status: model.IncidentOpen, Security: inc.security,
		OpenedAt: inc.opened, OpenedBy: openedBy}
	if inc.security {
		m.SecurityAt = inc.opened
	}
	link := ""
	if inc.dep != nil {
		row.dep, m.DeploymentID = inc.dep.id, inc.dep.id
		link = fmt.Sprintf(", linked to #%d %s", inc.dep.id, demoTitle(inc.dep))
	}
	text := fmt.Sprintf("opened %s %q%s", inc.sev0.Label(), inc.title, link)
	if inc.security {
		text += "; security-related"
	}
	b.event(inc.opened, openedBy, model.EventIncidentOpened, inc.dep, 0, inc, text+g.s.dueNote(model.Incident{}, m, inc.opened))

	// Plan the actions, then apply them in time order.
	type action struct {
		at  time.Time
		seq int
		do  func(at time.Time) error
	}
	var acts []action
	add := func(at time.Time, do func(at time.Time) error) {
		if at.After(inc.opened) && at.Before(inc.resolved) {
			acts = append(acts, action{at: at.Truncate(time.Second), seq: len(acts), do: do})
		}
	}
	ev := func(at time.Time, actor string, kind model.EventKind, text string) {
		b.event(at, actor, kind, nil, 0, inc, text)
	}
	ack := func(step int, actor, reached string) func(time.Time) error {
		return func(at time.Time) error {
			st, _ := b.p.Step(step)
			rows.acks = append(rows.acks, rowAck{inc: inc.id, step: step, at: toMS(at), actor: actor, reached: reached})
			m.Acks = append(m.Acks, model.Ack{Step: step, At: at, By: actor, Reached: reached})
			ev(at, actor, model.EventIncidentAck, fmt.Sprintf("acknowledged step %d (%s): reached %s", step, st.Role, reached))
			return nil
		}
	}
	dur := inc.resolved.Sub(inc.opened)
	major := inc.peak().Major()
	majorFrom, majorTo, _ := inc.majorSpan()

	first := g.between(2*time.Minute, 30*time.Minute)
	if major {
		first = g.between(time.Minute, 6*time.Minute)
	}
	add(inc.opened.Add(min(first, dur/3)), ack(1, oncall, oncall))

	if c := inc.change; c != nil {
		add(c.at, func(at time.Time) error {
			before := m
			next, err := m.SetSeverity(c.to, oncall, at)
			if err != nil {
				return err
			}
			m = next
			rows.sevChanges = append(rows.sevChanges, rowSevChange{inc: inc.id, at: toMS(at), from: int(before.Severity), to: int(c.to), actor: oncall})
			verb := "raised"
			if c.to > before.Severity {
				verb = "lowered"
			}
			ev(at, oncall, model.EventIncidentSeverity, fmt.Sprintf("%s severity %s → %s", verb, before.Severity.Label(), c.to.Label())+g.s.dueNote(before, m, at))
			return nil
		})
	}

	commander := ""
	switch {
	case major:
		commander = g.pick(demoPeople)
		at := majorFrom.Add(g.between(2*time.Minute, 12*time.Minute))
		add(at, func(at time.Time) error {
			m.Commander, row.commander = commander, commander
			ev(at, oncall, model.EventIncidentCommander, "commander: "+commander)
			return nil
		})
		if inc.peak() == model.SEV1 {
			scribe := g.pick(demoPeople)
			add(at.Add(g.between(time.Minute, 5*time.Minute)), func(at time.Time) error {
				m.Scribe, row.scribe = scribe, scribe
				ev(at, commander, model.EventIncidentCommander, "scribe: "+scribe)
				return nil
			})
		}
	case g.chance(0.25):
		commander = g.pick(inc.svc.team)
		add(inc.opened.Add(g.between(5*time.Minute, 60*time.Minute)), func(at time.Time) error {
			m.Commander, row.commander = commander, commander
			ev(at, oncall, model.EventIncidentCommander, "commander: "+commander)
			return nil
		})
	}
	lead := g.pick(demoEngLeads)
	if major {
		due := majorFrom.Add(15 * time.Minute)
		if g.chance(0.08) {
			reason := g.pick(demoEscalationReasons)
			esc := majorFrom.Add(g.between(3*time.Minute, 10*time.Minute))
			if esc.Before(majorTo) {
				add(esc, func(at time.Time) error {
					st, _ := b.p.Step(2)
					rows.escalations = append(rows.escalations, rowEscalation{inc: inc.id, kind: string(model.ManualEscalateNow), step: 2, at: toMS(at), actor: oncall, reason: reason})
					m.Escalations = append(m.Escalations, model.ManualEscalation{Kind: model.ManualEscalateNow, Step: 2, At: at, By: oncall, Reason: reason})
					ev(at, oncall, model.EventIncidentEscalate, fmt.Sprintf("escalated now to step %d (%s): %s", 2, st.Role, reason))
					return nil
				})
				add(esc.Add(g.between(time.Minute, 5*time.Minute)), ack(2, oncall, lead))
			}
		} else if due.Before(majorTo) {
			add(majorFrom.Add(g.between(8*time.Minute, 24*time.Minute)), ack(2, oncall, lead))
		}
		if inc.peak() == model.SEV1 && majorFrom.Add(45*time.Minute).Before(majorTo) {
			add(majorFrom.Add(g.between(40*time.Minute, 55*time.Minute)), ack(3, cmp.Or(commander, oncall), demoDirector))
		}
		// Stakeholder updates on the SEV1/SEV2 cadence.
		t := majorFrom.Add(g.between(8*time.Minute, 20*time.Minute))
		for n := 0; n < 12 && t.Before(majorTo); n++ {
			every := 60 * time.Minute
			if inc.sevAt(t) == model.SEV1 {
				every = 30 * time.Minute
			}
			when := t
			add(when, func(at time.Time) error {
				u := b.update(inc, at)
				author := cmp.Or(m.Commander, oncall)
				rows.updates = append(rows.updates, rowUpdate{inc: inc.id, at: toMS(at), actor: author, conditions: u.Conditions, actions: u.Actions, needs: u.Needs})
				m.LastUpdateAt, row.lastUpdate = at, toMS(at)
				ev(at, author, model.EventIncidentUpdate, "update: "+u.OneLine())
				return nil
			})
			t = t.Add(every - g.between(0, 5*time.Minute))
		}
	}
	if inc.security {
		add(inc.opened.Add(g.between(2*time.Minute, 10*time.Minute)), ack(4, oncall, demoSecurity))
	}
	notes := 1 + g.r.IntN(3)
	if major {
		notes += 1 + g.r.IntN(2)
	}
	// The notes are listed roughly in the order an incident goes.
	picked := g.r.Perm(len(demoIncidentNotes))[:min(notes, len(demoIncidentNotes))]
	slices.Sort(picked)
	for k, at := range g.spread(len(picked), inc.opened.Add(time.Minute), inc.resolved.Add(-time.Minute)) {
		note := demoIncidentNotes[picked[k]]
		add(at, func(at time.Time) error {
			ev(at, oncall, model.EventIncidentNote, note)
			return nil
		})
	}
	if major {
		pos := 0
		for _, at := range g.spread(1+g.r.IntN(3), inc.opened.Add(dur/2), inc.resolved.Add(-time.Minute)) {
			item := g.pick(demoActionItems)
			add(at, func(at time.Time) error {
				pos++
				rows.actionItems = append(rows.actionItems, rowActionItem{inc: inc.id, pos: pos, text: item})
				m.ActionItems = append(m.ActionItems, item)
				ev(at, cmp.Or(m.Scribe, m.Commander, oncall), EventIncidentActionItem, fmt.Sprintf("action item %d: %s", pos, item))
				return nil
			})
		}
	}
	if !inc.mitig.IsZero() {
		add(inc.mitig, func(at time.Time) error {
			next, err := m.Transition(model.IncidentMitigated, at)
			if err != nil {
				return err
			}
			m = next
			ev(at, oncall, model.EventIncidentMitigated, "mitigated")
			return nil
		})
	}
	slices.SortStableFunc(acts, func(x, y action) int { return cmp.Or(x.at.Compare(y.at), cmp.Compare(x.seq, y.seq)) })
	for _, a := range acts {
		if err := a.do(a.at); err != nil {
			return fmt.Errorf("INC-%d: %w", inc.id, err)
		}
	}
	next, err := m.Transition(model.IncidentResolved, inc.resolved)
	if err != nil {
		return fmt.Errorf("INC-%d: %w", inc.id, err)
	}
	m = next
	text = "resolved"
	if g.chance(0.8) {
		row.rootCause = g.pick(inc.svc.causes)
		text += "; root cause: " + row.rootCause
	}
	ev(inc.resolved, cmp.Or(m.Commander, oncall), model.EventIncidentResolved, text)
	if row.mitigated != 0 && m.MitigatedAt.IsZero() {
		row.mitigated = 0
	}
	row.sev = int(m.Severity)
	rows.incidents = append(rows.incidents, row)
	return nil
}

// update is a stakeholder update that fits where the incident is.
func (b *demoBuilder) update(inc *gIncident, at time.Time) model.StakeholderUpdate {
	g := b.g
	u := model.StakeholderUpdate{
		Conditions: fmt.Sprintf("%s: %s", inc.svc.name, strings.ToLower(inc.title[:1])+inc.title[1:]),
		Actions:    g.pick([]string{"investigating the cause", "rolling back the last deploy", "scaling out as a stop-gap", "testing a fix in staging"}),
	}
	if !inc.mitig.IsZero() && !at.Before(inc.mitig) {
		u.Conditions += "; impact mitigated"
		u.Actions = g.pick([]string{"monitoring after the mitigation", "preparing the permanent fix"})
	}
	if g.chance(0.3) {
		u.Needs = g.pick([]string{"a decision on customer comms", "help from the platform team", "approval for a hotfix"})
	}
	return u
}
