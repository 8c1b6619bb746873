package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

func integrityCheck(t *testing.T, path string) {
	t.Helper()
	db := rawDB(t, "file:"+path+"?mode=ro")
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check of %s: %q, %v", path, res, err)
	}
	_ = db.Close()
}

// The backup is taken while another store (as another process would) keeps
// writing: it holds everything committed before it started, passes
// integrity_check, is a self-contained 0600 file, and opens as a database.
func TestBackupWhileWriting(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	s := openStore(t, path)
	writer := openStore(t, path)
	_, items := startTestDeployment(t, s)
	ctx := context.Background()
	for i := range 20 {
		if _, err := s.SetItemNote(ctx, items[i%len(items)].ID, model.NoteSeen{}, fmt.Sprintf("before %d", i), "alice", t0); err != nil {
			t.Fatal(err)
		}
	}

	var wrote atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := writer.SetItemNote(ctx, items[i%len(items)].ID, model.NoteSeen{}, fmt.Sprintf("during %d", i), "bob", t0); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			wrote.Add(1)
		}
	})
	// Let the writer get going (polling, with a generous bound).
	for deadline := time.Now().Add(30 * time.Second); wrote.Load() < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	before, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	close(stop)
	wg.Wait()
	if wrote.Load() == 0 {
		t.Fatal("the writer never wrote")
	}

	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(dest + "-wal"); err == nil {
		t.Error("the backup left a -wal file")
	}
	integrityCheck(t, dest)
	ents, _ := os.ReadDir(filepath.Dir(dest))
	if len(ents) != 1 {
		t.Errorf("backup directory holds %d entries, want just the backup", len(ents))
	}

	// Read-only first: the copy must be self-contained, without its -wal.
	ro, err := Open(ctx, dest, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open backup read-only: %v", err)
	}
	got, err := ro.Counts(ctx)
	_ = ro.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got.Deployments != before.Deployments || got.Events < before.Events {
		t.Errorf("backup counts %+v, live before the backup %+v", got, before)
	}
	b := openStore(t, dest)
	evs, err := b.Events(ctx, EventFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]bool{}
	for _, e := range evs {
		notes[e.Text[strings.LastIndex(e.Text, ": ")+2:]] = true
	}
	for i := range 20 {
		if !notes[fmt.Sprintf("before %d", i)] {
			t.Errorf("backup lacks note %d committed before it started", i)
		}
	}
	// The backup is a working database: it takes writes.
	if _, err := b.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "after restore", "carol", t0); err != nil {
		t.Errorf("write to the backup: %v", err)
	}
}

func TestBackupRefusals(t *testing.T) {
	sqliteOnly(t)
	s := newStore(t)
	startTestDeployment(t, s)
	ctx := context.Background()
	dir := t.TempDir()

	existing := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dest, want string }{
		{existing, existing + " exists: choose a new name"},
		{s.Path(), "is the database itself"},
		{filepath.Join(dir, "missing", "b.db"), "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{existing + "/b.db", "is not a directory"},
		{" ", "no backup file given"},
	} {
		err := s.Backup(ctx, c.dest)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Backup(%q) = %v, want an invalid-input error with %q", c.dest, err, c.want)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("an existing file was overwritten: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("refused backups left files behind: %v", ents)
	}

	// A failed VACUUM INTO (here: the directory turned read-only) leaves
	// nothing behind and names the directory.
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
		err := s.Backup(ctx, filepath.Join(ro, "b.db"))
		if err == nil || !strings.Contains(err.Error(), "cannot write the backup in "+ro) {
			t.Errorf("backup into a read-only directory: %v", err)
		}
	}
}

// A store opened read-only (the war-room TV) can still be backed up, and
// its connections stay read-only afterwards.
func TestBackupFromReadOnlyStore(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	w := openStore(t, path)
	_, items := startTestDeployment(t, w)
	ctx := context.Background()
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	dest := filepath.Join(t.TempDir(), "b.db")
	if err := ro.Backup(ctx, dest); err != nil {
		t.Fatalf("Backup from a read-only store: %v", err)
	}
	integrityCheck(t, dest)
	// Every pooled connection still refuses writes.
	for range 6 {
		if _, err := ro.db.ExecContext(ctx, "UPDATE checklist_items SET note = 'x' WHERE id = ?", items[0].ID); err == nil {
			t.Fatal("a read-only store wrote after a backup")
		}
	}
}

func TestCounts(t *testing.T) {
	s := newStore(t)
	startTestDeployment(t, s)
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Deployments != 1 || c.Events < 1 {
		t.Errorf("counts %+v", c)
	}
}
