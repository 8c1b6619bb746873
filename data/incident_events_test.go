package data

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// seedEvents writes n timeline events in one transaction, cycling through
// deployment events and incident events of every severity, with the text
// patterns the search tests look for. Incidents 1–4 are SEV1–SEV4.
func seedEvents(tb testing.TB, s *Store, n int) {
	tb.Helper()
	ctx := context.Background()
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1"}, testTemplate(), "alice", t0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, sev := range model.Severities {
		if _, err := s.OpenIncident(ctx, model.NewIncident{Title: "inc " + sev.Label(), Severity: sev}, "alice", t0); err != nil {
			tb.Fatal(err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for i := range n {
		e := model.Event{At: t0.Add(time.Duration(i) * time.Second), Actor: []string{"alice", "bob", "Carol"}[i%3],
			Kind: model.EventIncidentNote, Text: fmt.Sprintf("event %d", i)}
		switch k := i % 5; k {
		case 0:
			e.Kind, e.DeploymentID = model.EventItemNote, d.ID
		default:
			e.IncidentID, e.Severity = int64(k), model.Severity(k)
		}
		switch {
		case i%97 == 0:
			e.Text += " 100% done_x"
		case i%89 == 0:
			e.Text += " 100 percent doneXx"
		case i%7 == 0:
			e.Text += " Checkout errors"
		}
		if err := appendEvent(ctx, tx, e); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// allEvents reads the whole timeline in id order, straight from SQL.
func allEvents(t *testing.T, s *Store) []model.Event {
	t.Helper()
	rows, err := s.db.Query(`SELECT ` + eventCols + ` FROM events e ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// matches is the filter's meaning, written plainly, to check the SQL by.
func matches(f EventPageFilter, e model.Event) bool {
	if f.MinSeverity != 0 && (e.Severity == 0 || e.Severity > f.MinSeverity) {
		return false
	}
	if f.IncidentID != 0 && e.IncidentID != f.IncidentID {
		return false
	}
	if f.StarredOnly && !e.Starred {
		return false
	}
	if f.AfterID != 0 && e.ID <= f.AfterID {
		return false
	}
	if q := strings.ToLower(f.Search); q != "" {
		id, err := model.ParseIncidentRef(f.Search)
		byRef := err == nil && strings.ContainsAny(f.Search, "iInN#") && e.IncidentID == id
		if !byRef && !strings.Contains(strings.ToLower(e.Text), q) && !strings.Contains(strings.ToLower(e.Actor), q) {
			return false
		}
	}
	return true
}

func TestEventsPageFiltersAndPaging(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	seedEvents(t, s, 1000)
	all := allEvents(t, s)
	for _, e := range all {
		if e.ID%13 == 0 {
			if err := s.StarEvent(ctx, e.ID, true, "bob", t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	all = allEvents(t, s)

	filters := []EventPageFilter{
		{},
		{MinSeverity: model.SEV1},
		{MinSeverity: model.SEV2},
		{MinSeverity: model.SEV4},
		{IncidentID: 3},
		{StarredOnly: true},
		{StarredOnly: true, MinSeverity: model.SEV2},
		{Search: "checkout"},
		{Search: "CAROL"},
		{Search: "100%"},   // % is literal: not "100 percent"
		{Search: "done_x"}, // _ is literal: not "doneXx"
		{Search: `a\b`},    // backslash is literal: matches nothing
		{Search: "INC-2"},  // the incident's events, by ref
		{Search: "checkout", MinSeverity: model.SEV3, StarredOnly: true},
		{AfterID: 900, MinSeverity: model.SEV2},
		{MinSeverity: model.SEV2, Search: "event 99"},
	}
	for _, f := range filters {
		var want []int64
		for _, e := range all {
			if matches(f, e) {
				want = append(want, e.ID)
			}
		}
		if len(want) == 0 && f.Search != `a\b` {
			t.Errorf("%+v matches nothing: the seed does not exercise it", f)
		}
		// Page back 37 at a time from the newest; pages are oldest first.
		var got []int64
		pf := f
		pf.Limit = 37
		for range 100 {
			page, err := s.EventsPage(ctx, pf)
			if err != nil {
				t.Fatalf("%+v: %v", pf, err)
			}
			if len(page) > 37 {
				t.Fatalf("%+v: page of %d", pf, len(page))
			}
			ids := make([]int64, len(page))
			for i, e := range page {
				ids[i] = e.ID
			}
			if !slices.IsSorted(ids) {
				t.Fatalf("%+v: page not oldest first: %v", pf, ids)
			}
			got = append(ids, got...)
			if len(page) < 37 {
				break
			}
			pf.BeforeID = page[0].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: %d events, want %d\ngot  %v\nwant %v", f, len(got), len(want), head(got), head(want))
		}
		if n, err := s.EventCount(ctx, f); err != nil || n != len(want) {
			t.Errorf("%+v: EventCount = %d %v, want %d", f, n, err, len(want))
		}
	}
	if len(all) < 1000 {
		t.Fatalf("seeded %d events", len(all))
	}
	if _, err := s.EventsPage(ctx, EventPageFilter{MinSeverity: 5}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad severity filter: %v", err)
	}
	if page, _ := s.EventsPage(ctx, EventPageFilter{Limit: 1 << 30}); len(page) != MaxEventPage && len(page) != len(all) {
		t.Errorf("page size not capped: %d", len(page))
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 12)] }

// TestEventsPageUsesIndexes checks the plan of every filter shape: newest
// first with no sort step, bounds as range seeks, and no walk over all
// events where an index (severity, incident) or event_stars can serve.
func TestEventsPageUsesIndexes(t *testing.T) {
	sqliteOnly(t)
	s := newStore(t)
	seedEvents(t, s, 200)
	for _, f := range []EventPageFilter{
		{},
		{BeforeID: 100},
		{AfterID: 100},
		{MinSeverity: model.SEV2, BeforeID: 100},
		{MinSeverity: model.SEV4},
		{IncidentID: 2, BeforeID: 100},
		{StarredOnly: true, BeforeID: 100},
		{StarredOnly: true, MinSeverity: model.SEV2},
		{Search: "x", BeforeID: 100},
		{Search: "x", MinSeverity: model.SEV1},
	} {
		q, args, err := eventPageQuery(engineSQLite, f)
		if err != nil {
			t.Fatal(err)
		}
		plan := queryPlan(t, s.db, q, args)
		if strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%+v: sorts:\n%s", f, plan)
		}
		if (f.MinSeverity != 0 || f.IncidentID != 0 || f.StarredOnly) && slices.Contains(strings.Split(plan, "\n"), "SCAN e") {
			t.Errorf("%+v: walks all events:\n%s", f, plan)
		}
		if f.BeforeID != 0 && !strings.Contains(plan, "rowid<?") || f.AfterID != 0 && !strings.Contains(plan, "rowid>?") {
			t.Errorf("%+v: id bound is not a range seek:\n%s", f, plan)
		}
	}
}

// TestProbeFailedSinceUsesItsIndex: the health line's question, asked on
// every reload, reads probe failures only, not every event of the
// deployment since its last health reading.
func TestProbeFailedSinceUsesItsIndex(t *testing.T) {
	sqliteOnly(t)
	s := newStore(t)
	plan := queryPlan(t, s.db, probeFailedSinceSQL, []any{1, 0})
	if !strings.Contains(plan, "INDEX events_probe_failed (") {
		t.Errorf("probeFailedSinceSQL does not use events_probe_failed:\n%s", plan)
	}
}

func queryPlan(t *testing.T, db *sql.DB, q string, args []any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

func TestStarEvent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := openInc(t, s, model.SEV2, 0, t0)
	ev := incEvents(t, s, inc.ID)[0]
	for range 2 { // starring twice is one star
		if err := s.StarEvent(ctx, ev.ID, true, "bob", t0.Add(minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got := incEvents(t, s, inc.ID)[0]; !got.Starred || got.Text != ev.Text {
		t.Errorf("starred: %+v", got)
	}
	var who string
	var at int64
	if err := s.db.QueryRow(`SELECT actor, at FROM event_stars WHERE event_id = ?`, ev.ID).Scan(&who, &at); err != nil || who != "bob" || at != toMS(t0.Add(minute)) {
		t.Errorf("star row: %q %d %v", who, at, err)
	}
	for range 2 {
		if err := s.StarEvent(ctx, ev.ID, false, "bob", t0.Add(2*minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got := incEvents(t, s, inc.ID)[0]; got.Starred {
		t.Errorf("unstarred: %+v", got)
	}
	if err := s.StarEvent(ctx, 999, true, "bob", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("star a missing event: %v", err)
	}
}

// TestEventsAppendOnlyEveryColumn: stars live beside the timeline, so the
// append-only trigger still refuses a change to any column, including the
// ones schema 3 added, and any deletion.
func TestEventsAppendOnlyEveryColumn(t *testing.T) {
	s := newStore(t)
	inc := openInc(t, s, model.SEV2, 0, t0)
	cols, err := s.eng.columns(context.Background(), s.db, "events")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cols, "incident_id") || !slices.Contains(cols, "severity") {
		t.Fatalf("events columns: %v", cols)
	}
	for _, c := range cols {
		q := fmt.Sprintf("UPDATE events SET %s = %s WHERE incident_id = %d", c, c, inc.ID)
		if _, err := s.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", q, err)
		}
	}
	if _, err := s.db.Exec(`DELETE FROM events WHERE incident_id = ?`, inc.ID); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("delete: %v", err)
	}
}

func TestExportIncidents(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, _ := startTestDeployment(t, s)
	inc := openInc(t, s, model.SEV3, d.ID, t0)
	noErr(t, s.SetIncidentSeverity(ctx, inc.ID, model.IncidentSeen{}, model.SEV1, "bob", t0.Add(minute)))
	noErr(t, s.AckStep(ctx, inc.ID, model.IncidentSeen{}, 1, "Dana", "bob", t0.Add(2*minute)))
	noErr(t, s.EscalateNow(ctx, inc.ID, model.IncidentSeen{}, 3, "all hands", "bob", t0.Add(3*minute)))
	noErr(t, s.AddActionItem(ctx, inc.ID, "add a canary alarm", "bob", t0.Add(4*minute)))
	noErr(t, s.PostUpdate(ctx, inc.ID, model.IncidentSeen{}, model.StakeholderUpdate{Conditions: "c", Actions: "a", Needs: "n"}, "bob", t0.Add(5*minute)))
	noErr(t, s.SetSecurity(ctx, inc.ID, true, "bob", t0.Add(6*minute)))
	if err := s.StarEvent(ctx, incEvents(t, s, inc.ID)[0].ID, true, "bob", t0.Add(7*minute)); err != nil {
		t.Fatal(err)
	}

	doc := exportDoc(t, s)
	want := map[string]string{
		"incidents":                 `{"commander":"","comms":"","deployment_id":1,"id":1,"last_update_at":"2026-11-25T14:07:00.000Z","mitigated_at":null,"opened_at":"2026-11-25T14:02:00.000Z","opened_by":"alice","resolved_at":null,"root_cause":"","scribe":"","security":true,"security_at":"2026-11-25T14:08:00.000Z","severity":1,"status":"open","title":"checkout returns 500s"}`,
		"incident_severity_changes": `{"actor":"bob","at":"2026-11-25T14:03:00.000Z","from_sev":3,"id":1,"incident_id":1,"to_sev":1}`,
		"incident_acks":             `{"actor":"bob","at":"2026-11-25T14:04:00.000Z","id":1,"incident_id":1,"reached":"Dana","step":1}`,
		"incident_escalations":      `{"actor":"bob","at":"2026-11-25T14:05:00.000Z","id":1,"incident_id":1,"kind":"escalate-now","reason":"all hands","step":3}`,
		"incident_action_items":     `{"done":false,"done_at":null,"done_by":"","due":null,"id":1,"incident_id":1,"kind":"","owner":"","position":1,"text":"add a canary alarm"}`,
		"incident_updates":          `{"actions":"a","actor":"bob","at":"2026-11-25T14:07:00.000Z","conditions":"c","id":1,"incident_id":1,"needs":"n"}`,
		"event_stars":               `{"actor":"bob","at":"2026-11-25T14:09:00.000Z","event_id":2}`,
	}
	for table, w := range want {
		rows := doc[table]
		if len(rows) != 1 || rows[0] != w {
			t.Errorf("%s:\n got %v\nwant %s", table, rows, w)
		}
	}
	var tagged int
	for _, e := range doc["events"] {
		if strings.Contains(e, `"incident_id":1,`) && strings.Contains(e, `"severity":`) {
			tagged++
		}
	}
	if tagged != 8 { // the SEV1 started the change freeze: freeze.on
		t.Errorf("%d events tagged with the incident, want 8: %v", tagged, doc["events"])
	}
}

// exportDoc exports s and returns each table's rows as canonical JSON
// (keys sorted).
func exportDoc(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	out := map[string][]string{}
	for k, v := range raw {
		var rows []map[string]any
		if json.Unmarshal(v, &rows) != nil {
			continue // a header field
		}
		out[k] = []string{}
		for _, r := range rows {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			out[k] = append(out[k], string(b))
		}
	}
	return out
}
