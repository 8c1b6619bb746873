package data

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The store's SQL is written once, in SQLite's spelling of the parts both
// engines share. PostgreSQL differs in how a statement names its parameters:
// `?` and `?N` there are `$N`. pgConnector wraps pgx's database/sql driver
// and rewrites each statement on its way in, so the store's code and its
// *sql.Tx values are the same on both engines; the few constructs that are
// not spelled alike are the engine's methods (engine.go).

// pgConnector hands database/sql connections whose statements are rewritten.
type pgConnector struct {
	c driver.Connector
	// adaptive: a statement's first runs on a connection go in one round
	// trip each (pgx's exec mode), and only one that keeps running is
	// prepared and cached (pgx's default) — see pgConn.
	adaptive bool
}

func (p pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := p.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(*stdlib.Conn)
	if !ok {
		_ = c.Close()
		return nil, fmt.Errorf("unexpected PostgreSQL driver connection %T", c)
	}
	pc := &pgConn{Conn: sc}
	if p.adaptive {
		pc.runs = map[string]int{}
	}
	return pc, nil
}

func (p pgConnector) Driver() driver.Driver { return p.c.Driver() }

// pgConn is pgx's connection with rewritten statements; every other method
// (transactions, ping, session reset, value checks) is pgx's own.
//
// pgx prepares each new statement and caches it for the connection: two
// round trips the first time, one after. A command that opens the database,
// runs a dozen statements once or twice each and exits pays for a cache it
// hardly uses; a dashboard that reloads the same statements uses it all the
// time. So a statement's first two runs here are sent in pgx's exec mode
// (parse, bind and execute in one round trip, nothing kept), and it is
// prepared and cached on its third, which tells it repeats: never more
// round trips than pgx's default, fewer for a statement run once or twice.
type pgConn struct {
	*stdlib.Conn
	runs map[string]int // how often each statement ran here; nil: pgx's mode for all
}

// prepareOnRun is the run of a statement at which it is prepared and cached.
const prepareOnRun = 3

// once prepends the exec mode to the arguments of a statement's first runs.
// database/sql hands a connection to one goroutine at a time.
func (c *pgConn) once(query string, args []driver.NamedValue) []driver.NamedValue {
	if c.runs == nil || c.runs[query] >= prepareOnRun-1 {
		return args
	}
	c.runs[query]++
	return append([]driver.NamedValue{{Value: pgx.QueryExecModeExec}}, args...)
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.PrepareContext(ctx, pgSQL(query))
	if err != nil {
		return nil, err
	}
	return &pgStmt{st.(*stdlib.Stmt)}, nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	q := pgSQL(query)
	return c.Conn.ExecContext(ctx, q, c.once(q, pgArgs(args)))
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q := pgSQL(query)
	return c.Conn.QueryContext(ctx, q, c.once(q, pgArgs(args)))
}

// pgStmt is a prepared statement whose arguments are converted as pgConn's.
type pgStmt struct{ *stdlib.Stmt }

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.ExecContext(ctx, pgArgs(args))
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.QueryContext(ctx, pgArgs(args))
}

// pgArgs stores Go booleans as SQLite does, 1 and 0: the schema's flags are
// integers with CHECK (x IN (0, 1)) on both engines.
func pgArgs(args []driver.NamedValue) []driver.NamedValue {
	for i, a := range args {
		if b, ok := a.Value.(bool); ok {
			if b {
				args[i].Value = int64(1)
			} else {
				args[i].Value = int64(0)
			}
		}
	}
	return args
}

// rewritten caches pgSQL: the store's statements are a fixed set of
// strings (plus IN lists of a few lengths), so each is scanned once.
var rewritten sync.Map // string → string

// pgSQL is query with SQLite's parameters `?` (the next one) and `?N` (the
// N-th) spelled as PostgreSQL's `$N`. Question marks inside string
// literals, quoted identifiers and comments are left alone.
func pgSQL(query string) string {
	if v, ok := rewritten.Load(query); ok {
		return v.(string)
	}
	out := rewritePlaceholders(query)
	rewritten.Store(query, out)
	return out
}

func rewritePlaceholders(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	next := 1 // the number a bare ? takes: one more than the largest so far, as SQLite numbers them
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote inside
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(q))
			b.WriteString(q[i:end])
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+2+j+2])
			i += 2 + j + 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := next
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			next = max(next, n+1)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsPostgresDSN reports whether a --db value names a PostgreSQL database
// rather than a SQLite file.
func IsPostgresDSN(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// trimSQLitePrefix lets "sqlite:PATH" name a file explicitly.
func trimSQLitePrefix(s string) string {
	if rest, ok := strings.CutPrefix(s, "sqlite:"); ok {
		return strings.TrimPrefix(rest, "//")
	}
	return s
}

// pgConfig parses a DSN the way libpq would, including the PG* variables
// and ~/.pgpass for what the DSN leaves out, and the name it is shown as:
// the DSN without its password, ever.
func pgConfig(dsn string) (*pgx.ConnConfig, string, error) {
	shown := RedactDSN(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN; ours never does.
		return nil, shown, fmt.Errorf("cannot read the PostgreSQL address %s: %s: write it as postgres://USER@HOST:PORT/DBNAME (the password from PGPASSWORD or ~/.pgpass)", shown, parseProblem(err))
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// A client that dies between BEGIN and COMMIT holds the write lock
	// until the server notices; a stuck one is cut off after a minute.
	if _, ok := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !ok {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = "60000"
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "flightdeck"
	}
	return cfg, shown, nil
}

// parseProblem is the reason in pgx's parse error without the DSN it quotes.
func parseProblem(err error) string {
	msg := err.Error()
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		msg = pe.Unwrap().Error()
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg[:i], "://") {
		msg = msg[i+2:]
	}
	return redactSecrets(msg)
}

// RedactDSN is a PostgreSQL DSN fit to print: the password, in the URL or
// as a password= parameter, becomes "xxxxx".
func RedactDSN(dsn string) string {
	u, err := url.Parse(strings.TrimSpace(dsn))
	if err != nil || u.Scheme == "" {
		return redactSecrets(dsn)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// secretParam matches password=… (and sslpassword=…) in a key/value DSN,
// a URL query or a message that quotes one.
var secretParam = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\b((?:ssl)?password)=('[^']*'|[^\s&]*)`) })

// redactSecrets blanks password=… in a key/value DSN or a message.
func redactSecrets(s string) string { return secretParam().ReplaceAllString(s, "${1}=xxxxx") }
