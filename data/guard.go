package data

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	sqlite3 "modernc.org/sqlite/lib"
)

// ErrFileChanged is matched (errors.Is) by every refusal because the
// database file or its -wal/-shm are no longer the files this process
// opened: deleted, or replaced by another file under the same name.
// SQLite keeps writing to the descriptors it holds, so a write acknowledged
// then would go into an unlinked file and vanish (or, for a deleted -wal,
// be checkpointed later over another process's changes).
var ErrFileChanged = errors.New("database file changed underfoot")

// ErrDamaged is matched by every refusal to write into a database known to
// be damaged (quick_check failed, or SQLite reported corruption).
var ErrDamaged = errors.New("database is damaged")

// fileGuard remembers which files the store opened and whether damage was
// seen. One guard is shared by a store and the views WithClock returns.
type fileGuard struct {
	path string

	mu       sync.Mutex
	main     os.FileInfo
	sidecars map[string]os.FileInfo // "-wal", "-shm" as they were at open (WAL mode)
	changed  error                  // sticky: once a file changed, it stays changed
	damaged  error                  // sticky: once damage is known, it stays known
}

// record notes the identity of the database file and of the sidecars that
// exist now. It runs after migrate, while the pool holds connections, so in
// WAL mode (wal: migrate read or set it) the -wal and -shm exist and will
// not be removed while this process keeps a connection open (SQLite deletes
// them only when the last connection to the file closes).
func (g *fileGuard) record(wal bool) error {
	fi, err := os.Stat(g.path)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %s", g.path, cause(err))
	}
	g.main = fi
	if !wal {
		return nil
	}
	g.sidecars = map[string]os.FileInfo{}
	for _, ext := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(g.path + ext); err == nil {
			g.sidecars[ext] = fi
		}
	}
	return nil
}

// check refuses when the path no longer names the file this store has open,
// or a sidecar that existed at open is gone or another file. A few stat
// calls: cheap enough for every transaction.
func (g *fileGuard) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changed != nil {
		return g.changed
	}
	if g.main == nil {
		return nil
	}
	what := ""
	if fi, err := os.Stat(g.path); err != nil || !os.SameFile(fi, g.main) {
		what = "the database file " + g.path + " was replaced or deleted"
	} else {
		for _, ext := range []string{"-wal", "-shm"} {
			was, ok := g.sidecars[ext]
			if !ok {
				continue
			}
			if fi, err := os.Stat(g.path + ext); err != nil || !os.SameFile(fi, was) {
				what = "its " + g.path + ext + " was replaced or deleted"
				break
			}
		}
	}
	if what == "" {
		return nil
	}
	g.changed = &guardError{
		msg: what + " since this process opened it — nothing was written; restart flightdeck (and check that nothing else moves or deletes the database's files)",
		is:  ErrFileChanged,
	}
	return g.changed
}

// markDamaged makes every later write refuse.
func (g *fileGuard) markDamaged(detail string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.damaged == nil {
		g.damaged = &guardError{
			msg: fmt.Sprintf("%s is damaged (%s): nothing was written; restore it from a backup or move it aside to start afresh; flightdeck will not modify it", g.path, detail),
			is:  ErrDamaged,
		}
	}
	return g.damaged
}

func (g *fileGuard) damage() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.damaged
}

// guardError is a refusal that names the file and matches its sentinel.
type guardError struct {
	msg string
	is  error
}

func (e *guardError) Error() string        { return e.msg }
func (e *guardError) Is(target error) bool { return target == e.is }

// quickCheck runs PRAGMA quick_check: every page of every table and index
// is read and its structure checked (not index contents against tables,
// which integrity_check adds at several times the cost). It returns nil or
// a one-line description of the first problems found.
func quickCheck(ctx context.Context, q queryer) (string, error) {
	rows, err := q.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		if line != "ok" {
			found = append(found, line)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return strings.Join(found, "; "), nil
}

// IntegrityCheck runs quick_check on the whole database and returns an
// error matching ErrDamaged when it finds a problem; after that every
// write of this store refuses.
//
// On PostgreSQL it checks nothing: the server keeps its own pages (and
// amcheck or pg_checksums are the tools for them).
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.eng == enginePostgres {
		return nil
	}
	problem, err := quickCheck(ctx, s.db)
	if err != nil {
		if m := mapError(s.path, err); m != err {
			var de *DBError
			if errors.As(m, &de) && isCorruptCode(de.Code) {
				return s.guard.markDamaged(oneLineDetail(err.Error()))
			}
			return m
		}
		return err
	}
	if problem != "" {
		return s.guard.markDamaged("quick_check: " + oneLineDetail(problem))
	}
	return nil
}

func oneLineDetail(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

func isCorruptCode(code int) bool {
	return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
}

// suspectHeader is the cheap test of whether opening should pay for a
// quick_check, on the first bytes of the file (up to 100, the header) and
// its length: the length is not a whole number of pages, or the header says
// the database has more pages than the file holds (a file truncated at a
// page boundary). A database in WAL mode may legitimately be shorter than
// its header says only when the header is stale, which the "version valid
// for" field tells.
func suspectHeader(h []byte, size int64) bool {
	if size == 0 {
		return false
	}
	if len(h) < 100 {
		return true // shorter than a header: damaged if SQLite did not say so
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || size%pageSize != 0 {
		return true
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	changeCounter := binary.BigEndian.Uint32(h[24:28])
	validFor := binary.BigEndian.Uint32(h[92:96])
	return changeCounter == validFor && pages*pageSize > size
}
