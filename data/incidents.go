package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Limits on incident text, in characters.
const (
	MaxNoteLen      = 2000 // a note may quote an error message or a log line
	MaxRootCauseLen = 2000
	MaxNameLen      = 80 // commander, scribe, comms, the person reached
)

const incidentCols = `id, title, severity, status, security, security_at, deployment_id,
	commander, scribe, comms, opened_by, opened_at, mitigated_at, resolved_at, root_cause, last_update_at`

// OpenIncident records a new open incident, INC-n, and its opening event,
// then freeze.on and rollout.held when it starts the freeze or holds the
// rollout it is linked to.
// n.DeploymentID links it to that deployment, which must exist; 0 links
// none. Callers pass a deployment only when the person chose it (the
// dashboard's form, the CLI's --deploy): a guessed link would count the
// deployment as a change failure (see LinkIncident).
func (s *Store) OpenIncident(ctx context.Context, n model.NewIncident, actor string, at time.Time) (model.Incident, error) {
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Incident{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Incident{}, err
	}
	inc, err := n.Open(actor, at)
	if err != nil {
		return model.Incident{}, invalid(err)
	}
	err = s.write(ctx, "open incident", func(tx *sql.Tx) error {
		linked := ""
		if inc.DeploymentID != 0 {
			d, err := getDeployment(ctx, tx, inc.DeploymentID)
			if errors.Is(err, ErrNotFound) {
				return invalidf("cannot link deployment #%d: it does not exist", inc.DeploymentID)
			} else if err != nil {
				return err
			}
			linked = d.Title()
		}
		// INC-n is the next number, chosen under the write lock: no gaps
		// on either engine.
		err := tx.QueryRowContext(ctx, `INSERT INTO incidents
			(id, title, severity, status, security, security_at, deployment_id, opened_by, opened_at)
			VALUES ((SELECT coalesce(max(id), 0) + 1 FROM incidents), ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			inc.Title, int(inc.Severity), string(inc.Status), inc.Security, nullMS(inc.SecurityAt),
			nullID(inc.DeploymentID), actor, toMS(at)).Scan(&inc.ID)
		if err != nil {
			return fmt.Errorf("insert incident: %w", err)
		}
		text := model.TextIncidentOpened(inc.Severity, inc.Title, inc.DeploymentID, linked, inc.Security,
			model.DueNote(s.policy(), model.Incident{}, inc, at))
		e := incidentEvent(inc, model.EventIncidentOpened, actor, at, text)
		e.DeploymentID = inc.DeploymentID // the deployment's own timeline shows it too
		if err := appendEvent(ctx, tx, e); err != nil {
			return err
		}
		if err := recordHolds(ctx, tx, nil, model.Incident{}, inc, actor, at); err != nil {
			return err
		}
		inc, err = getIncident(ctx, tx, inc.ID)
		return err
	})
	if err != nil {
		return model.Incident{}, err
	}
	return inc, nil
}

// Incident returns INC-id with its whole history; a missing id wraps
// ErrNotFound.
func (s *Store) Incident(ctx context.Context, id int64) (model.Incident, error) {
	var inc model.Incident
	err := s.read(ctx, "read incident", func(tx *sql.Tx) error {
		var err error
		inc, err = getIncident(ctx, tx, id)
		return err
	})
	return inc, err
}

// OpenIncidents returns every incident not yet resolved (open or
// mitigated), newest first, each with its whole history.
func (s *Store) OpenIncidents(ctx context.Context) ([]model.Incident, error) {
	var out []model.Incident
	err := s.read(ctx, "read open incidents", func(tx *sql.Tx) error {
		var err error
		out, err = loadIncidents(ctx, tx, `WHERE status IN ('open', 'mitigated')`, nil, noLimit)
		return err
	})
	return out, err
}

// Incidents returns the newest incidents of any status, newest first; limit
// <= 0 means all.
func (s *Store) Incidents(ctx context.Context, limit int) ([]model.Incident, error) {
	if limit <= 0 {
		limit = noLimit
	}
	var out []model.Incident
	err := s.read(ctx, "read incidents", func(tx *sql.Tx) error {
		var err error
		out, err = loadIncidents(ctx, tx, "", nil, limit)
		return err
	})
	return out, err
}

func getIncident(ctx context.Context, q queryer, id int64) (model.Incident, error) {
	incs, err := loadIncidents(ctx, q, `WHERE id = ?`, []any{id}, 1)
	if err != nil {
		return model.Incident{}, err
	}
	if len(incs) == 0 {
		return model.Incident{}, fmt.Errorf("INC-%d %w", id, ErrNotFound)
	}
	return incs[0], nil
}

// loadIncidents reads the incidents matching where (newest first, at most
// limit) and then their histories with one query per child table, so a list
// of a thousand incidents costs five queries, not five thousand.
func loadIncidents(ctx context.Context, q queryer, where string, args []any, limit int) ([]model.Incident, error) {
	sel := `SELECT id FROM incidents ` + where + ` ORDER BY opened_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents WHERE id IN (`+sel+`)
		ORDER BY opened_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	out, byID, err := scanIncidentRows(rows)
	if err != nil || len(out) == 0 {
		return out, err
	}
	children := []struct {
		query string
		scan  func(r *sql.Rows, inc *model.Incident) error
	}{
		{`SELECT incident_id, at, from_sev, to_sev, actor FROM incident_severity_changes`, scanSeverityChange},
		{`SELECT incident_id, step, at, actor, reached FROM incident_acks`, scanAck},
		{`SELECT incident_id, kind, step, at, actor, reason FROM incident_escalations`, scanEscalation},
		{`SELECT incident_id, at, owner, scheduled_by, scheduled_at, sequence FROM incident_meetings`, scanMeeting},
	}
	for _, c := range children {
		// Each child table's key breaks ties in insertion order (the meeting
		// table's key is incident_id: one row per incident).
		key := "id"
		if strings.Contains(c.query, "incident_meetings") {
			key = "incident_id"
		}
		if err := loadChildren(ctx, q, c.query+` WHERE incident_id IN (`+sel+`) ORDER BY at, `+key, args, out, byID, c.scan); err != nil {
			return nil, err
		}
	}
	err = loadChildren(ctx, q, `SELECT incident_id, position, text, done, owner, due, kind, done_at, done_by
		FROM incident_action_items WHERE incident_id IN (`+sel+`)
		ORDER BY incident_id, position`, args, out, byID, scanActionItem)
	if err != nil {
		return nil, err
	}
	err = loadChildren(ctx, q, postmortemSelect+` WHERE incident_id IN (`+sel+`)`, args, out, byID, scanPostmortem)
	return out, err
}

// loadChildren runs query, whose rows start with incident_id, and hands each
// row to scan with the incident it belongs to.
func loadChildren(ctx context.Context, q queryer, query string, args []any, out []model.Incident, byID map[int64]int,
	scan func(*sql.Rows, *model.Incident) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read incident history: %w", err)
	}
	defer rows.Close()
	// Each scanner fills a scratch incident (its ID and one history entry),
	// which is then appended to the incident it belongs to.
	for rows.Next() {
		var inc model.Incident
		if err := scan(rows, &inc); err != nil {
			return fmt.Errorf("read incident history: %w", err)
		}
		i, ok := byID[inc.ID]
		if !ok {
			continue
		}
		t := &out[i]
		t.SeverityHistory = append(t.SeverityHistory, inc.SeverityHistory...)
		t.Acks = append(t.Acks, inc.Acks...)
		t.Escalations = append(t.Escalations, inc.Escalations...)
		t.ActionItems = append(t.ActionItems, inc.ActionItems...)
		if inc.Postmortem != (model.Postmortem{}) {
			t.Postmortem = inc.Postmortem
		}
		if inc.Meeting != nil {
			t.Meeting = inc.Meeting
		}
	}
	return rows.Err()
}

func scanSeverityChange(r *sql.Rows, inc *model.Incident) error {
	var c model.SeverityChange
	var at int64
	var from, to int
	if err := r.Scan(&inc.ID, &at, &from, &to, &c.By); err != nil {
		return err
	}
	c.At, c.From, c.To = msTimeOf(at), model.Severity(from), model.Severity(to)
	inc.SeverityHistory = append(inc.SeverityHistory, c)
	return nil
}

func scanAck(r *sql.Rows, inc *model.Incident) error {
	var a model.Ack
	var at int64
	if err := r.Scan(&inc.ID, &a.Step, &at, &a.By, &a.Reached); err != nil {
		return err
	}
	a.At = msTimeOf(at)
	inc.Acks = append(inc.Acks, a)
	return nil
}

func scanMeeting(r *sql.Rows, inc *model.Incident) error {
	var m model.PostmortemMeeting
	var at, scheduledAt int64
	if err := r.Scan(&inc.ID, &at, &m.Owner, &m.ScheduledBy, &scheduledAt, &m.Sequence); err != nil {
		return err
	}
	m.At, m.ScheduledAt = msTimeOf(at), msTimeOf(scheduledAt)
	inc.Meeting = &m
	return nil
}

func scanEscalation(r *sql.Rows, inc *model.Incident) error {
	var m model.ManualEscalation
	var at int64
	var kind string
	if err := r.Scan(&inc.ID, &kind, &m.Step, &at, &m.By, &m.Reason); err != nil {
		return err
	}
	m.Kind, m.At = model.ManualKind(kind), msTimeOf(at)
	inc.Escalations = append(inc.Escalations, m)
	return nil
}

func scanIncident(r interface{ Scan(...any) error }) (model.Incident, error) {
	var inc model.Incident
	var sev int
	var status string
	var dep, securityAt, opened, mitigated, resolved, lastUpdate sql.NullInt64
	err := r.Scan(&inc.ID, &inc.Title, &sev, &status, &inc.Security, &securityAt, &dep,
		&inc.Commander, &inc.Scribe, &inc.Comms, &inc.OpenedBy, &opened, &mitigated, &resolved, &inc.RootCause, &lastUpdate)
	if err != nil {
		return inc, err
	}
	inc.Severity = model.Severity(sev)
	inc.Status = model.IncidentStatus(status)
	inc.DeploymentID = dep.Int64
	inc.SecurityAt = fromMS(securityAt)
	inc.OpenedAt = fromMS(opened)
	inc.MitigatedAt = fromMS(mitigated)
	inc.ResolvedAt = fromMS(resolved)
	inc.LastUpdateAt = fromMS(lastUpdate)
	return inc, nil
}

func msTimeOf(ms int64) time.Time { return fromMS(sql.NullInt64{Int64: ms, Valid: true}) }

// incidentEvent is a timeline entry about inc, tagged with its id and its
// severity as of this change (the log pane filters on it).
func incidentEvent(inc model.Incident, kind model.EventKind, actor string, at time.Time, text string) model.Event {
	return model.Event{At: at, Actor: actor, Kind: kind, IncidentID: inc.ID, Severity: inc.Severity, Text: text}
}

// policy is the escalation ladder the store validates steps against and
// resolves "the next step" with: Options.Policy, else the seed's. The due
// times it stores never depend on it — only the model's pure functions over
// the stored history do.
func (s *Store) policy() model.EscalationPolicy { return s.pol }

// cleanLine trims one line of user text and checks it; required makes an
// empty value an error.
func cleanLine(field, s string, limit int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		return "", invalidf("%s is empty", field)
	}
	if err := model.CheckLine(field, s); err != nil {
		return "", invalid(err)
	}
	if err := checkText(field, s, limit); err != nil {
		return "", err
	}
	return s, nil
}

// cleanText is cleanLine for text that may span lines (a root cause, a
// summary): line breaks are kept (CRLF read as LF), trailing spaces of each
// line and blank lines at either end are dropped, and every other control
// character is refused. Empty is allowed (a cleared value).
func cleanText(field, s string, limit int) (string, error) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = strings.Trim(strings.Join(lines, "\n"), "\n")
	s = strings.TrimSpace(s)
	if err := model.CheckText(field, s); err != nil {
		return "", invalid(err)
	}
	if err := checkText(field, s, limit); err != nil {
		return "", err
	}
	return s, nil
}

// scanIncidentRows reads incident rows (incidentCols) in order, with an
// index by id for attaching their children; it closes rows.
func scanIncidentRows(rows *sql.Rows) ([]model.Incident, map[int64]int, error) {
	var out []model.Incident
	byID := map[int64]int{}
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("read incident: %w", err)
		}
		byID[inc.ID] = len(out)
		out = append(out, inc)
	}
	if err := rows.Close(); err != nil {
		return nil, nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return out, byID, nil
}
