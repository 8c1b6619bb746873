package model

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// EventKind names what happened in a timeline event. Every kind the store
// writes is declared here, and the wording of each event's text is one Text…
// function in event_text.go: the store and the demo generator call those, so
// a sentence reads the same wherever it was written.
type EventKind string

// Deployments and their checklists.
const (
	EventDeployStarted  EventKind = "deploy.started"       // TextDeployStarted
	EventExecutionStart EventKind = "deploy.execution"     // TextExecutionStarted
	EventGateOverride   EventKind = "deploy.gate_override" // TextGateOverride
	// EventDeployHotfix is written when a deployment is marked (or unmarked)
	// as the hotfix for an incident, filed under that incident.
	EventDeployHotfix EventKind = "deploy.hotfix" // TextHotfixMarked, TextHotfixUnmarked
	EventItemDone     EventKind = "check.done"    // TextItemDone
	EventItemNA       EventKind = "check.na"      // TextItemNA
	EventItemTodo     EventKind = "check.todo"    // TextItemReopened
	EventItemNote     EventKind = "check.note"    // TextItemNote
	// EventTemplateImported is an import or replacement of a checklist
	// template (no deployment).
	EventTemplateImported EventKind = "template.imported" // TextTemplateImported, TextTemplateReplaced
)

// Rollouts and their health. Every rollout action writes one, with who, when
// and the reason, in the same transaction as the change.
const (
	EventRolloutStart      EventKind = "rollout.start"       // TextRolloutStarted
	EventRolloutPromote    EventKind = "rollout.promote"     // TextPromoted
	EventRolloutPause      EventKind = "rollout.pause"       // TextPaused
	EventRolloutResume     EventKind = "rollout.resume"      // TextResumed
	EventRolloutAbort      EventKind = "rollout.abort"       // TextAborted, TextAbortedPlanned
	EventRolloutRolledBack EventKind = "rollout.rolled_back" // TextRolledBack
	EventRolloutFinish     EventKind = "rollout.finish"      // TextFinished
	// EventRolloutReady is derived from the clock (a soak ended), not from an
	// action: writers should key it on (deployment, stage) so several
	// dashboards on one database write it once.
	EventRolloutReady      EventKind = "rollout.ready"       // TextReady
	EventHealthRecorded    EventKind = "health.recorded"     // TextHealthRecorded, TextHealthProbed
	EventHealthCriteriaMet EventKind = "health.criteria_met" // TextCriteriaMet
	EventHealthDeclared    EventKind = "health.declared"     // TextCriteriaDeclared
	// EventHealthCleared is written when declared rollback criteria are
	// cleared as a false alarm.
	EventHealthCleared EventKind = "health.cleared" // TextCriteriaCleared
	// EventHealthLatched: a reading broke the rollback rule; the breach holds
	// until cleared (EventHealthCleared), whatever later readings say.
	EventHealthLatched EventKind = "health.latched" // TextCriteriaLatched
	// EventRolloutLive: the first stage takes traffic, its soak starts.
	EventRolloutLive EventKind = "rollout.live" // TextLive
)

// Incidents and the change freeze.
const (
	EventIncidentOpened     EventKind = "incident.opened"      // TextIncidentOpened
	EventIncidentNote       EventKind = "incident.note"        // TextIncidentNote
	EventIncidentSeverity   EventKind = "incident.severity"    // TextSeverityChanged
	EventIncidentAck        EventKind = "incident.ack"         // TextAck
	EventIncidentEscalate   EventKind = "incident.escalate"    // TextEscalatedNow
	EventIncidentSkip       EventKind = "incident.skip"        // TextSkippedTo
	EventIncidentMitigated  EventKind = "incident.mitigated"   // TextMitigated
	EventIncidentResolved   EventKind = "incident.resolved"    // TextResolved
	EventIncidentReopened   EventKind = "incident.reopened"    // TextReopened
	EventIncidentCommander  EventKind = "incident.commander"   // TextRole (commander, scribe or comms)
	EventIncidentUpdate     EventKind = "incident.update"      // TextStakeholderUpdate
	EventIncidentSecurity   EventKind = "incident.security"    // TextSecurity
	EventIncidentActionItem EventKind = "incident.action_item" // TextActionItem
	EventIncidentRootCause  EventKind = "incident.root_cause"  // TextRootCause
	// EventIncidentPostmortem: the postmortem's fields or status changed
	// (TextPostmortem); EventIncidentActionItemEdited: an action item's
	// owner, due date, kind or done changed (TextActionItemEdited).
	EventIncidentPostmortem       EventKind = "incident.postmortem"         // TextPostmortem
	EventIncidentActionItemEdited EventKind = "incident.action_item_edited" // TextActionItemEdited
	// EventPostmortemScheduled: the postmortem meeting was scheduled (or
	// moved), with its time and owner.
	EventPostmortemScheduled EventKind = "incident.postmortem_scheduled" // TextPostmortemScheduled
	EventFreezeOverride      EventKind = "freeze.override"               // TextFreezeOverride
	// EventIncidentLinked is a person linking an incident to the deployment
	// that caused it, or moving the link to another one; it is filed under
	// the incident and the deployment linked to. Only these links (and one
	// chosen when the incident was opened) count in the change fail rate.
	EventIncidentLinked   EventKind = "incident.linked"   // TextIncidentLinked
	EventIncidentUnlinked EventKind = "incident.unlinked" // TextIncidentUnlinked
	// EventDeployInFlight is a deployment started while another of the same
	// service and environment was still in flight, with the override reason.
	EventDeployInFlight EventKind = "deploy.in_flight_override" // TextInFlightOverride
	// EventDeployImported / EventIncidentImported: a deployment or incident
	// written by flightdeck import, dated when it finished (was opened),
	// saying the file and line it came from (TextImported).
	EventDeployImported   EventKind = "deploy.imported"   // TextImported
	EventIncidentImported EventKind = "incident.imported" // TextImported
	// EventFreezeOn / EventFreezeOff: the change freeze began (the first
	// open SEV1/SEV2) or ended (the last one resolved or downgraded), written
	// in the transaction of the incident change that caused it and filed
	// under that incident.
	EventFreezeOn  EventKind = "freeze.on"  // TextFreezeOn
	EventFreezeOff EventKind = "freeze.off" // TextFreezeOff
	// EventRolloutHeld / EventRolloutReleased: a SEV1/SEV2 linked to a
	// running rollout began (or stopped) holding it, written in the
	// transaction of the incident change, filed under both.
	EventRolloutHeld     EventKind = "rollout.held"     // TextRolloutHeld
	EventRolloutReleased EventKind = "rollout.released" // TextRolloutReleased
	// Derived from the clock, written once per database by the notifier
	// (keyed in the notifications table), so the timeline keeps a trace of
	// every deadline that passed and every sender can report it in order.
	EventEscalationDue EventKind = "incident.escalation_due" // TextEscalationDue
	EventUpdateDue     EventKind = "incident.update_due"     // TextUpdateDue
	EventUpdateOverdue EventKind = "incident.update_overdue" // TextUpdateOverdue
)

// Written by the notifier and the metrics probe. Each notification is
// claimed once per database, so each outcome is written once however many
// dashboards run.
const (
	// EventNotifySent: the notify command ran and exited 0 (TextNotifySent).
	EventNotifySent EventKind = "notify.sent"
	// EventNotifyFailed: the notify command exited non-zero, timed out or
	// could not start; the text says which, with stderr's first line
	// (TextNotifyFailed).
	EventNotifyFailed EventKind = "notify.failed"
	// EventProbeFailed: the metrics probe gave no usable error rate (bad
	// output, non-zero exit, timeout, no baseline). Nothing is recorded as
	// health then: a broken probe is never read as 0% (TextProbeFailed,
	// TextProbeNoBaseline).
	EventProbeFailed EventKind = "probe.failed"
	// EventProbeRecovered: the probe gave a usable reading again after
	// failing; the text says since when and after how many attempts.
	EventProbeRecovered EventKind = "probe.recovered"
	// EventNotifyRecovered: a sender that was failing delivered again; the
	// text says how many notices it could not deliver meanwhile.
	EventNotifyRecovered EventKind = "notify.recovered"
)

// EventKinds lists every kind above, in declaration order.
var EventKinds = []EventKind{
	EventDeployStarted, EventExecutionStart, EventGateOverride, EventDeployHotfix,
	EventItemDone, EventItemNA, EventItemTodo, EventItemNote, EventTemplateImported,
	EventRolloutStart, EventRolloutPromote, EventRolloutPause, EventRolloutResume, EventRolloutAbort,
	EventRolloutRolledBack, EventRolloutFinish, EventRolloutReady,
	EventHealthRecorded, EventHealthCriteriaMet, EventHealthDeclared, EventHealthCleared,
	EventHealthLatched, EventRolloutLive,
	EventIncidentOpened, EventIncidentNote, EventIncidentSeverity, EventIncidentAck, EventIncidentEscalate,
	EventIncidentSkip, EventIncidentMitigated, EventIncidentResolved, EventIncidentReopened,
	EventIncidentCommander, EventIncidentUpdate, EventIncidentSecurity, EventIncidentActionItem,
	EventIncidentRootCause, EventIncidentPostmortem, EventIncidentActionItemEdited, EventPostmortemScheduled, EventFreezeOverride, EventIncidentLinked, EventIncidentUnlinked, EventDeployInFlight,
	EventDeployImported, EventIncidentImported,
	EventFreezeOn, EventFreezeOff, EventRolloutHeld, EventRolloutReleased,
	EventEscalationDue, EventUpdateDue, EventUpdateOverdue,
	EventNotifySent, EventNotifyFailed, EventProbeFailed, EventProbeRecovered, EventNotifyRecovered,
}

// Event is one append-only timeline entry. Every state change writes one in
// the same transaction as the change.
type Event struct {
	ID           int64
	At           time.Time
	Actor        string
	Kind         EventKind
	DeploymentID int64    // 0 when none
	ItemID       int64    // 0 when none
	IncidentID   int64    // 0 when none
	Severity     Severity // of the incident at the time, 0 when none
	Starred      bool     // marked as a key moment for the report
	Text         string
}

// DeploymentTimelineKinds are the linked deployment's events an incident's
// timeline shows (besides Rollback checklist ticks and starred events):
// what the deployment did while the incident ran. Health readings, notes
// and pre-deploy checks are left out: they are the deployment's detail,
// not the incident's story.
var DeploymentTimelineKinds = []EventKind{
	EventExecutionStart, EventGateOverride, EventFreezeOverride, EventDeployInFlight,
	EventRolloutStart, EventRolloutLive, EventRolloutPromote, EventRolloutReady,
	EventRolloutPause, EventRolloutResume, EventRolloutHeld, EventRolloutReleased,
	EventHealthCriteriaMet, EventHealthLatched, EventHealthDeclared, EventHealthCleared,
	EventRolloutAbort, EventRolloutRolledBack, EventRolloutFinish,
}

// StageChangeKinds start a deployment's stage: the last of them before an
// incident opened is where the incident's view of the deployment begins.
var StageChangeKinds = []EventKind{
	EventDeployStarted, EventExecutionStart, EventRolloutStart, EventRolloutLive, EventRolloutPromote,
}

// IncidentWindowStart is when a linked deployment's events begin on an
// incident's timeline: the start of the stage that was running when the
// incident opened (stageStart, the last StageChangeKinds event at or before
// opened), so the promotion into the stage that broke is shown; the
// opening itself when the deployment had no stage yet (zero stageStart).
func IncidentWindowStart(opened, stageStart time.Time) time.Time {
	if stageStart.IsZero() || stageStart.After(opened) {
		return opened
	}
	return stageStart
}

// FromDeployment reports whether e, read on incidentID's timeline, is an
// event of the linked deployment rather than one filed under the incident
// (holds and links are filed under both and count as the incident's).
func (e Event) FromDeployment(incidentID int64) bool {
	return e.IncidentID != incidentID && e.DeploymentID != 0
}

// DeploymentTag marks a deployment's event on an incident's timeline:
// "[#7 checkout-api]".
func DeploymentTag(id int64, service string) string {
	if service == "" {
		return fmt.Sprintf("[#%d]", id)
	}
	return fmt.Sprintf("[#%d %s]", id, SanitizeLine(service))
}

// TimelineTag is the mark before an event's text on incidentID's timeline:
// DeploymentTag and a space for the linked deployment's events (d names its
// service; nil gives "[#7]"), "" for the incident's own.
func TimelineTag(e Event, incidentID int64, d *Deployment) string {
	if !e.FromDeployment(incidentID) {
		return ""
	}
	service := ""
	if d != nil && d.ID == e.DeploymentID {
		service = d.Service
	}
	return DeploymentTag(e.DeploymentID, service) + " "
}

// SortEvents orders events by when they happened, then by id (the order
// they were written): a backdated note sits where it happened.
func SortEvents(evs []Event) {
	slices.SortStableFunc(evs, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// MinEventID is the lowest id among evs (0 when empty): the cursor to page
// back from when evs is sorted by time.
func MinEventID(evs []Event) int64 {
	var id int64
	for _, e := range evs {
		if id == 0 || e.ID < id {
			id = e.ID
		}
	}
	return id
}
