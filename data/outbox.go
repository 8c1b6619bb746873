package data

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The outbox: the timeline is what senders deliver. Each sender has one row
// (table outbox): a cursor (the last event id it finished) and a lease. The
// process holding the lease delivers the events after the cursor in order
// and moves the cursor one event at a time, so every routed event reaches
// the sender once per database however many processes run, and in the
// order it happened. A process that dies mid-delivery loses its lease when
// it runs out; the next holder re-sends that one event (at least once, with
// the same dedup key), never skips it.

// OutboxStart is how far back a sender seen for the first time begins: the
// events of the last few minutes (an incident opened just before the
// dashboard started still reaches people), not the whole history.
const OutboxStart = 15 * time.Minute

// OutboxState is one sender's row.
type OutboxState struct {
	Sender       string
	Cursor       int64
	Owner        string
	LeaseUntil   time.Time
	FailingSince time.Time // zero: healthy
	Lost         int       // notices given up during the failing spell
	LastError    string
	Delivered    int64
	DeliveredAt  time.Time
}

// Failing reports whether the sender's deliveries are failing now.
func (o OutboxState) Failing() bool { return !o.FailingSince.IsZero() }

// LeaseOutbox makes owner the one process delivering for sender until
// at+lease, when nobody else holds an unexpired lease, and returns the
// sender's state (its cursor). A sender seen for the first time starts at
// the events of the last OutboxStart. A read-only store never leases.
func (s *Store) LeaseOutbox(ctx context.Context, sender, owner string, at time.Time, lease time.Duration) (OutboxState, bool, error) {
	if strings.TrimSpace(sender) == "" || strings.TrimSpace(owner) == "" || lease <= 0 {
		return OutboxState{}, false, invalidf("an outbox lease needs a sender, an owner and a duration")
	}
	if err := checkAt(at); err != nil {
		return OutboxState{}, false, err
	}
	var st OutboxState
	won := false
	err := s.write(ctx, "lease outbox "+sender, func(tx *sql.Tx) error {
		var start int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events WHERE at < ?`,
			toMS(at.Add(-OutboxStart))).Scan(&start); err != nil {
			return fmt.Errorf("read timeline: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox (sender, cursor, owner, lease_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (sender) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
			WHERE outbox.owner = excluded.owner OR outbox.owner = '' OR outbox.lease_until <= ?`,
			sender, start, owner, toMS(at.Add(lease)), toMS(at))
		if err != nil {
			return fmt.Errorf("lease outbox %s: %w", sender, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		won = n == 1
		st, err = readOutbox(ctx, tx, sender)
		return err
	})
	return st, won, err
}

// ReleaseOutbox gives up owner's lease of sender (the process is quitting),
// so another process takes over at once instead of when it runs out.
func (s *Store) ReleaseOutbox(ctx context.Context, sender, owner string) error {
	return s.write(ctx, "release outbox "+sender, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET owner = '', lease_until = 0 WHERE sender = ? AND owner = ?`, sender, owner)
		return err
	})
}

// OutboxStep is what became of one event a sender handled.
type OutboxStep struct {
	From, To  int64     // the cursor before (as leased) and the event handled
	Delivered bool      // it reached the sender
	Lost      bool      // given up (a permanent error, or retried too long)
	Skipped   bool      // not for this sender (not routed): the cursor moves, nothing else changes
	Failing   bool      // the sender is failing now (retrying, or gave up)
	Error     string    // why, when not delivered; never a secret
	At        time.Time // when
	// Event, when set, is written in the same transaction: the failure the
	// first time a spell begins, the recovery when it ends.
	Event *model.Event
}

// AdvanceOutbox records the outcome of one delivery attempt and, unless the
// event is to be retried (neither Delivered nor Lost), moves the cursor
// from step.From to step.To. It writes nothing and reports false when owner
// no longer holds the lease or the cursor moved: another process took over.
func (s *Store) AdvanceOutbox(ctx context.Context, sender, owner string, step OutboxStep, lease time.Duration) (bool, error) {
	if err := checkAt(step.At); err != nil {
		return false, err
	}
	mine := false
	err := s.write(ctx, "record delivery to "+sender, func(tx *sql.Tx) error {
		cur, err := readOutbox(ctx, tx, sender)
		if err != nil {
			return err
		}
		if cur.Owner != owner || cur.Cursor != step.From || !cur.LeaseUntil.After(step.At) {
			return nil
		}
		mine = true
		next := cur
		next.LeaseUntil = step.At.Add(lease)
		if step.Delivered || step.Lost || step.Skipped {
			next.Cursor = step.To
		}
		if step.Delivered {
			next.Delivered++
			next.DeliveredAt = step.At
		}
		switch {
		case step.Failing:
			if next.FailingSince.IsZero() {
				next.FailingSince, next.Lost = step.At, 0
			}
			if step.Lost {
				next.Lost++
			}
			next.LastError = truncateRunes(step.Error, MaxTextLen)
		default:
			next.FailingSince, next.Lost, next.LastError = time.Time{}, 0, ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET cursor = ?, lease_until = ?, failing_since = ?, lost = ?,
			last_error = ?, delivered = ?, delivered_at = ? WHERE sender = ?`,
			next.Cursor, toMS(next.LeaseUntil), nullMS(next.FailingSince), next.Lost, next.LastError,
			next.Delivered, nullMS(next.DeliveredAt), sender); err != nil {
			return fmt.Errorf("record delivery to %s: %w", sender, err)
		}
		if step.Event == nil {
			return nil
		}
		e := *step.Event
		e.Text = truncateRunes(e.Text, MaxTextLen)
		if e.Actor == "" {
			e.Actor = SystemActor
		}
		if e.At.IsZero() {
			e.At = step.At
		}
		return appendEvent(ctx, tx, e)
	})
	return mine, err
}

// OutboxStates lists every sender's row, by name.
func (s *Store) OutboxStates(ctx context.Context) ([]OutboxState, error) {
	var out []OutboxState
	err := s.read(ctx, "read outbox", func(tx *sql.Tx) error {
		var err error
		out, err = outboxStatesOn(ctx, tx)
		return err
	})
	return out, err
}

// outboxStatesOn is OutboxStates read with q.
func outboxStatesOn(ctx context.Context, q queryer) ([]OutboxState, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox ORDER BY sender`)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxState
	for rows.Next() {
		o, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

const outboxCols = `sender, cursor, owner, lease_until, failing_since, lost, last_error, delivered, delivered_at`

func scanOutbox(r interface{ Scan(...any) error }) (OutboxState, error) {
	var o OutboxState
	var lease int64
	var failing, deliveredAt sql.NullInt64
	if err := r.Scan(&o.Sender, &o.Cursor, &o.Owner, &lease, &failing, &o.Lost, &o.LastError, &o.Delivered, &deliveredAt); err != nil {
		return o, err
	}
	o.LeaseUntil, o.FailingSince, o.DeliveredAt = msTimeOf(lease), fromMS(failing), fromMS(deliveredAt)
	return o, nil
}

func readOutbox(ctx context.Context, tx *sql.Tx, sender string) (OutboxState, error) {
	o, err := scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE sender = ?`, sender))
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxState{}, fmt.Errorf("sender %s: %w", sender, ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("read outbox: %w", err)
	}
	return o, nil
}

// OutboxEvents returns up to limit events after id whose kind is one of
// kinds, in timeline order. A health.latched event written with the
// health.criteria_met of the same reading is left out: it is the same
// moment.
func (s *Store) OutboxEvents(ctx context.Context, after int64, kinds []model.EventKind, limit int) ([]model.Event, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = 100
	}
	args := []any{after}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	args = append(args, string(model.EventHealthLatched), string(model.EventHealthCriteriaMet), limit)
	q := `SELECT ` + eventCols + ` FROM events e WHERE e.id > ? AND e.kind IN (?` + strings.Repeat(", ?", len(kinds)-1) + `)
		AND NOT (e.kind = ? AND EXISTS (SELECT 1 FROM events c WHERE c.deployment_id = e.deployment_id
			AND c.at = e.at AND c.kind = ? AND c.id < e.id))
		ORDER BY e.id LIMIT ?`
	return s.queryEvents(ctx, q, args...)
}

// RecordOnce appends ev to the timeline once per database: the first call
// with key writes it (and the key, in the notifications table, in the same
// transaction) and reports true; later calls, in any process, write nothing.
// The notifier records the deadlines the clock passes this way.
func (s *Store) RecordOnce(ctx context.Context, key string, ev model.Event) (bool, error) {
	if strings.TrimSpace(key) == "" {
		return false, invalidf("a record needs a key")
	}
	if err := checkAt(ev.At); err != nil {
		return false, err
	}
	wrote := false
	err := s.write(ctx, "record "+key, func(tx *sql.Tx) error {
		kind, _, _ := strings.Cut(key, ":")
		res, err := tx.ExecContext(ctx, `INSERT INTO notifications (key, kind, at, owner, done_at, outcome)
			VALUES (?, ?, ?, 'flightdeck', ?, 'ok') ON CONFLICT (key) DO NOTHING`, key, kind, toMS(ev.At), toMS(ev.At))
		if err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		wrote = true
		e := ev
		e.Text = truncateRunes(e.Text, MaxTextLen)
		if e.Actor == "" {
			e.Actor = SystemActor
		}
		if err := appendEvent(ctx, tx, e); err != nil {
			return err
		}
		// The key keeps what the event is about (step, due time) for the
		// senders: slot is the event's id.
		// Under the write lock the newest event is the one just appended.
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET slot = (SELECT max(id) FROM events) WHERE key = ?`, key)
		return err
	})
	return wrote, err
}

// RecordKey is the key RecordOnce wrote event id with ("" when none).
func (s *Store) RecordKey(ctx context.Context, eventID int64) (string, error) {
	var key string
	err := s.db.QueryRowContext(ctx, `SELECT key FROM notifications WHERE slot = ? AND owner = 'flightdeck'
		AND kind IN ('escalation_due', 'update_due', 'update_overdue') LIMIT 1`, eventID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", s.fail("read notifications", err)
	}
	return key, nil
}

// UpdateAt is the stakeholder update of incident id posted at at (the
// incident.update event's time).
func (s *Store) UpdateAt(ctx context.Context, incidentID int64, at time.Time) (model.StakeholderUpdate, bool, error) {
	var u model.StakeholderUpdate
	err := s.db.QueryRowContext(ctx, `SELECT conditions, actions, needs FROM incident_updates
		WHERE incident_id = ? AND at = ? ORDER BY id DESC LIMIT 1`, incidentID, toMS(at)).Scan(&u.Conditions, &u.Actions, &u.Needs)
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	if err != nil {
		return u, false, s.fail("read stakeholder updates", err)
	}
	return u, true, nil
}

type exportOutbox struct {
	Sender       string `json:"sender"`
	Cursor       int64  `json:"cursor"`
	Owner        string `json:"owner"`
	LeaseUntil   msTime `json:"lease_until"`
	FailingSince msTime `json:"failing_since"`
	Lost         int64  `json:"lost"`
	LastError    string `json:"last_error"`
	Delivered    int64  `json:"delivered"`
	DeliveredAt  msTime `json:"delivered_at"`
}

func exportOutboxTable(ctx context.Context, tx *sql.Tx, w *bufio.Writer) error {
	return exportTable(ctx, tx, w, "outbox", `SELECT `+outboxCols+` FROM outbox ORDER BY sender`,
		func(r *sql.Rows, o *exportOutbox) error {
			return r.Scan(&o.Sender, &o.Cursor, &o.Owner, &o.LeaseUntil, &o.FailingSince, &o.Lost, &o.LastError, &o.Delivered, &o.DeliveredAt)
		})
}
