package ui

import (
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// TestLogOrderAcrossPages: a note written last (the highest id) but dated
// before the events of an older page moves among them once that page is
// loaded: the log is in time order over everything held, not page by page,
// and the cursor stays on the entry it was on.
func TestLogOrderAcrossPages(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	ev := func(id int64, at time.Time) model.Event {
		return model.Event{ID: id, At: at, Kind: model.EventIncidentNote, IncidentID: 1, Text: "n"}
	}
	// The newest page: ids 101..300 at t0+101s.., and the backdated note
	// (id 301) dated t0+50.5s, between events 50 and 51 of the older page.
	var newest []model.Event
	for id := int64(101); id <= 300; id++ {
		newest = append(newest, ev(id, t0.Add(time.Duration(id)*time.Second)))
	}
	newest = append(newest, ev(301, t0.Add(50*time.Second+500*time.Millisecond)))
	model.SortEvents(newest)
	p := logPane{events: newest, query: LogQuery{}}
	p.cursor = len(p.events) - 1 // the newest, event 300
	var older []model.Event
	for id := int64(1); id <= 100; id++ {
		older = append(older, ev(id, t0.Add(time.Duration(id)*time.Second)))
	}
	p.setOlder(olderMsg{events: older, q: LogQuery{BeforeID: model.MinEventID(newest), Limit: logPageSize}})
	if len(p.events) != 301 {
		t.Fatalf("%d events held, want 301", len(p.events))
	}
	for i := 1; i < len(p.events); i++ {
		a, b := p.events[i-1], p.events[i]
		if b.At.Before(a.At) {
			t.Fatalf("out of time order at %d: #%d %s after #%d %s", i, b.ID, b.At.Format("15:04:05.000"), a.ID, a.At.Format("15:04:05.000"))
		}
	}
	if p.events[50].ID != 301 {
		t.Errorf("the backdated note is at %d (#%d there), want 50, between events 50 and 51", indexOf(p.events, 301), p.events[50].ID)
	}
	if e, _ := p.selected(); e.ID != 300 {
		t.Errorf("cursor moved to #%d, want it on #300", e.ID)
	}
}

func indexOf(evs []model.Event, id int64) int {
	for i, e := range evs {
		if e.ID == id {
			return i
		}
	}
	return -1
}
