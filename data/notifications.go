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

// Outcomes of a claimed piece of work, stored in notifications.outcome.
const (
	OutcomeOK      = "ok"
	OutcomeFailed  = "failed"
	OutcomeTimeout = "timeout"
	OutcomeSkipped = "skipped"
)

// MaxClaimAttempts bounds how often a claim whose owner died is taken over,
// so a command that crashes every process that runs it is not run forever.
const MaxClaimAttempts = 3

// Claim makes this process (owner) the one that does the work named by key,
// once per database: it reports true when this call's INSERT won. A claim
// still running after lease (its owner presumably died) may be taken over,
// up to MaxClaimAttempts runs in all. A read-only store never claims.
func (s *Store) Claim(ctx context.Context, key, kind, owner string, at time.Time, lease time.Duration) (bool, error) {
	if err := checkClaim(key, owner, at); err != nil {
		return false, err
	}
	won := false
	err := s.write(ctx, "claim "+key, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO notifications (key, kind, at, owner) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET at = excluded.at, owner = excluded.owner, attempts = notifications.attempts + 1
			WHERE notifications.done_at IS NULL AND notifications.at <= ? AND notifications.attempts < ?`,
			key, kind, toMS(at), owner, toMS(at.Add(-lease)), MaxClaimAttempts)
		if err != nil {
			return fmt.Errorf("claim %s: %w", key, err)
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}

// ClaimSlot claims the interval window slot of a recurring job (the metrics
// probe of one deployment): true when no process has claimed this slot or a
// later one yet. One row per key, so a long rollout adds no rows.
func (s *Store) ClaimSlot(ctx context.Context, key, kind, owner string, slot int64, at time.Time) (bool, error) {
	if err := checkClaim(key, owner, at); err != nil {
		return false, err
	}
	won := false
	err := s.write(ctx, "claim "+key, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO notifications (key, kind, at, owner, slot) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET at = excluded.at, owner = excluded.owner, slot = excluded.slot,
				attempts = 1, done_at = NULL, outcome = '', detail = ''
			WHERE notifications.slot < excluded.slot`,
			key, kind, toMS(at), owner, slot)
		if err != nil {
			return fmt.Errorf("claim %s: %w", key, err)
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}

func checkClaim(key, owner string, at time.Time) error {
	if strings.TrimSpace(key) == "" || strings.TrimSpace(owner) == "" {
		return invalidf("a claim needs a key and an owner")
	}
	return checkAt(at)
}

// Unclaimed filters keys down to those nobody has claimed yet, or whose
// claim could be taken over (see Claim). It only reads, so the notifier asks
// it on every pass and takes the write lock only for new work.
func (s *Store) Unclaimed(ctx context.Context, keys []string, at time.Time, lease time.Duration) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	taken := make(map[string]bool, len(keys))
	err := s.read(ctx, "read notifications", func(tx *sql.Tx) error {
		// In chunks: SQLite limits the number of parameters per statement.
		for start := 0; start < len(keys); start += 500 {
			chunk := keys[start:min(start+500, len(keys))]
			args := make([]any, 0, len(chunk)+2)
			args = append(args, toMS(at.Add(-lease)), MaxClaimAttempts)
			for _, k := range chunk {
				args = append(args, k)
			}
			rows, err := tx.QueryContext(ctx, `SELECT key FROM notifications
				WHERE NOT (done_at IS NULL AND at <= ? AND attempts < ?)
				AND key IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
			if err != nil {
				return fmt.Errorf("read notifications: %w", err)
			}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return fmt.Errorf("read notifications: %w", err)
				}
				taken[k] = true
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		if !taken[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// FinishClaim records the outcome of claimed work and, in the same
// transaction, its timeline event (nil: none). It writes nothing and
// reports false when owner no longer holds the claim: another process took
// it over and records its own outcome.
func (s *Store) FinishClaim(ctx context.Context, key, owner, outcome, detail string, ev *model.Event, at time.Time) (bool, error) {
	switch outcome {
	case OutcomeOK, OutcomeFailed, OutcomeTimeout, OutcomeSkipped:
	default:
		return false, invalidf("unknown outcome %q", outcome)
	}
	if err := checkAt(at); err != nil {
		return false, err
	}
	detail = truncateRunes(detail, MaxTextLen)
	mine := false
	err := s.write(ctx, "record "+key, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET done_at = ?, outcome = ?, detail = ?
			WHERE key = ? AND owner = ?`, toMS(at), outcome, detail, key, owner)
		if err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		mine = true
		if ev == nil {
			return nil
		}
		e := *ev
		e.Text = truncateRunes(e.Text, MaxTextLen)
		if e.Actor == "" {
			e.Actor = SystemActor
		}
		if e.At.IsZero() {
			e.At = at
		}
		return appendEvent(ctx, tx, e)
	})
	return mine, err
}

// Notification is one row of the notifications table, for tests and
// `flightdeck notify` output.
type Notification struct {
	Key, Kind, Owner string
	At, DoneAt       time.Time
	Slot             int64
	Attempts         int
	Outcome, Detail  string
}

// Notifications lists claims, newest first (limit ≤ 0: 100).
func (s *Store) Notifications(ctx context.Context, limit int) ([]Notification, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []Notification
	err := s.read(ctx, "read notifications", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT key, kind, owner, at, done_at, slot, attempts, outcome, detail
			FROM notifications ORDER BY at DESC, key LIMIT ?`, limit)
		if err != nil {
			return fmt.Errorf("read notifications: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var n Notification
			var at int64
			var done sql.NullInt64
			if err := rows.Scan(&n.Key, &n.Kind, &n.Owner, &at, &done, &n.Slot, &n.Attempts, &n.Outcome, &n.Detail); err != nil {
				return fmt.Errorf("read notifications: %w", err)
			}
			n.At, n.DoneAt = msTimeOf(at), fromMS(done)
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}

// CriteriaEpisode identifies the current spell of met rollback criteria of a
// deployment: the id of the latest health.criteria_met or health.declared
// event (0 when none). A reading that newly meets the rule, or a new
// declaration, starts a new one, so the notifier tells people once per spell
// rather than on every reading.
func (s *Store) CriteriaEpisode(ctx context.Context, deploymentID int64) (int64, error) {
	var id sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT max(id) FROM events WHERE deployment_id = ? AND kind IN (?, ?)`,
		deploymentID, string(model.EventHealthCriteriaMet), string(model.EventHealthDeclared)).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, s.fail("read rollback criteria events", err)
	}
	return id.Int64, nil
}

// HasHealth reports whether any health reading (hence a baseline) exists
// for the deployment: the probe records nothing until one does.
func (s *Store) HasHealth(ctx context.Context, deploymentID int64) (bool, error) {
	var has bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM health_samples WHERE deployment_id = ?)`, deploymentID).Scan(&has)
	if err != nil {
		return false, s.fail("read health", err)
	}
	return has, nil
}

// truncateRunes keeps at most n characters of s, marking a cut with "…".
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ReleaseClaim gives back a claim whose work was interrupted before it
// finished (the process is quitting), so another process does it at once
// instead of after the lease.
func (s *Store) ReleaseClaim(ctx context.Context, key, owner string) error {
	return s.write(ctx, "release "+key, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE key = ? AND owner = ? AND done_at IS NULL`, key, owner)
		return err
	})
}

// exportNotification is one claim row: bookkeeping of the work done once
// per database (what ran, when, and how it ended), exported so that
// "every table" holds literally.
type exportNotification struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	At       msTime `json:"at"`
	Owner    string `json:"owner"`
	Slot     int64  `json:"slot"`
	Attempts int64  `json:"attempts"`
	DoneAt   msTime `json:"done_at"`
	Outcome  string `json:"outcome"`
	Detail   string `json:"detail"`
}

func exportNotifications(ctx context.Context, tx *sql.Tx, w *bufio.Writer) error {
	return exportTable(ctx, tx, w, "notifications", `SELECT key, kind, at, owner, slot, attempts, done_at, outcome, detail FROM notifications ORDER BY key`,
		func(r *sql.Rows, n *exportNotification) error {
			return r.Scan(&n.Key, &n.Kind, &n.At, &n.Owner, &n.Slot, &n.Attempts, &n.DoneAt, &n.Outcome, &n.Detail)
		})
}
