package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Probe failures are a state, not a stream: the first failed reading of a
// spell writes probe.failed to the timeline, later ones only count, and the
// first good reading after them writes probe.recovered with the count.
//
// The spell lives in the notifications table, in a row of its own next to
// the probe's slot claim (key 'probe_failing:<deployment>', kind
// 'probe_failing'): at is when the spell began, slot counts the failed
// readings, detail holds the latest reason, done_at the latest failure. The
// slot claim's row cannot hold it, since every slot's claim resets it; a
// row of its own needs no schema change, is shared by every process on the
// database like the claims, and is written in the same transaction as the
// claim's outcome and the timeline event.

// ProbeFailingKind is the notifications kind of a probe's failure spell.
const ProbeFailingKind = "probe_failing"

func probeFailingKey(deploymentID int64) string {
	return ProbeFailingKind + ":" + strconv.FormatInt(deploymentID, 10)
}

// ProbeWhat names a deployment in the probe's timeline texts:
// "#7 checkout-api v2".
func ProbeWhat(d model.Deployment) string {
	return fmt.Sprintf("#%d %s %s", d.ID, d.Service, d.Version)
}

// FinishProbeFailure records a failed probe reading of claimed slot key
// (owner's) with its outcome (OutcomeFailed or OutcomeTimeout) and reason.
// The first failure of a spell writes probe.failed ("probe FAILED for #7
// checkout-api v2: <reason>; health unknown"); later ones write nothing to
// the timeline but count, and keep the latest reason. first reports which;
// mine is false when owner no longer held the claim (nothing written).
func (s *Store) FinishProbeFailure(ctx context.Context, key, owner string, deploymentID int64, outcome, reason string, at time.Time) (mine, first bool, err error) {
	switch outcome {
	case OutcomeFailed, OutcomeTimeout:
	default:
		return false, false, invalidf("a probe failure's outcome is failed or timeout, not %q", outcome)
	}
	if err := checkAt(at); err != nil {
		return false, false, err
	}
	reason = truncateRunes(reason, MaxTextLen)
	err = s.write(ctx, "record probe failure", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET done_at = ?, outcome = ?, detail = ?
			WHERE key = ? AND owner = ?`, toMS(at), outcome, reason, key, owner)
		if err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		mine = true
		d, err := getDeployment(ctx, tx, deploymentID)
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE notifications SET slot = slot + 1, detail = ?, done_at = ?, outcome = ?, owner = ?
			WHERE key = ?`, reason, toMS(at), outcome, owner, probeFailingKey(d.ID))
		if err != nil {
			return fmt.Errorf("record probe failure of deployment #%d: %w", d.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		first = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (key, kind, at, owner, slot, done_at, outcome, detail)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?)`, probeFailingKey(d.ID), ProbeFailingKind, toMS(at), owner, toMS(at), outcome, reason); err != nil {
			return fmt.Errorf("record probe failure of deployment #%d: %w", d.ID, err)
		}
		return appendEvent(ctx, tx, model.Event{At: at, Actor: SystemActor, Kind: model.EventProbeFailed, DeploymentID: d.ID,
			Text: truncateRunes(model.TextProbeFailed(ProbeWhat(d), reason), MaxTextLen)})
	})
	return mine, first, err
}

// probeFailing reads the deployment's failure spell (zero when none).
func probeFailing(ctx context.Context, q queryer, deploymentID int64) (since time.Time, attempts int, reason string, err error) {
	var at int64
	err = q.QueryRowContext(ctx, `SELECT at, slot, detail FROM notifications WHERE key = ?`, probeFailingKey(deploymentID)).
		Scan(&at, &attempts, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, 0, "", nil
	}
	if err != nil {
		return time.Time{}, 0, "", fmt.Errorf("read probe failures of deployment #%d: %w", deploymentID, err)
	}
	return msTimeOf(at), attempts, reason, nil
}

// endProbeFailing closes the deployment's failure spell, if any, with a
// probe.recovered event: a probe reading was just recorded.
func endProbeFailing(ctx context.Context, tx *sql.Tx, d model.Deployment, actor string, at time.Time) error {
	since, attempts, _, err := probeFailing(ctx, tx, d.ID)
	if err != nil || since.IsZero() {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE key = ?`, probeFailingKey(d.ID)); err != nil {
		return fmt.Errorf("record probe recovery of deployment #%d: %w", d.ID, err)
	}
	return appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventProbeRecovered, DeploymentID: d.ID,
		Text: model.TextProbeRecovered(ProbeWhat(d), since, attempts)})
}
