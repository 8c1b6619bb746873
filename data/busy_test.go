package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// A write that still cannot get the lock after the busy timeout fails with
// one clear line, and writes nothing.
func TestBusyWriteFailsCleanly(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	holder := openStore(t, path)
	_, items := startTestDeployment(t, holder)
	ctx := context.Background()

	const timeout = 300 * time.Millisecond
	other, err := Open(ctx, path, Options{BusyTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before := len(events(t, holder, 0))

	// Another "process" holds the write lock (BEGIN IMMEDIATE via _txlock).
	tx, err := holder.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = other.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "p3-417", "bob", t0)
	waited := time.Since(start)
	if rerr := tx.Rollback(); rerr != nil {
		t.Fatal(rerr)
	}

	var de *DBError
	if err == nil || !errors.As(err, &de) {
		t.Fatalf("write under a held lock: %v, want a DBError", err)
	}
	want := "save note: the database " + path + " is busy (another flightdeck is writing and did not finish in time); nothing was changed: try again"
	if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("message %q, want one line starting %q", err, want)
	}
	if strings.Contains(err.Error(), "database is locked") {
		t.Errorf("the raw driver message leaked: %q", err)
	}
	if waited < timeout-50*time.Millisecond {
		t.Errorf("gave up after %v, before the busy timeout of %v", waited, timeout)
	}
	if waited > timeout+5*time.Second { // generous: a noisy 2-core machine
		t.Errorf("waited %v for a busy timeout of %v", waited, timeout)
	}

	if n := len(events(t, holder, 0)); n != before {
		t.Errorf("%d events after the failed write, want %d", n, before)
	}
	it, err := getItem(ctx, holder.db, items[0].ID)
	if err != nil || it.Note != "" {
		t.Errorf("item after the failed write: %+v, %v", it, err)
	}
	// Once the lock is free the same write goes through.
	if _, err := other.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "p3-417", "bob", t0); err != nil {
		t.Errorf("write after the lock was released: %v", err)
	}
}
