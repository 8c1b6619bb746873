package data

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// engine is everything the store does differently on SQLite and on
// PostgreSQL, in one place. The store's SQL is one text for both: pgSQL
// rewrites parameters on the way to PostgreSQL, the schema is the same
// tables under the same names (migrations/ and migrations/postgres/), and
// what is left is here.
type engine int

const (
	engineSQLite engine = iota
	enginePostgres
)

func (e engine) String() string {
	if e == enginePostgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// writeLockKey is the pg_advisory_xact_lock every PostgreSQL write takes:
// "FLDK", as SQLite's application_id. Locks are per database, so two
// flightdeck databases on one server never wait for each other.
const writeLockKey = 0x464c444b

// changeChannel is the LISTEN/NOTIFY channel every PostgreSQL commit of the
// store announces itself on.
const changeChannel = "flightdeck"

// readTx is how a read transaction begins: one snapshot for all its
// statements. SQLite's deferred BEGIN gives that; PostgreSQL's default READ
// COMMITTED would not, so it asks for REPEATABLE READ.
func (e engine) readTx() *sql.TxOptions {
	if e == enginePostgres {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// lockWrites makes tx the only writer, as SQLite's BEGIN IMMEDIATE does.
//
// PostgreSQL could instead run every write SERIALIZABLE and retry the ones
// it aborts. The store does not, because a write's rules read then write
// across many rows (the freeze check reads every open incident; a promote
// reads the health readings and the incident links; the decision checks
// compare what a person saw with what is stored), and under SERIALIZABLE
// any of them can fail at COMMIT after all that work, under contention
// often, and be retried with no bound on how long an action waits. One
// transaction-scoped advisory lock serialises writers exactly as SQLite
// does: every rule reads the state as the last commit left it, the
// semantics and tests are the engine's same, and PostgreSQL queues the
// waiters first come, first served, so no writer starves. Writes are a
// few milliseconds; a team's writers are people and pipelines, well under
// the hundreds per second one lock allows. Reads never take it.
//
// lock_timeout bounds the wait as SQLite's busy timeout does; the error is
// mapped to the same "busy, nothing was changed".
//
// It is one statement, one round trip: the subquery in FROM sets the
// timeout (SET LOCAL's set_config) before the lock is asked for.
func (e engine) lockWrites(ctx context.Context, tx *sql.Tx, wait int64) error {
	return e.lock(ctx, tx, wait, "")
}

// lockWritesAndAnnounce is lockWrites and announce in the same statement: a
// notification is delivered at COMMIT whenever it was sent, and never for
// a transaction that rolls back.
func (e engine) lockWritesAndAnnounce(ctx context.Context, tx *sql.Tx, wait int64) error {
	return e.lock(ctx, tx, wait, ", pg_notify('"+changeChannel+"', '')")
}

func (e engine) lock(ctx context.Context, tx *sql.Tx, wait int64, also string) error {
	if e != enginePostgres {
		return nil // BEGIN IMMEDIATE (the DSN's _txlock) already holds it
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)"+also+" FROM (SELECT set_config('lock_timeout', ?, true)) AS t",
		int64(writeLockKey), strconv.FormatInt(max(wait, 1), 10))
	return err
}

// announce tells every dashboard on the database that this transaction
// committed something: NOTIFY is delivered at COMMIT, and never for a
// transaction that rolls back. SQLite needs nothing: its readers see
// PRAGMA data_version move.
func (e engine) announce(ctx context.Context, tx *sql.Tx) error {
	if e != enginePostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_notify('"+changeChannel+"', '')")
	return err
}

// intList is a table expression of one column, value, holding the integers
// of a JSON array passed as parameter param (e.g. "?4").
func (e engine) intList(param string) string {
	if e == enginePostgres {
		return "SELECT value::bigint AS value FROM json_array_elements_text(CAST(" + param + " AS json))"
	}
	return "SELECT value FROM json_each(" + param + ")"
}

// like is the case-insensitive LIKE: SQLite's LIKE ignores ASCII case,
// PostgreSQL's does not.
func (e engine) like() string {
	if e == enginePostgres {
		return "ILIKE"
	}
	return "LIKE"
}

// hasTable reports whether the schema has table name.
func (e engine) hasTable(ctx context.Context, q queryer, name string) (bool, error) {
	var n int
	query := `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`
	if e == enginePostgres {
		query = `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?`
	}
	err := q.QueryRowContext(ctx, query, name).Scan(&n)
	return n > 0, err
}

// deferForeignKeys checks references at COMMIT instead of per row, for
// copies that insert rows before the rows they refer to. The PostgreSQL
// schema declares its references DEFERRABLE for this.
func (e engine) deferForeignKeys(ctx context.Context, tx *sql.Tx) error {
	q := `PRAGMA defer_foreign_keys = ON`
	if e == enginePostgres {
		q = `SET CONSTRAINTS ALL DEFERRED`
	}
	_, err := tx.ExecContext(ctx, q)
	return err
}

// syncIDs moves every id sequence past the largest id stored, after rows
// were inserted with their ids given (a demo history, an import, a
// migration): PostgreSQL's identity columns do not look at the rows, and the
// next insert would take an id already used. SQLite's INTEGER PRIMARY KEY
// always takes max(id)+1, so it needs nothing.
func (e engine) syncIDs(ctx context.Context, tx *sql.Tx) error {
	if e != enginePostgres {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		// t comes from the catalogue, and is one of our table names.
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce(max(id), 0) + 1, false) FROM `+t, t); err != nil {
			return fmt.Errorf("move the id sequence of %s: %w", t, err)
		}
	}
	return nil
}

// noLimit is LIMIT's "all rows" on both engines (SQLite's -1 is an error on
// PostgreSQL, and PostgreSQL's NULL or ALL are not SQLite's).
const noLimit = 1 << 62

// tables lists the store's tables, sorted (not the engine's own, nor the
// PostgreSQL schema-version table).
func (e engine) tables(ctx context.Context, q queryer) ([]string, error) {
	query := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if e == enginePostgres {
		query = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '` + pgMeta + `' ORDER BY tablename`
	}
	return e.strings(ctx, q, query)
}

// columns lists a table's columns in their order.
func (e engine) columns(ctx context.Context, q queryer, table string) ([]string, error) {
	query := `SELECT name FROM pragma_table_info(?) ORDER BY cid`
	if e == enginePostgres {
		query = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	return e.strings(ctx, q, query, table)
}

func (engine) strings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
