package data

import (
	"context"
	"os"
	"sync"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// writeQueue is how the writers of one SQLite file take turns before they
// ask SQLite for its write lock: SQLite's busy handler is not fair (a
// waiter sleeps ever longer, up to 100 ms a try, and a newcomer that asks
// while it sleeps gets the lock first), so under eight busy writers one
// action in a few hundred used to wait most of a second, and the sleeping
// left the lock idle between turns.
//
// Inside a process, writers queue on a channel (first come, first served);
// between processes, on an exclusive lock of one byte of the database file
// far beyond anything SQLite locks (writeQueueByte), which the kernel hands
// to a waiter the moment the holder lets go, without anyone polling. On
// Linux it is an open-file-description lock (F_OFD_SETLKW): it belongs to
// the descriptor, not the process, so it neither meets SQLite's own locks
// on the file nor the flock a backup holds on its copy (litter.go). Other
// systems have the turns inside the process only.
//
// Nobody's correctness depends on it: the transaction still begins with
// BEGIN IMMEDIATE, so a writer that does not queue (an older flightdeck,
// the sqlite3 shell) is merely not fair to, and flightdeck falls back to
// asking SQLite again after short random pauses (lockPause).
type writeQueue struct {
	turn chan struct{} // holds one token while a writer of this process has its turn
	// fd is the process's read-write descriptor of the file for the lock,
	// opened before SQLite opened the file and closed only after every
	// connection of this process to it is closed: closing a descriptor of
	// the file drops the fcntl locks SQLite holds on it (pitfalls D28).
	// nil when the file could not be opened for writing: turns in this
	// process only.
	fd *os.File
}

// writeQueueByte is the byte of the database file the write queue locks:
// SQLite's locks are on the bytes from 1 GiB (its PENDING_BYTE) to 1 GiB +
// 512, and nothing reads or writes a file there.
const writeQueueByte = 1 << 62

func newWriteQueue(fd *os.File) *writeQueue {
	return &writeQueue{turn: make(chan struct{}, 1), fd: fd}
}

// errQueueTimeout is a write that did not get its turn within the busy
// timeout; it reads as SQLite's own "busy" (mapError).
type errQueueTimeout struct{}

func (errQueueTimeout) Error() string { return "database is locked (waited for the writers before)" }
func (errQueueTimeout) Code() int     { return sqlite3.SQLITE_BUSY }

// take waits for this writer's turn, until deadline, and returns what ends
// it. A nil queue (PostgreSQL, a store that never writes) has no turns.
func (q *writeQueue) take(ctx context.Context, deadline time.Time) (release func(), err error) {
	if q == nil {
		return func() {}, nil
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case q.turn <- struct{}{}:
	case <-timer.C:
		return nil, errQueueTimeout{}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if q.fd == nil || tryLockFile(q.fd) {
		return q.release, nil
	}
	// Wait in the kernel. A blocking lock cannot be given a deadline, so
	// it runs on its own goroutine; a writer that gives up leaves it to
	// take the lock, let go of it at once and end the turn then.
	var mu sync.Mutex
	gaveUp := false
	got := make(chan error, 1)
	go func() {
		err := lockFile(q.fd)
		mu.Lock()
		defer mu.Unlock()
		if gaveUp {
			if err == nil {
				unlockFile(q.fd)
			}
			<-q.turn
			return
		}
		got <- err
	}()
	giveUp := func(err error) (func(), error) {
		mu.Lock()
		defer mu.Unlock()
		select {
		case lerr := <-got: // it came at the same moment
			if lerr == nil {
				return q.release, nil
			}
			<-q.turn
			return nil, lerr
		default:
		}
		gaveUp = true
		return nil, err
	}
	select {
	case err := <-got:
		if err != nil {
			<-q.turn
			return nil, err
		}
		return q.release, nil
	case <-timer.C:
		return giveUp(errQueueTimeout{})
	case <-ctx.Done():
		return giveUp(ctx.Err())
	}
}

func (q *writeQueue) release() {
	if q.fd != nil {
		unlockFile(q.fd)
	}
	<-q.turn
}
