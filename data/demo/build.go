package demo

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// builder is phase 2: it turns the plan into the rows of a data.Bulk.
type builder struct {
	g     *gen
	bulk  *data.Bulk
	touch []time.Time // per deployment index: the last change (updated_at)
	// moments are the incident changes that can move the freeze or a hold
	// (holdEvents).
	moments []holdMoment
}

func (g *gen) build() (*data.Bulk, error) {
	b := &builder{g: g, bulk: &data.Bulk{}, touch: make([]time.Time, len(g.deps))}
	n := len(g.deps)
	b.bulk.Deployments = make([]model.Deployment, 0, n)
	b.bulk.Items = make([]model.Item, 0, n*len(g.items))
	b.bulk.Events = make([]model.Event, 0, g.opt.Events+g.opt.Events/20)
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
	b.holdEvents()
	b.executionTicks()
	for i := range b.bulk.Deployments {
		d := &b.bulk.Deployments[i]
		d.UpdatedAt = laterOf(d.CreatedAt, b.touch[i])
	}
	b.bulk.Events = inTimeOrder(b.bulk.Events)
	return b.bulk, nil
}

// inTimeOrder sorts the timeline by time (to the millisecond, as stored),
// keeping the order of events at the same instant: the order they were
// appended in, which is the order the store writes them. It sorts indexes,
// not the events, which are large.
func inTimeOrder(evs []model.Event) []model.Event {
	ms := make([]int64, len(evs))
	order := make([]int32, len(evs))
	for i := range evs {
		ms[i], order[i] = evs[i].At.UnixMilli(), int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp.Or(cmp.Compare(ms[x], ms[y]), cmp.Compare(x, y)) })
	out := make([]model.Event, len(evs))
	for i, k := range order {
		out[i] = evs[k]
	}
	return out
}

// versions gives each deployment, in time order, its version, commit and
// people.
func (g *gen) versions() {
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

func (g *gen) oncall(t time.Time) string {
	week := int(t.Sub(g.start) / (7 * 24 * time.Hour))
	return demoPeople[week%len(demoPeople)]
}

// event appends a timeline event. Events at one instant keep the order they
// are appended in, which is the order the store writes them.
func (b *builder) event(at time.Time, actor string, kind model.EventKind, dep *gDeploy, item int64, inc *gIncident, text string) {
	e := model.Event{At: at, Actor: actor, Kind: kind, ItemID: item, Text: text}
	if dep != nil {
		e.DeploymentID = dep.id
	}
	if inc != nil {
		e.IncidentID, e.Severity = inc.id, inc.sevAt(at)
	}
	b.bulk.Events = append(b.bulk.Events, e)
}

// depEvent is an event that also touches the deployment (updated_at).
func (b *builder) depEvent(at time.Time, actor string, kind model.EventKind, d *gDeploy, item int64, text string) {
	b.event(at, actor, kind, d, item, nil, text)
	b.touch[d.id-1] = laterOf(b.touch[d.id-1], at)
}

func demoTitle(d *gDeploy) string {
	return model.Deployment{Service: d.svc.name, Version: d.version, Environment: d.env}.Title()
}

// tick sets checklist item i of d (index into the template's items).
func (b *builder) tick(d *gDeploy, i int, at time.Time, actor, reason string) {
	it := &b.bulk.Items[int(d.id-1)*len(b.g.items)+i]
	it.By, it.At = actor, at
	if reason != "" {
		it.State, it.Reason = model.ItemNA, reason
		b.depEvent(at, actor, model.EventItemNA, d, it.ID, model.TextItemNA(it.Text, reason))
		return
	}
	it.State = model.ItemDone
	var watch time.Time // each item is ticked once: the watch starts with it
	if model.StartsStabilityWatch(*it) {
		watch = at
	}
	b.depEvent(at, actor, model.EventItemDone, d, it.ID, model.TextItemDone(it.Text, watch))
}

// spread is n sorted times in [from, to].
func (g *gen) spread(n int, from, to time.Time) []time.Time {
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

func (b *builder) deployment(d *gDeploy) error {
	g := b.g
	bulk := b.bulk
	dep := model.Deployment{ID: d.id, Service: d.svc.name, Version: d.version, Environment: d.env, Strategy: d.strategy,
		Status: d.outcome, Template: g.tpl.Name, StartedBy: d.startedBy, CreatedAt: d.created, FinishedAt: d.finished(),
		CommitSHA: d.sha, CommittedAt: d.committed, Commits: demoCommits(d)}
	if d.execAt > 0 {
		dep.ExecutionAt = d.at(d.execAt)
	}
	if d.outcome == model.StatusRolledBack {
		dep.RollbackAt, dep.StabilityAt = d.at(d.abortAt), d.at(d.verifyAt)
	}
	if d.hotfix != nil {
		dep.HotfixFor = d.hotfix.id
	}
	bulk.Deployments = append(bulk.Deployments, dep)
	base := (d.id - 1) * int64(len(g.items))
	for i, it := range g.items {
		bulk.Items = append(bulk.Items, model.Item{ID: base + int64(i) + 1, DeploymentID: d.id, Phase: it.Phase, Section: it.Section,
			Position: it.Position, Text: it.Text, State: model.ItemTodo})
	}
	for pos, gd := range g.tpl.AllGuidance() {
		bulk.Guidance = append(bulk.Guidance, data.BulkGuidance{DeploymentID: d.id, Position: pos + 1, Guidance: gd})
	}
	title := demoTitle(d)

	// Starting: the freeze override (written first), the start, the hotfix mark.
	if d.override != "" {
		if lead, reason, ok := g.freezeAt(d.created); ok {
			why := "unrelated low-risk change, approved by the incident commander"
			if d.override == "hotfix" {
				why = "hotfix for " + model.Incident{ID: d.hotfix.id}.Ref()
			}
			b.event(d.created, d.startedBy, model.EventFreezeOverride, d, 0, lead, model.TextFreezeOverride(title, reason, why))
		}
	}
	b.depEvent(d.created, d.startedBy, model.EventDeployStarted, d, 0, model.TextDeployStarted(title, d.strategy))
	if d.hotfix != nil {
		b.event(d.created, d.startedBy, model.EventDeployHotfix, d, 0, d.hotfix, model.TextHotfixMarked(d.id, title, d.hotfix.id, 0))
		b.touch[d.id-1] = laterOf(b.touch[d.id-1], d.created)
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
			row := &bulk.Items[int(base)+i]
			row.Note, row.NoteBy, row.NoteAt = note, actor, at
			b.depEvent(at, actor, model.EventItemNote, d, row.ID, model.TextItemNote(it.Text, note))
		}
	}
	if d.outcome == model.StatusAborted {
		reason := g.pick([]string{"release pulled: bug found in review", "superseded by the next release", "dependency not ready", ""})
		b.depEvent(d.finished(), d.runner, model.EventRolloutAbort, d, 0, model.TextAbortedPlanned(reason))
		return nil
	}

	// Deployment Execution and the rollout.
	at := d.at(d.execAt)
	if d.gateOpen > 0 {
		why := g.pick([]string{"security fix, reviewed in the ticket", "customer escalation, approved by the Eng Lead",
			"items done outside flightdeck"})
		b.depEvent(at, d.runner, model.EventGateOverride, d, 0, model.TextGateOverride(d.gateOpen, why))
	}
	b.depEvent(at, d.runner, model.EventExecutionStart, d, 0, model.TextExecutionStarted())
	r, err := model.Start(g.plans[d.strategy], at)
	if err != nil {
		return err
	}
	st := r.Status(at, false)
	b.depEvent(at, d.runner, model.EventRolloutStart, d, 0, model.TextRolloutStarted(r.Plan.Strategy, st.Label, st.Soak, st.EndsAt))

	// Health readings: on some deployments, and always before a rollback
	// the error rate decided.
	baseline := math.Round((0.2+1.3*g.r.Float64())*10) / 10
	var prev model.Health
	record := func(at time.Time, rate float64) {
		h := model.Health{BaselineErrorRate: baseline, ErrorRate: math.Round(rate*100) / 100, Has: true, At: at}
		met, expl := g.rule.Evaluate(h)
		bulk.Health = append(bulk.Health, data.BulkHealth{DeploymentID: d.id, Health: h, Actor: d.runner, Source: data.HealthSourceManual})
		b.depEvent(at, d.runner, model.EventHealthRecorded, d, 0, model.TextHealthRecorded(expl))
		if wasMet, _ := g.rule.Evaluate(prev); met && !wasMet {
			b.depEvent(at, d.runner, model.EventHealthCriteriaMet, d, 0, model.TextCriteriaMet(expl))
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
			b.depEvent(pat, d.runner, model.EventRolloutPause, d, 0, model.TextPaused(ps.Label, ps.Remaining))
			rat := d.at(gs.pauseAt + gs.pauseFor)
			if r, err = model.Resume(r, rat); err != nil {
				return err
			}
			rs := r.Status(rat, false)
			b.depEvent(rat, d.runner, model.EventRolloutResume, d, 0, model.TextResumed(rs.Label, rs.Remaining, rs.EndsAt))
		}
		endAt := d.at(gs.end)
		if stage.Soak > 0 {
			es := r.Status(endAt, false)
			bulk.Ready = append(bulk.Ready, data.BulkReady{DeploymentID: d.id, Stage: i, At: es.EndsAt})
			b.event(es.EndsAt, data.SystemActor, model.EventRolloutReady, d, 0, nil, model.TextReady(es.Label, es.Soak, false))
		}
		from := r.Status(endAt, false)
		if i < len(r.Plan.Stages)-1 {
			if r, err = model.Promote(r, endAt, "", model.Gate{}); err != nil {
				return fmt.Errorf("deployment #%d stage %d: %w", d.id, i+1, err)
			}
			to := r.Status(endAt, false)
			override := model.OverrideNote(r.History[len(r.History)-1], from, "", nil)
			b.depEvent(endAt, d.runner, model.EventRolloutPromote, d, 0, model.TextPromoted(from.Label, to.Label, to.Soak, to.EndsAt, override))
		} else {
			if r, err = model.Finish(r, endAt, "", model.Gate{}); err != nil {
				return fmt.Errorf("deployment #%d finish: %w", d.id, err)
			}
			override := model.OverrideNote(r.History[len(r.History)-1], from, "", nil)
			b.depEvent(endAt, d.runner, model.EventRolloutFinish, d, 0, model.TextFinished(from.Label, override))
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
			bulk.Declarations = append(bulk.Declarations, data.BulkDeclaration{DeploymentID: d.id,
				Declaration: model.Declaration{Criterion: dc.criterion, Reason: reason, By: d.runner, At: trigger}})
			b.depEvent(trigger, d.runner, model.EventHealthDeclared, d, 0, model.TextCriteriaDeclared(dc.criterion, reason))
		}
		label := r.Status(abortAt, false).Label
		if r, err = model.Abort(r, abortAt); err != nil {
			return err
		}
		b.depEvent(abortAt, d.runner, model.EventRolloutAbort, d, 0, model.TextAborted(label, g.pick(demoAbortReasons)))
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
		left, started := dep.StabilityRemaining(done)
		b.depEvent(done, d.runner, model.EventRolloutRolledBack, d, 0, model.TextRolledBack(label, started, left, ""))
		if g.chance(0.6) {
			for _, text := range []string{"Document root cause and action items in incident report", "Schedule postmortem meeting within 24-48 hours"} {
				if i, ok := g.rbItem[text]; ok {
					b.tick(d, i, done.Add(g.between(10*time.Minute, 2*time.Hour)), d.runner, "")
				}
			}
		}
	}

	bulk.Rollouts = append(bulk.Rollouts, data.BulkRollout{DeploymentID: d.id, Rollout: r})
	return nil
}

// freezeAt is what the store's freeze check would have said at t: the lead
// incident and the reason (model.Freeze).
func (g *gen) freezeAt(t time.Time) (*gIncident, string, bool) {
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
func (b *builder) executionTicks() {
	g := b.g
	const liveEvents = 70 // about what the live scenario writes
	var executed []*gDeploy
	for _, d := range g.deps {
		if d.execAt > 0 {
			executed = append(executed, d)
		}
	}
	left := g.opt.Events - liveEvents - len(b.bulk.Events)
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
// store would have written, and the incident as they leave it is its row.
func (b *builder) incident(inc *gIncident) error {
	g := b.g
	bulk := b.bulk
	oncall := g.oncall(inc.opened)
	openedBy := oncall
	if g.chance(0.3) {
		openedBy = g.pick(inc.svc.team)
	}
	m := model.Incident{ID: inc.id, Title: inc.title, Severity: inc.sev0, Status: model.IncidentOpen, Security: inc.security,
		OpenedAt: inc.opened, OpenedBy: openedBy}
	if inc.security {
		m.SecurityAt = inc.opened
	}
	linked := ""
	if inc.dep != nil {
		m.DeploymentID = inc.dep.id
		linked = demoTitle(inc.dep)
	}
	b.event(inc.opened, openedBy, model.EventIncidentOpened, inc.dep, 0, inc, model.TextIncidentOpened(inc.sev0, inc.title,
		m.DeploymentID, linked, inc.security, model.DueNote(g.policy, model.Incident{}, m, inc.opened)))
	b.noteHold(inc.opened, openedBy, inc, m.Severity, m.Status)

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
			st, _ := g.policy.Step(step)
			m.Acks = append(m.Acks, model.Ack{Step: step, At: at, By: actor, Reached: reached})
			ev(at, actor, model.EventIncidentAck, model.TextAck(step, st.Role, reached))
			return nil
		}
	}
	name := func(role, person, actor string, field *string) func(time.Time) error {
		return func(at time.Time) error {
			was := *field
			*field = person
			ev(at, actor, model.EventIncidentCommander, model.TextRole(role, was, person))
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
			ev(at, oncall, model.EventIncidentSeverity, model.TextSeverityChanged(before.Severity, c.to, model.DueNote(g.policy, before, m, at)))
			b.noteHold(at, oncall, inc, m.Severity, m.Status)
			return nil
		})
	}

	commander := ""
	switch {
	case major:
		commander = g.pick(demoPeople)
		at := majorFrom.Add(g.between(2*time.Minute, 12*time.Minute))
		add(at, name(data.RoleCommander, commander, oncall, &m.Commander))
		if inc.peak() == model.SEV1 {
			scribe := g.pick(demoPeople)
			add(at.Add(g.between(time.Minute, 5*time.Minute)), name(data.RoleScribe, scribe, commander, &m.Scribe))
		}
	case g.chance(0.25):
		commander = g.pick(inc.svc.team)
		add(inc.opened.Add(g.between(5*time.Minute, 60*time.Minute)), name(data.RoleCommander, commander, oncall, &m.Commander))
	}
	lead := g.pick(demoEngLeads)
	if major {
		due := majorFrom.Add(15 * time.Minute)
		if g.chance(0.08) {
			reason := g.pick(demoEscalationReasons)
			esc := majorFrom.Add(g.between(3*time.Minute, 10*time.Minute))
			if esc.Before(majorTo) {
				add(esc, func(at time.Time) error {
					st, _ := g.policy.Step(2)
					m.Escalations = append(m.Escalations, model.ManualEscalation{Kind: model.ManualEscalateNow, Step: 2, At: at, By: oncall, Reason: reason})
					ev(at, oncall, model.EventIncidentEscalate, model.TextEscalatedNow(2, st.Role, reason))
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
				bulk.Updates = append(bulk.Updates, data.BulkUpdate{IncidentID: inc.id, At: at, Actor: author, Update: u})
				m.LastUpdateAt = at
				ev(at, author, model.EventIncidentUpdate, model.TextStakeholderUpdate(u))
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
			// Entered when it happened: the history is never backdated.
			ev(at, oncall, model.EventIncidentNote, model.TextIncidentNote(note, at, at))
			return nil
		})
	}
	if major {
		for _, at := range g.spread(1+g.r.IntN(3), inc.opened.Add(dur/2), inc.resolved.Add(-time.Minute)) {
			item := g.pick(demoActionItems)
			add(at, func(at time.Time) error {
				m.ActionItems = append(m.ActionItems, model.ActionItem{Position: len(m.ActionItems) + 1, Text: item})
				ev(at, cmp.Or(m.Scribe, m.Commander, oncall), model.EventIncidentActionItem, model.TextActionItem(len(m.ActionItems), item))
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
			ev(at, oncall, model.EventIncidentMitigated, model.TextMitigated())
			b.noteHold(at, oncall, inc, m.Severity, m.Status)
			return nil
		})
	}
	slices.SortStableFunc(acts, func(x, y action) int { return cmp.Or(x.at.Compare(y.at), cmp.Compare(x.seq, y.seq)) })
	for _, a := range acts {
		if err := a.do(a.at); err != nil {
			return fmt.Errorf("%s: %w", m.Ref(), err)
		}
	}
	next, err := m.Transition(model.IncidentResolved, inc.resolved)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Ref(), err)
	}
	m = next
	if g.chance(0.8) {
		m.RootCause = g.pick(inc.svc.causes)
	}
	ev(inc.resolved, cmp.Or(m.Commander, oncall), model.EventIncidentResolved, model.TextResolved(m.RootCause))
	b.noteHold(inc.resolved, cmp.Or(m.Commander, oncall), inc, m.Severity, m.Status)
	bulk.Incidents = append(bulk.Incidents, m)
	return nil
}

// update is a stakeholder update that fits where the incident is.
func (b *builder) update(inc *gIncident, at time.Time) model.StakeholderUpdate {
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

// demoCommits are the commits a deployment ships: the deployed one and up
// to four before it, hours apart, so metrics measure lead time per change.
// They come from a generator seeded by the deployment's own commit, not the
// history's, so adding them changed nothing else the seed produces.
func demoCommits(d *gDeploy) []model.Commit {
	if d.committed.IsZero() {
		return nil
	}
	h := sha256.Sum256([]byte(d.sha))
	r := rand.New(rand.NewPCG(binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:16])))
	out := []model.Commit{{SHA: d.sha, CommittedAt: d.committed, AuthoredAt: d.committed.Add(-10 * time.Minute), Position: 0}}
	at := d.committed
	for k := range r.IntN(5) {
		at = at.Add(-time.Duration(10+r.IntN(170)) * time.Minute)
		sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", d.sha, k))
		out = append(out, model.Commit{SHA: hex.EncodeToString(sum[:20]), CommittedAt: at, AuthoredAt: at.Add(-20 * time.Minute), Position: k + 1})
	}
	return out
}
