package data

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// testBulk is a small history built with the model's rules: a canary that
// was promoted once and finished, a planned deployment, and a resolved
// SEV1 that the canary caused and a hotfix (the planned one) is marked for.
// Every time is a whole millisecond, as the store keeps them.
func testBulk(t *testing.T) *Bulk {
	t.Helper()
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tpl := testTemplate()
	b := &Bulk{}
	for id := int64(1); id <= 2; id++ {
		for i, it := range tpl.Items() {
			b.Items = append(b.Items, model.Item{ID: (id-1)*10 + int64(i) + 1, DeploymentID: id, Phase: it.Phase, Section: it.Section,
				Position: it.Position, Text: it.Text, State: model.ItemTodo})
		}
		for pos, g := range tpl.AllGuidance() {
			b.Guidance = append(b.Guidance, BulkGuidance{DeploymentID: id, Position: pos + 1, Guidance: g})
		}
	}
	b.Items[0].State, b.Items[0].By, b.Items[0].At = model.ItemDone, "alice", at(1)
	b.Items[1].State, b.Items[1].Reason, b.Items[1].By, b.Items[1].At = model.ItemNA, "pairing", "bob", at(2)
	b.Items[1].Note, b.Items[1].NoteBy, b.Items[1].NoteAt = "reviewed live", "bob", at(2)

	r, err := model.Start(model.DefaultPlan(model.StrategyCanary), at(10))
	if err != nil {
		t.Fatal(err)
	}
	if r, err = model.Promote(r, at(30), "", model.Gate{}); err != nil {
		t.Fatal(err)
	}
	if r, err = model.Pause(r, at(35)); err != nil {
		t.Fatal(err)
	}
	b.Deployments = []model.Deployment{
		{ID: 1, Service: "api", Version: "v1.2", Environment: "production", Strategy: model.StrategyCanary, Status: model.StatusInProgress,
			Template: tpl.Name, StartedBy: "alice", CreatedAt: at(0), UpdatedAt: at(35), ExecutionAt: at(10), CommitSHA: "9c1e4f7",
			CommittedAt: at(-60)},
		{ID: 2, Service: "api", Version: "v1.3", Environment: "production", Strategy: model.StrategyAllAtOnce, Status: model.StatusPlanned,
			Template: tpl.Name, StartedBy: "bob", CreatedAt: at(50), UpdatedAt: at(50), HotfixFor: 1},
	}
	b.Rollouts = []BulkRollout{{DeploymentID: 1, Rollout: r}}
	b.Ready = []BulkReady{{DeploymentID: 1, Stage: 0, At: at(25)}}
	b.Health = []BulkHealth{{DeploymentID: 1, Health: model.Health{BaselineErrorRate: 0.4, ErrorRate: 0.45, Has: true, At: at(20)}, Actor: "alice"}}
	b.Declarations = []BulkDeclaration{
		{DeploymentID: 1, Declaration: model.Declaration{Criterion: model.CriterionPerformance, Reason: "p99 doubled", By: "alice", At: at(32)}},
		{DeploymentID: 1, Declaration: model.Declaration{Criterion: model.CriterionSecurity, Reason: "CVE", By: "bob", At: at(31)},
			ClearedAt: at(33), ClearedBy: "carol", ClearReason: "not reachable"},
	}

	inc := model.Incident{ID: 1, Title: "checkout slow", Severity: model.SEV2, Status: model.IncidentOpen, DeploymentID: 1,
		OpenedAt: at(33), OpenedBy: "dmitri"}
	if inc, err = inc.SetSeverity(model.SEV1, "dmitri", at(34)); err != nil {
		t.Fatal(err)
	}
	inc.Acks = []model.Ack{{Step: 1, At: at(34), By: "dmitri", Reached: "dmitri"}}
	inc.Escalations = []model.ManualEscalation{{Kind: model.ManualEscalateNow, Step: 2, At: at(36), By: "dmitri", Reason: "impact growing"}}
	inc.Commander, inc.Scribe, inc.RootCause, inc.LastUpdateAt = "erin", "lena", "pool exhausted", at(40)
	inc.ActionItems = []model.ActionItem{{Position: 1, Text: "alert on pool"}, {Position: 2, Text: "postmortem"}}
	if inc, err = inc.Transition(model.IncidentResolved, at(60)); err != nil {
		t.Fatal(err)
	}
	b.Incidents = []model.Incident{inc}
	b.Updates = []BulkUpdate{{IncidentID: 1, At: at(40), Actor: "erin", Update: model.StakeholderUpdate{Conditions: "slow", Actions: "rolling back"}}}
	b.Events = []model.Event{
		{At: at(0), Actor: "alice", Kind: model.EventDeployStarted, DeploymentID: 1, Text: model.TextDeployStarted("api v1.2 → production", model.StrategyCanary)},
		{At: at(1), Actor: "alice", Kind: model.EventItemDone, DeploymentID: 1, ItemID: 1, Text: model.TextItemDone(b.Items[0].Text, time.Time{})},
		{At: at(33), Actor: "dmitri", Kind: model.EventIncidentOpened, DeploymentID: 1, IncidentID: 1, Severity: model.SEV2,
			Text: model.TextIncidentOpened(model.SEV2, "checkout slow", 1, "api v1.2 → production", false, "")},
		{At: at(60), Actor: "erin", Kind: model.EventIncidentResolved, IncidentID: 1, Severity: model.SEV1, Text: model.TextResolved("pool exhausted")},
	}
	return b
}

func TestInsertBulk(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	b := testBulk(t)
	if err := s.InsertBulk(ctx, b); err != nil {
		t.Fatalf("InsertBulk: %v", err)
	}

	// Read back through the store's own readers: what the actions would show.
	for _, want := range b.Deployments {
		got, err := s.Deployment(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("deployment #%d:\n got %+v %v\nwant %+v", want.ID, got, err, want)
		}
	}
	items, guidance, err := s.Checklist(ctx, 1)
	if err != nil || !reflect.DeepEqual(items, b.Items[:len(items)]) || len(items) != len(testTemplate().Items()) {
		t.Errorf("checklist:\n got %+v %v\nwant %+v", items, err, b.Items[:len(items)])
	}
	if want := testTemplate().AllGuidance(); !reflect.DeepEqual(guidance, want) {
		t.Errorf("guidance:\n got %+v\nwant %+v", guidance, want)
	}
	r, ok, err := s.Rollout(ctx, 1)
	if err != nil || !ok || !reflect.DeepEqual(r, b.Rollouts[0].Rollout) {
		t.Errorf("rollout:\n got %+v %v %v\nwant %+v", r, ok, err, b.Rollouts[0].Rollout)
	}
	if st := r.Status(t0.Add(40*time.Minute), false); st.State != model.RolloutPaused || st.Label != "2/4 · 25%" {
		t.Errorf("rollout status %+v", st)
	}
	h, declared, err := s.RolloutHealth(ctx, 1)
	if err != nil || h != b.Health[0].Health || len(declared) != 1 || declared[0] != b.Declarations[0].Declaration {
		t.Errorf("health %+v, declared %+v, %v", h, declared, err)
	}
	inc, err := s.Incident(ctx, 1)
	if err != nil || !reflect.DeepEqual(inc, b.Incidents[0]) {
		t.Errorf("incident:\n got %+v %v\nwant %+v", inc, err, b.Incidents[0])
	}
	evs := events(t, s, 0)
	if len(evs) != len(b.Events) {
		t.Fatalf("%d events, want %d", len(evs), len(b.Events))
	}
	for i, e := range evs {
		want := b.Events[i]
		want.ID = int64(i + 1) // assigned in order
		if e != want {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, e, want)
		}
	}
	// The ready mark is honoured: no dashboard writes the event again.
	if wrote, err := s.MarkReady(ctx, 1, 0, t0.Add(26*time.Minute)); wrote || err != nil {
		t.Errorf("MarkReady after the bulk: %v %v", wrote, err)
	}
	if onPostgres() {
		// PostgreSQL checked the deferred references at COMMIT; the
		// sequences were moved past the copied ids, so a new event
		// takes the next one.
		if _, err := s.SetItemNote(ctx, 1, model.NoteSeen{}, "after the bulk", "alice", t0.Add(27*time.Minute)); err != nil {
			t.Fatalf("a write after the bulk: %v", err)
		}
		return
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
		t.Errorf("%d foreign key violations (%v)", fk, err)
	}

	// Every pooled connection is back on the DSN's settings.
	var conns []interface{ Close() error }
	for range 4 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var sync, cache int
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			t.Fatal(err)
		}
		if sync != 2 || cache != -2000 {
			t.Errorf("a connection kept synchronous=%d cache_size=%d", sync, cache)
		}
	}
	for _, c := range conns {
		_ = c.Close()
	}

	// A second history is refused, and nothing of it is written.
	if err := s.InsertBulk(ctx, testBulk(t)); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("InsertBulk into a used database: %v", err)
	}
	if c, _ := s.Counts(ctx); c.Deployments != 2 || c.Incidents != 1 || c.Events != int64(len(b.Events)) {
		t.Errorf("counts after the refusal: %+v", c)
	}
}

func TestInsertBulkRefuses(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	s := openStore(t, path)

	noID := testBulk(t)
	noID.Items[3].ID = 0
	if err := s.InsertBulk(ctx, noID); !errors.Is(err, ErrInvalid) {
		t.Errorf("an item without an id: %v", err)
	}
	// A dangling reference fails at commit, and nothing is written.
	dangling := testBulk(t)
	dangling.Events[1].ItemID = 999
	if err := s.InsertBulk(ctx, dangling); err == nil {
		t.Error("an event naming a missing item was accepted")
	}
	if c, err := s.Counts(ctx); err != nil || c != (Counts{}) {
		t.Errorf("after a failed insert: %+v %v", c, err)
	}
	// The same history, fixed, goes in.
	if err := s.InsertBulk(ctx, testBulk(t)); err != nil {
		t.Fatalf("InsertBulk after the failures: %v", err)
	}
	_ = s.Close()

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.InsertBulk(ctx, testBulk(t)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("InsertBulk on a read-only store: %v", err)
	}
}

// TestWithClock: the view shares the database but not the clock.
func TestWithClock(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "slow", Severity: model.SEV3}, "bob", t0)
	if err != nil {
		t.Fatal(err)
	}
	late := s.WithClock(func() time.Time { return t0.Add(time.Hour) })
	onTime := s.WithClock(func() time.Time { return t0.Add(5 * time.Minute) })
	if err := late.AddIncidentNote(ctx, inc.ID, "alert fired", "bob", t0.Add(2*time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if err := onTime.AddIncidentNote(ctx, inc.ID, "looking", "bob", t0.Add(5*time.Minute), false); err != nil {
		t.Fatal(err)
	}
	evs, err := s.IncidentTimeline(ctx, inc.ID)
	if err != nil || len(evs) != 3 || evs[1].Text != "alert fired (backdated: entered 15:02:00 UTC)" || evs[2].Text != "looking" {
		t.Errorf("timeline through the views: %+v %v", evs, err)
	}
	if err := late.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incident(ctx, inc.ID); err == nil {
		t.Error("the store still works after its view was closed")
	}
	if err := s.Close(); err != nil {
		t.Errorf("closing twice: %v", err)
	}
}
