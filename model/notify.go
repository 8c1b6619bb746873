package model

// Timeline event kinds written by the notifier and the metrics probe. Each
// notification is claimed once per database, so each outcome is written once
// however many dashboards run.
const (
	// EventNotifySent: the notify command ran and exited 0.
	EventNotifySent EventKind = "notify.sent"
	// EventNotifyFailed: the notify command exited non-zero, timed out or
	// could not start; the text says which, with stderr's first line.
	EventNotifyFailed EventKind = "notify.failed"
	// EventProbeFailed: the metrics probe gave no usable error rate (bad
	// output, non-zero exit, timeout, no baseline). Nothing is recorded as
	// health then: a broken probe is never read as 0%.
	EventProbeFailed EventKind = "probe.failed"
)

// NotifyKind is what a notification is about; the notify command gets it in
// FLIGHTDECK_EVENT.
type NotifyKind string

// Notification kinds.
const (
	// NotifyEscalationDue: an escalation step is due or overdue and nobody
	// has acknowledged it.
	NotifyEscalationDue NotifyKind = "escalation_due"
	// NotifyStageReady: a rollout stage's soak ended: ready to promote (or,
	// on the last stage, to finish).
	NotifyStageReady NotifyKind = "stage_ready"
	// NotifyRollbackCriteria: rollback criteria are met (the error-rate rule
	// or a person's declaration).
	NotifyRollbackCriteria NotifyKind = "rollback_criteria"
)
