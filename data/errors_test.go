package data

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fakeSQLiteError stands in for *sqlite.Error, whose fields are unexported.
type fakeSQLiteError struct{ code int }

func (e fakeSQLiteError) Error() string { return fmt.Sprintf("sqlite error (%d)", e.code) }
func (e fakeSQLiteError) Code() int     { return e.code }

func TestMapError(t *testing.T) {
	const path = "/data/fd.db"
	for _, c := range []struct {
		code int
		want string
	}{
		{11, "/data/fd.db is damaged (database disk image is malformed): restore it from a backup"},
		{26, "/data/fd.db is not a SQLite database (was it written by another program?); flightdeck will not touch it"},
		{8, "/data/fd.db cannot be written: make the file and its directory writable"},
		{8 | 4<<8, "/data/fd.db cannot be written"}, // SQLITE_READONLY_DBMOVED: extended codes map by their primary code
		{14, "cannot open /data/fd.db: check that it and its directory exist"},
		{5, "the database /data/fd.db is busy (another flightdeck is writing and did not finish in time); nothing was changed: try again"},
		{5 | 2<<8, "is busy"}, // SQLITE_BUSY_SNAPSHOT
		{6, "is busy"},        // SQLITE_LOCKED
		{13, "the disk holding /data/fd.db is full"},
		{10 | 3<<8, "input/output error on /data/fd.db"},
		{1, "/data/fd.db: sqlite error (1)"},
	} {
		orig := fakeSQLiteError{c.code}
		err := mapError(path, fmt.Errorf("context: %w", orig))
		if !strings.HasPrefix(err.Error(), c.want) && !strings.Contains(err.Error(), c.want) {
			t.Errorf("code %d: %q does not contain %q", c.code, err, c.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("code %d: not one line", c.code)
		}
		var de *DBError
		if !errors.As(err, &de) || de.Code != c.code&0xff || de.Path != path {
			t.Errorf("code %d: not a DBError with the primary code: %#v", c.code, err)
		}
		if !errors.Is(err, orig) {
			t.Errorf("code %d: original error lost", c.code)
		}
		if again := mapError(path, err); again != err {
			t.Errorf("code %d: mapping twice changed the error", c.code)
		}
	}
	plain := errors.New("plain")
	if mapError(path, plain) != plain || mapError(path, nil) != nil {
		t.Error("non-SQLite errors must pass through unchanged")
	}
	if !isBusy(fakeSQLiteError{5 | 2<<8}) || isBusy(fakeSQLiteError{8}) || isBusy(plain) {
		t.Error("isBusy")
	}
}

func TestInvalidErrors(t *testing.T) {
	err := invalidf("note is %d characters long", 600)
	if !errors.Is(err, ErrInvalid) || err.Error() != "note is 600 characters long" {
		t.Errorf("%v", err)
	}
}
