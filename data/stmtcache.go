package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"

	sqlitedrv "modernc.org/sqlite"
)

// Statements prepared once per connection.
//
// database/sql asks the driver to compile every query it runs unless the
// caller prepared it, and SQLite compiling a statement is a fifth of a
// flightdeck action's CPU: a batch of actions (flightdeck batch), the
// dashboard's reloads and a server's requests run the same few dozen
// statements over and over on the connections they keep. cachingDriver
// wraps the SQLite driver so that each connection keeps what it compiled,
// by the text of the query, and hands it out again once the previous use
// has finished (rows closed). A statement in use is never shared: a second
// use meanwhile gets one of its own, closed after it. Scripts (several
// statements in one string) are not kept: the driver re-reads those on
// every run anyway.
//
// Nothing else changes: a kept statement is reset and its arguments
// cleared when its rows close (the driver does that), so it holds no read
// snapshot and no lock between uses; SQLite re-compiles a kept statement
// by itself when the schema changes under it.

// sqliteDriverName is the driver every SQLite store opens;
// sqliteHandOnDriverName the one for a file that is handed on alone once
// it is written (a backup's copy, Options.HandOn): see keepWAL.
const (
	sqliteDriverName       = "flightdeck-sqlite"
	sqliteHandOnDriverName = "flightdeck-sqlite-hand-on"
)

func init() {
	sql.Register(sqliteDriverName, cachingDriver{d: &sqlitedrv.Driver{}, keepWAL: true})
	sql.Register(sqliteHandOnDriverName, cachingDriver{d: &sqlitedrv.Driver{}})
}

// stmtsPerConn bounds each connection's kept statements; past it the one
// used longest ago is closed. flightdeck's queries are a few hundred texts
// (some built with a number of placeholders): the bound keeps memory flat
// whatever a long-running dashboard meets.
const stmtsPerConn = 256

type cachingDriver struct {
	d driver.Driver
	// keepWAL: a connection that may write leaves the -wal and -shm in
	// place when it is the last to close (keepWAL).
	keepWAL bool
}

func (c cachingDriver) Open(name string) (driver.Conn, error) {
	conn, err := c.d.Open(name)
	if err != nil {
		return nil, err
	}
	if c.keepWAL && !strings.Contains(name, "mode=ro") {
		if err := keepWAL(conn); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	return newCachingConn(conn)
}

// innerConn is what the SQLite driver's connection offers and database/sql
// uses; cachingConn passes it all through but QueryContext and
// ExecContext, which it leaves out on purpose: without them database/sql
// prepares (here: looks up) a statement for every query.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

func newCachingConn(conn driver.Conn) (driver.Conn, error) {
	in, ok := conn.(innerConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("the SQLite driver's connection lacks an interface flightdeck uses")
	}
	return &cachingConn{in: in, kept: map[string]*keptStmt{}}, nil
}

// cachingConn is used by one goroutine at a time (database/sql's
// guarantee for a driver connection), so it needs no lock.
type cachingConn struct {
	in   innerConn
	kept map[string]*keptStmt
	tick uint64 // use counter, for "used longest ago"
}

type keptStmt struct {
	driver.Stmt
	c        *cachingConn
	query    string
	busy     bool   // handed out and not closed yet
	kept     bool   // in c.kept (else closed for real on Close)
	lastUsed uint64 // c.tick at the last hand-out
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.tick++
	if s := c.kept[query]; s != nil && !s.busy {
		s.busy, s.lastUsed = true, c.tick
		return s, nil
	}
	inner, err := c.in.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &keptStmt{Stmt: inner, c: c, query: query, busy: true, lastUsed: c.tick}
	if _, taken := c.kept[query]; !taken && !isScript(query) {
		c.evict()
		s.kept = true
		c.kept[query] = s
	}
	return s, nil
}

// evict makes room for one more statement: it closes the idle statement
// used longest ago when the connection keeps stmtsPerConn already.
func (c *cachingConn) evict() {
	if len(c.kept) < stmtsPerConn {
		return
	}
	var old *keptStmt
	for _, s := range c.kept {
		if !s.busy && (old == nil || s.lastUsed < old.lastUsed) {
			old = s
		}
	}
	if old != nil {
		delete(c.kept, old.query)
		old.kept = false
		_ = old.Stmt.Close()
	}
}

// Close gives a kept statement back for its next use; any other closes.
func (s *keptStmt) Close() error {
	s.busy = false
	if s.kept {
		return nil
	}
	return s.Stmt.Close()
}

// The statement's optional interfaces, passed through: database/sql calls
// these when the driver's statement has them, as the SQLite driver's has.
func (s *keptStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *keptStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (c *cachingConn) Close() error {
	for q, s := range c.kept {
		delete(c.kept, q)
		_ = s.Stmt.Close()
	}
	return c.in.Close()
}

func (c *cachingConn) Begin() (driver.Tx, error) { //nolint:staticcheck // driver.Conn requires it
	return c.in.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.in.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error         { return c.in.Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.in.ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.in.IsValid() }

// isScript reports whether query may hold more than one statement (a ';'
// before its end): the driver prepares those anew on every run.
func isScript(query string) bool {
	for i := len(query) - 1; i >= 0; i-- {
		switch query[i] {
		case ' ', '\t', '\n', '\r', ';':
			continue
		}
		for j := 0; j < i; j++ {
			if query[j] == ';' {
				return true
			}
		}
		return false
	}
	return false
}
