package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

func newCheckCmd(a *app) *cobra.Command {
	var naReason, note, deployFlag string
	var todo, done bool
	cmd := &cobra.Command{
		Use:   "check TEXT|ID",
		Short: "Tick a checklist item, mark it n/a, reopen it, or add a note",
		Long: "Record a checklist item of a deployment. The item is its id (12 or #12) or its\n" +
			"text: an exact match, or words found in exactly one item (case-insensitive; several\n" +
			"words need no quotes). The deployment is --deploy ID, else the only active one.\n\n" +
			"Without flags the item is marked done. --na REASON marks it n/a (a reason is\n" +
			"required), --todo reopens it, --done marks it done.\n\n" +
			"--note TEXT sets the item's note (--note \"\" clears it). Given alone, --note changes\n" +
			"only the note and leaves the state as it is; add --done, --na or --todo to change\n" +
			"both. Recording what is already recorded changes nothing.",
		Example: "  flightdeck check \"All automated tests passing in CI\"\n" +
			"  flightdeck check tests passing\n" +
			"  flightdeck check 12 --na \"no schema change in this release\"\n" +
			"  flightdeck check 12 --note \"approved by Dana in PR 481\"\n" +
			"  flightdeck check 12 --done --note \"green on run 7731\" --deploy 3",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef(`check needs an item: its id or part of its text, e.g. flightdeck check "tests passing"`)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f := cmd.Flags()
			naGiven, noteGiven := f.Changed("na"), f.Changed("note")
			n := 0
			for _, b := range []bool{naGiven, todo, done} {
				if b {
					n++
				}
			}
			if n > 1 {
				return usagef("--done, --todo and --na cannot be combined: pick one")
			}
			var state model.ItemState
			switch {
			case naGiven:
				state = model.ItemNA
				if err := model.ValidateChange(state, naReason); err != nil {
					return usagef(`--na needs a reason: say why this item does not apply, e.g. --na "no schema change"`)
				}
			case todo:
				state = model.ItemTodo
			case done || !noteGiven:
				state = model.ItemDone
			}
			// Check the note before anything is written, so a bad note does
			// not leave the state change recorded on its own.
			if noteGiven {
				if n := utf8.RuneCountInString(strings.TrimSpace(note)); n > data.MaxTextLen {
					return usagef("--note is %d characters long: keep it to %d", n, data.MaxTextLen)
				}
				if strings.ContainsRune(note, 0) {
					return usagef("--note contains a NUL byte: remove it")
				}
			}

			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			d, err := selectDeployment(ctx, s, deployFlag)
			if err != nil {
				return err
			}
			it, err := findItem(ctx, s, d, strings.Join(args, " "))
			if err != nil {
				return err
			}

			now := a.now()
			if state != "" {
				before := it
				if it, err = s.SetItemState(ctx, it.ID, it.State, state, naReason, a.actor(), now); err != nil {
					return cliError(err)
				}
				fmt.Fprintln(a.stdout, describeState(before, it, now))
			}
			if noteGiven {
				before := it
				if it, err = s.SetItemNote(ctx, it.ID, model.SeenNote(it), note, a.actor(), now); err != nil {
					return cliError(err)
				}
				fmt.Fprintln(a.stdout, describeNote(before, it, now))
			}
			noteValue(ctx, func() any { return newCheckJSON(d, it) })
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&naReason, "na", "", "mark the item n/a, saying why")
	f.BoolVar(&todo, "todo", false, "reopen the item")
	f.BoolVar(&done, "done", false, "mark the item done (the default unless only --note is given)")
	f.StringVar(&note, "note", "", `set the item's note ("" clears it)`)
	f.StringVar(&deployFlag, "deploy", "", "deployment id (default: the only active deployment)")
	return cmd
}

// describeState is the line printed after a state change, e.g.
// "#12 done: All automated tests passing in CI (alice, 14:02 UTC)".
func describeState(before, after model.Item, now time.Time) string {
	already := ""
	if before.State == after.State && before.Reason == after.Reason {
		already = "already "
	}
	line := fmt.Sprintf("#%d %s%s: %s", after.ID, already, after.State, model.SanitizeLine(after.Text))
	if after.State == model.ItemNA {
		line += " — " + model.SanitizeLine(after.Reason)
	}
	return line + byline(after.By, after.At, now)
}

func describeNote(before, after model.Item, now time.Time) string {
	switch {
	case before.Note == after.Note:
		return fmt.Sprintf("#%d note unchanged: %s", after.ID, model.SanitizeLine(after.Text))
	case after.Note == "":
		return fmt.Sprintf("#%d note cleared: %s%s", after.ID, model.SanitizeLine(after.Text), byline(after.NoteBy, now, now))
	}
	return fmt.Sprintf("#%d note: %s — %s%s", after.ID, model.SanitizeLine(after.Text), model.SanitizeLine(after.Note), byline(after.NoteBy, after.NoteAt, now))
}

func byline(by string, at, now time.Time) string {
	if by == "" || at.IsZero() {
		return ""
	}
	return fmt.Sprintf(" (%s, %s)", model.SanitizeLine(by), clock(at, now))
}

// findItem is the item of deployment d that query names (model.FindItem).
// An item id is read alone: the whole checklist is read only to pick an
// item by its text, or to explain an id that is not on it.
func findItem(ctx context.Context, s *data.Store, d model.Deployment, query string) (model.Item, error) {
	if id, ok := plainItemID(query); ok {
		if it, err := s.Item(ctx, id); err == nil && it.DeploymentID == d.ID {
			return it, nil
		}
	}
	items, _, err := s.Checklist(ctx, d.ID)
	if err != nil {
		return model.Item{}, err
	}
	it, err := model.FindItem(items, query)
	if err != nil {
		return model.Item{}, usageError{fmt.Errorf("deployment #%d: %w", d.ID, err)}
	}
	return it, nil
}

// plainItemID is the id in "12" or "#12".
func plainItemID(query string) (int64, bool) {
	q := strings.TrimPrefix(strings.TrimSpace(query), "#")
	if q == "" || strings.ContainsFunc(q, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false
	}
	id, err := strconv.ParseInt(q, 10, 64)
	return id, err == nil && id > 0
}
