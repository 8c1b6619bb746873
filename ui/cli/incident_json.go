package cli

import (
	"time"

	"github.com/octoacme/flightdeck/model"
)

// incidentJSON is the stable shape of `incident list --json` (and the head
// of `incident show --json`). Severities read "SEV2"; durations are seconds.
type incidentJSON struct {
	ID             int64      `json:"id"`
	Ref            string     `json:"ref"`
	Title          string     `json:"title"`
	Severity       string     `json:"severity"`
	Status         string     `json:"status"`
	Security       bool       `json:"security"`
	SecurityAt     jsonTime   `json:"security_at"`
	DeploymentID   *int64     `json:"deployment_id"`
	Commander      string     `json:"commander"`
	Scribe         string     `json:"scribe"`
	Comms          string     `json:"comms"`
	NeedsCommander bool       `json:"needs_commander"`
	OpenedBy       string     `json:"opened_by"`
	OpenedAt       jsonTime   `json:"opened_at"`
	MitigatedAt    jsonTime   `json:"mitigated_at"`
	ResolvedAt     jsonTime   `json:"resolved_at"`
	RootCause      string     `json:"root_cause"`
	ActionItems    []string   `json:"action_items"`
	LastUpdateAt   jsonTime   `json:"last_update_at"`
	NextUpdateDue  jsonTime   `json:"next_update_due"` // null when no update is owed
	NextDeadline   *stepJSON  `json:"next_deadline"`   // null when no clock runs
	Escalation     []stepJSON `json:"escalation"`
}

type stepJSON struct {
	Step             int      `json:"step"`
	Role             string   `json:"role"`
	Person           string   `json:"person"`
	Due              jsonTime `json:"due"`
	State            string   `json:"state"`
	RemainingSeconds int64    `json:"remaining_seconds"`
	OverdueSeconds   int64    `json:"overdue_seconds"`
	AckedBy          string   `json:"acked_by"`
	Reached          string   `json:"reached"`
	AckedAt          jsonTime `json:"acked_at"`
	Why              string   `json:"why"`
}

// incidentDetailJSON is `incident show --json`: the list shape plus the
// histories and the timeline in the order things happened.
type incidentDetailJSON struct {
	incidentJSON
	SeverityHistory []severityChangeJSON `json:"severity_history"`
	Acks            []ackJSON            `json:"acks"`
	Escalations     []escalationJSON     `json:"escalations"`
	Timeline        []timelineEventJSON  `json:"timeline"`
	// Postmortem and ActionItemDetails (owner, due, kind, done); action_items
	// keeps the texts alone, as before.
	Postmortem        postmortemJSON   `json:"postmortem"`
	ActionItemDetails []actionItemJSON `json:"action_item_details"`
}

// timelineEventJSON is one entry of an incident's timeline: an event plus
// where it comes from — "incident" (filed under the incident) or
// "deployment" (the linked deployment's, deployment_id says which).
type timelineEventJSON struct {
	eventJSON
	Source string `json:"source"`
}

type severityChangeJSON struct {
	At   jsonTime `json:"at"`
	From string   `json:"from"`
	To   string   `json:"to"`
	By   string   `json:"by"`
}

type ackJSON struct {
	Step    int      `json:"step"`
	At      jsonTime `json:"at"`
	By      string   `json:"by"`
	Reached string   `json:"reached"`
}

type escalationJSON struct {
	Kind   string   `json:"kind"`
	Step   int      `json:"step"`
	At     jsonTime `json:"at"`
	By     string   `json:"by"`
	Reason string   `json:"reason"`
}

type eventJSON struct {
	ID           int64    `json:"id"`
	At           jsonTime `json:"at"`
	Actor        string   `json:"actor"`
	Kind         string   `json:"kind"`
	Severity     *string  `json:"severity"`
	DeploymentID *int64   `json:"deployment_id"`
	Starred      bool     `json:"starred"`
	Text         string   `json:"text"`
}

// newIncidentJSON is newIncidentJSONWith the seed's policies.
func newIncidentJSON(inc model.Incident, now time.Time) incidentJSON {
	return newIncidentJSONWith(inc, now, seedIncPolicies())
}

// newIncidentJSONWith computes the ladder and the next update with pp (the
// configured policies: see app.incPolicies).
func newIncidentJSONWith(inc model.Incident, now time.Time, pp incPolicies) incidentJSON {
	p := pp.esc
	j := incidentJSON{
		ID: inc.ID, Ref: inc.Ref(), Title: inc.Title, Severity: inc.Severity.Label(), Status: string(inc.Status),
		Security: inc.Security, SecurityAt: jsonTime(inc.SecurityAt), DeploymentID: incOptID(inc.DeploymentID),
		Commander: inc.Commander, Scribe: inc.Scribe, Comms: inc.Comms, NeedsCommander: inc.NeedsCommander(),
		OpenedBy: inc.OpenedBy, OpenedAt: jsonTime(inc.OpenedAt), MitigatedAt: jsonTime(inc.MitigatedAt),
		ResolvedAt: jsonTime(inc.ResolvedAt), RootCause: inc.RootCause, ActionItems: []string{},
		LastUpdateAt: jsonTime(inc.LastUpdateAt), Escalation: []stepJSON{},
	}
	for _, it := range inc.ActionItems {
		j.ActionItems = append(j.ActionItems, it.Text)
	}
	if due, ok := pp.upd.NextUpdateDue(inc); ok {
		j.NextUpdateDue = jsonTime(due)
	}
	for _, st := range p.Ladder(inc, now) {
		j.Escalation = append(j.Escalation, newStepJSON(st))
	}
	if st, ok := p.NextDeadline(inc, now); ok {
		s := newStepJSON(st)
		j.NextDeadline = &s
	}
	return j
}

func newStepJSON(st model.StepStatus) stepJSON {
	return stepJSON{
		Step: st.Step.Number, Role: st.Step.Role, Person: st.Step.Person, Due: jsonTime(st.Due), State: string(st.State),
		RemainingSeconds: seconds(st.Remaining), OverdueSeconds: seconds(st.Overdue),
		AckedBy: st.AckedBy, Reached: st.Reached, AckedAt: jsonTime(st.AckedAt), Why: st.Why,
	}
}

func newIncidentDetailJSON(inc model.Incident, timeline []model.Event, now time.Time, pp incPolicies) incidentDetailJSON {
	j := incidentDetailJSON{incidentJSON: newIncidentJSONWith(inc, now, pp),
		SeverityHistory: []severityChangeJSON{}, Acks: []ackJSON{}, Escalations: []escalationJSON{}, Timeline: []timelineEventJSON{},
		Postmortem: newPostmortemJSON(inc.Postmortem), ActionItemDetails: newActionItemsJSON(inc.ActionItems)}
	for _, c := range inc.SeverityHistory {
		j.SeverityHistory = append(j.SeverityHistory, severityChangeJSON{jsonTime(c.At), c.From.Label(), c.To.Label(), c.By})
	}
	for _, a := range inc.Acks {
		j.Acks = append(j.Acks, ackJSON{a.Step, jsonTime(a.At), a.By, a.Reached})
	}
	for _, m := range inc.Escalations {
		j.Escalations = append(j.Escalations, escalationJSON{string(m.Kind), m.Step, jsonTime(m.At), m.By, m.Reason})
	}
	for _, e := range timeline {
		ej := eventJSON{ID: e.ID, At: jsonTime(e.At), Actor: e.Actor, Kind: string(e.Kind),
			DeploymentID: incOptID(e.DeploymentID), Starred: e.Starred, Text: e.Text}
		if e.Severity.Valid() {
			l := e.Severity.Label()
			ej.Severity = &l
		}
		src := "incident"
		if e.FromDeployment(inc.ID) {
			src = "deployment"
		}
		j.Timeline = append(j.Timeline, timelineEventJSON{ej, src})
	}
	return j
}

func incOptID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
