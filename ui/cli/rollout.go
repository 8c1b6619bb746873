package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// The rollout commands: promote, pause, resume, abort, finish, and the
// rollback criteria (health, declare, clear-criteria). Each is one store
// action, so a pipeline and the dashboard write the same events.

// rolloutView is what the CLI shows about one deployment's rollout.
type rolloutView struct {
	d        model.Deployment
	r        model.Rollout
	has      bool // r is a started rollout
	h        model.Health
	declared []model.Declaration
	rule     model.RollbackRule
	met      bool
	why      []string   // one line per met criterion
	g        model.Gate // what holds the rollout, open items included
}

// status is the rollout's one state under its holds (model.Rollout.Assess).
func (v rolloutView) status(now time.Time) model.RolloutStatus { return v.r.Assess(now, v.g) }

func loadRolloutView(ctx context.Context, s *data.Store, d model.Deployment) (rolloutView, error) {
	v := rolloutView{d: d, rule: s.Rule()}
	var err error
	if v.r, v.has, err = s.Rollout(ctx, d.ID); err != nil {
		return v, err
	}
	if v.h, v.declared, err = s.RolloutHealth(ctx, d.ID); err != nil {
		return v, err
	}
	v.met, v.why = model.CriteriaMet(v.rule, v.h, v.declared)
	if v.g, err = s.RolloutGate(ctx, d.ID); err != nil {
		return v, err
	}
	return v, nil
}

// name is "#3 checkout-api", how every rollout line starts.
func name(d model.Deployment) string {
	return fmt.Sprintf("#%d %s", d.ID, model.SanitizeLine(d.Service))
}

// clockSec is "14:32:05 UTC" today (UTC), with the date otherwise: soak
// ends are to the second.
func clockSec(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.Format(time.DateOnly) == now.Format(time.DateOnly) {
		return t.Format(time.TimeOnly) + " UTC"
	}
	return t.Format(time.DateTime) + " UTC"
}

// soakNote is " (soak 15:00, ends 14:32:05 UTC)" for a stage just entered.
func soakNote(st model.RolloutStatus, now time.Time) string {
	if st.Soak == 0 {
		return " (no minimum soak: promote when it checks out)"
	}
	return fmt.Sprintf(" (soak %s, ends %s)", model.FormatCountdown(st.Soak), clockSec(st.EndsAt, now))
}

// actionError turns a refusal a reason would lift into one that says how to
// give it; other refusals keep the model's words. Bad input stays exit 2.
func actionError(err error) error {
	if errors.Is(err, model.ErrNeedsReason) {
		return fmt.Errorf("%w: pass --reason TEXT", err)
	}
	return cliError(err)
}

// rolloutCommand is the shared shape of the rollout commands: select the
// deployment (--deploy, else the only active one), then act.
func rolloutCommand(a *app, use, short, long string, reasonHelp string,
	act func(ctx context.Context, s *data.Store, d model.Deployment, reason string, now time.Time) error) *cobra.Command {
	var deployFlag, reason string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			d, err := selectDeployment(ctx, s, deployFlag)
			if err != nil {
				return err
			}
			return act(ctx, s, d, reason, a.now())
		},
	}
	cmd.Flags().StringVar(&deployFlag, "deploy", "", "deployment id (default: the only active deployment)")
	if reasonHelp != "" {
		cmd.Flags().StringVar(&reason, "reason", "", reasonHelp)
	}
	return cmd
}

// seenRollout reads the rollout a command decides on: the write that follows
// carries it, so another person's action in between refuses it (exit 3).
func seenRollout(ctx context.Context, s *data.Store, d model.Deployment) (model.Rollout, model.RolloutSeen, error) {
	r, _, err := s.Rollout(ctx, d.ID)
	return r, model.SeenRollout(r), err
}

// stageIndex finds --to's stage in the plan: its label ("25%", "25") or its
// place ("2/4").
func stageIndex(p model.Plan, to string) (int, error) {
	to = strings.TrimSpace(to)
	var labels []string
	for i, st := range p.Stages {
		place := fmt.Sprintf("%d/%d", i+1, len(p.Stages))
		if strings.EqualFold(to, st.Label) || strings.EqualFold(to+"%", st.Label) || to == place {
			return i, nil
		}
		labels = append(labels, st.Label)
	}
	return 0, usagef("--to %q is not a stage of this rollout: use one of %s (or its place, e.g. 2/%d)", to, strings.Join(labels, ", "), len(p.Stages))
}

func newDeployPromoteCmd(a *app) *cobra.Command {
	var to string
	cmd := rolloutCommand(a, "promote", "Move the rollout to its next stage (on a planned deployment: start it)",
		"Promote the rollout to its next stage. It needs --reason, recorded as an override, while\n"+
			"an open SEV1/SEV2 linked to the deployment holds it (HOLD), while rollback criteria are\n"+
			"met (a breach of the rule stays met until clear-criteria), without a health reading taken\n"+
			"during the stage and no older than rollout.health_max_age (default 5m), and before the\n"+
			"stage's soak has elapsed; the refusal lists each.\n"+
			"On a planned deployment it starts Deployment Execution and the rollout's first stage;\n"+
			"open Pre-Deployment items then need --reason too. The last stage is left with finish.\n\n"+
			"--to STAGE makes it safe to repeat: it promotes only from the stage just before STAGE.\n"+
			"Already at STAGE, it says since when and who put it there and changes nothing (exit 0);\n"+
			"anywhere else it is refused with the current stage (exit 3). Without --to, promote acts\n"+
			"on the stage it reads, and is refused (exit 3) if someone moves the rollout meanwhile.",
		"why you promote now (needed before the soak ends or while rollback criteria are met)",
		func(ctx context.Context, s *data.Store, d model.Deployment, reason string, now time.Time) error {
			if d.Status == model.StatusPlanned {
				return startRolloutCLI(ctx, a, s, d, reason, now)
			}
			r0, seen, err := seenRollout(ctx, s, d)
			if err != nil {
				return err
			}
			if to != "" && r0.Started() {
				want, err := stageIndex(r0.Plan, to)
				if err != nil {
					return err
				}
				if want != r0.Stage+1 || r0.Ended() {
					last, err := s.LatestRolloutEvent(ctx, d.ID)
					if err != nil {
						return err
					}
					label := r0.Status(now, false).Label
					if want == r0.Stage && !r0.Ended() {
						fmt.Fprintf(a.stdout, "%s: %s\n", name(d), model.AlreadyAt(label, last))
						return nil
					}
					return model.StaleRollout(model.SanitizeLine(d.Service), label, last)
				}
			}
			r, err := s.Promote(ctx, d.ID, seen, reason, a.actor(), now)
			if err != nil {
				return actionError(err)
			}
			st := r.Status(now, false)
			override := ""
			if h := r.History; len(h) > 0 && h[len(h)-1].Override != "" {
				override = ", override recorded"
			}
			fmt.Fprintf(a.stdout, "%s: promoted to %s%s%s\n", name(d), st.Label, override, soakNote(st, now))
			return nil
		})
	cmd.Flags().StringVar(&to, "to", "", "the stage to promote to (\"25%\" or \"2/4\"): repeat-safe, see above")
	return cmd
}

// startRolloutCLI is promote on a planned deployment: the CLI's way into
// Deployment Execution, as leaving Pre-Deployment is on the dashboard.
func startRolloutCLI(ctx context.Context, a *app, s *data.Store, d model.Deployment, reason string, now time.Time) error {
	if _, err := s.StartExecutionWithReason(ctx, d.ID, a.actor(), now, reason); err != nil {
		var ge *data.GateError
		if errors.As(err, &ge) {
			return fmt.Errorf("%s: tick them (flightdeck check ...) or pass --reason TEXT to start anyway, recorded as an override", ge)
		}
		return cliError(err)
	}
	r, _, err := s.Rollout(ctx, d.ID)
	if err != nil {
		return err
	}
	st := r.Status(now, false)
	if !r.Live() {
		fmt.Fprintf(a.stdout, "%s: started %s; rollout at %s, not live yet: its %s soak starts when %q is ticked (or flightdeck deploy live)\n",
			name(d), model.PhaseExecution, st.Label, model.FormatCountdown(st.Soak), model.LiveItemText)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: started %s; rollout at %s%s\n", name(d), model.PhaseExecution, st.Label, soakNote(st, now))
	return nil
}

func newDeployLiveCmd(a *app) *cobra.Command {
	return rolloutCommand(a, "live", "Say the canary takes traffic: the first stage's soak starts now",
		"Mark the rollout's first stage live: its soak starts now. This is what ticking\n"+
			"\""+model.LiveItemText+"\" does (and it ticks that item);\n"+
			"until then the soak does not run, so it cannot be served before the canary sees traffic.", "",
		func(ctx context.Context, s *data.Store, d model.Deployment, _ string, now time.Time) error {
			r, err := s.GoLive(ctx, d.ID, a.actor(), now)
			if err != nil {
				return actionError(err)
			}
			st := r.Status(now, false)
			fmt.Fprintf(a.stdout, "%s: %s is live%s\n", name(d), st.Label, soakNote(st, now))
			return nil
		})
}

func newDeployPauseCmd(a *app) *cobra.Command {
	return rolloutCommand(a, "pause", "Stop the soak clock; the remaining time is kept exactly",
		"Pause the rollout: the soak clock stops and the time left is stored, so it is the\n"+
			"same after a restart and in every dashboard. Promote and finish wait for resume.", "",
		func(ctx context.Context, s *data.Store, d model.Deployment, _ string, now time.Time) error {
			_, seen, err := seenRollout(ctx, s, d)
			if err != nil {
				return err
			}
			r, err := s.Pause(ctx, d.ID, seen, a.actor(), now)
			if err != nil {
				return actionError(err)
			}
			st := r.Status(now, false)
			fmt.Fprintf(a.stdout, "%s: paused at %s with %s of the soak left\n", name(d), st.Label, model.FormatCountdown(st.Remaining))
			return nil
		})
}

func newDeployResumeCmd(a *app) *cobra.Command {
	return rolloutCommand(a, "resume", "Restart the soak clock from where pause stopped it",
		"Resume a paused rollout: the soak ends the stored remaining time from now.", "",
		func(ctx context.Context, s *data.Store, d model.Deployment, _ string, now time.Time) error {
			_, seen, err := seenRollout(ctx, s, d)
			if err != nil {
				return err
			}
			r, err := s.Resume(ctx, d.ID, seen, a.actor(), now)
			if err != nil {
				return actionError(err)
			}
			st := r.Status(now, false)
			if st.Remaining == 0 {
				fmt.Fprintf(a.stdout, "%s: resumed %s: soak served, ready to promote\n", name(d), st.Label)
				return nil
			}
			fmt.Fprintf(a.stdout, "%s: resumed %s: %s left, ends %s\n", name(d), st.Label, model.FormatCountdown(st.Remaining), clockSec(st.EndsAt, now))
			return nil
		})
}

func newDeployAbortCmd(a *app) *cobra.Command {
	var yes bool
	var atFlag string
	cmd := rolloutCommand(a, "abort", "Stop the rollout and roll back (needs --yes)",
		"Abort the rollout and start the rollback: the deployment moves to its Rollback\n"+
			"checklist; ticking \""+model.StabilityItemText+"\" starts the\n"+
			"15-minute stability watch, and finish records the rollback done. A planned deployment\n"+
			"is simply aborted. Abort is never refused for want of a reason, but give one.",
		"why you roll back (recorded on the timeline)",
		func(ctx context.Context, s *data.Store, d model.Deployment, reason string, now time.Time) error {
			planned := d.Status == model.StatusPlanned
			_, seen, err := seenRollout(ctx, s, d)
			if err != nil {
				return err
			}
			ctx, at, err := backdated(ctx, atFlag, now)
			if err != nil {
				return err
			}
			r, err := s.Abort(ctx, d.ID, seen, reason, a.actor(), at)
			if err != nil {
				return actionError(err)
			}
			if planned {
				fmt.Fprintf(a.stdout, "%s: aborted before %s started%s\n", name(d), model.PhaseExecution, backdateNote(at, now))
				return nil
			}
			fmt.Fprintf(a.stdout, "%s: aborted at %s — rolling back: work the %s checklist, then flightdeck deploy finish\n",
				name(d), r.Status(now, false).Label, model.PhaseRollback)
			return nil
		})
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm the abort (it rolls the deployment back)")
	addAtFlag(cmd, &atFlag)
	// Destructive: refuse before anything is opened unless confirmed.
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if !yes {
			return usagef("abort rolls the deployment back: pass --yes to confirm (and --reason TEXT to say why)")
		}
		return run(c, args)
	}
	return cmd
}

func newDeployFinishCmd(a *app) *cobra.Command {
	var atFlag string
	cmd := rolloutCommand(a, "finish", "Complete the rollout from its last stage, or record a rollback done",
		"Finish the deployment. From the rollout's last stage it completes it; it needs --reason\n"+
			"before the final soak has elapsed, while rollback criteria are met or a SEV1/SEV2 on the\n"+
			"deployment holds it, without a fresh health reading, and to leave Deployment Execution\n"+
			"items open (they are listed). While rolling back it records the rollback done (the\n"+
			"deployment becomes rolled back); leaving Rollback items open needs --reason too.",
		"why you finish now (recorded as an override of whatever holds it)",
		func(ctx context.Context, s *data.Store, d model.Deployment, reason string, now time.Time) error {
			rollingBack := d.RollingBack()
			_, seen, err := seenRollout(ctx, s, d)
			if err != nil {
				return err
			}
			ctx, at, err := backdated(ctx, atFlag, now)
			if err != nil {
				return err
			}
			r, err := s.Finish(ctx, d.ID, seen, reason, a.actor(), at)
			if errors.Is(err, model.ErrNeedsReason) {
				// Name every item finishing would leave, not just the first
				// three: on stdout, so the error itself stays one line.
				if g, gerr := s.RolloutGate(ctx, d.ID); gerr == nil && len(g.OpenItems) > 0 {
					fmt.Fprintf(a.stdout, "%s: %s open:\n", name(d), g.OpenPhase)
					for _, it := range g.OpenItems {
						fmt.Fprintf(a.stdout, "   [ ] %s\n", model.SanitizeLine(it))
					}
				}
			}
			if err != nil {
				return actionError(err)
			}
			if !rollingBack {
				fmt.Fprintf(a.stdout, "%s: rollout complete at %s — deployment completed%s\n", name(d), r.Status(at, false).Label, backdateNote(at, now))
				return nil
			}
			note := ""
			if rem, ok := d.StabilityRemaining(at); !ok {
				note = " (the stability watch never started)"
			} else if rem > 0 {
				note = fmt.Sprintf(" (the stability watch had %s left)", model.FormatCountdown(rem))
			}
			fmt.Fprintf(a.stdout, "%s: rollback finished — deployment rolled back%s%s\n", name(d), note, backdateNote(at, now))
			return nil
		})
	addAtFlag(cmd, &atFlag)
	return cmd
}

func newDeployHealthCmd(a *app) *cobra.Command {
	var rateFlag, baseFlag, deployFlag string
	var exitStatus bool
	cmd := &cobra.Command{
		Use:   "health --error-rate PCT [--baseline PCT]",
		Short: "Record the current error rate and check it against the rollback rule",
		Long: "Record the deployment's current error rate (percent) and evaluate the rollback rule.\n" +
			"--baseline sets the error rate before the deploy; without it the last baseline is\n" +
			"kept. When the rule is met, promote and finish need --reason until a healthy reading.\n" +
			"Exits 0 whether or not the rule is met (read the line, or --json), unless\n" +
			"--exit-status: then 4 while the rollout is held, 5 while the rollback criteria are met.",
		Example: "  flightdeck deploy health --error-rate 1.4 --baseline 1.1\n" +
			"  flightdeck deploy health --error-rate 7.2%",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("error-rate") {
				if cmd.Flags().Changed("baseline") {
					// A baseline alone is not a reading: say the command that records one.
					return usagef("deploy health records a reading: give the current error rate with the baseline, "+
						"flightdeck deploy health --error-rate PCT --baseline %s (before the deploy the current rate is the baseline: --error-rate %s --baseline %s)",
						baseFlag, baseFlag, baseFlag)
				}
				return usagef("deploy health needs --error-rate PCT, e.g. --error-rate 1.4 (add --baseline PCT the first time)")
			}
			rate, err := model.ParsePercent(rateFlag)
			if err != nil {
				return usagef("--error-rate: %v", err)
			}
			var base *float64
			if cmd.Flags().Changed("baseline") {
				b, err := model.ParsePercent(baseFlag)
				if err != nil {
					return usagef("--baseline: %v", err)
				}
				base = &b
			}
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			d, err := selectDeployment(ctx, s, deployFlag)
			if err != nil {
				return err
			}
			met, why, err := s.RecordHealth(ctx, d.ID, rate, base, a.actor(), a.now())
			if err != nil {
				return cliError(err)
			}
			verdict := "within the rollback rule"
			if met {
				verdict = "ROLLBACK CRITERIA MET"
			}
			fmt.Fprintf(a.stdout, "%s: %s: %s\n", name(d), verdict, why)
			_, declared, err := s.RolloutHealth(ctx, d.ID)
			if err != nil {
				return err
			}
			for _, dc := range declared {
				what := "also declared"
				if dc.Latched {
					what = "latched"
				}
				fmt.Fprintf(a.stdout, "   %s: %s\n", what, model.SanitizeLine(dc.String()))
			}
			latched := false
			for _, dc := range declared {
				latched = latched || dc.Latched
			}
			if met || len(declared) > 0 {
				a.hint("   promote and finish now need --reason; to roll back: flightdeck deploy abort --yes --reason TEXT")
			}
			if latched && !met {
				a.hint("   the earlier breach stays latched: ROLLBACK CRITERIA MET until flightdeck deploy clear-criteria --reason TEXT")
			}
			if exitStatus {
				st, err := deployStatusOf(ctx, s, d.ID, a.now())
				if err != nil {
					return err
				}
				return exitStatusOf([]deployStatus{st})
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&rateFlag, "error-rate", "", "current error rate in percent, e.g. 1.4 or 1.4%")
	f.StringVar(&baseFlag, "baseline", "", "error rate before the deploy in percent (default: the last one recorded)")
	f.BoolVar(&exitStatus, "exit-status", false, "exit 4 while the rollout is held (linked SEV1/SEV2), 5 while its rollback criteria are met")
	f.StringVar(&deployFlag, "deploy", "", "deployment id (default: the only active deployment)")
	return cmd
}

func criterionNames() string {
	names := make([]string, len(model.Criteria))
	for i, c := range model.Criteria {
		first, _, _ := strings.Cut(string(c), "-")
		names[i] = first
	}
	return strings.Join(names, ", ")
}

func newDeployDeclareCmd(a *app) *cobra.Command {
	var reason, deployFlag string
	cmd := &cobra.Command{
		Use:   "declare CRITERION --reason TEXT",
		Short: "Declare a rollback criterion met: critical, security, performance or error-rate",
		Long: "Declare that one of the checklist's \"When to Rollback\" criteria is met, saying what\n" +
			"you saw. It holds the rollout like a met error-rate rule: promote and finish need\n" +
			"--reason until it is cleared with deploy clear-criteria.\n\n" +
			"CRITERION: " + criterionNames() + " (or the full names, e.g. security-vulnerability).",
		Example: "  flightdeck deploy declare critical --reason \"checkout returns 500 for saved cards\"",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("deploy declare needs one criterion (%s), e.g. flightdeck deploy declare critical --reason \"checkout fails\"", criterionNames())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := model.ParseCriterion(args[0])
			if err != nil {
				return usageError{err}
			}
			if strings.TrimSpace(reason) == "" {
				return usagef("deploy declare needs --reason TEXT: say what you saw")
			}
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			d, err := selectDeployment(ctx, s, deployFlag)
			if err != nil {
				return err
			}
			if err := s.DeclareCriterion(ctx, d.ID, c, reason, a.actor(), a.now()); err != nil {
				return cliError(err)
			}
			fmt.Fprintf(a.stdout, "%s: ROLLBACK CRITERIA MET — %s: %s\n", name(d), c.Label(), model.SanitizeLine(strings.TrimSpace(reason)))
			a.hint("   promote and finish now need --reason; to roll back: flightdeck deploy abort --yes --reason TEXT")
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "what you saw (required)")
	cmd.Flags().StringVar(&deployFlag, "deploy", "", "deployment id (default: the only active deployment)")
	return cmd
}

func newDeployClearCriteriaCmd(a *app) *cobra.Command {
	var reason, deployFlag string
	cmd := &cobra.Command{
		Use:   "clear-criteria --reason TEXT",
		Short: "Clear declared rollback criteria as a false alarm",
		Long: "Clear every rollback criterion declared on the deployment, saying why it was a false\n" +
			"alarm. An error rate that meets the rule is not cleared here: record a new reading\n" +
			"with deploy health, or promote with --reason.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if strings.TrimSpace(reason) == "" {
				return usagef("deploy clear-criteria needs --reason TEXT: say why it was a false alarm")
			}
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			d, err := selectDeployment(ctx, s, deployFlag)
			if err != nil {
				return err
			}
			_, declared, err := s.RolloutHealth(ctx, d.ID)
			if err != nil {
				return err
			}
			if err := s.ClearCriteria(ctx, d.ID, reason, a.actor(), a.now()); err != nil {
				return cliError(err)
			}
			fmt.Fprintf(a.stdout, "%s: cleared %s as a false alarm\n", name(d), plural(len(declared), "declared rollback criterion", "declared rollback criteria"))
			h, _, err := s.RolloutHealth(ctx, d.ID)
			if err != nil {
				return err
			}
			if met, why := s.Rule().Evaluate(h); met {
				fmt.Fprintf(a.stdout, "   still ROLLBACK CRITERIA MET by the last reading: %s — record a new one with flightdeck deploy health\n", why)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it was a false alarm (required)")
	cmd.Flags().StringVar(&deployFlag, "deploy", "", "deployment id (default: the only active deployment)")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
