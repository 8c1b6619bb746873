package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/model"
)

// headerInfo is what the header line says, gathered from the model's state
// (headerInfoOf) so that the line itself is a pure function of (info,
// width): headerLine, table-tested at every width that matters.
type headerInfo struct {
	Clock  string // "14:02:00", always shown
	Zone   string // "UTC", dropped last of all
	Loaded bool

	HasDeploy bool
	ID        int64
	Service   string
	Version   string
	Env       string
	Strategy  string
	Stage     string // "1/4 · 5%" once the rollout runs, else the checklist phase
	State     string // "SOAKING", "READY TO PROMOTE"; "" before the rollout
	// Hold is set while the focused rollout is held ("HOLD" or "HOLD: INC-1
	// SEV1 open"); it is never dropped. Hook: the holds stream's model
	// state fills it (see headerInfoOf).
	Hold   string
	Others int // other active deployments

	Freeze      bool
	Worst       string // the most severe open incident: "SEV1 INC-1"
	Counts      string // "SEV1×1 SEV3×1": decoration beside Worst
	NoCommander string // ref of a SEV1/SEV2 with no commander: "INC-1"
	Deadline    string // the next deadline: "INC-1 Eng Lead in 12:30", "INC-1 postmortem in 18:55:38"
	DeadlineAt  string // the same without the incident: "Eng Lead in 12:30", "postmortem in 18:55:38"
	// DeadlineDue is the state of a due or overdue step alone ("OVERDUE
	// +3:16:07", "DUE NOW"), "" otherwise: in the narrowest header the
	// step's name gives way before its clock does.
	DeadlineDue string
}

// headerCut is how much decoration a header rendering leaves out. Cuts are
// applied in headerCuts' order: decoration first, then detail, never the
// safety flags (FREEZE, HOLD, NO COMMANDER, the worst incident, the next
// deadline) or the clock.
type headerCut struct {
	switchHint, envStrategy, title, counts, others, version, tight, deadlineRef, stage, state, commanderRef, idOnly, holdShort, deploy, tighter, zone, flag, holdNoID, worstShort, deadlineDue bool
}

var headerCuts = []func(*headerCut){
	func(c *headerCut) { c.switchHint = true },
	func(c *headerCut) { c.envStrategy = true },
	func(c *headerCut) { c.title = true },
	func(c *headerCut) { c.counts = true },
	func(c *headerCut) { c.others = true },
	func(c *headerCut) { c.version = true },
	func(c *headerCut) { c.tight = true },
	func(c *headerCut) { c.deadlineRef = true },
	func(c *headerCut) { c.stage = true },
	func(c *headerCut) { c.state = true },
	func(c *headerCut) { c.commanderRef = true },
	func(c *headerCut) { c.idOnly = true },
	func(c *headerCut) { c.holdShort = true },
	func(c *headerCut) { c.deploy = true },
	func(c *headerCut) { c.tighter = true },
	func(c *headerCut) { c.zone = true },
	func(c *headerCut) { c.flag = true },
	// A one-pane layout under 80 columns: the flags stay, their labels go.
	func(c *headerCut) { c.holdNoID = true },
	func(c *headerCut) { c.worstShort = true },
	func(c *headerCut) { c.deadlineDue = true },
}

// headerTitle is the product name at the header's left, the first thing to
// go when room is short.
const headerTitle = " flightdeck "

// headerLine lays the header out in w cells: title (may be ""), the middle
// and the clock, whose widths add up to w. The most detailed rendering that
// fits wins; when even the barest one does not, the middle is truncated.
func headerLine(h headerInfo, w int) (title, mid, clock string) {
	full := " " + h.Clock + " " + h.Zone + " "
	if w <= ansi.StringWidth(full)+4 {
		return "", "", pad(" "+h.Clock+" "+h.Zone, w)
	}
	var c headerCut
	for i := 0; ; i++ {
		title, clock = headerTitle, full
		if c.title {
			title = ""
		}
		if c.zone {
			clock = " " + h.Clock + " "
		}
		mid = " " + h.middle(c) + " "
		room := w - ansi.StringWidth(title) - ansi.StringWidth(clock)
		if ansi.StringWidth(mid) <= room || i == len(headerCuts) {
			return title, pad(mid, room), clock
		}
		headerCuts[i](&c)
	}
}

// middle is the header between title and clock with cut c applied.
func (h headerInfo) middle(c headerCut) string {
	var parts []string
	switch {
	case !h.Loaded:
		if !c.deploy {
			parts = append(parts, "loading…")
		}
	case !h.HasDeploy:
		if !c.deploy {
			parts = append(parts, "no active deployment")
		}
	case !c.deploy:
		d := fmt.Sprintf("#%d", h.ID)
		if !c.idOnly {
			d += " " + h.Service
		}
		if !c.version && !c.idOnly {
			d += " " + h.Version
		}
		if !c.envStrategy {
			d += " → " + h.Env + " · " + h.Strategy
		}
		if h.Stage != "" && !c.stage {
			d += " " + h.Stage
		}
		if h.State != "" && !c.state {
			d += " " + h.State
		}
		if h.Hold != "" {
			d += " " + h.hold(c)
		}
		parts = append(parts, d)
	}
	if c.deploy && h.Hold != "" {
		if c.holdNoID {
			parts = append(parts, h.hold(c))
		} else {
			parts = append(parts, fmt.Sprintf("#%d %s", h.ID, h.hold(c)))
		}
	}
	if h.Loaded && h.HasDeploy && h.Others > 0 && !c.others {
		o := fmt.Sprintf("+%d active", h.Others)
		if !c.switchHint {
			o += " (s to switch)"
		}
		parts = append(parts, o)
	}
	if h.Freeze {
		parts = append(parts, "FREEZE")
	}
	switch {
	case h.Worst == "":
		if h.Loaded {
			parts = append(parts, "no open incidents")
		}
	case h.Counts != "" && !c.counts:
		parts = append(parts, h.Worst+" ("+h.Counts+")")
	case c.worstShort:
		sev, _, _ := strings.Cut(h.Worst, " ")
		parts = append(parts, sev)
	default:
		parts = append(parts, h.Worst)
	}
	if h.NoCommander != "" {
		flag := "⚑ "
		if c.flag {
			flag = ""
		}
		if c.commanderRef {
			parts = append(parts, flag+"NO COMMANDER")
		} else {
			parts = append(parts, flag+h.NoCommander+" NO COMMANDER")
		}
	}
	if h.Deadline != "" {
		if c.deadlineDue && h.DeadlineDue != "" {
			parts = append(parts, h.DeadlineDue)
		} else if c.deadlineRef {
			parts = append(parts, h.DeadlineAt)
		} else {
			parts = append(parts, h.Deadline)
		}
	}
	sep := " │ "
	switch {
	case c.tighter:
		sep = " "
	case c.tight:
		sep = " · "
	}
	return strings.Join(parts, sep)
}

// hold is the hold flag, without its reason once room is short.
func (h headerInfo) hold(c headerCut) string {
	if c.holdShort {
		word, _, _ := strings.Cut(h.Hold, ":")
		return word
	}
	return h.Hold
}

// headerInfoOf gathers the header's facts from the dashboard's state at now.
func (m Model) headerInfoOf() headerInfo {
	h := headerInfo{
		Clock:  m.now.In(m.loc()).Format("15:04:05"),
		Zone:   zoneName(m.now, m.loc()),
		Loaded: m.loaded,
	}
	if d, ok := m.focused(); ok {
		h.HasDeploy, h.ID = true, d.ID
		h.Service, h.Version = clean(d.Service), clean(d.Version)
		h.Env, h.Strategy = clean(d.Environment), clean(string(d.Strategy))
		h.Stage = d.CurrentPhase()
		h.Others = len(m.deployments) - 1
		if m.rollout.started && m.rollout.deploy.ID == d.ID {
			rs := m.rollout.status(m.now)
			h.Stage, h.State = rs.Label, stateWord(rs)
			switch rs.State {
			case model.RolloutHold: // a SEV1/SEV2 open on the deployment
				h.State, h.Hold = "", "HOLD: "+m.rollout.gate(false).HoldText()
			case model.RolloutCriteriaMet:
				h.State, h.Hold = "", "HOLD: rollback criteria met"
			}
		}
	}
	incs := m.escalation.incidents
	h.Freeze, _ = model.Freeze(incs)
	if worst, ok := worstIncident(incs); ok {
		h.Worst = worst.Severity.Label() + " " + worst.Ref()
		if len(incs) > 1 {
			h.Counts = incidentSummary(incs)
		}
	}
	for _, i := range incs {
		if i.NeedsCommander() {
			h.NoCommander = i.Ref()
			break
		}
	}
	h.Deadline, h.DeadlineAt, h.DeadlineDue = nextDeadline(m.escalation.policy, incs, m.escalation.resolved, m.now)
	return h
}

// worstIncident is the most severe open incident, the oldest among equals.
func worstIncident(incs []model.Incident) (model.Incident, bool) {
	var w model.Incident
	found := false
	for _, i := range incs {
		if !i.Status.Active() {
			continue
		}
		if !found || i.Severity < w.Severity || (i.Severity == w.Severity && i.ID < w.ID) {
			w, found = i, true
		}
	}
	return w, found
}

// nextDeadline is the most urgent escalation step of the open incidents:
// an overdue or due one first, else the pending one due soonest, as
// "INC-1 Eng Lead in 12:30" and without the incident ("Eng Lead in 12:30").
// A resolved incident's postmortem meeting still to come takes its place
// when it is sooner than every pending step and none is due or overdue:
// "INC-1 postmortem in 18:55:38". dueNow is the state of a due or overdue
// step alone ("OVERDUE +02:10"), else "".
func nextDeadline(p model.EscalationPolicy, incs, resolved []model.Incident, now time.Time) (deadline, at, dueNow string) {
	ref, role, when, due, urgent := nextEscalation(p, incs, now)
	if meet, ok := nextMeeting(resolved, now); ok && !urgent && (ref == "" || meet.Meeting.At.Before(due)) {
		at = "postmortem in " + model.FormatCountdown(model.Left(now, meet.Meeting.At))
		return meet.Ref() + " " + at, at, ""
	}
	if ref == "" {
		return "", "", ""
	}
	if urgent {
		dueNow = when
	}
	at = role + " " + when
	return ref + " " + at, at, dueNow
}

// nextMeeting is the soonest postmortem meeting not started yet.
func nextMeeting(resolved []model.Incident, now time.Time) (model.Incident, bool) {
	var best model.Incident
	found := false
	for _, inc := range resolved {
		m := inc.Meeting
		if m == nil || !m.At.After(now) {
			continue
		}
		if !found || m.At.Before(best.Meeting.At) {
			best, found = inc, true
		}
	}
	return best, found
}

// nextEscalation is nextDeadline's escalation step: the incident's ref, the
// step's short role ("Eng Lead") and when ("in 12:30"), its due time, and
// whether it is due or overdue already; ref is "" when no step is pending.
func nextEscalation(p model.EscalationPolicy, incs []model.Incident, now time.Time) (ref, role, when string, due time.Time, urgent bool) {
	var best model.StepStatus
	var bestInc model.Incident
	rank := func(s model.StepStatus) int {
		switch s.State {
		case model.StepOverdue:
			return 0
		case model.StepDue:
			return 1
		case model.StepPending:
			return 2
		}
		return 3
	}
	found := false
	for _, inc := range incs {
		if !inc.Status.Active() {
			continue
		}
		for _, s := range p.Ladder(inc, now) {
			if rank(s) == 3 || s.Due.IsZero() {
				continue
			}
			if !found || rank(s) < rank(best) || (rank(s) == rank(best) && s.Due.Before(best.Due)) {
				best, bestInc, found = s, inc, true
			}
		}
	}
	if !found {
		return "", "", "", time.Time{}, false
	}
	switch best.State {
	case model.StepOverdue:
		when = "OVERDUE +" + model.FormatCountdown(best.Overdue)
	case model.StepDue:
		when = "DUE NOW"
	default:
		when = "in " + model.FormatCountdown(best.Remaining)
	}
	return bestInc.Ref(), clean(best.Step.ShortRole()), when, best.Due, best.State != model.StepPending
}
