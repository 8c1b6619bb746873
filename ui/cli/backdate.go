package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// --at on the commands that change a deployment's or an incident's state
// (deploy start/finish/abort, incident open/mitigate/resolve): the action is
// recorded as having happened then, and its timeline text says when it was
// really entered (data.WithEntered). The store refuses a time before the
// state it changes (a finish before its start, a resolve before the open).

const atHelp = "when it happened (default now): -5m, 14:02, 2026-11-25 14:02 [+0100] or RFC 3339; not in the future; marked backdated"

func addAtFlag(cmd *cobra.Command, p *string) { cmd.Flags().StringVar(p, "at", "", atHelp) }

// backdated reads --at: the action's time, and ctx saying when it was
// entered (only when --at was given).
func backdated(ctx context.Context, atFlag string, now time.Time) (context.Context, time.Time, error) {
	at, err := parseAtFlag(atFlag, now)
	if err != nil {
		return ctx, time.Time{}, err
	}
	if strings.TrimSpace(atFlag) != "" {
		ctx = data.WithEntered(ctx, now)
	}
	return ctx, at, nil
}

// backdateNote is " (backdated to 2026-11-25 09:12:00 UTC)" when at is
// earlier than now by more than the slack, for the command's reply.
func backdateNote(at, now time.Time) string {
	if now.Sub(at) <= model.BackdateSlack {
		return ""
	}
	return " (backdated to " + at.UTC().Format("2006-01-02 15:04:05 UTC") + ")"
}
