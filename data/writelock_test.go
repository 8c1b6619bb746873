package data

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The write queue's lock belongs to a descriptor: another descriptor of
// the same file — another process's, or this one's — waits for it, and
// SQLite's own locks on the file are untouched by it.
func TestWriteQueueLockExcludesOtherDescriptors(t *testing.T) {
	sqliteOnly(t)
	if runtime.GOOS != "linux" {
		t.Skip("the write queue's lock is Linux's open-file-description lock")
	}
	path := tempDB(t)
	s := openStore(t, path)
	_, items := startTestDeployment(t, s)
	other, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Closed after s: closing a descriptor of the file drops SQLite's
	// fcntl locks in this process (pitfalls D28). Closing s twice is
	// harmless.
	t.Cleanup(func() {
		_ = s.Close()
		other.Close()
	})
	if !tryLockFile(other) {
		t.Fatal("the queue's lock is taken with no writer")
	}
	if tryLockFile(s.queue.fd) {
		t.Fatal("two descriptors hold the queue's lock at once")
	}

	// A writer waits for it, for the busy timeout at most, and says busy.
	ctx := context.Background()
	short := s.WithClock(time.Now)
	short.busy = 300 * time.Millisecond
	start := time.Now()
	_, err = short.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "queued", "bob", t0)
	waited := time.Since(start)
	var de *DBError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "is busy") {
		t.Fatalf("write while another holds the queue: %v, want busy", err)
	}
	if waited < 250*time.Millisecond || waited > 5*time.Second {
		t.Errorf("gave up after %v for a busy timeout of 300ms", waited)
	}

	// Let go while a writer waits: it goes through at once.
	done := make(chan error, 1)
	go func() {
		_, err := s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "queued", "bob", t0)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlockFile(other)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write after the queue's lock was released: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting write did not go through after the lock was released")
	}
	// The writer that gave up earlier left its wait behind: it took the
	// lock when it came free and let go of it, so nobody holds it now.
	if !tryLockFile(other) {
		t.Error("the queue's lock is still held after both writes")
	}
	unlockFile(other)
}
