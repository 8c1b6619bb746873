package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBackupChild is the process TestKilledBackupLeavesNoLitter kills: it
// backs the database up again and again until it dies.
func TestBackupChild(t *testing.T) {
	db, dir := os.Getenv("FLIGHTDECK_TEST_BACKUP_DB"), os.Getenv("FLIGHTDECK_TEST_BACKUP_DIR")
	if db == "" {
		t.Skip("run by TestKilledBackupLeavesNoLitter")
	}
	s, err := Open(context.Background(), db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if err := s.Backup(context.Background(), filepath.Join(dir, fmt.Sprintf("b%d.db", i))); err != nil {
			t.Fatal(err)
		}
	}
}

func backupTemps(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*"+backupTempMark+"*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKilledBackupLeavesNoLitter: a backup killed with -9 mid-copy leaves
// its temporary copy (issue 13, #12: ten kills, 332 MB); the next backup
// into that directory removes it, and never a copy another backup is
// still writing.
func TestKilledBackupLeavesNoLitter(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	s := openStore(t, path)
	startTestDeployment(t, s)
	// Some bulk so that a copy takes long enough to be caught mid-way.
	raw := rawDB(t, path)
	if _, err := raw.Exec(`CREATE TABLE ballast(b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
		INSERT INTO ballast SELECT randomblob(4096) FROM n`); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()
	dir := t.TempDir()

	var left []string
	for try := 0; try < 10 && len(left) == 0; try++ {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestBackupChild$")
		cmd.Env = append(os.Environ(), "FLIGHTDECK_TEST_BACKUP_DB="+path, "FLIGHTDECK_TEST_BACKUP_DIR="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(backupTemps(t, dir)) == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		left = backupTemps(t, dir)
	}
	if len(left) == 0 {
		t.Fatal("never caught the child mid-backup")
	}

	// A copy in progress elsewhere (its lock held) must survive.
	busy := filepath.Join(dir, ".other.db"+backupTempMark+"123.tmp")
	held, err := HoldLock(busy)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	old := time.Now().Add(-time.Hour)
	for _, p := range append(left, busy) {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Backup(context.Background(), filepath.Join(dir, "next.db")); err != nil {
		t.Fatal(err)
	}
	if got := backupTemps(t, dir); len(got) != 1 || got[0] != busy {
		t.Fatalf("temporary copies after the next backup: %v, want only %s (left by the kill: %v)", got, busy, left)
	}
	integrityCheck(t, filepath.Join(dir, "next.db"))
}

// TestStaleTempsNeedAge: an unlocked copy younger than staleAfter may be
// one whose backup has not locked it yet; it stays.
func TestStaleTempsNeedAge(t *testing.T) {
	dir := t.TempDir()
	young := filepath.Join(dir, ".x.db"+backupTempMark+"1.tmp")
	other := filepath.Join(dir, ".x.db.1.tmp") // not ours
	for _, p := range []string{young, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	_ = os.Chtimes(other, old, old)
	if n := removeStaleBackupTemps(dir); n != 0 {
		t.Fatalf("removed %d", n)
	}
	_ = os.Chtimes(young, old, old)
	if n := removeStaleBackupTemps(dir); n != 1 {
		t.Fatalf("removed %d, want 1", n)
	}
	if _, err := os.Stat(other); err != nil || strings.Contains(other, backupTempMark) {
		t.Fatalf("a file not of our naming was touched: %v", err)
	}
}
