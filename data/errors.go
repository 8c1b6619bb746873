package data

import (
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is wrapped by lookups that find nothing, e.g. "deployment #4 not found".
var ErrNotFound = errors.New("not found")

// ErrReadOnly is returned by every write on a store opened with Options.ReadOnly.
var ErrReadOnly = errors.New("the database is open read-only (--read-only): nothing was changed")

// ErrInvalid is matched (errors.Is) by every error about what the caller
// supplied — a missing n/a reason, a note that is too long — as opposed to a
// failure of the database, so callers can report it as bad input.
var ErrInvalid = errors.New("invalid input")

// invalidError carries the human message; it matches ErrInvalid and still
// unwraps to its cause (e.g. model.ErrReasonRequired).
type invalidError struct{ err error }

func (e invalidError) Error() string        { return e.err.Error() }
func (e invalidError) Unwrap() error        { return e.err }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(err error) error { return invalidError{err} }

func invalidf(format string, a ...any) error { return invalidError{fmt.Errorf(format, a...)} }

// GateError is returned by StartExecution when Pre-Deployment items are still
// open and the caller did not override the gate.
type GateError struct{ Open int }

func (e *GateError) Error() string {
	if e.Open == 1 {
		return "1 Pre-Deployment item is still open"
	}
	return fmt.Sprintf("%d Pre-Deployment items are still open", e.Open)
}

// DBError is a database failure explained for people: Error() is one line
// that names the file and what to do; Unwrap gives the driver's error.
type DBError struct {
	Path  string
	Code  int    // SQLite primary result code (0 on PostgreSQL)
	State string // PostgreSQL SQLSTATE ("" on SQLite)
	msg   string
	err   error
}

func (e *DBError) Error() string { return e.msg }
func (e *DBError) Unwrap() error { return e.err }

// Is lets a corruption SQLite reported match ErrDamaged, like the damage
// quick_check finds.
func (e *DBError) Is(target error) bool {
	return target == ErrDamaged && e.State == "" && e.Code == sqlite3.SQLITE_CORRUPT
}

// sqliteCoder is satisfied by *sqlite.Error; matching on the method rather
// than the type lets the mapping be tested with a synthesized error.
type sqliteCoder interface {
	error
	Code() int
}

// mapError turns a SQLite error into a DBError with advice; other errors
// pass through unchanged.
func mapError(path string, err error) error {
	var ce sqliteCoder
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	var de *DBError
	if errors.As(err, &de) {
		return err
	}
	code := ce.Code() & 0xff // extended codes carry the primary code in the low byte
	var msg string
	switch code {
	case sqlite3.SQLITE_CORRUPT:
		msg = fmt.Sprintf("%s is damaged (database disk image is malformed): restore it from a backup or move it aside to start afresh; flightdeck will not modify it", path)
	case sqlite3.SQLITE_NOTADB:
		msg = notSQLiteMessage(path)
	case sqlite3.SQLITE_READONLY:
		msg = fmt.Sprintf("%s cannot be written: make the file and its directory writable for you (SQLite creates %s-wal and %s-shm next to it), or open it with --read-only", path, path, path)
	case sqlite3.SQLITE_CANTOPEN:
		msg = fmt.Sprintf("cannot open %s: check that it and its directory exist and that you may read and write them", path)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		// Only after the busy timeout: SQLite has retried the lock all along.
		msg = fmt.Sprintf("the database %s is busy (another flightdeck is writing and did not finish in time); nothing was changed: try again, or look for a stuck flightdeck process", path)
	case sqlite3.SQLITE_FULL:
		msg = fmt.Sprintf("the disk holding %s is full: free some space and try again", path)
	case sqlite3.SQLITE_IOERR:
		msg = fmt.Sprintf("input/output error on %s (%s): check the disk, then try again", path, ce.Error())
	case sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		msg = fmt.Sprintf("permission denied on %s: check the permissions of the file and its directory", path)
	default:
		msg = fmt.Sprintf("%s: %s", path, ce.Error())
	}
	return &DBError{Path: path, Code: code, msg: msg, err: err}
}

// isBusy reports a lock held by another connection.
func isBusy(err error) bool {
	var ce sqliteCoder
	if !errors.As(err, &ce) {
		return false
	}
	code := ce.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

func notSQLiteMessage(path string) string {
	return fmt.Sprintf("%s is not a SQLite database (was it written by another program?); flightdeck will not touch it", path)
}
