package data

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"

	"github.com/octoacme/flightdeck/model"
)

// exportTimeLayout is RFC 3339 in UTC with fixed milliseconds, the precision
// the database stores, so equal instants always print the same.
const exportTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// msTime is a stored unix-millisecond column as JSON: RFC 3339 UTC or null.
type msTime sql.NullInt64

func (t msTime) MarshalJSON() ([]byte, error) {
	v := fromMS(sql.NullInt64(t))
	if v.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + v.Format(exportTimeLayout) + `"`), nil
}

func (t *msTime) Scan(src any) error { return (*sql.NullInt64)(t).Scan(src) }

type exportDeployment struct {
	ID          int64  `json:"id"`
	Service     string `json:"service"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
	Strategy    string `json:"strategy"`
	Status      string `json:"status"`
	Template    string `json:"template"`
	StartedBy   string `json:"started_by"`
	CreatedAt   msTime `json:"created_at"`
	UpdatedAt   msTime `json:"updated_at"`
	ExecutionAt msTime `json:"execution_at"`
	FinishedAt  msTime `json:"finished_at"`
	CommitSHA   string `json:"commit_sha"`
	CommittedAt msTime `json:"committed_at"`
	RollbackAt  msTime `json:"rollback_at"`
	StabilityAt msTime `json:"stability_at"`
	HotfixFor   *int64 `json:"hotfix_for"` // incident id, or null
}

type exportCommit struct {
	ID           int64  `json:"id"`
	DeploymentID int64  `json:"deployment_id"`
	Position     int64  `json:"position"`
	SHA          string `json:"sha"`
	CommittedAt  msTime `json:"committed_at"`
	AuthoredAt   msTime `json:"authored_at"`
}

type exportItem struct {
	ID           int64  `json:"id"`
	DeploymentID int64  `json:"deployment_id"`
	Phase        string `json:"phase"`
	Section      string `json:"section"`
	Position     int64  `json:"position"`
	Text         string `json:"text"`
	State        string `json:"state"`
	Reason       string `json:"reason"`
	ChangedBy    string `json:"changed_by"`
	ChangedAt    msTime `json:"changed_at"`
	Note         string `json:"note"`
	NoteBy       string `json:"note_by"`
	NoteAt       msTime `json:"note_at"`
}

type exportGuidance struct {
	ID           int64   `json:"id"`
	DeploymentID int64   `json:"deployment_id"`
	Phase        string  `json:"phase"`
	Position     int64   `json:"position"`
	Title        string  `json:"title"`
	Line         *string `json:"line"`
}

type exportEvent struct {
	ID           int64  `json:"id"`
	At           msTime `json:"at"`
	Actor        string `json:"actor"`
	Kind         string `json:"kind"`
	DeploymentID *int64 `json:"deployment_id"`
	ItemID       *int64 `json:"item_id"`
	IncidentID   *int64 `json:"incident_id"`
	Severity     *int64 `json:"severity"`
	Text         string `json:"text"`
}

// Export writes every table as one JSON object with stable snake_case keys
// (the column names), RFC 3339 UTC times and rows ordered by id. Rows are
// streamed one at a time from a single read snapshot.
func (s *Store) Export(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	err := s.read(ctx, "export", func(tx *sql.Tx) error {
		fmt.Fprintf(bw, `{"schema_version":%d,"exported_at":"%s"`, SchemaVersion, s.now().UTC().Format(exportTimeLayout))
		if err := exportTable(ctx, tx, bw, "deployments", `SELECT `+deploymentCols+` FROM deployments ORDER BY id`,
			func(r *sql.Rows, d *exportDeployment) error {
				return r.Scan(&d.ID, &d.Service, &d.Version, &d.Environment, &d.Strategy, &d.Status, &d.Template, &d.StartedBy,
					&d.CreatedAt, &d.UpdatedAt, &d.ExecutionAt, &d.FinishedAt, &d.CommitSHA, &d.CommittedAt, &d.RollbackAt, &d.StabilityAt, &d.HotfixFor)
			}); err != nil {
			return err
		}
		if err := exportTable(ctx, tx, bw, "deployment_commits", `SELECT id, deployment_id, position, sha, committed_at, authored_at FROM deployment_commits ORDER BY id`,
			func(r *sql.Rows, c *exportCommit) error {
				return r.Scan(&c.ID, &c.DeploymentID, &c.Position, &c.SHA, &c.CommittedAt, &c.AuthoredAt)
			}); err != nil {
			return err
		}
		if err := exportTable(ctx, tx, bw, "checklist_items", `SELECT `+itemCols+` FROM checklist_items ORDER BY id`,
			func(r *sql.Rows, it *exportItem) error {
				return r.Scan(&it.ID, &it.DeploymentID, &it.Phase, &it.Section, &it.Position, &it.Text, &it.State, &it.Reason,
					&it.ChangedBy, &it.ChangedAt, &it.Note, &it.NoteBy, &it.NoteAt)
			}); err != nil {
			return err
		}
		if err := exportTable(ctx, tx, bw, "checklist_guidance", `SELECT id, deployment_id, phase, position, title, line FROM checklist_guidance ORDER BY id`,
			func(r *sql.Rows, g *exportGuidance) error {
				return r.Scan(&g.ID, &g.DeploymentID, &g.Phase, &g.Position, &g.Title, &g.Line)
			}); err != nil {
			return err
		}
		if err := exportTable(ctx, tx, bw, "events", `SELECT id, at, actor, kind, deployment_id, item_id, incident_id, severity, text FROM events ORDER BY id`,
			func(r *sql.Rows, e *exportEvent) error {
				return r.Scan(&e.ID, &e.At, &e.Actor, &e.Kind, &e.DeploymentID, &e.ItemID, &e.IncidentID, &e.Severity, &e.Text)
			}); err != nil {
			return err
		}
		if err := exportRollouts(ctx, tx, bw); err != nil {
			return err
		}
		if err := exportIncidents(ctx, tx, bw); err != nil {
			return err
		}
		if err := exportTemplates(ctx, tx, bw); err != nil {
			return err
		}
		if err := exportNotifications(ctx, tx, bw); err != nil {
			return err
		}
		if err := exportOutboxTable(ctx, tx, bw); err != nil {
			return err
		}
		_, err := bw.WriteString("\n}\n")
		return err
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportTable writes `,"name":[` then one JSON row per line.
func exportTable[T any](ctx context.Context, tx *sql.Tx, w *bufio.Writer, name, query string, scan func(*sql.Rows, *T) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	defer rows.Close()
	fmt.Fprintf(w, ",\n%q:[", name)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<" and "&" readable in notes
	sep := "\n"
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		buf.Reset()
		if err := enc.Encode(&v); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		row, err := model.SanitizeJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		w.WriteString(sep)
		w.Write(row)
		sep = ",\n"
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	_, err = w.WriteString("\n]")
	return err
}
