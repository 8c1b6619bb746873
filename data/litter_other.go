//go:build !(linux || darwin || freebsd || openbsd || netbsd)

package data

import (
	"errors"
	"os"
)

// lockNB cannot lock here: HoldLock fails softly and Abandoned says false,
// so leftovers are never removed (rather than removing live work).
func lockNB(*os.File) error { return errors.ErrUnsupported }
