package model

import (
	"slices"
	"time"
)

// NoticeKind is the stable name of a moment flightdeck tells people about:
// the "kind" of every webhook body, Slack message, PagerDuty event and the
// notify command's FLIGHTDECK_EVENT. Names never change once released; new
// kinds may be added.
type NoticeKind string

// Deployments and rollouts.
const (
	NoticeDeploymentStarted    NoticeKind = "deployment_started"    // deploy.started
	NoticeExecutionStarted     NoticeKind = "execution_started"     // deploy.execution
	NoticeStagePromoted        NoticeKind = "stage_promoted"        // rollout.promote
	NoticeStageReady           NoticeKind = "stage_ready"           // rollout.ready
	NoticeRolloutPaused        NoticeKind = "rollout_paused"        // rollout.pause
	NoticeRolloutResumed       NoticeKind = "rollout_resumed"       // rollout.resume
	NoticeRolloutHeld          NoticeKind = "rollout_held"          // rollout.held
	NoticeRolloutReleased      NoticeKind = "rollout_released"      // rollout.released
	NoticeCriteriaMet          NoticeKind = "rollback_criteria_met" // health.criteria_met, health.declared, health.latched
	NoticeCriteriaCleared      NoticeKind = "rollback_criteria_cleared"
	NoticeRolloutAborted       NoticeKind = "rollout_aborted" // rollout.abort: the rollback decision, with its reason
	NoticeRolledBack           NoticeKind = "rolled_back"     // rollout.rolled_back
	NoticeDeploymentCompleted  NoticeKind = "deployment_completed"
	NoticeFreezeOn             NoticeKind = "freeze_on"  // freeze.on, with the incident that caused it
	NoticeFreezeOff            NoticeKind = "freeze_off" // freeze.off
	NoticeIncidentOpened       NoticeKind = "incident_opened"
	NoticeSeverityChanged      NoticeKind = "severity_changed"
	NoticeIncidentAcknowledged NoticeKind = "incident_acknowledged"
	NoticeIncidentEscalated    NoticeKind = "incident_escalated"
	NoticeEscalationSkipped    NoticeKind = "escalation_skipped"
	NoticeRoleChanged          NoticeKind = "role_changed" // commander, scribe or comms
	NoticeUpdatePosted         NoticeKind = "update_posted"
	NoticeUpdateDue            NoticeKind = "update_due"
	NoticeUpdateOverdue        NoticeKind = "update_overdue"
	NoticeIncidentMitigated    NoticeKind = "incident_mitigated"
	NoticeIncidentResolved     NoticeKind = "incident_resolved"
	NoticeIncidentReopened     NoticeKind = "incident_reopened"
	NoticeEscalationDue        NoticeKind = "escalation_due"
	NoticePostmortemScheduled  NoticeKind = "postmortem_scheduled" // incident.postmortem_scheduled
	// NoticeTest is `flightdeck notify --test`: nothing happened.
	NoticeTest NoticeKind = "test"
)

// NoticeKinds lists every kind a sender may route (NoticeTest aside).
var NoticeKinds = []NoticeKind{
	NoticeDeploymentStarted, NoticeExecutionStarted, NoticeStagePromoted, NoticeStageReady,
	NoticeRolloutPaused, NoticeRolloutResumed, NoticeRolloutHeld, NoticeRolloutReleased,
	NoticeCriteriaMet, NoticeCriteriaCleared, NoticeRolloutAborted, NoticeRolledBack, NoticeDeploymentCompleted,
	NoticeFreezeOn, NoticeFreezeOff,
	NoticeIncidentOpened, NoticeSeverityChanged, NoticeIncidentAcknowledged, NoticeIncidentEscalated,
	NoticeEscalationSkipped, NoticeRoleChanged, NoticeUpdatePosted, NoticeUpdateDue, NoticeUpdateOverdue,
	NoticeIncidentMitigated, NoticeIncidentResolved, NoticeIncidentReopened, NoticeEscalationDue,
	NoticePostmortemScheduled,
}

// NoticeIncidentChannel is what a team wants in its incident channel, the
// default route of the chat and command senders: every incident moment, the
// freeze, and the deployment moments that decide or undo a rollout. The
// routine steps of a healthy deployment (started, promoted, ready, paused,
// resumed, completed) are opt-in.
var NoticeIncidentChannel = []NoticeKind{
	NoticeRolloutHeld, NoticeRolloutReleased, NoticeCriteriaMet, NoticeCriteriaCleared,
	NoticeRolloutAborted, NoticeRolledBack, NoticeFreezeOn, NoticeFreezeOff,
	NoticeIncidentOpened, NoticeSeverityChanged, NoticeIncidentAcknowledged, NoticeIncidentEscalated,
	NoticeEscalationSkipped, NoticeRoleChanged, NoticeUpdatePosted, NoticeUpdateDue, NoticeUpdateOverdue,
	NoticeIncidentMitigated, NoticeIncidentResolved, NoticeIncidentReopened, NoticeEscalationDue,
	NoticePostmortemScheduled,
}

// NoticePaging is what a paging system (PagerDuty) takes: an incident
// opening or an escalation falling due triggers, an ack acknowledges, a
// resolve resolves — all keyed by the incident's ref.
var NoticePaging = []NoticeKind{
	NoticeIncidentOpened, NoticeEscalationDue, NoticeIncidentAcknowledged, NoticeIncidentResolved,
}

// ParseNoticeKind reads a kind name as configuration spells it.
func ParseNoticeKind(s string) (NoticeKind, bool) {
	k := NoticeKind(s)
	return k, slices.Contains(NoticeKinds, k)
}

// Notice is one moment as every sender gets it: the same fields whatever
// carries it. It is built from one timeline event (EventID), so senders
// deliver in the timeline's order.
type Notice struct {
	Kind NoticeKind
	// Key is the deduplication key: the same moment always has the same
	// key, in every sender and every process ("incident_opened:INC-3:e1234").
	Key     string
	EventID int64 // the timeline event it reports; 0 for a test
	At      time.Time
	Actor   string
	// Summary is one line a person reads first: "INC-3 SEV1 opened: checkout 500s".
	Summary string
	// Text is the timeline event's own sentence (with reasons, the update's text).
	Text string
	// Severity is the incident's severity at the time; 0 when none.
	Severity   Severity
	Incident   *NoticeIncident    // nil when the moment is about no incident
	Deployment *NoticeDeployment  // nil when it is about no deployment
	Update     *StakeholderUpdate // update_posted: the update posted
	Step       *NoticeStep        // escalation_due: the step
	// Due is when an update or escalation step is (was) due; zero otherwise.
	Due time.Time
	// Reason is the reason a person gave (abort, skip, reopen), when the
	// moment has one.
	Reason string
}

// NoticeIncident is the incident a notice is about, as it is now.
type NoticeIncident struct {
	ID        int64
	Ref       string // "INC-3"
	Title     string
	Severity  Severity
	Status    IncidentStatus
	Commander string
}

// NoticeDeployment is the deployment a notice is about.
type NoticeDeployment struct {
	ID          int64
	Service     string
	Version     string
	Environment string
	Strategy    Strategy
	Stage       string // the rollout's stage label now; "" without a rollout
	Status      Status
}

// NoticeStep is an escalation step that fell due.
type NoticeStep struct {
	Number int
	Role   string
	Person string
	Due    time.Time
}

// UpdateOverdueGrace is how long after a stakeholder update falls due it
// is announced overdue.
const UpdateOverdueGrace = 5 * time.Minute

// SenderFailure is a sender whose deliveries are failing now: since when,
// how many notices it gave up meanwhile, and the last error (never a
// secret). The dashboard's status line shows it until it recovers.
type SenderFailure struct {
	Name         string
	FailingSince time.Time
	Lost         int
	LastError    string
}

// Text is the status line's sentence: "notifications to chat FAILING since
// 09:41:07 (2 not delivered): HTTP 503 Service Unavailable — retrying".
func (f SenderFailure) Text(loc *time.Location) string {
	s := "notifications to " + f.Name + " FAILING since " + ShownAt(f.FailingSince).In(loc).Format(time.TimeOnly)
	if f.Lost > 0 {
		s += " (" + textCount(f.Lost, "notice", "notices") + " not delivered)"
	}
	if f.LastError != "" {
		s += ": " + f.LastError
	}
	return s
}
