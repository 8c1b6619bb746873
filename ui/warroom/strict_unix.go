//go:build unix

package warroom

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// strictOwner is sshd's StrictModes for the authorized-keys file: it and
// its directory must belong to the server's user or root, and the
// directory must not be writable by others unless it is sticky (others
// could otherwise replace the file).
func strictOwner(path string, fi fs.FileInfo) error {
	me := uint32(os.Getuid())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != me && st.Uid != 0 {
		return fmt.Errorf("authorized keys file %s belongs to uid %d, not to the user running flightdeck serve (uid %d) or root, so its owner could add a key: chown %d %s",
			path, st.Uid, me, me, path)
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("authorized keys file: %w", err)
	}
	if st, ok := di.Sys().(*syscall.Stat_t); ok && st.Uid != me && st.Uid != 0 {
		return fmt.Errorf("the directory %s of the authorized keys file belongs to uid %d, so its owner could replace the file: keep the file in a directory of your own", dir, st.Uid)
	}
	if di.Mode().Perm()&0o022 != 0 && di.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("the directory %s of the authorized keys file is writable by others (mode %04o), so anyone could replace the file: chmod go-w %s", dir, di.Mode().Perm(), dir)
	}
	return nil
}

func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
