package data

// Litter: files flightdeck makes while it works (a backup's temporary copy,
// a demo's directory) are locked by the process that made them for as long
// as it runs. A process killed with -9 cannot remove them, but the kernel
// drops its locks, so the next run can tell its leftovers (unlocked) from
// another process's work in progress (locked) and remove only the former.

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// HoldLock opens (creating, mode 0600) the file at path and takes an
// exclusive lock on it, held until the returned file is closed or the
// process ends however it ends.
func HoldLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockNB(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// Abandoned reports whether the file at path exists, is older than minAge
// (a file just created may not be locked yet) and no process holds its
// lock. Where locks cannot be tested it says false: nothing is removed.
func Abandoned(path string, minAge time.Duration) bool {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < minAge {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return lockNB(f) == nil // the lock is dropped with f
}

// backupTempMark names a backup's temporary copy: ".DEST.flightdeck-backup-RANDOM.tmp"
// in the destination's directory.
const backupTempMark = ".flightdeck-backup-"

// staleAfter is how old an unlocked leftover must be before it is removed.
var staleAfter = 10 * time.Second

// removeStaleBackupTemps removes, in dir, the temporary copies of backups
// whose process was killed (each the size of the database). It reports
// how many it removed.
func removeStaleBackupTemps(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, backupTempMark) || !strings.HasSuffix(name, ".tmp") {
			continue
		}
		p := filepath.Join(dir, name)
		if Abandoned(p, staleAfter) && os.Remove(p) == nil {
			n++
		}
	}
	return n
}
