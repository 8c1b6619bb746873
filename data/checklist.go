package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

const itemCols = `id, deployment_id, phase, section, position, text, state, reason,
	changed_by, changed_at, note, note_by, note_at`

// Checklist returns a deployment's items in order and its guidance, read in
// one snapshot.
func (s *Store) Checklist(ctx context.Context, deploymentID int64) ([]model.Item, []model.Guidance, error) {
	var items []model.Item
	var guidance []model.Guidance
	err := s.read(ctx, "read checklist", func(tx *sql.Tx) error {
		if _, err := getDeployment(ctx, tx, deploymentID); err != nil {
			return err
		}
		var err error
		if items, err = listItems(ctx, tx, deploymentID); err != nil {
			return err
		}
		guidance, err = listGuidance(ctx, tx, deploymentID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return items, guidance, nil
}

// Item is one checklist item, by its id.
func (s *Store) Item(ctx context.Context, id int64) (model.Item, error) {
	var it model.Item
	err := s.read(ctx, "read checklist item", func(tx *sql.Tx) error {
		var err error
		it, err = getItem(ctx, tx, id)
		return err
	})
	return it, err
}

func listItems(ctx context.Context, tx queryer, deploymentID int64) ([]model.Item, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+itemCols+` FROM checklist_items WHERE deployment_id = ? ORDER BY position`, deploymentID)
	if err != nil {
		return nil, fmt.Errorf("read checklist items: %w", err)
	}
	defer rows.Close()
	var out []model.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("read checklist item: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// listGuidance folds the one-row-per-line storage back into blocks.
func listGuidance(ctx context.Context, tx queryer, deploymentID int64) ([]model.Guidance, error) {
	rows, err := tx.QueryContext(ctx, `SELECT phase, position, title, line FROM checklist_guidance
		WHERE deployment_id = ? ORDER BY position, id`, deploymentID)
	if err != nil {
		return nil, fmt.Errorf("read guidance: %w", err)
	}
	defer rows.Close()
	var out []model.Guidance
	lastPos := -1
	for rows.Next() {
		var g model.Guidance
		var pos int
		var line sql.NullString
		if err := rows.Scan(&g.Phase, &pos, &g.Title, &line); err != nil {
			return nil, fmt.Errorf("read guidance: %w", err)
		}
		if pos != lastPos {
			out = append(out, g)
			lastPos = pos
		}
		if line.Valid {
			last := &out[len(out)-1]
			last.Lines = append(last.Lines, line.String)
		}
	}
	return out, rows.Err()
}

func getItem(ctx context.Context, q queryer, id int64) (model.Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM checklist_items WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("checklist item #%d %w", id, ErrNotFound)
	}
	return it, err
}

func scanItem(r interface{ Scan(...any) error }) (model.Item, error) {
	var it model.Item
	var state string
	var changed, noted sql.NullInt64
	err := r.Scan(&it.ID, &it.DeploymentID, &it.Phase, &it.Section, &it.Position, &it.Text, &state,
		&it.Reason, &it.By, &changed, &it.Note, &it.NoteBy, &noted)
	if err != nil {
		return model.Item{}, err
	}
	it.State = model.ItemState(state)
	it.At = fromMS(changed)
	it.NoteAt = fromMS(noted)
	return it, nil
}

// SetItemState sets an item to state (n/a needs a reason). Setting the state
// and reason the item already has writes nothing, not even an event, so a
// retried command or a double keypress leaves one timeline entry.
//
// seen is the item's state the change was decided on ("" checks nothing):
// when someone else has since changed it to a third state, nothing is
// written and the error is a model.StaleError naming them. Already in the
// asked state is not an error: the change is idempotent.
func (s *Store) SetItemState(ctx context.Context, itemID int64, seen, state model.ItemState, reason, actor string, at time.Time) (model.Item, error) {
	reason = strings.TrimSpace(reason)
	if state != model.ItemNA {
		reason = "" // only n/a keeps a reason
	}
	if err := model.ValidateChange(state, reason); err != nil {
		return model.Item{}, invalid(err)
	}
	if err := checkText("reason", reason, MaxTextLen); err != nil {
		return model.Item{}, err
	}
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Item{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Item{}, err
	}
	var it model.Item
	liveItem := false
	err = s.write(ctx, "update checklist item", func(tx *sql.Tx) error {
		liveItem = false
		var err error
		if it, err = getItem(ctx, tx, itemID); err != nil {
			return err
		}
		if it.State == state && it.Reason == reason {
			return nil
		}
		if model.ItemStale(seen, it, state) {
			return model.StaleItem(it)
		}
		if err := s.checkItemFact(ctx, tx, it, state, at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE checklist_items SET state = ?, reason = ?, changed_by = ?, changed_at = ? WHERE id = ?`,
			string(state), reason, actor, toMS(at), it.ID); err != nil {
			return fmt.Errorf("update checklist item #%d: %w", it.ID, err)
		}
		if err := touchDeployment(ctx, tx, it.DeploymentID, at); err != nil {
			return err
		}
		var kind model.EventKind
		var text string
		switch state {
		case model.ItemDone:
			started, err := startStabilityWatch(ctx, tx, it, at)
			if err != nil {
				return err
			}
			var watch time.Time // the watch starts now, or did before
			if started {
				watch = at
			}
			kind, text = model.EventItemDone, model.TextItemDone(it.Text, watch)
			if model.IsItem(it, model.PhaseExecution, model.LiveItemText) {
				liveItem = true // the rollout goes live after the item's event
			}
		case model.ItemNA:
			kind, text = model.EventItemNA, model.TextItemNA(it.Text, reason)
		default:
			kind, text = model.EventItemTodo, model.TextItemReopened(it.Text)
		}
		if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: kind, DeploymentID: it.DeploymentID, ItemID: it.ID, Text: text}); err != nil {
			return err
		}
		if liveItem {
			if _, err := goLive(ctx, tx, it.DeploymentID, actor, it.Text, at); err != nil {
				return err
			}
		}
		it, err = getItem(ctx, tx, it.ID)
		return err
	})
	if err != nil {
		return model.Item{}, err
	}
	return it, nil
}

// checkItemFact refuses ticking an item whose words state a rollout fact
// that is not true (model.CheckItemFact), read in the item's transaction.
func (s *Store) checkItemFact(ctx context.Context, tx *sql.Tx, it model.Item, state model.ItemState, at time.Time) error {
	if state != model.ItemDone {
		return nil
	}
	var frozen string
	if model.IsItem(it, model.PhaseExecution, model.FreezeItemText) {
		fs, err := readFreeze(ctx, tx)
		if err != nil {
			return err
		}
		if fs.frozen {
			frozen = fs.reason
		}
	}
	r, _, err := loadRollout(ctx, tx, it.DeploymentID)
	if err != nil {
		return err
	}
	var st model.Stability
	if model.IsItem(it, model.PhaseRollback, model.MonitorItemText) {
		d, err := getDeployment(ctx, tx, it.DeploymentID)
		if err != nil {
			return err
		}
		h, err := currentHealth(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		st = d.StabilityOf(at, h, s.rule)
	}
	if err := model.CheckItemFact(it, state, r, frozen, st); err != nil {
		return invalid(err)
	}
	return nil
}

// SetItemNote replaces an item's note (trimmed; empty clears it). The same
// note again writes nothing. It is decided on seen, the note as shown: one
// someone changed since is not overwritten (model.ErrStale).
func (s *Store) SetItemNote(ctx context.Context, itemID int64, seen model.NoteSeen, note, actor string, at time.Time) (model.Item, error) {
	note = strings.TrimSpace(note)
	if err := checkText("note", note, MaxTextLen); err != nil {
		return model.Item{}, err
	}
	actor, err := cleanActor(actor)
	if err != nil {
		return model.Item{}, err
	}
	if err := checkAt(at); err != nil {
		return model.Item{}, err
	}
	var it model.Item
	err = s.write(ctx, "save note", func(tx *sql.Tx) error {
		var err error
		if it, err = getItem(ctx, tx, itemID); err != nil {
			return err
		}
		if it.Note == note {
			return nil
		}
		if seen.Stale(it) {
			last, err := latestEvent(ctx, tx, "item_id", it.ID, []model.EventKind{model.EventItemNote})
			if err != nil {
				return err
			}
			return model.StaleNote(it, last)
		}
		// A cleared note keeps no author; the event says who cleared it.
		by, noteAt := actor, nullMS(at)
		if note == "" {
			by, noteAt = "", nil
		}
		text := model.TextItemNote(it.Text, note)
		if _, err := tx.ExecContext(ctx, `UPDATE checklist_items SET note = ?, note_by = ?, note_at = ? WHERE id = ?`,
			note, by, noteAt, it.ID); err != nil {
			return fmt.Errorf("update note of item #%d: %w", it.ID, err)
		}
		if err := touchDeployment(ctx, tx, it.DeploymentID, at); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, model.Event{At: at, Actor: actor, Kind: model.EventItemNote, DeploymentID: it.DeploymentID, ItemID: it.ID, Text: text}); err != nil {
			return err
		}
		it, err = getItem(ctx, tx, it.ID)
		return err
	})
	if err != nil {
		return model.Item{}, err
	}
	return it, nil
}

// startStabilityWatch sets the deployment's stability_at when the item that
// starts the post-rollback watch is ticked, unless a watch already started
// (re-ticking after a reopen must not restart the clock).
func startStabilityWatch(ctx context.Context, tx *sql.Tx, it model.Item, at time.Time) (bool, error) {
	if !model.StartsStabilityWatch(it) {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE deployments SET stability_at = ? WHERE id = ? AND stability_at IS NULL`, toMS(at), it.DeploymentID)
	if err != nil {
		return false, fmt.Errorf("start stability watch of deployment #%d: %w", it.DeploymentID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// touchDeployment never moves updated_at backwards, even when another
// process's clock is behind ours.
func touchDeployment(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE deployments SET updated_at = max(updated_at, ?) WHERE id = ?`, toMS(at), id); err != nil {
		return fmt.Errorf("update deployment #%d: %w", id, err)
	}
	return nil
}
