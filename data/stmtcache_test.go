package data

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

// keptOn is the statements conn's driver connection keeps, by query.
func keptOn(t *testing.T, conn *sql.Conn) map[string]*keptStmt {
	t.Helper()
	var kept map[string]*keptStmt
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not the caching one", dc)
		}
		kept = c.kept
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return kept
}

// TestStatementsKeptPerConnection: a query run again on the same
// connection reuses its compiled statement; a use while the statement is
// still busy (rows open) gets one of its own and both read right; scripts
// are not kept; the number kept stays bounded.
func TestStatementsKeptPerConnection(t *testing.T) {
	sqliteOnly(t)
	s := newStore(t)
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT ? + 1`
	var first *keptStmt
	for i := range 10 {
		var v int
		if err := conn.QueryRowContext(ctx, q, i).Scan(&v); err != nil || v != i+1 {
			t.Fatalf("run %d: %d, %v", i, v, err)
		}
		k := keptOn(t, conn)[q]
		if k == nil || k.busy {
			t.Fatalf("run %d: the statement is not kept idle after use: %+v", i, k)
		}
		if first == nil {
			first = k
		} else if k != first {
			t.Fatalf("run %d: compiled again", i)
		}
	}

	// Rows open on one connection while the same query runs on another.
	rows, err := conn.QueryContext(ctx, `SELECT value FROM json_each('[1,2,3]') WHERE value >= ?`, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		// The same query meanwhile through the pool: another connection,
		// its own statement.
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT value FROM json_each('[1,2,3]') WHERE value >= ?`, 3).Scan(&n); err != nil || n != 3 {
			t.Fatalf("nested read: %d, %v", n, err)
		}
		sum += v
	}
	if err := rows.Close(); err != nil || sum != 6 {
		t.Fatalf("rows read %d, %v; want 6", sum, err)
	}

	// Inside one transaction (one connection), the same query twice at once.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.QueryContext(ctx, q, 10)
	if err != nil {
		t.Fatal(err)
	}
	var inner int
	if err := tx.QueryRowContext(ctx, q, 20).Scan(&inner); err != nil || inner != 21 {
		t.Fatalf("the same query while its rows are open: %d, %v", inner, err)
	}
	var v int
	if !outer.Next() || outer.Scan(&v) != nil || v != 11 {
		t.Fatalf("the open rows read %d after the nested use", v)
	}
	_ = outer.Close()
	_ = tx.Rollback()

	if _, err := conn.ExecContext(ctx, `SELECT 1; SELECT 2`); err != nil {
		t.Fatal(err)
	}
	if _, ok := keptOn(t, conn)[`SELECT 1; SELECT 2`]; ok {
		t.Error("a script is kept")
	}

	for i := range stmtsPerConn + 20 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`SELECT %d`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(keptOn(t, conn)); n > stmtsPerConn {
		t.Errorf("%d statements kept, bound %d", n, stmtsPerConn)
	}
}
