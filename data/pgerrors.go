package data

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrUnreachable is matched (errors.Is) by a failure to reach the
// PostgreSQL server: nothing was changed, and the store keeps retrying.
var ErrUnreachable = errors.New("database unreachable")

// ErrOutcomeUnknown is matched when the connection was lost while COMMIT
// was on its way: the server may or may not have applied the change.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// reachability remembers since when the server has failed to answer, so
// every message and the status line quote the same moment.
type reachability struct {
	mu    sync.Mutex
	since time.Time // zero: reachable
	cause string
}

func (r *reachability) down(now time.Time, cause string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.since.IsZero() {
		r.since = now
	}
	r.cause = cause
	return r.since
}

func (r *reachability) up() {
	r.mu.Lock()
	r.since, r.cause = time.Time{}, ""
	r.mu.Unlock()
}

func (r *reachability) state() (time.Time, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.since, r.cause
}

// Unreachable reports since when the PostgreSQL server has not answered
// this process (a read, a write or the change feed failed to reach it) and
// why; down is false while it answers, and always on SQLite.
func (s *Store) Unreachable() (since time.Time, cause string, down bool) {
	if s.reach == nil {
		return time.Time{}, "", false
	}
	since, cause = s.reach.state()
	return since, cause, !since.IsZero()
}

// UnreachableText is the status line's wording while the server does not
// answer (the dashboard keeps retrying; a refusal says "nothing was
// changed" instead).
func UnreachableText(since time.Time) string {
	return "database unreachable since " + since.Local().Format("15:04:05") + " — retrying"
}

// isConnLost reports an error that means the server could not be reached or
// the connection to it broke, as opposed to an error the server returned.
func isConnLost(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutdown, crash, starting up
			return true
		}
		return false
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		pgconn.Timeout(err) && !errors.Is(err, context.Canceled):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe")
}

// mapPGError turns a PostgreSQL error into a DBError with advice; other
// errors pass through unchanged. name is the DSN without its password.
func mapPGError(name string, err error) error {
	var de *DBError
	if err == nil || errors.As(err, &de) {
		return err
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	var msg string
	switch {
	case pe.Code == "55P03": // lock_not_available: lock_timeout passed waiting for the write lock
		msg = fmt.Sprintf("the database %s is busy (another flightdeck is writing and did not finish in time); nothing was changed: try again, or look for a stuck flightdeck process (pg_stat_activity)", name)
	case pe.Code == "40001" || pe.Code == "40P01":
		msg = fmt.Sprintf("the change conflicted with another writer on %s; nothing was changed: try again", name)
	case pe.Code == "53100":
		msg = fmt.Sprintf("the disk of the PostgreSQL server of %s is full: free some space on the server and try again", name)
	case pe.Code == "53300":
		msg = fmt.Sprintf("the PostgreSQL server of %s has no free connections (max_connections): close idle clients or raise the limit", name)
	case pe.Code == "42501":
		msg = fmt.Sprintf("permission denied on %s (%s): grant the role in the DSN the rights on flightdeck's tables, or use the role that created them", name, pe.Message)
	case pe.Code == "25006":
		msg = fmt.Sprintf("%s is read-only for this connection (%s); nothing was changed", name, pe.Message)
	case pe.Code == "28P01" || pe.Code == "28000":
		msg = fmt.Sprintf("PostgreSQL refused the login to %s (%s): check the user, and the password in PGPASSWORD or ~/.pgpass", name, pe.Message)
	case pe.Code == "3D000":
		msg = fmt.Sprintf("%s: %s: create it (createdb %s) or check the DSN", name, pe.Message, dbName(name))
	case pe.Code == "P0001": // raised by our triggers, e.g. "events are append-only"
		msg = fmt.Sprintf("%s: %s", name, pe.Message)
	default:
		msg = fmt.Sprintf("%s: %s (SQLSTATE %s)", name, pe.Message, pe.Code)
	}
	return &DBError{Path: name, State: pe.Code, msg: msg, err: err}
}

// dbName is the database a shown DSN names, for advice.
func dbName(shown string) string {
	i := strings.LastIndex(shown, "/")
	if i < 0 {
		return "flightdeck"
	}
	n, _, _ := strings.Cut(shown[i+1:], "?")
	if n == "" {
		return "flightdeck"
	}
	return n
}

// unreachableError is a failure to reach the server, said the same way
// everywhere: since when, why, and that nothing was changed.
type unreachableError struct {
	name    string // host:port/database: enough to tell which, short enough for a status line
	since   time.Time
	cause   string
	write   bool // an action was refused (else a read failed)
	commit  bool // lost while committing: the outcome is unknown
	wrapped error
}

func (e *unreachableError) Error() string {
	at := e.since.Local().Format("15:04:05")
	switch {
	case e.commit:
		return fmt.Sprintf("the connection to %s broke while the change was being committed (%s): it may or may not have been saved — check the timeline (flightdeck log) before doing it again", e.name, e.cause)
	case e.write:
		return fmt.Sprintf("database unreachable since %s: nothing was changed (%s: %s)", at, e.name, e.cause)
	}
	return fmt.Sprintf("database unreachable since %s (%s: %s)", at, e.name, e.cause)
}

func (e *unreachableError) Unwrap() error { return e.wrapped }

func (e *unreachableError) Is(target error) bool {
	return target == ErrUnreachable || (e.commit && target == ErrOutcomeUnknown)
}

// connCause is the short reason a connection failed, without the DSN.
func connCause(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	msg := err.Error()
	for _, known := range []string{"connection refused", "connection reset by peer", "broken pipe", "i/o timeout", "no such host", "network is unreachable", "conn closed", "unexpected EOF", "EOF", "terminating connection due to administrator command", "the database system is shutting down", "the database system is starting up"} {
		if strings.Contains(msg, known) {
			return known
		}
	}
	return redactSecrets(oneLineDetail(msg))
}
