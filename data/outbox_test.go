package data

import (
	"context"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// TestOutboxLease: one holder at a time; a lease runs out or is released;
// a sender seen for the first time starts at the last OutboxStart.
func TestOutboxLease(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	s1, s2 := openStore(t, path), openStore(t, path)
	old, err := s1.OpenIncident(ctx, model.NewIncident{Title: "old", Severity: model.SEV3}, "alice", t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.OpenIncident(ctx, model.NewIncident{Title: "new", Severity: model.SEV3}, "alice", t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	o, won, err := s1.LeaseOutbox(ctx, "chat", "p1", t0, time.Minute)
	if err != nil || !won {
		t.Fatalf("first lease: %v %v", won, err)
	}
	evs, _ := s1.Events(ctx, EventFilter{})
	var oldID int64
	for _, e := range evs {
		if e.IncidentID == old.ID && e.Kind == model.EventIncidentOpened {
			oldID = e.ID
		}
	}
	if o.Cursor != oldID {
		t.Errorf("cursor = %d, want %d: start after the events older than %s", o.Cursor, oldID, OutboxStart)
	}
	for _, tc := range []struct {
		store *Store
		owner string
		at    time.Time
		want  bool
	}{
		{s2, "p2", t0.Add(30 * time.Second), false}, // p1 holds it
		{s1, "p1", t0.Add(30 * time.Second), true},  // the holder renews (to +1m30s)
		{s2, "p2", t0.Add(80 * time.Second), false}, // renewed: still held
		{s2, "p2", t0.Add(90 * time.Second), true},  // ran out: taken over
		{s1, "p1", t0.Add(91 * time.Second), false}, // the old holder lost it
	} {
		if _, won, err := tc.store.LeaseOutbox(ctx, "chat", tc.owner, tc.at, time.Minute); err != nil || won != tc.want {
			t.Errorf("%s at %s: won %v (%v), want %v", tc.owner, tc.at.Sub(t0), won, err, tc.want)
		}
	}
	if err := s2.ReleaseOutbox(ctx, "chat", "p2"); err != nil {
		t.Fatal(err)
	}
	if _, won, _ := s1.LeaseOutbox(ctx, "chat", "p1", t0.Add(92*time.Second), time.Minute); !won {
		t.Errorf("a released lease was not free at once")
	}
}

// TestOutboxAdvance: the cursor moves only for the holder from where it
// was; a failing spell starts once, counts, and ends with a delivery.
func TestOutboxAdvance(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	o, _, err := s.LeaseOutbox(ctx, "chat", "p1", t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Second)
	ev := &model.Event{Kind: model.EventNotifyFailed, Text: "notify FAILED for chat: HTTP 503"}
	steps := []struct {
		owner string
		step  OutboxStep
		mine  bool
		check func(OutboxState) bool
	}{
		{"p2", OutboxStep{From: o.Cursor, To: 5, Delivered: true, At: at}, false, func(x OutboxState) bool { return x.Cursor == o.Cursor }},
		{"p1", OutboxStep{From: o.Cursor + 3, To: 5, Delivered: true, At: at}, false, func(x OutboxState) bool { return x.Cursor == o.Cursor }},
		// A retryable failure: the cursor stays, the spell starts, one event.
		{"p1", OutboxStep{From: o.Cursor, To: 5, Failing: true, Error: "HTTP 503", At: at, Event: ev}, true,
			func(x OutboxState) bool {
				return x.Cursor == o.Cursor && x.Failing() && x.FailingSince.Equal(at) && x.Lost == 0
			}},
		// Given up: the cursor moves, lost counts, the spell goes on.
		{"p1", OutboxStep{From: o.Cursor, To: 5, Failing: true, Lost: true, Error: "HTTP 400", At: at.Add(time.Second)}, true,
			func(x OutboxState) bool {
				return x.Cursor == 5 && x.FailingSince.Equal(at) && x.Lost == 1 && x.LastError == "HTTP 400"
			}},
		// Not routed: moves, keeps the spell.
		{"p1", OutboxStep{From: 5, To: 7, Skipped: true, Failing: true, Error: "HTTP 400", At: at.Add(2 * time.Second)}, true,
			func(x OutboxState) bool { return x.Cursor == 7 && x.Failing() && x.Lost == 1 }},
		{"p1", OutboxStep{From: 7, To: 9, Delivered: true, At: at.Add(3 * time.Second)}, true,
			func(x OutboxState) bool {
				return x.Cursor == 9 && !x.Failing() && x.Lost == 0 && x.Delivered == 1 && x.DeliveredAt.Equal(at.Add(3*time.Second))
			}},
	}
	for i, tc := range steps {
		mine, err := s.AdvanceOutbox(ctx, "chat", tc.owner, tc.step, time.Minute)
		if err != nil || mine != tc.mine {
			t.Fatalf("step %d: mine %v (%v), want %v", i, mine, err, tc.mine)
		}
		all, err := s.OutboxStates(ctx)
		if err != nil || len(all) != 1 || !tc.check(all[0]) {
			t.Fatalf("step %d: state %+v (%v)", i, all, err)
		}
	}
	evs, _ := s.Events(ctx, EventFilter{})
	n := 0
	for _, e := range evs {
		if e.Kind == model.EventNotifyFailed {
			n++
			if e.Actor != SystemActor || !e.At.Equal(at) {
				t.Errorf("failure event = %+v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d notify.failed events, want 1", n)
	}
}

// TestRecordOnce: a deadline is written once per database, and its key
// is found from the event.
func TestRecordOnce(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	s1, s2 := openStore(t, path), openStore(t, path)
	inc, err := s1.OpenIncident(ctx, model.NewIncident{Title: "x", Severity: model.SEV1}, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	key := "escalation_due:1:2:1764079320000"
	ev := model.Event{At: t0.Add(15 * time.Minute), Kind: model.EventEscalationDue, IncidentID: inc.ID, Severity: model.SEV1, Text: "escalation step 2 due"}
	for i, s := range []*Store{s1, s2, s1} {
		wrote, err := s.RecordOnce(ctx, key, ev)
		if err != nil || wrote != (i == 0) {
			t.Fatalf("call %d: wrote %v (%v)", i, wrote, err)
		}
	}
	evs, _ := s2.Events(ctx, EventFilter{})
	var got []model.Event
	for _, e := range evs {
		if e.Kind == model.EventEscalationDue {
			got = append(got, e)
		}
	}
	if len(got) != 1 || got[0].Actor != SystemActor || got[0].Severity != model.SEV1 {
		t.Fatalf("events = %+v", got)
	}
	if k, err := s2.RecordKey(ctx, got[0].ID); err != nil || k != key {
		t.Errorf("RecordKey = %q %v", k, err)
	}
}

// TestOutboxEventsOneNoticePerBreach: the latch written with the reading
// that met the rule is not a second notice; a latch on its own is.
func TestOutboxEventsOneNoticePerBreach(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := executing(t, s, mdtemplate.Builtin())
	base := 0.5
	if _, _, err := s.RecordHealth(ctx, d.ID, 9, &base, "alice", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	kinds := []model.EventKind{model.EventHealthCriteriaMet, model.EventHealthLatched}
	evs, err := s.OutboxEvents(ctx, 0, kinds, 0)
	if err != nil || len(evs) != 1 || evs[0].Kind != model.EventHealthCriteriaMet {
		t.Fatalf("after a breach: %+v %v", evs, err)
	}
	// Cleared while the rate still breaks the rule: the next reading
	// latches again without a new criteria_met — that latch is a notice.
	if err := s.ClearCriteria(ctx, d.ID, "false alarm", "alice", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordHealth(ctx, d.ID, 9.5, &base, "alice", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	evs, err = s.OutboxEvents(ctx, 0, kinds, 0)
	if err != nil || len(evs) != 2 || evs[1].Kind != model.EventHealthLatched {
		t.Fatalf("after a second breach: %+v %v", evs, err)
	}
}
