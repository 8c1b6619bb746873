package data

import (
	"errors"
	"os"
	"syscall"
)

// Open-file-description locks (Linux 3.15; the same numbers on every
// architecture), which package syscall does not name.
const (
	fOFDSetlk  = 37 // F_OFD_SETLK
	fOFDSetlkw = 38 // F_OFD_SETLKW
)

func queueLock(f *os.File, cmd int, typ int16) error {
	lk := syscall.Flock_t{Type: typ, Whence: 0, Start: writeQueueByte, Len: 1}
	return syscall.FcntlFlock(f.Fd(), cmd, &lk)
}

// tryLockFile takes the write queue's lock on f if nobody holds it.
func tryLockFile(f *os.File) bool { return queueLock(f, fOFDSetlk, syscall.F_WRLCK) == nil }

// lockFile waits for the write queue's lock on f.
func lockFile(f *os.File) error {
	for {
		err := queueLock(f, fOFDSetlkw, syscall.F_WRLCK)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func unlockFile(f *os.File) { _ = queueLock(f, fOFDSetlk, syscall.F_UNLCK) }
