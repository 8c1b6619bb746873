//go:build !(linux || darwin || freebsd || openbsd || netbsd)

package data

import (
	"errors"
	"os"
)

// No flock here: writers of this process take turns, and between
// processes BEGIN IMMEDIATE is retried after short random pauses.
func tryLockFile(*os.File) bool { return true }

func lockFile(*os.File) error { return errors.New("no file locks on this system") }

func unlockFile(*os.File) {}
