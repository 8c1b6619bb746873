package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxIdent is PostgreSQL's longest identifier (NAMEDATALEN-1 bytes);
// a longer name would be truncated silently and no longer match.
const maxIdent = 63

// NewDatabase creates an empty database with a name unique to this test
// (fd_<test name>_<random>) on the server serverDSN reaches, and returns
// its DSN: serverDSN with the database name replaced. When the test ends
// the database is dropped, with any connection still open to it
// terminated first (DROP DATABASE … WITH (FORCE), PostgreSQL 13+).
//
// It costs one CREATE DATABASE (tens of milliseconds), so every store test
// can have its own database and run in parallel with the others.
func NewDatabase(t testing.TB, serverDSN string) string {
	t.Helper()
	name := databaseName(t.Name(), randomSuffix(t))
	dsn, err := withDatabase(serverDSN, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, serverDSN, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, serverDSN, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}

// adminExec runs one statement on the server's maintenance database. It
// reuses idle connections kept per server for the life of the test
// process: a new connection (scram authentication) would cost half as
// much as the CREATE DATABASE itself. CREATE and DROP DATABASE cannot run
// in a transaction, which Exec without arguments (the simple protocol)
// respects.
func adminExec(ctx context.Context, serverDSN, sql string) error {
	idle := idleConns(serverDSN)
	var conn *pgx.Conn
	select {
	case conn = <-idle:
	default:
	}
	reused := conn != nil
	if !reused {
		var err error
		if conn, err = pgx.Connect(ctx, serverDSN); err != nil {
			return err
		}
	}
	_, err := conn.Exec(ctx, sql)
	if conn.IsClosed() {
		// The server dropped the connection while it sat idle (a
		// Cluster restarted): one more try on a new one.
		_ = conn.Close(context.Background())
		if reused {
			return adminExecNew(ctx, serverDSN, sql)
		}
		return err
	}
	select {
	case idle <- conn:
	default:
		_ = conn.Close(context.Background())
	}
	return err
}

func adminExecNew(ctx context.Context, serverDSN, sql string) error {
	conn, err := pgx.Connect(ctx, serverDSN)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, sql)
	_ = conn.Close(context.Background())
	return err
}

var (
	adminMu sync.Mutex
	admins  = map[string]chan *pgx.Conn{}
)

// idleConns is the stock of idle admin connections to one server; a few
// cover tests running in parallel. (pgxpool would need another module.)
func idleConns(serverDSN string) chan *pgx.Conn {
	adminMu.Lock()
	defer adminMu.Unlock()
	c, ok := admins[serverDSN]
	if !ok {
		c = make(chan *pgx.Conn, 4)
		admins[serverDSN] = c
	}
	return c
}

func randomSuffix(t testing.TB) string { return hex.EncodeToString(randomBytes(t, 4)) }

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return b
}

// databaseName makes a valid, unquoted-safe PostgreSQL name from a test
// name: fd_, the test name in lower case with every run of other
// characters folded to one _, then _suffix; cut so it fits in 63 bytes.
func databaseName(testName, suffix string) string {
	var b strings.Builder
	under := true // no leading _ after the prefix's own
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	mid := strings.TrimRight(b.String(), "_")
	room := maxIdent - len("fd_") - len("_") - len(suffix)
	if len(mid) > room {
		mid = strings.TrimRight(mid[:room], "_")
	}
	if mid == "" {
		return "fd_" + suffix
	}
	return "fd_" + mid + "_" + suffix
}

// withDatabase returns dsn pointing at database name instead: the path of
// a postgres:// URL, or a dbname= appended to a keyword/value string
// (libpq and pgx both let the last setting of a keyword win). A dbname in
// a URL's query would override its path, so it goes too.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			// url.Parse quotes its input, password included.
			return "", errRedacted("the server DSN is not a valid URL")
		}
		u.Path = "/" + name
		u.RawPath = ""
		q := u.Query()
		if q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	return strings.TrimSpace(dsn) + " dbname=" + name, nil
}

type errRedacted string

func (e errRedacted) Error() string { return string(e) }
