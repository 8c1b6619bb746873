//go:build linux || darwin || freebsd || openbsd || netbsd

package data

import (
	"os"
	"syscall"
)

// lockNB takes an exclusive flock on f without waiting. flock locks belong
// to the open file, apart from SQLite's fcntl locks on the same file.
func lockNB(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }
