package data

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the statements of a reader that runs the same queries
// again and again (the dashboard's reload), each prepared once: SQLite
// compiles a statement on every unprepared query, which was a third of a
// reload. database/sql prepares a Stmt again on each pooled connection it
// meets (at most the pool's four) and re-prepares after a lost connection;
// on PostgreSQL pgx would cache the parse anyway, and a prepared statement
// costs nothing more.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// get is query's statement when it was prepared; ok is false otherwise.
func (c *stmtCache) get(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	return st, ok
}

// prepare prepares the queries not prepared yet. It runs outside any
// transaction: preparing inside one would take a second connection from
// the pool while the transaction holds its own (a pool of four, one of
// them pinned by the change watcher), where out of one the statement is
// prepared on the connection the transaction then takes. A query that
// does not prepare (the server is out of reach) is tried again next time.
func (c *stmtCache) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		if _, ok := c.get(q); ok {
			continue
		}
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			_ = st.Close() // another read prepared it meanwhile
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

// stmtTx is a read transaction whose queries run through c's statements,
// so the store's helpers (which take a queryer) run prepared unchanged. A
// query not prepared yet runs as it is and is noted in missed, for prepare
// after the transaction.
type stmtTx struct {
	tx     *sql.Tx
	c      *stmtCache
	missed *[]string
}

func (q stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, ok := q.c.get(query)
	if !ok {
		*q.missed = append(*q.missed, query)
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (q stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, ok := q.c.get(query)
	if !ok {
		*q.missed = append(*q.missed, query)
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

// ExecContext is not prepared: a read transaction executes nothing.
func (q stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.tx.ExecContext(ctx, query, args...)
}
