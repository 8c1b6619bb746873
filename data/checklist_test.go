package data

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func TestSetItemState(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	it := items[0]
	at := t0.Add(5 * time.Minute)

	got, err := s.SetItemState(ctx, it.ID, "", model.ItemDone, "ignored for done", "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != model.ItemDone || got.Reason != "" || got.By != "alice" || !got.At.Equal(at) {
		t.Errorf("after done: %+v", got)
	}
	if dd, _ := s.Deployment(ctx, d.ID); !dd.UpdatedAt.Equal(at) {
		t.Errorf("deployment updated_at = %v, want %v", dd.UpdatedAt, at)
	}

	// Idempotent: same state again changes nothing and writes no event.
	n := len(events(t, s, d.ID))
	again, err := s.SetItemState(ctx, it.ID, "", model.ItemDone, "", "bob", at.Add(time.Minute))
	if err != nil || again != got {
		t.Errorf("repeat: %+v, %v; want %+v", again, err, got)
	}
	if m := len(events(t, s, d.ID)); m != n {
		t.Errorf("repeat wrote %d events", m-n)
	}

	// n/a needs a reason.
	_, err = s.SetItemState(ctx, it.ID, "", model.ItemNA, "  ", "alice", at)
	if !errors.Is(err, model.ErrReasonRequired) || !errors.Is(err, ErrInvalid) {
		t.Errorf("n/a without reason: %v", err)
	}
	if _, err := s.SetItemState(ctx, it.ID, "", "maybe", "", "alice", at); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown state: %v", err)
	}
	if _, err := s.SetItemState(ctx, it.ID, "", model.ItemNA, "a\x00b", "alice", at); !errors.Is(err, ErrInvalid) {
		t.Errorf("NUL in reason: %v", err)
	}

	na, err := s.SetItemState(ctx, it.ID, "", model.ItemNA, " no CI for docs ", "bob", at)
	if err != nil || na.State != model.ItemNA || na.Reason != "no CI for docs" || na.By != "bob" {
		t.Fatalf("n/a: %+v, %v", na, err)
	}
	if _, err := s.SetItemState(ctx, it.ID, "", model.ItemNA, "no CI for docs", "bob", at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetItemState(ctx, it.ID, "", model.ItemNA, "different reason", "bob", at); err != nil {
		t.Fatal(err)
	}
	todo, err := s.SetItemState(ctx, it.ID, "", model.ItemTodo, "", "carol", at)
	if err != nil || todo.State != model.ItemTodo || todo.Reason != "" {
		t.Fatalf("todo: %+v, %v", todo, err)
	}

	var texts []string
	for _, e := range events(t, s, d.ID)[1:] {
		if e.ItemID != it.ID || e.DeploymentID != d.ID {
			t.Errorf("event %+v not linked to item and deployment", e)
		}
		texts = append(texts, string(e.Kind)+" "+e.Actor+": "+e.Text)
	}
	want := []string{
		`check.done alice: checked "All automated tests passing in CI"`,
		`check.na bob: marked "All automated tests passing in CI" n/a: no CI for docs`,
		`check.na bob: marked "All automated tests passing in CI" n/a: different reason`,
		`check.todo carol: reopened "All automated tests passing in CI"`,
	}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}

	if _, err := s.SetItemState(ctx, 9999, "", model.ItemDone, "", "a", at); !errors.Is(err, ErrNotFound) || err.Error() != "checklist item #9999 not found" {
		t.Errorf("missing item: %v", err)
	}
}

func TestSetItemNote(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	it := items[1]
	at := t0.Add(time.Minute)

	got, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, "  approved by <b>Dana</b> & Eve\nsee PR  ", "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	if got.Note != "approved by <b>Dana</b> & Eve\nsee PR" || got.NoteBy != "alice" || !got.NoteAt.Equal(at) || got.State != model.ItemTodo {
		t.Errorf("note: %+v", got)
	}
	n := len(events(t, s, d.ID))
	if _, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, "approved by <b>Dana</b> & Eve\nsee PR", "bob", at); err != nil {
		t.Fatal(err)
	}
	if len(events(t, s, d.ID)) != n {
		t.Error("same note wrote an event")
	}
	if _, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, strings.Repeat("é", MaxTextLen+1), "a", at); !errors.Is(err, ErrInvalid) {
		t.Errorf("long note: %v", err)
	}
	if _, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, strings.Repeat("é", MaxTextLen), "a", at); err != nil {
		t.Errorf("note of exactly %d characters: %v", MaxTextLen, err)
	}
	if _, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, "x\x00y", "a", at); !errors.Is(err, ErrInvalid) {
		t.Errorf("NUL: %v", err)
	}
	cleared, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, "", "carol", at)
	if err != nil || cleared.Note != "" || cleared.NoteBy != "" || !cleared.NoteAt.IsZero() {
		t.Errorf("cleared: %+v, %v", cleared, err)
	}
	evs := events(t, s, d.ID)
	if first := evs[1]; first.Kind != model.EventItemNote || first.Text != "note on \"Code reviewed and approved\": approved by <b>Dana</b> & Eve\nsee PR" {
		t.Errorf("note event: %+v", first)
	}
	if last := evs[len(evs)-1]; last.Text != `cleared note on "Code reviewed and approved"` || last.Actor != "carol" {
		t.Errorf("clear event: %+v", last)
	}
}

func TestEventsAppendOnly(t *testing.T) {
	s := newStore(t)
	d, _ := startTestDeployment(t, s)
	for _, q := range []string{"UPDATE events SET text = 'rewritten'", "DELETE FROM events", "UPDATE events SET at = 0 WHERE deployment_id = 1"} {
		if _, err := s.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", q, err)
		}
	}
	if evs := events(t, s, d.ID); len(evs) != 1 || evs[0].Text != "started api v1.2 → production (canary)" {
		t.Errorf("events changed: %+v", evs)
	}
}

func TestEventsLimitAndFilter(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d1, items := startTestDeployment(t, s)
	d2, _ := startTestDeployment(t, s)
	for i := 0; i < 3; i++ {
		if _, err := s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "n"+string(rune('0'+i)), "a", t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// Written last but happened earliest: chronological order wins over id.
	if _, err := s.SetItemNote(ctx, items[1].ID, model.NoteSeen{}, "early", "a", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, err := s.Events(ctx, EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 || all[0].Text != `note on "Code reviewed and approved": early` {
		t.Errorf("all events: %+v", all)
	}
	last2, _ := s.Events(ctx, EventFilter{DeploymentID: d1.ID, Limit: 2})
	if len(last2) != 2 || !strings.HasSuffix(last2[0].Text, ": n1") || !strings.HasSuffix(last2[1].Text, ": n2") {
		t.Errorf("last 2: %+v", last2)
	}
	only2, _ := s.Events(ctx, EventFilter{DeploymentID: d2.ID})
	if len(only2) != 1 || only2[0].DeploymentID != d2.ID {
		t.Errorf("filtered: %+v", only2)
	}
}

// Two Stores (as two processes would) writing at once must serialise on
// BEGIN IMMEDIATE and the busy timeout, never fail with "database is locked".
func TestConcurrentStoresWriting(t *testing.T) {
	path := tempDB(t)
	a := openStore(t, path)
	b := openStore(t, path)
	d, items := startTestDeployment(t, a)
	ctx := context.Background()
	const perWriter = 50
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWriter)
	for w, st := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				it := items[(w+i)%len(items)]
				var err error
				if i%2 == 0 {
					_, err = st.SetItemNote(ctx, it.ID, model.NoteSeen{}, "writer "+string(rune('A'+w))+" round "+time.Duration(i).String(), "w", t0)
				} else {
					_, err = st.SetItemState(ctx, it.ID, "", model.ItemState([]string{"done", "todo"}[(w+i/2)%2]), "", "w", t0)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	evs, err := b.Events(ctx, EventFilter{DeploymentID: d.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 1+4*perWriter/2 {
		t.Errorf("only %d events", len(evs))
	}
}
