package data

import (
	"database/sql/driver"
	"errors"

	sqlitedrv "modernc.org/sqlite"
)

// keepWAL sets SQLITE_FCNTL_PERSIST_WAL on a connection that may write.
//
// By default the last connection to close a WAL-mode database checkpoints
// the -wal into the file, then deletes the -wal and the -shm; the next
// process creates both again, maps the new -shm and, on its first commit,
// writes and syncs a fresh WAL header. For a command-line action (one
// process, one connection, one transaction) creating, mapping and deleting
// those two files was a third of the action's CPU on ext4: 3.3 ms per
// action against 2.0 ms with them kept, measured in one process doing 1,000
// `check --note` actions one after the other.
//
// With the flag the close still checkpoints, so the database file alone
// holds every commit (a copy of flightdeck.db is complete), and the -wal is
// truncated to zero bytes (journal_size_limit is set); only the two files
// stay, empty but for the -shm's index header, for the next process to
// open. A file that is handed on alone right after it is written (a
// backup's copy) opens with Options.HandOn, which leaves SQLite's default.
func keepWAL(conn driver.Conn) error {
	fc, ok := conn.(sqlitedrv.FileControl)
	if !ok {
		return errors.New("the SQLite driver's connection lacks file control, which flightdeck uses to keep the -wal")
	}
	_, err := fc.FileControlPersistWAL("main", 1)
	return err
}
