package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CopyReport says what Copy carried: every table with its row count, in
// name order, counted on both sides before the copy was committed.
type CopyReport struct {
	From, To             string // as Path shows them: no password
	FromEngine, ToEngine string // "SQLite" or "PostgreSQL"
	Tables               []TableCount
	Rows                 int64 // all tables together
	Took                 time.Duration
}

// TableCount is one table of a CopyReport.
type TableCount struct {
	Name string
	Rows int64
}

// Count is the rows of table name in the report (0 when it has none).
func (r CopyReport) Count(name string) int64 {
	for _, t := range r.Tables {
		if t.Name == name {
			return t.Rows
		}
	}
	return 0
}

// ErrCopyMismatch is matched when a copy was refused at the last step
// because a table's count on the target differed from the source's.
var ErrCopyMismatch = errors.New("copy does not match its source")

// notEmptyError refuses a copy into a database that holds something; it
// matches ErrNotEmpty as InsertBulk's refusal does.
type notEmptyError struct{ msg string }

func (e notEmptyError) Error() string        { return e.msg }
func (e notEmptyError) Is(target error) bool { return target == ErrNotEmpty }

// Parameter limits per statement: SQLite's SQLITE_MAX_VARIABLE_NUMBER
// (32766 since 3.32) and PostgreSQL's wire protocol (a 16-bit count).
const (
	sqliteMaxParams   = 32766
	postgresMaxParams = 65535
	// copyBatchRows caps the rows of one INSERT: past a few hundred rows
	// a bigger statement saves nothing and only costs memory.
	copyBatchRows = 1000
)

func (e engine) maxParams() int {
	if e == enginePostgres {
		return postgresMaxParams
	}
	return sqliteMaxParams
}

// Copy copies everything from one flightdeck database into another, of
// either engine: every table and every column, ids kept (so references,
// INC numbers, the outbox's cursors and the notification claims stay
// true), rows in key order. Both stores are open, hence at SchemaVersion.
//
// The source is read in one read transaction — one snapshot, however
// many writers keep going — and the target is written in one write
// transaction (the write lock on PostgreSQL, announced to its dashboards
// at commit), so the copy is all or nothing. The target must be empty:
// every table, or it is refused naming what it holds, and nothing is
// written. Foreign keys are checked at commit, PostgreSQL's id sequences
// are moved past the copied ids, and before committing every table is
// counted on both sides; any difference refuses the commit.
func Copy(ctx context.Context, from, to *Store) (CopyReport, error) {
	rep := CopyReport{From: from.path, To: to.path, FromEngine: from.eng.String(), ToEngine: to.eng.String()}
	if from.eng == to.eng && from.path == to.path {
		return rep, invalidf("%s is both the source and the target: copy into another database", to.path)
	}
	start := time.Now()
	what := "copy " + from.path + " into " + to.path
	err := from.read(ctx, "read "+from.path, func(src *sql.Tx) error {
		return to.write(ctx, what, func(dst *sql.Tx) error {
			tables, err := copyTables(ctx, from, src, to, dst)
			if err != nil {
				return err
			}
			if err := refuseNotEmpty(ctx, to, dst, tables); err != nil {
				return err
			}
			if err := to.eng.deferForeignKeys(ctx, dst); err != nil {
				return err
			}
			rep.Tables = make([]TableCount, 0, len(tables))
			for _, t := range tables {
				n, err := copyTable(ctx, from, src, to, dst, t)
				if err != nil {
					return err
				}
				rep.Tables = append(rep.Tables, TableCount{Name: t, Rows: n})
				rep.Rows += n
			}
			if err := to.eng.syncIDs(ctx, dst); err != nil {
				return err
			}
			return verifyCopy(ctx, src, dst, rep.Tables, from.path, to.path)
		})
	})
	rep.Took = time.Since(start)
	if err != nil {
		return rep, err
	}
	return rep, nil
}

// copyTables is the tables to copy: the same set on both sides, as two
// stores at one SchemaVersion have. A difference means a schema this
// flightdeck did not make; it is named rather than half copied.
func copyTables(ctx context.Context, from *Store, src *sql.Tx, to *Store, dst *sql.Tx) ([]string, error) {
	a, err := from.eng.tables(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("list the tables of %s: %w", from.path, err)
	}
	b, err := to.eng.tables(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("list the tables of %s: %w", to.path, err)
	}
	if !slices.Equal(a, b) {
		return nil, fmt.Errorf("%s and %s do not have the same tables (only in the source: %s; only in the target: %s): both must be flightdeck databases of schema %d",
			from.path, to.path, listOrNone(missingFrom(a, b)), listOrNone(missingFrom(b, a)), SchemaVersion)
	}
	return a, nil
}

// missingFrom is the names of a that are not in b.
func missingFrom(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// refuseNotEmpty refuses a target that holds any row, naming each table
// that does and how many rows it has.
func refuseNotEmpty(ctx context.Context, to *Store, dst *sql.Tx, tables []string) error {
	var held []string
	for _, t := range tables {
		n, err := countRows(ctx, dst, t)
		if err != nil {
			return err
		}
		if n > 0 {
			held = append(held, fmt.Sprintf("%d in %s", n, t))
		}
	}
	if len(held) == 0 {
		return nil
	}
	return notEmptyError{fmt.Sprintf("%s is not empty (rows: %s): the copy goes into an empty database; nothing was changed", to.path, strings.Join(held, ", "))}
}

// countRows counts a table; t is a name from the catalogue, never input.
func countRows(ctx context.Context, q queryer, t string) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", t, err)
	}
	return n, nil
}

// copyTable streams table t from src into dst in batched multi-row
// INSERTs and reports how many rows it copied.
func copyTable(ctx context.Context, from *Store, src *sql.Tx, to *Store, dst *sql.Tx, t string) (int64, error) {
	cols, err := from.eng.columns(ctx, src, t)
	if err != nil {
		return 0, fmt.Errorf("read the columns of %s in %s: %w", t, from.path, err)
	}
	dcols, err := to.eng.columns(ctx, dst, t)
	if err != nil {
		return 0, fmt.Errorf("read the columns of %s in %s: %w", t, to.path, err)
	}
	if len(cols) == 0 || !sameSet(cols, dcols) {
		return 0, fmt.Errorf("table %s has other columns in %s (%s) than in %s (%s): both must be flightdeck databases of schema %d",
			t, from.path, strings.Join(cols, ", "), to.path, strings.Join(dcols, ", "), SchemaVersion)
	}
	list := strings.Join(cols, ", ")
	// Every table's key is one column: id where there is one, else the
	// first (deployment_id, event_id, name, key, sender, incident_id);
	// TestCopyKeyColumns holds the schema to that.
	rows, err := src.QueryContext(ctx, "SELECT "+list+" FROM "+t+" ORDER BY "+copyKey(cols))
	if err != nil {
		return 0, fmt.Errorf("read %s from %s: %w", t, from.path, err)
	}
	defer rows.Close()

	batch := max(1, min(copyBatchRows, to.eng.maxParams()/len(cols)))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	insert := func(n int) string {
		return "INSERT INTO " + t + " (" + list + ") VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
	}
	var full *sql.Stmt // the statement of a full batch, prepared once
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	flush := func(args []any) error {
		n := len(args) / len(cols)
		if n == 0 {
			return nil
		}
		var err error
		if n == batch {
			if full == nil {
				if full, err = dst.PrepareContext(ctx, insert(batch)); err != nil {
					return fmt.Errorf("write %s into %s: %w", t, to.path, err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = dst.ExecContext(ctx, insert(n), args...)
		}
		if err != nil {
			return fmt.Errorf("write %s into %s: %w", t, to.path, err)
		}
		return nil
	}

	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	args := make([]any, 0, batch*len(cols))
	var copied int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, fmt.Errorf("read %s from %s: %w", t, from.path, err)
		}
		args = append(args, vals...)
		copied++
		if len(args) == batch*len(cols) {
			if err := flush(args); err != nil {
				return 0, err
			}
			args = args[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read %s from %s: %w", t, from.path, err)
	}
	if err := flush(args); err != nil {
		return 0, err
	}
	return copied, nil
}

// copyKey is the column a table's rows are read in the order of.
func copyKey(cols []string) string {
	if slices.Contains(cols, "id") {
		return "id"
	}
	return cols[0]
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// verifyCopy counts every table in the source's snapshot and in the
// target's transaction: the rows copied, the rows the source holds and the
// rows the target now holds must agree, or the copy is not committed.
func verifyCopy(ctx context.Context, src, dst *sql.Tx, tables []TableCount, from, to string) error {
	var diffs []string
	for _, t := range tables {
		a, err := countRows(ctx, src, t.Name)
		if err != nil {
			return err
		}
		b, err := countRows(ctx, dst, t.Name)
		if err != nil {
			return err
		}
		if a != t.Rows || b != t.Rows {
			diffs = append(diffs, fmt.Sprintf("%s: %d in the source, %d copied, %d in the target", t.Name, a, t.Rows, b))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%w: %s; nothing was committed to %s (from %s)", ErrCopyMismatch, strings.Join(diffs, "; "), to, from)
	}
	return nil
}

// Empty reports whether the database holds no row in any table: what
// Copy's target must be, and what a copy's source should not be.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	empty := true
	err := s.read(ctx, "count rows", func(tx *sql.Tx) error {
		tables, err := s.eng.tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			var any bool
			// t comes from the catalogue.
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+t+")").Scan(&any); err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			if any {
				empty = false
				return nil
			}
		}
		return nil
	})
	return empty, err
}
