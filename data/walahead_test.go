package data

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// headerState reads the file as claimFile does: whether its header alone
// looks truncated, and what checkHeader decides.
func headerState(t *testing.T, path string) (looksShort, suspect bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	h := make([]byte, 100)
	if _, err := f.ReadAt(h, 0); err != nil {
		t.Fatal(err)
	}
	if suspect, err = checkHeader(path, f); err != nil {
		t.Fatal(err)
	}
	return suspectHeader(h, fi.Size()), suspect
}

// A checkpoint that a reader keeps from copying every frame leaves page 1
// (the page count) copied and a page that grew the file not — the usual
// state of the file under busy writers. Open took it for a truncated file
// and ran quick_check over the whole database on every open; it is not
// suspect while the WAL holds what the file lacks, and a file that is
// short once every frame is copied still is.
func TestCheckHeaderWALAhead(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	w, r := open(), open()
	exec := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(w, `CREATE TABLE scratch (t TEXT)`)
	exec(w, `PRAGMA wal_checkpoint(TRUNCATE)`)
	// Grow the file by many pages (page 1 records the new count)...
	exec(w, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO scratch SELECT printf('%0200d', i) FROM n`)
	// ...a reader keeps that snapshot...
	rtx, err := r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := rtx.QueryRowContext(ctx, `SELECT count(*) FROM scratch`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// ...every new page changes again, and the checkpoint may copy only
	// the frames the reader still reads.
	exec(w, `UPDATE scratch SET t = printf('%0200d', rowid + 1000)`)
	exec(w, `PRAGMA wal_checkpoint(PASSIVE)`)
	looksShort, suspect := headerState(t, path)
	if !looksShort {
		t.Fatal("the test did not make the header say more pages than the file holds")
	}
	if suspect {
		t.Error("a file whose WAL holds the pages it lacks was taken for a truncated one")
	}

	// Every frame copied: the file is as long as its header says.
	if err := rtx.Rollback(); err != nil {
		t.Fatal(err)
	}
	exec(w, `PRAGMA wal_checkpoint(FULL)`)
	if looksShort, suspect = headerState(t, path); looksShort || suspect {
		t.Fatalf("after a full checkpoint: looks short %v, suspect %v", looksShort, suspect)
	}
	// Cut now, with the -wal and -shm still there but behind nothing, it
	// is damage.
	truncateTo(t, path, 0.9, false)
	if _, suspect = headerState(t, path); !suspect {
		t.Error("a truncated file whose WAL is fully copied was not suspect")
	}
}
