package data

import (
	"bufio"
	"context"
	"database/sql"
)

// The incident tables of schema 3, exported like the others: column names
// as keys, times RFC 3339 UTC, severities as their number (1 = SEV1), rows
// by id.

type exportIncident struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	Severity     int64  `json:"severity"`
	Status       string `json:"status"`
	Security     bool   `json:"security"`
	SecurityAt   msTime `json:"security_at"`
	DeploymentID *int64 `json:"deployment_id"`
	Commander    string `json:"commander"`
	Scribe       string `json:"scribe"`
	Comms        string `json:"comms"`
	OpenedBy     string `json:"opened_by"`
	OpenedAt     msTime `json:"opened_at"`
	MitigatedAt  msTime `json:"mitigated_at"`
	ResolvedAt   msTime `json:"resolved_at"`
	RootCause    string `json:"root_cause"`
	LastUpdateAt msTime `json:"last_update_at"`
}

type exportSeverityChange struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	At         msTime `json:"at"`
	FromSev    int64  `json:"from_sev"`
	ToSev      int64  `json:"to_sev"`
	Actor      string `json:"actor"`
}

type exportAck struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	Step       int64  `json:"step"`
	At         msTime `json:"at"`
	Actor      string `json:"actor"`
	Reached    string `json:"reached"`
}

type exportEscalation struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	Kind       string `json:"kind"`
	Step       int64  `json:"step"`
	At         msTime `json:"at"`
	Actor      string `json:"actor"`
	Reason     string `json:"reason"`
}

type exportActionItem struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	Position   int64  `json:"position"`
	Text       string `json:"text"`
	Done       bool   `json:"done"`
	Owner      string `json:"owner"`
	Due        msTime `json:"due"`
	Kind       string `json:"kind"`
	DoneAt     msTime `json:"done_at"`
	DoneBy     string `json:"done_by"`
}

type exportUpdate struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	At         msTime `json:"at"`
	Actor      string `json:"actor"`
	Conditions string `json:"conditions"`
	Actions    string `json:"actions"`
	Needs      string `json:"needs"`
}

type exportPostmortem struct {
	IncidentID   int64  `json:"incident_id"`
	Summary      string `json:"summary"`
	Impact       string `json:"impact"`
	Detection    string `json:"detection"`
	DetectedAt   msTime `json:"detected_at"`
	Contributing string `json:"contributing"`
	WentWell     string `json:"went_well"`
	WentWrong    string `json:"went_wrong"`
	Lucky        string `json:"lucky"`
	Owner        string `json:"owner"`
	Status       string `json:"status"`
	StatusAt     msTime `json:"status_at"`
	StatusBy     string `json:"status_by"`
}

type exportStar struct {
	EventID int64  `json:"event_id"`
	Actor   string `json:"actor"`
	At      msTime `json:"at"`
}

func exportIncidents(ctx context.Context, tx *sql.Tx, bw *bufio.Writer) error {
	if err := exportTable(ctx, tx, bw, "incidents", `SELECT `+incidentCols+` FROM incidents ORDER BY id`,
		func(r *sql.Rows, i *exportIncident) error {
			return r.Scan(&i.ID, &i.Title, &i.Severity, &i.Status, &i.Security, &i.SecurityAt, &i.DeploymentID,
				&i.Commander, &i.Scribe, &i.Comms, &i.OpenedBy, &i.OpenedAt, &i.MitigatedAt, &i.ResolvedAt, &i.RootCause, &i.LastUpdateAt)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_severity_changes",
		`SELECT id, incident_id, at, from_sev, to_sev, actor FROM incident_severity_changes ORDER BY id`,
		func(r *sql.Rows, c *exportSeverityChange) error {
			return r.Scan(&c.ID, &c.IncidentID, &c.At, &c.FromSev, &c.ToSev, &c.Actor)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_acks",
		`SELECT id, incident_id, step, at, actor, reached FROM incident_acks ORDER BY id`,
		func(r *sql.Rows, a *exportAck) error {
			return r.Scan(&a.ID, &a.IncidentID, &a.Step, &a.At, &a.Actor, &a.Reached)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_escalations",
		`SELECT id, incident_id, kind, step, at, actor, reason FROM incident_escalations ORDER BY id`,
		func(r *sql.Rows, m *exportEscalation) error {
			return r.Scan(&m.ID, &m.IncidentID, &m.Kind, &m.Step, &m.At, &m.Actor, &m.Reason)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_action_items",
		`SELECT id, incident_id, position, text, done, owner, due, kind, done_at, done_by FROM incident_action_items ORDER BY id`,
		func(r *sql.Rows, a *exportActionItem) error {
			return r.Scan(&a.ID, &a.IncidentID, &a.Position, &a.Text, &a.Done, &a.Owner, &a.Due, &a.Kind, &a.DoneAt, &a.DoneBy)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_meetings",
		`SELECT incident_id, at, owner, scheduled_by, scheduled_at, sequence FROM incident_meetings ORDER BY incident_id`,
		func(r *sql.Rows, m *exportMeeting) error {
			return r.Scan(&m.IncidentID, &m.At, &m.Owner, &m.ScheduledBy, &m.ScheduledAt, &m.Sequence)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_updates",
		`SELECT id, incident_id, at, actor, conditions, actions, needs FROM incident_updates ORDER BY id`,
		func(r *sql.Rows, u *exportUpdate) error {
			return r.Scan(&u.ID, &u.IncidentID, &u.At, &u.Actor, &u.Conditions, &u.Actions, &u.Needs)
		}); err != nil {
		return err
	}
	if err := exportTable(ctx, tx, bw, "incident_postmortems", postmortemSelect+` ORDER BY incident_id`,
		func(r *sql.Rows, p *exportPostmortem) error {
			return r.Scan(&p.IncidentID, &p.Summary, &p.Impact, &p.Detection, &p.DetectedAt, &p.Contributing, &p.WentWell,
				&p.WentWrong, &p.Lucky, &p.Owner, &p.Status, &p.StatusAt, &p.StatusBy)
		}); err != nil {
		return err
	}
	return exportTable(ctx, tx, bw, "event_stars", `SELECT event_id, actor, at FROM event_stars ORDER BY event_id`,
		func(r *sql.Rows, st *exportStar) error {
			return r.Scan(&st.EventID, &st.Actor, &st.At)
		})
}

// exportMeeting is one incident_meetings row (schema 11): the postmortem
// meeting, times in unix milliseconds UTC.
type exportMeeting struct {
	IncidentID  int64  `json:"incident_id"`
	At          msTime `json:"at"`
	Owner       string `json:"owner"`
	ScheduledBy string `json:"scheduled_by"`
	ScheduledAt msTime `json:"scheduled_at"`
	Sequence    int    `json:"sequence"`
}
