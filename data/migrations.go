package data

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// applicationID marks a SQLite file as flightdeck's ("FLDK" in ASCII), so a
// file of another program that also uses SQLite is refused, not migrated.
const applicationID = 0x464c444b

// SchemaVersion is the newest schema this binary knows: the number of the
// last embedded migration, stored in PRAGMA user_version.
const SchemaVersion = 12

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded NNNN_name.sql files; their numbers must
// run 1, 2, … SchemaVersion with no gaps (a test guards this).
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	if len(ms) != SchemaVersion {
		return nil, fmt.Errorf("%d migrations embedded but SchemaVersion is %d", len(ms), SchemaVersion)
	}
	return ms, nil
}

// fileState is what page 1 says about the file.
type fileState struct {
	userVersion   int
	applicationID int64
	objects       int // rows in sqlite_schema
	journalMode   string
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stateQuery reads everything Open needs to know about the file in one
// statement. Preparing it reads sqlite_schema, which parses page 1 as a
// b-tree: that is what turns a damaged file into SQLITE_CORRUPT /
// SQLITE_NOTADB right at Open.
const stateQuery = `SELECT (SELECT count(*) FROM sqlite_schema),
	(SELECT user_version FROM pragma_user_version),
	(SELECT application_id FROM pragma_application_id),
	(SELECT journal_mode FROM pragma_journal_mode)`

func readState(ctx context.Context, q queryRower) (fileState, error) {
	var st fileState
	if err := q.QueryRowContext(ctx, stateQuery).Scan(&st.objects, &st.userVersion, &st.applicationID, &st.journalMode); err != nil {
		return st, fmt.Errorf("read the schema version: %w", err)
	}
	return st, nil
}

// check refuses files this binary must not write (or, read-only, cannot read).
func (st fileState) check(path string, readOnly bool) error {
	switch {
	case st.applicationID != 0 && st.applicationID != applicationID:
		return fmt.Errorf("%s is a SQLite database of another program (application_id %#x); flightdeck will not touch it", path, st.applicationID)
	case st.applicationID == 0 && (st.userVersion != 0 || st.objects != 0):
		// flightdeck sets application_id in the same transaction as its
		// first tables, so tables without it belong to someone else.
		return fmt.Errorf("%s is a SQLite database of another program (it has tables but no flightdeck mark); flightdeck will not touch it", path)
	case st.userVersion > SchemaVersion:
		return fmt.Errorf("%s was written by a newer flightdeck (schema %d; this one knows %d): upgrade flightdeck", path, st.userVersion, SchemaVersion)
	case readOnly && st.userVersion < SchemaVersion:
		if st.userVersion == 0 {
			return fmt.Errorf("%s is not set up yet: run flightdeck once without --read-only to create it", path)
		}
		return fmt.Errorf("%s has an older schema (%d; this flightdeck needs %d): run flightdeck once without --read-only to upgrade it", path, st.userVersion, SchemaVersion)
	}
	return nil
}

// migrate brings the file to SchemaVersion and reports whether it is in
// WAL mode. Several processes may start at once after an upgrade, so the
// version is re-read inside one BEGIN IMMEDIATE transaction and only the
// winner migrates (pitfalls D30). On a file that is up to date and in WAL
// mode it costs one query.
func migrate(ctx context.Context, db *sql.DB, path string, readOnly bool) (wal bool, err error) {
	st, err := readState(ctx, db)
	if err != nil {
		return false, err
	}
	if err := st.check(path, readOnly); err != nil {
		return false, err
	}
	wal = strings.EqualFold(st.journalMode, "wal")
	if readOnly {
		return wal, nil
	}
	if !wal {
		if err := enableWAL(ctx, db, path); err != nil {
			return false, err
		}
		wal = true
	}
	if st.userVersion == SchemaVersion {
		return wal, nil
	}
	ms, err := loadMigrations()
	if err != nil {
		return wal, fmt.Errorf("embedded migrations: %w", err)
	}

	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE via _txlock
	if err != nil {
		return wal, fmt.Errorf("begin migration of %s: %w", path, err)
	}
	defer tx.Rollback()
	if st, err = readState(ctx, tx); err != nil {
		return wal, err
	}
	if err := st.check(path, false); err != nil {
		return wal, err
	}
	for _, m := range ms[st.userVersion:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return wal, fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	// PRAGMA takes no bound parameters; both values are our own integers.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, SchemaVersion)); err != nil {
		return wal, fmt.Errorf("record schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return wal, fmt.Errorf("commit migration of %s: %w", path, err)
	}
	return wal, nil
}

// enableWAL switches the file to write-ahead logging; the mode is persistent
// in the file and cannot change inside a transaction. SQLite answers BUSY at
// once, without consulting the busy timeout, while another connection is
// switching too (several processes starting on a new file), so retry for as
// long as the busy timeout would have waited.
func enableWAL(ctx context.Context, db *sql.DB, path string) error {
	deadline := time.Now().Add(busyTimeout)
	delay := 5 * time.Millisecond
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("%s cannot use write-ahead logging (journal mode stays %q): keep the database on a local filesystem", path, mode)
			}
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("switch %s to WAL: %w", path, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}
