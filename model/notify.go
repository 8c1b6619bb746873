package model

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
