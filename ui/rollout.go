package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/octoacme/flightdeck/model"
)

// rolloutPane is the live canary timer: where the rollout is, how long the
// current soak has left, what comes next, and whether the rollback criteria
// are met. Every number is computed from stored times and `now`.
type rolloutPane struct {
	deploy    model.Deployment
	has       bool
	list      model.Checklist
	items     []model.Item
	rollout   model.Rollout
	started   bool
	health    model.Health
	declared  []model.Declaration
	incidents []model.Incident // every open incident; gate picks the linked ones
	rule      model.RollbackRule
	maxAge    time.Duration // how old a reading may be to promote without a reason
	bar       soakBar
	width     int
	height    int
	// tableFirst draws the stage table above the health line: in the
	// clock band (layout.go) the running stage's row then shares its line
	// with the escalation's next-update countdown instead of taking a line
	// of its own that the terminal is sent every second.
	tableFirst bool
}

func newRolloutPane(rule model.RollbackRule, maxAge time.Duration, r *lipgloss.Renderer) rolloutPane {
	fill := colorAccent.Dark
	if !r.HasDarkBackground() {
		fill = colorAccent.Light
	}
	if maxAge <= 0 {
		maxAge = model.DefaultHealthMaxAge
	}
	return rolloutPane{rule: rule, maxAge: maxAge, bar: newSoakBar(r.ColorProfile(), fill)}
}

func (p *rolloutPane) setSize(w, h int) { p.width, p.height = w, h }

func (p *rolloutPane) setData(d model.Deployment, has bool, list model.Checklist, s *Snapshot) {
	p.deploy, p.has, p.list = d, has, list
	p.rollout, p.started = s.Rollout, s.HasRollout && has
	p.health, p.declared = s.Health, s.Declared
	p.items, p.incidents = s.Items, s.Incidents
}

// gate is the store's gate (data's Store.gate) built from the snapshot, so
// the pane shows exactly what promote and finish will ask a reason for.
// withItems adds the items finish would leave open.
func (p *rolloutPane) gate(withItems bool) model.Gate {
	if !p.started {
		return model.Gate{}
	}
	_, why := model.CriteriaMet(p.rule, p.health, p.declared)
	g := model.Gate{Criteria: why, Incidents: model.LinkedIncidents(p.incidents, p.deploy.ID), Health: p.health, HealthMaxAge: p.maxAge}
	if withItems {
		g.OpenPhase = model.PhaseExecution
		if p.deploy.RollingBack() {
			g.OpenPhase = model.PhaseRollback
		}
		g.OpenItems = model.OpenItems(p.items, g.OpenPhase)
	}
	return g
}

// criteria reports whether rollback criteria are met, with one line per reason.
func (p *rolloutPane) criteria() (bool, []string) {
	if !p.started {
		return false, nil
	}
	return model.CriteriaMet(p.rule, p.health, p.declared)
}

// held reports whether a HOLD or met criteria stop the rollout now.
func (p *rolloutPane) held(now time.Time) bool {
	st := p.status(now).State
	return st == model.RolloutHold || st == model.RolloutCriteriaMet
}

func (p *rolloutPane) status(now time.Time) model.RolloutStatus {
	return p.rollout.Assess(now, p.gate(false))
}

func (p *rolloutPane) view(st Styles, now time.Time, loc *time.Location) []string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return nil
	}
	if !p.has {
		return wrapLines(st, w, h, []styledLine{
			{st.Text, "No rollout running."},
			{st.Muted, "Start a deployment with n, then ] in the checklist to begin Deployment Execution."},
		})
	}
	d := p.deploy
	if d.Status == model.StatusPlanned || !p.started {
		pre := model.Progress{}
		if i := p.list.PhaseIndex(model.PhasePreDeployment); i >= 0 {
			pre = p.list.Phases[i].Progress()
		}
		plan := model.DefaultPlan(d.Strategy)
		labels := make([]string, len(plan.Stages))
		for i, s := range plan.Stages {
			labels[i] = s.Label
		}
		msg := "Pre-Deployment done · ] in the checklist starts Deployment Execution"
		if pre.Open() > 0 {
			msg = fmt.Sprintf("Not started · %d Pre-Deployment open · ] in the checklist starts Deployment Execution", pre.Open())
		}
		return wrapLines(st, w, h, []styledLine{
			{st.Accent, fmt.Sprintf("%s: %s", clean(string(d.Strategy)), strings.Join(labels, " → "))},
			{st.Text, msg},
		})
	}

	s := p.status(now)
	met, why := p.criteria()
	if h <= 3 {
		return p.compactView(st, s, met, now, loc)
	}
	var lines []string
	add := func(l string) { lines = append(lines, fit(l, w)) }

	// Line 1: stage and state in words.
	stage := fmt.Sprintf("%s · stage %s", clean(string(d.Strategy)), clean(s.Label))
	add(joinLR(st.Accent, stage, p.stateBadge(st, s), w))

	// The banners come first when they apply, worst first: they must not be
	// missed, and none of them leaves room for "READY".
	if !p.rollout.Ended() {
		if hold := p.gate(false).HoldText(); hold != "" {
			add(st.Banner.Render(" HOLD: "+clean(hold)+" ") + " " + st.Danger.Render("p and f need a reason"))
		}
		if met {
			hint := "p and f need a reason"
			if len(p.declared) > 0 {
				hint = "p needs reason · C clears"
			}
			add(st.Banner.Render(pad(" ROLLBACK CRITERIA MET ", min(w, 24))) + " " + st.Danger.Render(hint))
			for _, l := range why {
				for _, wl := range wrapLines(st, w, 3, []styledLine{{st.Danger, "! " + clean(l)}}) {
					add(wl)
				}
			}
		}
	}

	switch s.State {
	case model.RolloutComplete:
		add(st.OK.Render(fmt.Sprintf("✓ Rollout complete at %s", clockTime(p.rollout.CompletedAt, now, loc))))
	case model.RolloutRollingBack, model.RolloutRolledBack:
		lines = append(lines, p.rollbackLines(st, now, loc, w)...)
	default:
		bar := p.bar.view(s.Progress, max(w-14, 4))
		left := model.FormatCountdown(s.Remaining)
		if s.Soak == 0 {
			add(st.Muted.Render("no minimum soak: promote when it is verified"))
		} else {
			add(fmt.Sprintf("%s %s", bar, st.Text.Render(fmt.Sprintf("%3d%%", percentShown(s.Progress)))))
		}
		switch {
		case !p.rollout.Live():
			for _, wl := range wrapLines(st, w, 3, []styledLine{{st.Warn, fmt.Sprintf("not live yet: the %s soak starts when “%s” is ticked (checklist, 1)",
				model.FormatCountdown(s.Soak), model.LiveItemText)}}) {
				add(wl)
			}
		case p.rollout.Paused:
			add(st.Warn.Render(fmt.Sprintf("PAUSED since %s · %s left when resumed", clockTime(p.rollout.PausedAt, now, loc), left)))
		case s.Remaining > 0:
			add(st.Text.Render(fmt.Sprintf("%s left · soak ends %s", left, s.EndsAt.In(loc).Format("15:04:05"))))
		default:
			wait := ""
			if s.Waiting >= time.Second {
				wait = " · waiting " + model.FormatCountdown(s.Waiting)
			}
			switch s.State {
			case model.RolloutReady:
				if s.Last {
					add(st.OK.Render("READY TO FINISH") + st.Muted.Render(" · f finishes the deployment"+wait))
				} else {
					add(st.OK.Render("READY TO PROMOTE") + st.Muted.Render(" · p promotes to "+clean(s.Next)+wait))
				}
			case model.RolloutNeedsHealth:
				add(st.Warn.Render("soak served · no fresh reading") + st.Muted.Render(" · h records one"+wait))
			default: // held: the banner above says why
				add(st.Muted.Render("soak served" + wait))
			}
		}
		next := "next: finish"
		if s.Next != "" {
			next = "next: " + clean(s.Next)
		}
		if !s.ETA.IsZero() {
			next += " · finish ETA " + clockTime(s.ETA, now, loc)
		}
		add(st.Muted.Render(next))
	}
	if p.tableFirst {
		if room := h - len(lines) - 1; room > 0 {
			lines = append(lines, p.stageTimeLines(st, now, room, w)...)
		}
		add(p.healthLine(st, now, loc))
	} else {
		add(p.healthLine(st, now, loc))
		if len(lines) < h {
			lines = append(lines, p.stageTimeLines(st, now, h-len(lines), w)...)
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return lines
}

// stateWord is the rollout state as the pane title and the header say it:
// at the last stage a served soak is READY TO FINISH, as the body says (D24).
func stateWord(s model.RolloutStatus) string {
	if s.State == model.RolloutReady && s.Last {
		return "READY TO FINISH"
	}
	return strings.ToUpper(string(s.State))
}

// percentShown is the soak progress as a whole percent, rounded down: 100%
// only once the soak is over (99.7% with 3 s to go reads 99%).
func percentShown(progress float64) int {
	return int(math.Floor(min(max(progress, 0), 1) * 100))
}

// soakBar draws the soak's progress as bubbles' progress bar does (its
// glyphs, its colours on this renderer's profile), but with one colour
// sequence for the filled run and one for the empty run, where the bar
// colours every cell on its own: 15 bytes a cell, a kilobyte a bar at
// 200 columns, sent again each time a cell fills.
type soakBar struct {
	full, empty termenv.Color
}

func newSoakBar(p termenv.Profile, fill string) soakBar {
	return soakBar{full: p.Color(fill), empty: p.Color(barEmptyColor)}
}

// Bubbles' progress bar's glyphs and empty colour.
const (
	barFull       = "█"
	barEmpty      = "░"
	barEmptyColor = "#606060"
)

// view is a bar of width cells showing progress rounded down to whole
// cells (barFill).
func (b soakBar) view(progress float64, width int) string {
	fw := int(math.Round(float64(width) * barFill(progress, width)))
	fw = max(0, min(width, fw))
	var out strings.Builder
	if fw > 0 {
		out.WriteString(termenv.String(strings.Repeat(barFull, fw)).Foreground(b.full).String())
	}
	if width > fw {
		out.WriteString(termenv.String(strings.Repeat(barEmpty, width-fw)).Foreground(b.empty).String())
	}
	return out.String()
}

// barFill is progress rounded down to whole cells of a bar width cells
// wide: the progress bar rounds to the nearest cell, which would fill the
// bar before the soak is over.
func barFill(progress float64, width int) float64 {
	if width <= 0 || progress >= 1 {
		return min(max(progress, 0), 1)
	}
	return math.Floor(max(progress, 0)*float64(width)) / float64(width)
}

func (p *rolloutPane) stateBadge(st Styles, rs model.RolloutStatus) string {
	word, s := stateWord(rs), rs.State
	switch s {
	case model.RolloutReady, model.RolloutComplete:
		return st.OK.Render(word)
	case model.RolloutHold, model.RolloutCriteriaMet, model.RolloutRollingBack, model.RolloutRolledBack:
		return st.Danger.Render(word)
	case model.RolloutPaused, model.RolloutNotLive, model.RolloutNeedsHealth:
		return st.Warn.Render(word)
	}
	return st.Accent.Render(word)
}

func (p *rolloutPane) rollbackLines(st Styles, now time.Time, loc *time.Location, w int) []string {
	d := p.deploy
	var out []string
	rb := model.Progress{}
	if i := p.list.PhaseIndex(model.PhaseRollback); i >= 0 {
		rb = p.list.Phases[i].Progress()
	}
	if d.Status == model.StatusRolledBack {
		out = append(out, fit(st.Danger.Render(fmt.Sprintf("Rolled back · finished %s", clockTime(d.FinishedAt, now, loc))), w))
	} else {
		out = append(out, fit(st.Danger.Render(fmt.Sprintf("Rolling back since %s", clockTime(d.RollbackAt, now, loc)))+st.Muted.Render(fmt.Sprintf(" · Rollback checklist %s", rb)), w))
	}
	if sb := d.StabilityOf(now, p.health, p.rule); sb.Started {
		switch {
		case sb.Remaining > 0:
			out = append(out, fit(st.Warn.Render(fmt.Sprintf("stability watch %s left · ends %s", model.FormatCountdown(sb.Remaining), sb.EndsAt.In(loc).Format("15:04:05"))), w))
		case sb.Stable():
			out = append(out, fit(st.OK.Render("✓ stable for 15 min")+st.Muted.Render(" · f marks the deployment rolled back"), w))
		case sb.Reading:
			out = append(out, fit(st.Danger.Render("✗ watch served but the last reading is not healthy")+st.Muted.Render(" · h records a new one"), w))
		default:
			out = append(out, fit(st.Warn.Render("? watch served, no reading since "+d.StabilityAt.In(loc).Format(time.TimeOnly))+st.Muted.Render(" · h records one: stable needs it"), w))
		}
	} else if d.Status != model.StatusRolledBack {
		out = append(out, fit(st.Muted.Render("stability watch (15 min) starts when “Verify previous version is running correctly” is ticked"), w))
	}
	return out
}

func (p *rolloutPane) healthLine(st Styles, now time.Time, loc *time.Location) string {
	c := p.gate(false).CheckHealth(p.rollout, now)
	if !p.health.Has {
		why := ""
		if !c.FailingSince.IsZero() {
			why = " (" + model.ProbeFailingText(c.FailingSince, c.Failures, c.Reason, loc) + ")"
		}
		return st.Muted.Render("? health: no error rate yet" + why + " · h records one (rule: " + p.rule.String() + ")")
	}
	h := p.health
	diff := h.ErrorRate - h.BaselineErrorRate
	reading := fmt.Sprintf("error rate %.2f%% vs baseline %.2f%% (%+.2f pts)", h.ErrorRate, h.BaselineErrorRate, diff)
	if !c.FailingSince.IsZero() && p.started && !p.rollout.Ended() {
		// The probe fails now: what the last reading said is history, and
		// the first words must say that nobody knows.
		return st.Warn.Render("? health unknown: "+model.ProbeFailingText(c.FailingSince, c.Failures, c.Reason, loc)) +
			st.Muted.Render(" · last "+reading+" "+agoPhrase(now, h.At))
	}
	if met, _ := p.rule.Evaluate(h); met {
		return st.Danger.Render("✗ "+reading) + st.Muted.Render(" · "+agoPhrase(now, h.At))
	}
	if p.started && !p.rollout.Ended() && !c.Fresh {
		// Never a green tick on a reading that says nothing about now.
		return st.Warn.Render("? health: "+c.Text(now, loc)) + st.Muted.Render(" · last "+reading+" · h records one")
	}
	if p.held(now) {
		// Within the rule, but no green tick under a hold or met criteria:
		// the banner above is what counts.
		return st.Muted.Render("· " + reading + " · " + agoPhrase(now, h.At) + " · within the rule")
	}
	return st.OK.Render("✓ "+reading) + st.Muted.Render(" · "+agoPhrase(now, h.At))
}

// stageTimeLines: where the time went — soaking vs waiting for a human.
func (p *rolloutPane) stageTimeLines(st Styles, now time.Time, room, w int) []string {
	times := p.rollout.StageTimes(now)
	if room < 2 || len(times) == 0 {
		return nil
	}
	out := []string{st.Muted.Render(fit("stage      soaking  waiting  paused", w))}
	for _, t := range times {
		if len(out) >= room {
			break
		}
		line := fmt.Sprintf("%-10s %7s  %7s  %6s", fit(clean(t.Label), 10), model.FormatCountdown(t.Soaking), model.FormatCountdown(t.Waiting), model.FormatCountdown(t.Paused))
		if t.Override != "" {
			line += "  override: " + clean(t.Override)
		}
		out = append(out, fit(st.Text.Render(line), w))
	}
	return out
}

// compactView is the rollout in two or three lines, for short panes: the
// state and countdown first, then the bar and health.
func (p *rolloutPane) compactView(st Styles, s model.RolloutStatus, met bool, now time.Time, loc *time.Location) []string {
	w, h := p.width, p.height
	var first string
	switch {
	case s.State == model.RolloutHold:
		first = st.Banner.Render(" HOLD: "+clean(p.gate(false).HoldText())+" ") + " " + st.Text.Render(s.Label)
	case met && !p.rollout.Ended():
		first = st.Banner.Render(" ROLLBACK CRITERIA MET ") + " " + st.Text.Render(s.Label)
	case s.State == model.RolloutNotLive:
		first = st.Accent.Render(s.Label) + " · " + st.Warn.Render("NOT LIVE YET · tick “"+model.LiveItemText+"”")
	case s.State == model.RolloutNeedsHealth:
		first = st.Accent.Render(s.Label) + " · " + st.Warn.Render("NEEDS A HEALTH READING (h)")
	case s.State == model.RolloutSoaking:
		first = st.Accent.Render(s.Label) + " · " + st.Text.Render(fmt.Sprintf("%s left → %s", model.FormatCountdown(s.Remaining), s.EndsAt.In(loc).Format("15:04:05")))
	case s.State == model.RolloutPaused:
		first = st.Accent.Render(s.Label) + " · " + st.Warn.Render(fmt.Sprintf("PAUSED · %s left", model.FormatCountdown(s.Remaining)))
	case s.State == model.RolloutReady && s.Last:
		first = st.Accent.Render(s.Label) + " · " + st.OK.Render("READY TO FINISH (f)")
	case s.State == model.RolloutReady:
		first = st.Accent.Render(s.Label) + " · " + st.OK.Render("READY TO PROMOTE (p)")
	default:
		first = st.Accent.Render(s.Label) + " · " + p.stateBadge(st, s)
	}
	lines := []string{fit(first, w)}
	if h >= 2 {
		if p.deploy.RollingBack() || p.rollout.Ended() {
			lines = append(lines, p.rollbackLines(st, now, loc, w)...)
		} else {
			next := "then finish"
			if s.Next != "" {
				next = "then " + clean(s.Next)
			}
			// A hold or a breach does not stop the soak clock: when the
			// first line gave way to the state, the clock takes the place
			// of what comes next.
			if s.State != model.RolloutSoaking && s.State != model.RolloutPaused && s.State != model.RolloutNotLive && s.Remaining > 0 && !s.EndsAt.IsZero() {
				next = model.FormatCountdown(s.Remaining) + " left"
			}
			barW := w / 4
			if strings.HasSuffix(next, " left") {
				barW -= 2 // the clock is two cells longer than "then 25%"
			}
			bar := p.bar.view(s.Progress, max(barW, 4))
			lines = append(lines, fit(bar+" "+st.Muted.Render(next)+" · "+p.healthShort(st, now), w))
		}
	}
	if h >= 3 && !p.rollout.Ended() && !p.deploy.RollingBack() {
		if _, why := p.criteria(); met && len(why) > 0 {
			lines = append(lines, fit(st.Danger.Render("! "+clean(why[0])), w))
		} else if !s.ETA.IsZero() {
			lines = append(lines, fit(st.Muted.Render("finish ETA "+clockTime(s.ETA, now, loc)+" · "+clean(string(p.deploy.Strategy))), w))
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return lines
}

func (p *rolloutPane) healthShort(st Styles, now time.Time) string {
	if !p.health.Has {
		return st.Muted.Render("no error rate (h)")
	}
	if met, _ := p.rule.Evaluate(p.health); met {
		return st.Danger.Render(fmt.Sprintf("✗ %.1f%% vs %.1f%%", p.health.ErrorRate, p.health.BaselineErrorRate))
	}
	if c := p.gate(false).CheckHealth(p.rollout, now); !c.Fresh {
		return st.Warn.Render("? health unknown (h)")
	}
	if p.held(now) {
		return st.Muted.Render(fmt.Sprintf("%.1f%% vs %.1f%%", p.health.ErrorRate, p.health.BaselineErrorRate))
	}
	return st.OK.Render(fmt.Sprintf("✓ %.1f%% vs %.1f%%", p.health.ErrorRate, p.health.BaselineErrorRate))
}
