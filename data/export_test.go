package data

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func TestExport(t *testing.T) {
	s := newStore(t)
	s.now = func() time.Time { return t0.Add(time.Hour) }
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	if _, err := s.SetItemState(ctx, items[0].ID, "", model.ItemDone, "", "alice", t0.Add(time.Minute+7*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetItemNote(ctx, items[1].ID, model.NoteSeen{}, `quote " and <tag> & ünïcode`, "bob", t0); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := s.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion     int              `json:"schema_version"`
		ExportedAt        string           `json:"exported_at"`
		Deployments       []map[string]any `json:"deployments"`
		ChecklistItems    []map[string]any `json:"checklist_items"`
		ChecklistGuidance []map[string]any `json:"checklist_guidance"`
		Events            []map[string]any `json:"events"`
		// Schema 2; their contents are checked in TestExportRollouts.
		Rollouts             []map[string]any `json:"rollouts"`
		RolloutStages        []map[string]any `json:"rollout_stages"`
		RolloutReady         []map[string]any `json:"rollout_ready"`
		HealthSamples        []map[string]any `json:"health_samples"`
		RollbackDeclarations []map[string]any `json:"rollback_declarations"`
		// Schema 3; their contents are checked in TestExportIncidents.
		Incidents               []map[string]any `json:"incidents"`
		IncidentSeverityChanges []map[string]any `json:"incident_severity_changes"`
		IncidentAcks            []map[string]any `json:"incident_acks"`
		IncidentEscalations     []map[string]any `json:"incident_escalations"`
		IncidentActionItems     []map[string]any `json:"incident_action_items"`
		IncidentPostmortems     []map[string]any `json:"incident_postmortems"`
		IncidentMeetings        []map[string]any `json:"incident_meetings"`
		IncidentUpdates         []map[string]any `json:"incident_updates"`
		EventStars              []map[string]any `json:"event_stars"`
		// Schema 5; checked in TestExportTemplates.
		Templates []map[string]any `json:"templates"`
		// Schema 6: the once-per-database claims of notify and probe.
		Notifications []map[string]any `json:"notifications"`
		// Schema 8: each sender's cursor and lease (TestOutbox*).
		Outbox []map[string]any `json:"outbox"`
		// Schema 9: the commits each deployment shipped (TestDeploymentCommits*).
		DeploymentCommits []map[string]any `json:"deployment_commits"`
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("export is not the expected JSON: %v\n%s", err, buf.String())
	}
	if doc.SchemaVersion != SchemaVersion || doc.ExportedAt != "2026-11-25T15:02:00.000Z" {
		t.Errorf("header: %d %s", doc.SchemaVersion, doc.ExportedAt)
	}
	if len(doc.Deployments) != 1 || len(doc.ChecklistItems) != 6 || len(doc.ChecklistGuidance) != 3 || len(doc.Events) != 3 {
		t.Fatalf("row counts: %d %d %d %d", len(doc.Deployments), len(doc.ChecklistItems), len(doc.ChecklistGuidance), len(doc.Events))
	}

	dep := doc.Deployments[0]
	wantKeys := "commit_sha committed_at created_at environment execution_at finished_at hotfix_for id rollback_at service stability_at started_by status strategy template updated_at version"
	if got := sortedKeys(dep); got != wantKeys {
		t.Errorf("deployment keys: %s", got)
	}
	if dep["id"] != float64(d.ID) || dep["status"] != "planned" || dep["created_at"] != "2026-11-25T14:02:00.000Z" || dep["execution_at"] != nil {
		t.Errorf("deployment: %v", dep)
	}

	first := doc.ChecklistItems[0]
	if got := sortedKeys(first); got != "changed_at changed_by deployment_id id note note_at note_by phase position reason section state text" {
		t.Errorf("item keys: %s", got)
	}
	if first["state"] != "done" || first["changed_at"] != "2026-11-25T14:03:00.007Z" || first["note_at"] != nil {
		t.Errorf("checked item: %v", first)
	}
	if doc.ChecklistItems[1]["note"] != `quote " and <tag> & ünïcode` {
		t.Errorf("note: %v", doc.ChecklistItems[1]["note"])
	}
	if !strings.Contains(buf.String(), "<tag> &") {
		t.Error("HTML characters were escaped")
	}
	for i := 1; i < len(doc.ChecklistItems); i++ {
		if doc.ChecklistItems[i]["id"].(float64) <= doc.ChecklistItems[i-1]["id"].(float64) {
			t.Error("items not ordered by id")
		}
	}
	if g := doc.ChecklistGuidance[2]; g["title"] != "Title only" || g["line"] != nil {
		t.Errorf("title-only guidance: %v", g)
	}
	if got := sortedKeys(doc.ChecklistGuidance[0]); got != "deployment_id id line phase position title" {
		t.Errorf("guidance keys: %s", got)
	}

	for _, e := range doc.Events {
		if got := sortedKeys(e); got != "actor at deployment_id id incident_id item_id kind severity text" {
			t.Errorf("event keys: %s", got)
		}
		if _, err := time.Parse(time.RFC3339, e["at"].(string)); err != nil || !strings.HasSuffix(e["at"].(string), "Z") {
			t.Errorf("event time %v: %v", e["at"], err)
		}
	}
	if doc.Events[0]["item_id"] != nil || doc.Events[1]["item_id"] != float64(items[0].ID) {
		t.Errorf("event item ids: %v %v", doc.Events[0]["item_id"], doc.Events[1]["item_id"])
	}
}

func TestExportEmpty(t *testing.T) {
	s := newStore(t)
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, k := range []string{"deployments", "checklist_items", "checklist_guidance", "events",
		"rollouts", "rollout_stages", "rollout_ready", "health_samples", "rollback_declarations",
		"incidents", "incident_severity_changes", "incident_acks", "incident_escalations", "incident_action_items",
		"incident_updates", "event_stars"} {
		if rows, ok := doc[k].([]any); !ok || len(rows) != 0 {
			t.Errorf("%s = %#v, want []", k, doc[k])
		}
	}
}

func sortedKeys(m map[string]any) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), " ")
}

// Export writes every table there is: a new table without an export fails
// here, so "every table" stays literal as the schema grows.
func TestExportHasEveryTable(t *testing.T) {
	s := newStore(t)
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	tables, err := s.eng.tables(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range tables {
		n++
		if _, ok := doc[name]; !ok {
			t.Errorf("table %s is not in the export", name)
		}
	}
	if n < 18 {
		t.Fatalf("only %d tables found", n)
	}
}
