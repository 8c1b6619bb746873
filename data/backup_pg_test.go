package data

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

// On PostgreSQL, backup writes a SQLite copy: every row of one snapshot,
// taken while another store keeps writing, in a self-contained 0600 file
// published under the new name only when complete.
func TestBackupPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))
	s := openStore(t, dsn)
	writer := openStore(t, dsn)
	fillForCopy(t, s)
	_, items := startTestDeployment(t, s)

	// A quiet database first: the copy holds exactly what it does.
	dir := t.TempDir()
	dest := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v %v", fi, err)
	}
	integrityCheck(t, dest)
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the backup directory holds %v, want just the backup (self-contained, no -wal)", ents)
	}
	want, err := s.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := openStore(t, dest)
	if b.Engine() != "SQLite" {
		t.Fatalf("the backup is %s", b.Engine())
	}
	got, err := b.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("the backup's rows differ from the database's")
	}
	_ = b.Close()
	if err := s.Backup(ctx, dest); err == nil || !strings.Contains(err.Error(), dest+" exists: choose a new name") {
		t.Errorf("a second backup to the same file: %v", err)
	}

	// While another process writes: everything committed before is in it.
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
	for deadline := time.Now().Add(30 * time.Second); wrote.Load() < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	before, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dest2 := filepath.Join(dir, "during.db")
	err = s.Backup(ctx, dest2)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup while writing: %v", err)
	}
	c, err := openStore(t, dest2).Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Deployments != before.Deployments || c.Events < before.Events {
		t.Errorf("backup counts %+v, before the backup %+v", c, before)
	}
}

// A killed PostgreSQL backup leaves its temporary copy and the copy's
// -wal and -shm; the next backup removes all three.
func TestBackupPostgresRemovesLitter(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, pgtest.NewDatabase(t, pgtest.Server(t)))
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	litter := filepath.Join(dir, ".b.db"+backupTempMark+"123.tmp")
	for _, side := range []string{"", "-wal", "-shm"} {
		if err := os.WriteFile(litter+side, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(litter+side, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Backup(ctx, filepath.Join(dir, "b.db")); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "b.db" {
		t.Errorf("the directory holds %v, want just b.db", ents)
	}
}
