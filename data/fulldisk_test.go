package data

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// setMaxPages caps the database at n pages on every pooled connection:
// SQLite then fails writes exactly as on a full disk (SQLITE_FULL).
func setMaxPages(t *testing.T, s *Store, n int64) {
	t.Helper()
	ctx := context.Background()
	var conns []interface{ Close() error }
	for range 4 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.FormatInt(n, 10)); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// Promise: on a full disk a write fails with a message that says so and
// nothing half-done is left; every write acknowledged before is intact;
// once there is room again writing goes on.
func TestFullDiskRefusesCleanlyAndRecovers(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	s := newStore(t)
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: "v1"}, testTemplate(), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := s.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	setMaxPages(t, s, pages)

	// Fill the disk: notes long enough to need new pages.
	acked := map[int64]string{}
	var full error
	long := strings.Repeat("x", 480)
	for i := 0; i < 5000 && full == nil; i++ {
		it := items[i%len(items)]
		note := strconv.Itoa(i) + " " + long
		if _, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, note, "alice", t0.Add(time.Duration(i)*time.Second)); err != nil {
			full = err
			break
		}
		acked[it.ID] = note
	}
	if full == nil {
		t.Fatal("the capped database never filled up")
	}
	if !strings.Contains(full.Error(), "is full: free some space and try again") {
		t.Fatalf("full disk error = %q, want it to say so and what to do", full)
	}
	// What was acknowledged is there; the refused write is not.
	got, _, err := s.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatalf("reading on a full disk: %v", err)
	}
	for _, it := range got {
		if want, ok := acked[it.ID]; ok && it.Note != want {
			t.Fatalf("item %d note %.20q, want the acknowledged %.20q", it.ID, it.Note, want)
		}
	}
	var ic string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity after a full disk: %q %v", ic, err)
	}
	// Room again: the same write goes through.
	setMaxPages(t, s, 1<<30)
	if _, err := s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "after the disk was freed", "alice", t0.Add(time.Hour)); err != nil {
		t.Fatalf("write after freeing space: %v", err)
	}
}
