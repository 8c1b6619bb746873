package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	sqlite3 "modernc.org/sqlite/lib"
)

// Backup writes a consistent copy of the live database to dest, a new file:
// VACUUM INTO reads one snapshot (committed data in the -wal included;
// writers in other processes carry on meanwhile) into a temporary file in
// dest's directory, which is synced and then moved to dest. dest is never
// overwritten, and a failed backup leaves nothing behind. The copy is a
// self-contained file (no -wal needed), mode 0600; --db opens it.
//
// A store opened read-only can be backed up too: the copy is written through
// a read-only connection, so the live file is never written either way.
//
// On PostgreSQL the backup is a SQLite copy of the database, made the same
// way (backupPostgres): a file any flightdeck opens with --db, for a
// laptop, an audit or a way out. The server's own backups are pg_dump's
// and the operator's job.
func (s *Store) Backup(ctx context.Context, dest string) (err error) {
	if strings.TrimSpace(dest) == "" {
		return invalidf("no backup file given: name a new file, e.g. flightdeck-backup.db")
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("cannot resolve backup path %q: %w", dest, err)
	}
	if s.eng == enginePostgres {
		if err := checkBackupDest(abs, ""); err != nil {
			return err
		}
		return s.backupPostgres(ctx, abs)
	}
	if err := checkBackupDest(abs, s.path); err != nil {
		return err
	}
	// A backup of damage is no backup: check the source first (VACUUM INTO
	// reads only the pages it needs and can copy a damaged file "fine").
	if err := s.IntegrityCheck(ctx); err != nil {
		return fmt.Errorf("back up to %s: refused: %w", abs, err)
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	// A backup killed before it finished left its temporary copy (the size
	// of the database): remove those nobody holds any more (litter.go).
	removeStaleBackupTemps(dir)
	// CreateTemp makes the file 0600 whatever the umask; VACUUM INTO accepts
	// an empty file and keeps its mode. The open file holds a lock that says
	// "in progress" until this returns or the process dies.
	tmp, err := os.CreateTemp(dir, "."+base+backupTempMark+"*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write the backup in %s: %s: make the directory writable or choose another place", dir, cause(err))
	}
	tmpPath := tmp.Name()
	_ = lockNB(tmp)
	defer tmp.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpPath)
		}
	}()

	if err := s.vacuumInto(ctx, tmpPath); err != nil {
		return s.backupError(abs, err)
	}
	if err := checkCopy(ctx, tmpPath); err != nil {
		return fmt.Errorf("back up to %s: the copy failed its integrity check (%s); nothing was saved: check the disk holding %s and try again", abs, err, dir)
	}
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("cannot sync the backup %s: %s", tmpPath, cause(err))
	}
	if err := publish(tmpPath, abs); err != nil {
		return err
	}
	// The new name must survive a power loss too.
	_ = syncFile(dir)
	return nil
}

// checkCopy runs quick_check on the finished copy, read-only.
func checkCopy(ctx context.Context, path string) error {
	db, err := sql.Open(sqliteDriverName, "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	problem, err := quickCheck(ctx, db)
	if err != nil {
		return err
	}
	if problem != "" {
		return errors.New("quick_check: " + oneLineDetail(problem))
	}
	return nil
}

// checkBackupDest refuses an existing file (the live database included) and
// a missing directory, with what to do.
func checkBackupDest(dest, live string) error {
	dir := filepath.Dir(dest)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return invalidf("directory %s does not exist: create it (mkdir -p %s) or choose another place", dir, dir)
	case err != nil && !errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("cannot reach directory %s: %s", dir, cause(err))
	case err != nil || !fi.IsDir():
		return invalidf("%s is not a directory: choose another place for the backup", dir)
	}
	if _, err := os.Lstat(dest); err == nil {
		if dest == live {
			return invalidf("%s is the database itself: name a new file for the backup", dest)
		}
		return invalidf("%s exists: choose a new name", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot reach %s: %s", dest, cause(err))
	}
	return nil
}

// vacuumInto runs VACUUM INTO on one connection of the pool. VACUUM cannot
// run inside a transaction; on its own it reads a single snapshot.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if s.readOnly {
		// query_only refuses VACUUM INTO even though it writes only the
		// new file; mode=ro still keeps the live file read-only.
		if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
			return err
		}
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = 1"); err != nil {
				// Never hand the pool a connection without its guard.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

// backupError explains a failed VACUUM INTO: problems writing the copy name
// the backup's directory, problems reading the live file name the database.
func (s *Store) backupError(dest string, err error) error {
	var ce sqliteCoder
	if errors.As(err, &ce) {
		dir := filepath.Dir(dest)
		switch ce.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("back up to %s: the disk holding %s is full: free some space or choose another place", dest, dir)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return fmt.Errorf("back up to %s: cannot write in %s: make the directory writable or choose another place", dest, dir)
		}
	}
	return s.fail("back up to "+dest, err)
}

// publish gives the finished copy its name without ever replacing a file: a
// hard link fails if dest appeared meanwhile. Filesystems without hard
// links fall back to a rename after one more check.
func publish(tmp, dest string) error {
	err := os.Link(tmp, dest)
	switch {
	case err == nil:
		_ = os.Remove(tmp)
		return nil
	case errors.Is(err, fs.ErrExist):
		return invalidf("%s exists: choose a new name", dest)
	}
	if _, serr := os.Lstat(dest); serr == nil {
		return invalidf("%s exists: choose a new name", dest)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("cannot name the backup %s: %s", dest, cause(err))
	}
	return nil
}

// syncFile flushes a file (or a directory entry) to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Counts is how many rows the main tables hold.
type Counts struct {
	Deployments int64
	Incidents   int64 // 0 when the schema has no incidents table
	Events      int64
}

// Counts reads the row counts in one snapshot.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.read(ctx, "count rows", func(tx *sql.Tx) error {
		for _, t := range []struct {
			table string
			n     *int64
		}{{"deployments", &c.Deployments}, {"incidents", &c.Incidents}, {"events", &c.Events}} {
			exists, err := s.eng.hasTable(ctx, tx, t.table)
			if err != nil {
				return err
			}
			if !exists {
				continue
			}
			// The table name is one of ours, never input.
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.table).Scan(t.n); err != nil {
				return fmt.Errorf("count %s: %w", t.table, err)
			}
		}
		return nil
	})
	return c, err
}

// backupPostgres writes a SQLite copy of this PostgreSQL database to dest:
// Copy reads one snapshot (REPEATABLE READ; writers carry on) into a new
// SQLite database in a temporary file beside dest, which is checked,
// synced and then published under dest, as a SQLite backup is.
func (s *Store) backupPostgres(ctx context.Context, abs string) (err error) {
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	removeStaleBackupTemps(dir)
	removeOrphanSidecars(dir)
	tmp, err := os.CreateTemp(dir, "."+base+backupTempMark+"*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write the backup in %s: %s: make the directory writable or choose another place", dir, cause(err))
	}
	tmpPath := tmp.Name()
	_ = lockNB(tmp)
	// Closed last: closing any descriptor of the file would drop the locks
	// SQLite holds on it through its own (POSIX locks are per process).
	defer tmp.Close()
	defer func() {
		if err != nil {
			for _, side := range []string{"", "-wal", "-shm", "-journal"} {
				_ = os.Remove(tmpPath + side)
			}
		}
	}()
	cp, err := Open(ctx, tmpPath, Options{HandOn: true})
	if err != nil {
		return fmt.Errorf("back up to %s: %w", abs, err)
	}
	_, err = Copy(ctx, s, cp)
	if err == nil {
		// Out of WAL mode, as VACUUM INTO's copies are: the file is
		// then all there is, and a read-only reader (checkCopy, --db
		// --read-only) leaves no -wal and -shm beside it.
		_, err = cp.db.ExecContext(ctx, "PRAGMA journal_mode = DELETE")
	}
	if cerr := cp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("back up to %s: %w", abs, err)
	}
	if err := checkCopy(ctx, tmpPath); err != nil {
		return fmt.Errorf("back up to %s: the copy failed its integrity check (%s); nothing was saved: check the disk holding %s and try again", abs, err, dir)
	}
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("cannot sync the backup %s: %s", tmpPath, cause(err))
	}
	if err := publish(tmpPath, abs); err != nil {
		return err
	}
	_ = syncFile(dir)
	return nil
}

// removeOrphanSidecars removes the -wal and -shm a killed PostgreSQL
// backup left beside its temporary copy, once that copy is gone (removed
// as litter by removeStaleBackupTemps, or never made).
func removeOrphanSidecars(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, backupTempMark) {
			continue
		}
		for _, side := range []string{"-wal", "-shm"} {
			main, ok := strings.CutSuffix(name, side)
			if !ok || !strings.HasSuffix(main, ".tmp") {
				continue
			}
			if _, err := os.Lstat(filepath.Join(dir, main)); errors.Is(err, fs.ErrNotExist) {
				_ = os.Remove(filepath.Join(dir, name))
			}
		}
	}
}
