package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPostgres opens the PostgreSQL database dsn names; see Open.
func openPostgres(ctx context.Context, dsn string, opt Options, s *Store) (*Store, error) {
	cfg, shown, err := pgConfig(dsn)
	if err != nil {
		return nil, err
	}
	if opt.ReadOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	s.eng = enginePostgres
	s.busy = opt.BusyTimeout
	s.path = shown
	s.dsn = dsn
	s.readOnly = opt.ReadOnly
	s.pgConfig = cfg
	s.guard = &fileGuard{path: shown} // no file: never records, never refuses
	s.closer = &closer{release: func(bool) {}}
	s.db = sql.OpenDB(pgConnector{c: stdlib.GetConnector(*cfg, stdlib.OptionAfterConnect(bornNow), stdlib.OptionShouldPing(pingIfIdle)),
		adaptive: !explicitExecMode(dsn)})
	// Each process keeps a few connections; the server's max_connections
	// (100 by default) is shared by every dashboard and pipeline.
	s.db.SetMaxOpenConns(4)
	s.db.SetMaxIdleConns(4)
	s.db.SetConnMaxIdleTime(0)
	s.db.SetConnMaxLifetime(0)
	// No ping: the schema check is the first query and opens the connection
	// (a ping would be one more round trip, and its errors are the same).
	if err := migratePostgres(ctx, s.db, shown, opt.ReadOnly, busyWait(opt)); err != nil {
		_ = s.db.Close()
		return nil, s.fail("open", err)
	}
	return s, nil
}

// born is when each connection was made, until its first reuse.
var born sync.Map // *pgx.Conn → time.Time

func bornNow(_ context.Context, c *pgx.Conn) error {
	born.Store(c, time.Now())
	return nil
}

// pingIfIdle is pgx's rule, a ping before a connection is reused after a
// second idle, counted from when it was made rather than from the year 1:
// pgx would otherwise ping a connection at its first reuse, one more round
// trip for each command, a millisecond after it was opened.
func pingIfIdle(_ context.Context, p stdlib.ShouldPingParams) bool {
	idle := p.IdleDuration
	if t, ok := born.LoadAndDelete(p.Conn); ok {
		idle = min(idle, time.Since(t.(time.Time)))
	}
	return idle > time.Second
}

// explicitExecMode reports a DSN that chooses pgx's default_query_exec_mode
// itself, which the store then leaves alone (pgConn.adaptive).
func explicitExecMode(dsn string) bool { return strings.Contains(dsn, "default_query_exec_mode") }

func busyWait(opt Options) int64 {
	if opt.BusyTimeout > 0 {
		return opt.BusyTimeout.Milliseconds()
	}
	return DefaultBusyTimeout.Milliseconds()
}

// pgMeta is the table that marks a PostgreSQL database (schema) as
// flightdeck's and holds its schema version, as SQLite's application_id and
// user_version do. It is written by the migration runner, not a migration.
const pgMeta = "flightdeck_schema"

// pgState is what the database says about itself.
type pgState struct {
	hasMeta     bool
	application string
	version     int
	tables      int // other tables in the current schema
}

// readPGState reads the state in one query when the database is
// flightdeck's, as it is at every start but the first. It is not for a
// transaction: on another database the first query fails (no such table),
// which would abort one.
func readPGState(ctx context.Context, q queryRower) (pgState, error) {
	var st pgState
	var here bool
	err := q.QueryRowContext(ctx, `SELECT to_regclass(current_schema() || '.`+pgMeta+`') IS NOT NULL, application, version,
		(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()) FROM `+pgMeta).Scan(&here, &st.application, &st.version, &st.tables)
	if err == nil && here {
		st.hasMeta = true
		st.tables--
		return st, nil
	}
	var pe *pgconn.PgError
	if err != nil && !errors.Is(err, sql.ErrNoRows) && !(errors.As(err, &pe) && pe.Code == "42P01") { // undefined_table
		return pgState{}, fmt.Errorf("read the schema: %w", err)
	}
	return readPGStateTx(ctx, q)
}

// readPGStateTx reads the state in queries that fail on no database.
func readPGStateTx(ctx context.Context, q queryRower) (pgState, error) {
	var st pgState
	if err := q.QueryRowContext(ctx, `SELECT to_regclass(current_schema() || '.`+pgMeta+`') IS NOT NULL,
		(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())`).Scan(&st.hasMeta, &st.tables); err != nil {
		return st, fmt.Errorf("read the schema: %w", err)
	}
	if !st.hasMeta {
		return st, nil
	}
	st.tables--
	err := q.QueryRowContext(ctx, `SELECT application, version FROM `+pgMeta).Scan(&st.application, &st.version)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the schema version: %w", err)
	}
	return st, nil
}

func (st pgState) check(name string, readOnly bool) error {
	switch {
	case st.hasMeta && st.application != "" && st.application != "flightdeck":
		return fmt.Errorf("%s belongs to another program (%s says %q); flightdeck will not touch it", name, pgMeta, st.application)
	case !st.hasMeta && st.tables > 0:
		return fmt.Errorf("%s already has %d tables but is not flightdeck's; flightdeck will not touch it: create an empty database for it (createdb flightdeck)", name, st.tables)
	case st.version > SchemaVersion:
		return fmt.Errorf("%s was written by a newer flightdeck (schema %d; this one knows %d): upgrade flightdeck", name, st.version, SchemaVersion)
	case readOnly && st.version < SchemaVersion:
		if st.version == 0 {
			return fmt.Errorf("%s is not set up yet: run flightdeck once without --read-only to create it", name)
		}
		return fmt.Errorf("%s has an older schema (%d; this flightdeck needs %d): run flightdeck once without --read-only to upgrade it", name, st.version, SchemaVersion)
	}
	return nil
}

// loadPGMigrations reads migrations/postgres, which must mirror
// migrations/ number for number and name for name.
func loadPGMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(pgMigrationFiles, "migrations/postgres")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration postgres/%s: name must start with a number and '_'", e.Name())
		}
		b, err := pgMigrationFiles.ReadFile(path.Join("migrations/postgres", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: "postgres/" + e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	if len(ms) != SchemaVersion {
		return nil, fmt.Errorf("%d PostgreSQL migrations embedded but SchemaVersion is %d", len(ms), SchemaVersion)
	}
	return ms, nil
}

// migratePostgres brings the database to SchemaVersion, forward only, all
// of it in one transaction under the write lock: processes starting at once
// after an upgrade wait for the first, which migrates; the others then find
// the schema current. DDL is transactional in PostgreSQL, so a failed
// migration leaves the database as it was.
func migratePostgres(ctx context.Context, db *sql.DB, name string, readOnly bool, wait int64) error {
	st, err := readPGState(ctx, db)
	if err != nil {
		return err
	}
	if err := st.check(name, readOnly); err != nil {
		return err
	}
	if readOnly || st.version == SchemaVersion {
		return nil
	}
	ms, err := loadPGMigrations()
	if err != nil {
		return fmt.Errorf("embedded migrations: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration of %s: %w", name, err)
	}
	defer tx.Rollback()
	if err := enginePostgres.lockWrites(ctx, tx, wait); err != nil {
		return err
	}
	if st, err = readPGStateTx(ctx, tx); err != nil {
		return err
	}
	if err := st.check(name, false); err != nil {
		return err
	}
	if st.version == SchemaVersion {
		return nil
	}
	if !st.hasMeta {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE `+pgMeta+` (
			application TEXT   NOT NULL,
			version     BIGINT NOT NULL
		)`); err != nil {
			return fmt.Errorf("create %s: %w", pgMeta, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+pgMeta+` (application, version) VALUES ('flightdeck', 0)`); err != nil {
			return fmt.Errorf("create %s: %w", pgMeta, err)
		}
	}
	for _, m := range ms[st.version:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+pgMeta+` SET version = ?`, SchemaVersion); err != nil {
		return fmt.Errorf("record schema version: %w", err)
	}
	if err := enginePostgres.announce(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration of %s: %w", name, err)
	}
	return nil
}
