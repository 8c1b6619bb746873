package model

import "time"

// EventKind names what happened in a timeline event.
type EventKind string

// Timeline event kinds.
const (
	EventDeployStarted  EventKind = "deploy.started"
	EventExecutionStart EventKind = "deploy.execution"
	EventGateOverride   EventKind = "deploy.gate_override"
	EventItemDone       EventKind = "check.done"
	EventItemNA         EventKind = "check.na"
	EventItemTodo       EventKind = "check.todo"
	EventItemNote       EventKind = "check.note"
)

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
