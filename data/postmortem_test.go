package data

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// TestPostmortemStore: the fields and action item details survive a
// reopen of the file, each change is one event, the status rule holds.
func TestPostmortemStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fd.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 30, 12, 400_000_000, time.UTC)
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2}, "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	sum, owner, det := "line one\n\nline two", "dana", at.Add(-90*time.Second)
	if _, err := s.SetPostmortem(ctx, inc.ID, model.PostmortemEdit{Summary: &sum, Owner: &owner, DetectedAt: &det}, "bob", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	pub := model.PostmortemPublished
	if _, err := s.SetPostmortem(ctx, inc.ID, model.PostmortemEdit{Status: &pub}, "bob", at.Add(2*time.Minute)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("draft → published: %v", err)
	}
	if _, err := s.AddActionItemWith(ctx, inc.ID, model.ActionItem{Text: "alert", Owner: "sam", Due: time.Date(2026, 12, 8, 15, 0, 0, 0, time.UTC), Kind: model.ActionDetect}, "bob", at.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditActionItem(ctx, inc.ID, 1, model.ActionItemEdit{Done: ptrTo(true)}, "sam", at.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Postmortem
	if p.Summary != sum || p.Owner != "dana" || !p.DetectedAt.Equal(det.Truncate(time.Millisecond)) || p.State() != model.PostmortemDraft {
		t.Errorf("postmortem %+v", p)
	}
	if len(got.ActionItems) != 1 {
		t.Fatalf("items %+v", got.ActionItems)
	}
	a := got.ActionItems[0]
	if a.Owner != "sam" || model.FormatDueDate(a.Due) != "2026-12-08" || a.Kind != model.ActionDetect || !a.Done || a.DoneBy != "sam" {
		t.Errorf("item %+v", a)
	}
	evs, err := s.IncidentTimeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range evs[2:] { // after the opening and the freeze
		texts = append(texts, e.Text)
	}
	want := []string{"postmortem: summary, owner dana, detected at 2026-12-01 09:28:42 UTC set",
		"action item 1: alert (owner sam, due 2026-12-08, detect)", "action item 1 done: alert"}
	if len(texts) != len(want) {
		t.Fatalf("events %q", texts)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("event %d %q, want %q", i, texts[i], want[i])
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
