package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/model"
)

// queryer is what both *sql.DB and *sql.Tx offer, so lookups serve reads
// and the re-reads inside write transactions alike.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in one BEGIN IMMEDIATE transaction (the DSN's _txlock), so a
// writer waits for the lock at BEGIN instead of failing on upgrade; see
// beginWrite for how it waits, and takes turns with the other writers.
func (s *Store) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("%s: %w", what, ErrReadOnly)
	}
	if err := s.guard.damage(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	tx, done, err := s.beginWrite(ctx)
	if err != nil {
		return s.failWrite(what, err)
	}
	defer done()
	defer tx.Rollback()
	if err := s.eng.lockWritesAndAnnounce(ctx, tx, s.busyMS()); err != nil {
		return s.failWrite(what, err)
	}
	// Under the write lock, so no other process of ours can be between its
	// own check and commit while the files are swapped: the check is the
	// last thing before the write becomes visible.
	if err := s.guard.check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fn(tx); err != nil {
		return s.failWrite(what, err)
	}
	if err := s.guard.check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		if s.eng == enginePostgres && isConnLost(err) {
			// The COMMIT may have reached the server before the
			// connection broke: say so rather than "nothing was changed".
			return fmt.Errorf("%s: %w", what, s.lost(err, true))
		}
		return s.fail(what, err)
	}
	s.reached()
	return nil
}

// beginWrite begins a write transaction; done ends its turn once the
// transaction is over.
//
// On SQLite the writer first waits for its turn (writeQueue: writers of
// this process first come, first served, and between processes a lock the
// kernel queues), then runs BEGIN IMMEDIATE with no busy timeout: it
// fails at once while a writer that does not queue holds the lock, and
// is asked again after a short random pause (lockPause). Both waits
// together last at most the busy timeout.
//
// PostgreSQL queues lock waiters first come, first served (lockWrites).
func (s *Store) beginWrite(ctx context.Context) (tx *sql.Tx, done func(), err error) {
	if s.eng == enginePostgres {
		tx, err := s.db.BeginTx(ctx, nil)
		return tx, func() {}, err
	}
	// The connection is made ready before the turn is taken, so the turn
	// lasts the transaction and nothing else: the queue goes round as fast
	// as writers commit.
	deadline := time.Now().Add(s.busyTimeout())
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	giveBack := func() {
		// The pool's connections keep the DSN's busy timeout. Inside the
		// transaction nothing waits for a lock any more (the write lock
		// is held; a checkpoint after COMMIT is passive), so it is set
		// back once the turn is over.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = "+strconv.FormatInt(s.busyMS(), 10))
		_ = conn.Close()
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		giveBack()
		return nil, nil, err
	}
	endTurn, err := s.queue.take(ctx, deadline)
	if err != nil {
		giveBack()
		return nil, nil, err
	}
	began := time.Now()
	for {
		tx, err = conn.BeginTx(ctx, nil)
		if err == nil {
			break
		}
		left := time.Until(deadline)
		if !isBusy(err) || left <= 0 {
			endTurn()
			giveBack()
			return nil, nil, err
		}
		pause := time.NewTimer(min(lockPause(time.Since(began)), left))
		select {
		case <-ctx.Done():
			pause.Stop()
			endTurn()
			giveBack()
			return nil, nil, ctx.Err()
		case <-pause.C:
		}
	}
	return tx, func() {
		endTurn()
		giveBack()
	}, nil
}

// lockPause is how long a writer that has waited for SQLite's write lock
// for waited pauses before asking again: random, so that waiters take
// turns in no fixed order, about as long as one action holds the lock (a
// commit and its sync: a millisecond or two), and shorter once the wait is
// long, so that the longest waiters are the likeliest to get it next.
func lockPause(waited time.Duration) time.Duration {
	ceiling := 2 * time.Millisecond
	switch {
	case waited > 100*time.Millisecond:
		ceiling = 250 * time.Microsecond
	case waited > 25*time.Millisecond:
		ceiling = 750 * time.Microsecond
	}
	return 50*time.Microsecond + rand.N(ceiling)
}

// busyTimeout is how long a write waits for another's lock in all.
func (s *Store) busyTimeout() time.Duration {
	if s.busy > 0 {
		return s.busy
	}
	return DefaultBusyTimeout
}

// busyMS is busyTimeout in milliseconds, as PostgreSQL's lock_timeout and
// SQLite's busy_timeout take it.
func (s *Store) busyMS() int64 { return max(s.busyTimeout().Milliseconds(), 1) }

// reached records that the server answered.
func (s *Store) reached() {
	if s.reach != nil && s.eng == enginePostgres {
		s.reach.up()
	}
}

// lost records that the server could not be reached and explains it.
func (s *Store) lost(err error, commit bool) error {
	cause := connCause(err)
	since := s.reach.down(time.Now(), cause)
	return &unreachableError{name: s.serverName(), since: since, cause: cause, commit: commit, write: commit, wrapped: err}
}

// serverName is host:port/database, the short name of a PostgreSQL
// database in messages (Path is the whole DSN without its password).
func (s *Store) serverName() string {
	if s.pgConfig == nil {
		return s.path
	}
	return fmt.Sprintf("%s:%d/%s", s.pgConfig.Host, s.pgConfig.Port, s.pgConfig.Database)
}

// failWrite is fail for an action: an unreachable server means nothing
// was changed, and the message says so.
func (s *Store) failWrite(what string, err error) error {
	if s.eng == enginePostgres && isConnLost(err) {
		var ue *unreachableError
		if !errors.As(err, &ue) {
			ue = s.lost(err, false).(*unreachableError)
			ue.write = true
			return fmt.Errorf("%s: %w", what, ue)
		}
	}
	return s.fail(what, err)
}

// read runs fn in a read transaction: one consistent snapshot, and never
// the write lock (ReadOnly transactions use a plain BEGIN).
func (s *Store) read(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	// A read from a replaced or deleted file shows a past that no longer
	// exists; say so rather than show it as current.
	if err := s.guard.check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	tx, err := s.db.BeginTx(ctx, s.eng.readTx())
	if err != nil {
		return s.fail(what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return s.fail(what, err)
	}
	s.reached()
	return nil
}

// fail explains driver errors; errors we made ourselves (not found, invalid,
// gate) already say what happened and are returned as they are.
func (s *Store) fail(what string, err error) error {
	if s.eng == enginePostgres {
		var ue *unreachableError
		if errors.As(err, &ue) {
			return err
		}
		if isConnLost(err) {
			return fmt.Errorf("%s: %w", what, s.lost(err, false))
		}
		if m := mapPGError(s.path, err); m != err {
			return fmt.Errorf("%s: %w", what, m)
		}
		return err
	}
	if m := mapError(s.path, err); m != err {
		var de *DBError
		if errors.As(m, &de) && isCorruptCode(de.Code) {
			// Known damage: no later write may build on it.
			_ = s.guard.markDamaged(oneLineDetail(err.Error()))
		}
		return fmt.Errorf("%s: %w", what, m)
	}
	return err
}

// Times are INTEGER unix milliseconds UTC: no monotonic reading, no zone,
// and comparable in SQL.
func toMS(t time.Time) int64 { return t.UTC().UnixMilli() }

// nullMS stores the zero time as NULL ("not yet").
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return toMS(t)
}

func fromMS(n sql.NullInt64) time.Time {
	if !n.Valid || n.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

func checkAt(at time.Time) error {
	if at.IsZero() {
		return invalidf("no time given for the change")
	}
	return nil
}

// MaxTextLen is the longest note or n/a reason, in characters.
const MaxTextLen = 500

// checkText accepts user text as typed — newlines included; sanitising for
// display is the UI's job — but not NUL, which C-string tools truncate at.
func checkText(field, s string, limit int) error {
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid UTF-8", field)
	}
	if strings.ContainsRune(s, 0) {
		return invalidf("%s contains a NUL byte: remove it", field)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return invalidf("%s is %d characters long: keep it to %d", field, n, limit)
	}
	return nil
}

// cleanActor trims and checks who a change is recorded as.
func cleanActor(actor string) (string, error) {
	actor = strings.TrimSpace(actor)
	if actor == "" {
		return "", invalidf("no actor given: say who is making the change (--as NAME)")
	}
	if err := model.CheckLine("the name to record (--as)", actor); err != nil {
		return "", invalid(err)
	}
	if err := checkText("actor", actor, 80); err != nil {
		return "", err
	}
	return actor, nil
}
