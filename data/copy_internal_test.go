package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

// DumpTables renders every row of every table, column by column (by name,
// with the Go type the driver gave), rows sorted: two databases hold the
// same data exactly when their dumps are equal, whatever their engine.
// (Exported for the data_test package: this file is a test file.)
func (s *Store) DumpTables(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	err := s.read(ctx, "dump", func(tx *sql.Tx) error {
		tables, err := s.eng.tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			cols, err := s.eng.columns(ctx, tx, t)
			if err != nil {
				return err
			}
			slices.Sort(cols)
			rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+t)
			if err != nil {
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			lines := []string{}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				var b strings.Builder
				for i, c := range cols {
					fmt.Fprintf(&b, "%s=%T:%v;", c, vals[i], vals[i])
				}
				lines = append(lines, b.String())
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			slices.Sort(lines)
			out[t] = lines
		}
		return nil
	})
	return out, err
}

// TestCopyKeyColumns holds the schema to what Copy assumes of it: every
// table's primary key is one column, id where the table has one, else its
// first column.
func TestCopyKeyColumns(t *testing.T) {
	sqliteOnly(t) // the schema parity test keeps PostgreSQL's in step
	ctx := context.Background()
	s := newStore(t)
	tables, err := s.eng.tables(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 20 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	for _, tb := range tables {
		cols, err := s.eng.columns(ctx, s.db, tb)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := s.eng.strings(ctx, s.db, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, tb)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{copyKey(cols)}; !reflect.DeepEqual(pk, want) {
			t.Errorf("table %s: primary key %v, Copy reads it in the order of %v", tb, pk, want)
		}
	}
}

// fillForCopy writes a little of everything through the store's actions.
func fillForCopy(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	d, items := startTestDeployment(t, s)
	if _, err := s.SetItemState(ctx, items[0].ID, items[0].State, model.ItemDone, "", "alice", t0.Add(1e9)); err != nil {
		t.Fatal(err)
	}
	evs := events(t, s, d.ID)
	if err := s.StarEvent(ctx, evs[len(evs)-1].ID, true, "alice", t0.Add(2e9)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Claim(ctx, "stage_ready:1:1", "stage_ready", "host:1:a", t0, 0); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
}

func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	src, dst := newStore(t), newStore(t)
	fillForCopy(t, src)
	if ok, err := dst.Claim(ctx, "probe:9", "probe", "host:2:b", t0, 0); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	before, err := dst.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Copy(ctx, src, dst)
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "rows: 1 in notifications") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("Copy into a database with a claim: %v", err)
	}
	after, err := dst.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the refused target changed:\nbefore %v\nafter  %v", before, after)
	}

	// Its own target: refused before anything is read.
	if _, err := Copy(ctx, src, src); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "both the source and the target") {
		t.Errorf("Copy into itself: %v", err)
	}
}

func TestCopyReadOnlyTarget(t *testing.T) {
	ctx := context.Background()
	src := newStore(t)
	fillForCopy(t, src)
	path := tempDB(t)
	openStore(t, path).Close()
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := Copy(ctx, src, ro); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Copy into a read-only store: %v", err)
	}
}

// TestCopyVerifyRefusesMismatch: the last check before COMMIT names every
// table whose counts disagree.
func TestCopyVerifyRefusesMismatch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	fillForCopy(t, s)
	err := s.read(ctx, "verify", func(tx *sql.Tx) error {
		return verifyCopy(ctx, tx, tx, []TableCount{{"deployments", 1}, {"events", 999}}, "A", "B")
	})
	if !errors.Is(err, ErrCopyMismatch) || !strings.Contains(err.Error(), "events: ") || strings.Contains(err.Error(), "deployments: ") ||
		!strings.Contains(err.Error(), "999 copied") || !strings.Contains(err.Error(), "nothing was committed to B") {
		t.Errorf("verifyCopy: %v", err)
	}
}
