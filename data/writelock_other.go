//go:build !linux

package data

import (
	"errors"
	"os"
)

// No open-file-description locks here (and flock would meet the lock a
// backup holds on its copy): writers of this process take turns, and
// between processes BEGIN IMMEDIATE is retried after short random pauses.
func tryLockFile(*os.File) bool { return true }

func lockFile(*os.File) error { return errors.New("no write queue lock on this system") }

func unlockFile(*os.File) {}
