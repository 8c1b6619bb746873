package model

import (
	"fmt"
	"slices"
	"time"
)

// A decision is made on what a person saw. Every write from the dashboard,
// the CLI and the war room carries a Seen value — the part of the state the
// decision rests on, captured when the dialog opened or the command read the
// state — and the store compares it with the state inside the write's own
// transaction. When they differ nothing is written and the error is a
// StaleError (Stale…) naming who changed what and when.
//
// The zero value of each Seen type checks nothing: it is for seeding and
// scripted writes that decide on nothing (the demo year, tests of other
// rules). Every person-driven path captures one.

// RolloutPhase is the stored phase of a rollout, as a Seen compares it.
type RolloutPhase string

// Rollout phases.
const (
	PhaseNotStarted  RolloutPhase = "not started"
	PhaseRunning     RolloutPhase = "running"
	PhaseRollingBack RolloutPhase = "rolling back"
	PhaseEnded       RolloutPhase = "ended"
)

// RolloutSeen is the rollout a promote, pause, resume, abort or finish was
// decided on: its stage, whether it was paused, and its phase. Time passing
// (a soak ending) does not change it; another person's action does.
type RolloutSeen struct {
	Phase  RolloutPhase // "": nothing is checked
	Stage  int          // index into Plan.Stages
	Paused bool
}

// SeenRollout captures r as shown; the zero Rollout (none yet) is "not started".
func SeenRollout(r Rollout) RolloutSeen {
	s := RolloutSeen{Phase: PhaseRunning, Stage: r.Stage, Paused: r.Paused}
	switch {
	case !r.Started():
		return RolloutSeen{Phase: PhaseNotStarted}
	case !r.CompletedAt.IsZero() || !r.RolledBackAt.IsZero():
		s.Phase = PhaseEnded
	case !r.AbortedAt.IsZero():
		s.Phase = PhaseRollingBack
	}
	return s
}

// Checked reports whether s states an expectation at all.
func (s RolloutSeen) Checked() bool { return s.Phase != "" }

// Matches reports whether r is still the rollout s was captured from.
func (s RolloutSeen) Matches(r Rollout) bool { return !s.Checked() || SeenRollout(r) == s }

// IncidentSeen is the incident an incident action was decided on. Each
// action compares only what it rests on: status changes the status; a
// severity change the status and severity; an ack, escalate-now or skip-to
// the status, the acknowledged steps and the manual escalations; a role
// change that role's holder; a stakeholder update the last update's time.
type IncidentSeen struct {
	Status      IncidentStatus // "": nothing is checked
	Severity    Severity
	Acked       []int // acknowledged step numbers, ascending
	Escalations int   // manual escalations recorded
	Commander   string
	Scribe      string
	Comms       string
	LastUpdate  time.Time
	Link        int64 // the deployment it was linked to (0: none)
}

// SeenIncident captures inc as shown.
func SeenIncident(inc Incident) IncidentSeen {
	s := IncidentSeen{Status: inc.Status, Severity: inc.Severity, Escalations: len(inc.Escalations),
		Commander: inc.Commander, Scribe: inc.Scribe, Comms: inc.Comms, LastUpdate: inc.LastUpdateAt,
		Link: inc.DeploymentID}
	for _, a := range inc.Acks {
		if !slices.Contains(s.Acked, a.Step) {
			s.Acked = append(s.Acked, a.Step)
		}
	}
	slices.Sort(s.Acked)
	return s
}

// Checked reports whether s states an expectation at all.
func (s IncidentSeen) Checked() bool { return s.Status != "" }

// Role is who held role (commander, scribe, comms) when s was captured.
func (s IncidentSeen) Role(role string) string {
	switch role {
	case "scribe":
		return s.Scribe
	case "comms":
		return s.Comms
	}
	return s.Commander
}

// SameAcks reports whether the same steps are acknowledged and escalated.
func (s IncidentSeen) SameAcks(cur IncidentSeen) bool {
	return slices.Equal(s.Acked, cur.Acked) && s.Escalations == cur.Escalations
}

// The checks, shared by every store (the SQLite one and the UI's test
// fakes), each true when the decision is stale.

// StatusStale: a status change to `to` decided on another status, or on the
// status the incident now already has (someone got there first).
func (s IncidentSeen) StatusStale(inc Incident, to IncidentStatus) bool {
	return s.Checked() && (s.Status != inc.Status || inc.Status == to)
}

// SeverityStale: a severity change decided on another severity or status.
func (s IncidentSeen) SeverityStale(inc Incident) bool {
	return s.Checked() && (s.Status != inc.Status || s.Severity != inc.Severity)
}

// LadderStale: an ack or manual escalation decided on a ladder that has
// since been acknowledged or escalated, or on an incident since resolved or
// reopened from resolved (open and mitigated share one ladder).
func (s IncidentSeen) LadderStale(inc Incident) bool {
	return s.Checked() && (s.StatusMoved(inc) || !s.SameAcks(SeenIncident(inc)))
}

// StatusMoved: active ↔ resolved since s was captured.
func (s IncidentSeen) StatusMoved(inc Incident) bool {
	return s.Status != inc.Status && !(s.Status.Active() && inc.Status.Active())
}

// RoleStale: naming a role holder decided on another holder.
func (s IncidentSeen) RoleStale(role, holder string) bool {
	return s.Checked() && s.Role(role) != holder
}

// UpdateStale: a stakeholder update written before seeing one posted since.
func (s IncidentSeen) UpdateStale(inc Incident) bool {
	return s.Checked() && !s.LastUpdate.Equal(inc.LastUpdateAt)
}

// ItemStale: a checklist change to `to` decided on state seen ("" checks
// nothing) while someone has since set a third state. Already in the asked
// state is not stale: the change is idempotent.
func ItemStale(seen ItemState, it Item, to ItemState) bool {
	return seen != "" && it.State != seen && it.State != to
}

// The timeline events a stale refusal reads its who and when from.
var (
	RolloutEventKinds = []EventKind{EventRolloutStart, EventRolloutPromote, EventRolloutPause,
		EventRolloutResume, EventRolloutAbort, EventRolloutRolledBack, EventRolloutFinish}
	StatusEventKinds   = []EventKind{EventIncidentOpened, EventIncidentMitigated, EventIncidentResolved, EventIncidentReopened}
	SeverityEventKinds = []EventKind{EventIncidentSeverity, EventIncidentOpened}
	LadderEventKinds   = []EventKind{EventIncidentAck, EventIncidentEscalate, EventIncidentSkip}
	RoleEventKinds     = []EventKind{EventIncidentCommander, EventIncidentOpened}
	UpdateEventKinds   = []EventKind{EventIncidentUpdate}
)

// StaleClock is how a stale refusal says when: "09:41:07 UTC", to the second,
// the same in every process whatever its zone.
func StaleClock(t time.Time) string { return t.UTC().Format(time.TimeOnly) + " UTC" }

// StaleRollout is the refusal for a rollout action decided on a rollout that
// has since moved: service and label ("2/4 · 25%") as it is now, and the
// latest rollout event (who did it, when, what).
func StaleRollout(service, label string, last Event) error {
	by, when := last.Actor, StaleClock(last.At)
	switch last.Kind {
	case EventRolloutPromote:
		return Stale("%s is at %s since %s, promoted by %s — nothing changed", service, label, when, by)
	case EventRolloutStart:
		return Stale("%s is at %s since %s, started by %s — nothing changed", service, label, when, by)
	case EventRolloutPause:
		return Stale("%s was paused at %s by %s at %s — nothing changed", service, label, by, when)
	case EventRolloutResume:
		return Stale("%s was resumed at %s by %s at %s — nothing changed", service, label, by, when)
	case EventRolloutAbort:
		return Stale("%s was aborted at %s by %s at %s and is rolling back — nothing changed", service, label, by, when)
	case EventRolloutFinish:
		return Stale("%s was completed at %s by %s at %s — nothing changed", service, label, by, when)
	case EventRolloutRolledBack:
		return Stale("%s was marked rolled back by %s at %s — nothing changed", service, by, when)
	}
	if label == "" {
		return Stale("%s has not started its rollout — nothing changed", service)
	}
	return Stale("%s is now at %s — nothing changed", service, label)
}

// StaleStatus is the refusal for a status change (mitigate, resolve,
// reopen) on an incident whose status moved on: last is the event that moved
// it; lost names what the person typed that was not recorded ("your root
// cause"), or "".
func StaleStatus(inc Incident, last Event, lost string) error {
	tail := " — nothing changed"
	if lost != "" {
		tail = " — " + lost + " was not recorded"
	}
	verb := map[IncidentStatus]string{IncidentResolved: "resolved", IncidentMitigated: "mitigated", IncidentOpen: "reopened"}[inc.Status]
	if last.Kind == EventIncidentOpened || last.Kind == "" {
		verb = "opened"
	}
	extra := ""
	if inc.Status == IncidentResolved {
		rc := SanitizeLine(inc.RootCause)
		if rc == "" {
			rc = "none given"
		}
		extra = " (root cause: " + rc + ")"
	}
	return Stale("%s was already %s by %s at %s%s%s", inc.Ref(), verb, last.Actor, StaleClock(last.At), extra, tail)
}

// StaleSeverity is the refusal for a severity change decided on another
// severity or status.
func StaleSeverity(inc Incident, last Event) error {
	if !inc.Status.Active() {
		return StaleStatus(inc, last, "")
	}
	return Stale("%s is %s since %s (set by %s) — nothing changed", inc.Ref(), inc.Severity.Label(), StaleClock(last.At), last.Actor)
}

// StaleAcked is the refusal for acknowledging a step someone already
// acknowledged.
func StaleAcked(inc Incident, step EscalationStep, a Ack) error {
	reached := SanitizeLine(a.Reached)
	if reached == "" {
		reached = "nobody named"
	}
	return Stale("%s step %d (%s) was already acknowledged by %s at %s (reached %s) — nothing changed",
		inc.Ref(), step.Number, step.Role, a.By, StaleClock(a.At), reached)
}

// StaleLadder is the refusal for an ack or escalation decided on a ladder
// that someone has since acknowledged or escalated; last is that event.
func StaleLadder(inc Incident, last Event) error {
	return Stale("%s's escalation changed at %s: %s %s — nothing changed, look again",
		inc.Ref(), StaleClock(last.At), last.Actor, SanitizeLine(last.Text))
}

// StaleRole is the refusal for naming a role holder decided on a previous
// holder who has since changed.
func StaleRole(inc Incident, role, holder string, last Event) error {
	if holder == "" {
		holder = "nobody"
	}
	return Stale("%s's %s is %s since %s (named by %s) — nothing changed", inc.Ref(), role, SanitizeLine(holder), StaleClock(last.At), last.Actor)
}

// LinkStale reports whether a link or unlink was decided on a link that has
// since moved.
func (s IncidentSeen) LinkStale(inc Incident) bool { return s.Checked() && s.Link != inc.DeploymentID }

// StaleLink is the refusal for a link or unlink decided on a link someone
// has since changed; last is that event.
func StaleLink(inc Incident, last Event) error {
	return Stale("%s's link changed at %s: %s %s — nothing changed, look again",
		inc.Ref(), StaleClock(last.At), last.Actor, SanitizeLine(last.Text))
}

// StaleUpdate is the refusal for a stakeholder update written without
// having seen the one posted since.
func StaleUpdate(inc Incident, last Event) error {
	return Stale("%s posted a stakeholder update to %s at %s — read it first; your update was not posted", last.Actor, inc.Ref(), StaleClock(last.At))
}

// StaleItem is the refusal for a checklist change decided on an item state
// someone has since changed.
func StaleItem(it Item) error {
	verb := map[ItemState]string{ItemDone: "ticked", ItemNA: "marked n/a", ItemTodo: "reopened"}[it.State]
	if verb == "" {
		verb = fmt.Sprintf("set to %s", it.State)
	}
	return Stale("“%s” was %s by %s at %s — nothing changed", SanitizeLine(it.Text), verb, it.By, StaleClock(it.At))
}

// AlreadyAt is the answer to a repeated `deploy promote --to STAGE` that
// finds the rollout already there: label as it is, and the event that put
// it there. Nothing was written.
func AlreadyAt(label string, last Event) string {
	verb := map[EventKind]string{EventRolloutPromote: "promoted", EventRolloutStart: "started", EventRolloutResume: "resumed", EventRolloutPause: "paused"}[last.Kind]
	if verb == "" || last.At.IsZero() {
		return "already at " + label + " — nothing changed"
	}
	return fmt.Sprintf("already at %s since %s, %s by %s — nothing changed", label, StaleClock(last.At), verb, last.Actor)
}

// StaleExecution is the refusal for starting Deployment Execution that
// someone has already started; last is their event.
func StaleExecution(title string, last Event) error {
	if last.At.IsZero() {
		return Stale("Deployment Execution of %s has already started — nothing changed", SanitizeLine(title))
	}
	return Stale("Deployment Execution of %s was already started by %s at %s — nothing changed", SanitizeLine(title), last.Actor, StaleClock(last.At))
}

// NoteSeen is the note a note change was decided on: the one shown when
// the prompt opened.
type NoteSeen struct {
	Checked bool
	Note    string
}

// SeenNote captures it's note as shown.
func SeenNote(it Item) NoteSeen { return NoteSeen{Checked: true, Note: it.Note} }

// Stale reports whether the stored note moved on since s was captured.
func (s NoteSeen) Stale(it Item) bool { return s.Checked && s.Note != it.Note }

// StaleNote is the refusal for a note written over one someone changed
// since; last is their event.
func StaleNote(it Item, last Event) error {
	return Stale("the note on %q was changed by %s at %s (%q) — your note was not saved; read theirs first",
		SanitizeLine(it.Text), last.Actor, StaleClock(last.At), SanitizeLine(it.Note))
}
