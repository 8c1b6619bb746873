package data

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// TestScheduleMeeting: one transaction with its event; the same time and
// owner again writes nothing; a move raises the invite's sequence; a past
// time is refused; the meeting is read back with the incident.
func TestScheduleMeeting(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	s := openStore(t, path)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV1}, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(2 * time.Hour).Add(300 * time.Millisecond)
	at := t0.Add(26 * time.Hour)
	countEvents := func() int {
		evs, err := s.Events(ctx, EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Kind == model.EventPostmortemScheduled {
				n++
				if e.IncidentID != inc.ID || e.Severity != model.SEV1 || e.Actor != "bob" {
					t.Errorf("event = %+v", e)
				}
			}
		}
		return n
	}
	got, err := s.ScheduleMeeting(ctx, inc.ID, at, "dana", "bob", now)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Meeting; m == nil || !m.At.Equal(at) || m.Owner != "dana" || m.ScheduledBy != "bob" || m.Sequence != 0 {
		t.Fatalf("meeting = %+v", got.Meeting)
	}
	if _, err := s.ScheduleMeeting(ctx, inc.ID, at, "dana", "bob", now.Add(time.Minute)); err != nil || countEvents() != 1 {
		t.Fatalf("the same meeting again: %v, %d events", err, countEvents())
	}
	moved, err := s.ScheduleMeeting(ctx, inc.ID, at.Add(time.Hour), "", "bob", now.Add(2*time.Minute))
	if err != nil || moved.Meeting.Sequence != 1 || moved.Meeting.Owner != "dana" || countEvents() != 2 {
		t.Fatalf("moved: %+v %v (%d events)", moved.Meeting, err, countEvents())
	}
	if _, err := s.ScheduleMeeting(ctx, inc.ID, now.Add(-time.Hour), "dana", "bob", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("a past meeting: %v", err)
	}
	// Another handle reads it with the incident.
	again, err := openStore(t, path).Incident(ctx, inc.ID)
	if err != nil || again.Meeting == nil || !again.Meeting.At.Equal(at.Add(time.Hour)) {
		t.Errorf("read back: %+v %v", again.Meeting, err)
	}
}
