package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// Exit codes of deploy wait beyond 0 and 1.
const (
	exitTimeout     = 124 // as timeout(1)
	exitInterrupted = 130 // 128 + SIGINT
)

// waitPoll is how often wait looks at the clock and asks the watcher whether
// anything was committed; tests shorten it.
var waitPoll = time.Second

// waitExit ends deploy wait with its own exit code and a one-line reason.
type waitExit struct {
	code int
	msg  string
}

func (e waitExit) Error() string { return e.msg }
func (e waitExit) ExitCode() int { return e.code }

func newDeployWaitCmd(a *app) *cobra.Command {
	var deployFlag string
	var timeout time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "wait [--deploy ID] [--timeout D]",
		Short: "Block until the rollout completes (exit 0) or is rolled back (exit 1)",
		Long: "Wait for a deployment's rollout to end, printing a line each time its stage or state\n" +
			"changes. Exit codes: 0 when the deployment is completed; 1 when it is aborted or rolling\n" +
			"back (the reason is printed); 124 when --timeout passes first; 130 when interrupted.\n" +
			"It only reads: promote, finish and abort are done elsewhere (dashboard or CLI).\n" +
			"--json prints one JSON object a line, flushed as it happens: \"event\": \"change\" for\n" +
			"each stage or state change, then one \"event\": \"done\" with the outcome and exit code.",
		Example: "  flightdeck deploy wait --deploy 3 --timeout 2h",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout < 0 {
				return usagef("--timeout %s is negative: give a duration such as 90m, or 0 for none", timeout)
			}
			ctx := cmd.Context()
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			d, err := selectDeployment(ctx, s, deployFlag)
			if err != nil {
				return err
			}
			if asJSON {
				return waitRolloutJSON(ctx, a, s, d.ID, timeout)
			}
			return waitRollout(ctx, a, s, d.ID, timeout, nil)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object a line per change, then a final one with the outcome")
	cmd.Flags().StringVar(&deployFlag, "deploy", "", "deployment id (default: the only active deployment)")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long with exit 124, e.g. 90m (default: wait for ever)")
	return cmd
}

// waitRollout polls cheaply: the clock every waitPoll (a soak ends by the
// clock alone) and the database only when the watcher saw a commit.
// emit, when set (--json), is called with each change instead of printing
// its line.
func waitRollout(ctx context.Context, a *app, s *data.Store, id int64, timeout time.Duration, emit func(rolloutView, time.Time, string)) error {
	w, err := a.watch(ctx, s) // before the first read, so no commit slips between
	if err != nil {
		return err
	}
	defer w.Close()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	tick := time.NewTicker(waitPoll)
	defer tick.Stop()

	load := func() (rolloutView, error) {
		d, err := s.Deployment(ctx, id)
		if err != nil {
			return rolloutView{}, err
		}
		return loadRolloutView(ctx, s, d)
	}
	v, err := load()
	if err != nil {
		return err
	}
	if emit == nil {
		fmt.Fprintf(a.stdout, "waiting for %s (%s)\n", name(v.d), model.SanitizeLine(v.d.Title()))
	}
	last := ""
	for {
		now := a.now()
		line, key := waitLine(v, now)
		if key != last {
			if emit != nil {
				emit(v, now, line)
			} else {
				fmt.Fprintf(a.stdout, "%s %s\n", now.UTC().Format(time.TimeOnly), line)
			}
			last = key
		}
		if done, err := waitOutcome(ctx, s, v, now); done {
			return err
		}
		select {
		case <-ctx.Done():
			return waitExit{exitInterrupted, fmt.Sprintf("interrupted while waiting for %s (%s)", name(v.d), line)}
		case <-expired:
			return waitExit{exitTimeout, fmt.Sprintf("timed out after %s waiting for %s (%s)", timeout, name(v.d), line)}
		case <-tick.C:
		}
		changed, err := w.Changed(ctx)
		if err == nil && changed {
			v, err = load()
		}
		if err != nil {
			if ctx.Err() != nil {
				continue // report the interrupt, not the cancelled query
			}
			return err
		}
	}
}

// waitLine is the progress line and the key that decides when to print
// another: a new stage or state, not every second of a countdown.
func waitLine(v rolloutView, now time.Time) (line, key string) {
	if !v.has {
		switch v.d.Status {
		case model.StatusPlanned:
			return fmt.Sprintf("planned: waiting for %s to start", model.PhaseExecution), "planned"
		case model.StatusInProgress:
			return model.PhaseExecution + " started; no rollout recorded yet", "in_progress"
		}
		return v.d.Status.Label(), string(v.d.Status)
	}
	st := v.status(now)
	key = st.Label + "|" + string(st.State)
	switch st.State {
	case model.RolloutSoaking:
		return fmt.Sprintf("%s soaking (ends %s)", st.Label, clockSec(st.EndsAt, now)), key
	case model.RolloutPaused:
		return fmt.Sprintf("%s paused (%s of the soak left)", st.Label, model.FormatCountdown(st.Remaining)), key
	case model.RolloutHold:
		return fmt.Sprintf("%s HOLD: %s", st.Label, model.SanitizeLine(v.g.HoldText())), key
	case model.RolloutCriteriaMet:
		return fmt.Sprintf("%s hold: rollback criteria met — %s", st.Label, model.SanitizeLine(strings.Join(v.why, "; "))), key
	case model.RolloutNeedsHealth:
		return fmt.Sprintf("%s soak served, needs a health reading: %s", st.Label, v.g.CheckHealth(v.r, now).Text(now, time.UTC)), key
	case model.RolloutReady:
		if st.Last {
			return st.Label + " ready to finish", key
		}
	}
	return fmt.Sprintf("%s %s", st.Label, st.State), key
}

// waitOutcome says whether the wait is over: completed is success; rolled
// back, rolling back or aborted fail with why (the abort's timeline entry).
func waitOutcome(ctx context.Context, s *data.Store, v rolloutView, now time.Time) (bool, error) {
	d := v.d
	switch {
	case d.Status == model.StatusCompleted:
		return true, nil
	case d.Status == model.StatusInProgress && !d.RollbackAt.IsZero(),
		d.Status == model.StatusRolledBack, d.Status == model.StatusAborted:
	default:
		return false, nil
	}
	what := "is rolling back since " + clockSec(d.RollbackAt, now)
	switch d.Status {
	case model.StatusRolledBack:
		what = "was rolled back at " + clockSec(d.FinishedAt, now)
	case model.StatusAborted:
		what = "was aborted at " + clockSec(d.FinishedAt, now)
	}
	msg := fmt.Sprintf("%s %s", name(d), what)
	if why := abortReason(ctx, s, d.ID); why != "" {
		msg += ": " + why
	}
	return true, waitExit{exitFail, msg}
}

// abortReason is the abort's timeline entry, "bob: aborted … — reason", or
// "" when it cannot be read (the exit code still says what happened).
func abortReason(ctx context.Context, s *data.Store, id int64) string {
	evs, err := s.Events(ctx, data.EventFilter{DeploymentID: id, Limit: 200})
	if err != nil {
		return ""
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == model.EventRolloutAbort {
			return model.SanitizeLine(evs[i].Actor + ": " + evs[i].Text)
		}
	}
	return ""
}
