package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// The incident commands that change an incident after it is open.

func newIncidentAckCmd(a *app) *cobra.Command {
	var step int
	var reached string
	cmd := &cobra.Command{
		Use:   "ack ID",
		Short: "Record that the person behind an escalation step was reached",
		Long: "Acknowledge an escalation step: record that its person was reached (--reached NAME).\n" +
			"Without --step, the step that is due (paged) now, the most overdue first; a pending step\n" +
			"nobody has paged yet is never acknowledged without --step. Run twice, the second run says\n" +
			"which step was already acknowledged, by whom and when, and acknowledges nothing: exit 0\n" +
			"when it reached the same --reached person (a retry), exit 3 otherwise.",
		Example: "  flightdeck incident ack INC-4 --step 2 --reached \"Dana (Eng Lead)\"",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("step") && step <= 0 {
				return usagef("--step %d is not a step: steps count from 1 (see flightdeck incident show %s)", step, args[0])
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				step := step
				if step == 0 { // decided here, on the incident as read: the step paged now
					if next, ok := s.Policy().NextDeadline(before, now); ok && (next.State == model.StepDue || next.State == model.StepOverdue) {
						step = next.Step.Number
					}
				}
				inc, err := incAfter(ctx, s, before.ID, s.AckStep(ctx, before.ID, model.SeenIncident(before), step, reached, a.actor(), now))
				if errors.Is(err, model.ErrStale) && ackRetry(before, step, reached) {
					fmt.Fprintln(a.stdout, model.SanitizeLine(err.Error()))
					return nil
				}
				if err != nil {
					return err
				}
				ack := inc.Acks[len(inc.Acks)-1]
				for _, k := range inc.Acks { // the one just recorded
					if k.At.Equal(now) && k.By == a.actor() {
						ack = k
					}
				}
				st, _ := s.Policy().Step(ack.Step)
				line := fmt.Sprintf("%s step %d %s acknowledged", inc.Ref(), ack.Step, st.Role)
				if ack.Reached != "" {
					line += " (reached " + model.SanitizeLine(ack.Reached) + ")"
				}
				fmt.Fprintln(a.stdout, line)
				fmt.Fprintln(a.stdout, incStatusLine(inc, s.Policy(), now))
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&step, "step", 0, "the step number (default: the one due first)")
	cmd.Flags().StringVar(&reached, "reached", "", "who was reached")
	return cmd
}

// ackRetry reports whether an ack refused as stale repeats the latest one
// (the same step, or no step named, reaching the same person): a retried
// script gets exit 0, and still nothing new is written.
func ackRetry(inc model.Incident, step int, reached string) bool {
	var last model.Ack
	for _, a := range inc.Acks {
		if last.Step == 0 || !a.At.Before(last.At) {
			last = a
		}
	}
	return last.Step != 0 && (step == 0 || step == last.Step) && strings.EqualFold(strings.TrimSpace(last.Reached), strings.TrimSpace(reached))
}

// newIncidentEscalateCmd is "escalate" (escalate now; --step optional) or,
// with skip, "skip" (skip to --step, passing over the steps before it).
func newIncidentEscalateCmd(a *app, skip bool) *cobra.Command {
	var step int
	var reason string
	cmd := &cobra.Command{
		Use:     "escalate ID --reason TEXT",
		Short:   "Escalate now: make a step due at once, with a reason",
		Long:    "Make an escalation step due now. Without --step, the next step of the ladder.",
		Example: "  flightdeck incident escalate INC-4 --reason \"customers on the status page\"",
	}
	if skip {
		cmd.Use = "skip ID --step N --reason TEXT"
		cmd.Short = "Skip to a step: make it due at once and pass over the steps before it"
		cmd.Long = "Skip to escalation step N: it is due now, and every earlier unacknowledged step is\n" +
			"marked skipped. The Security Lead step runs beside the ladder and is never skipped."
		cmd.Example = "  flightdeck incident skip INC-4 --step 3 --reason \"Eng Lead unreachable\""
	}
	cmd.Args = incidentArgs(0, "an incident id")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if strings.TrimSpace(reason) == "" {
			return usagef("--reason is required: say why, it goes in the timeline, e.g. %s", cmd.Example)
		}
		switch {
		case skip && !cmd.Flags().Changed("step"):
			return usagef("--step N is required: the step to go to (see flightdeck incident show %s)", args[0])
		case cmd.Flags().Changed("step") && step <= 0:
			return usagef("--step %d is not a step: steps count from 1 (see flightdeck incident show %s)", step, args[0])
		}
		return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
			var inc model.Incident
			var err error
			if skip {
				inc, err = incAfter(ctx, s, before.ID, s.SkipToStep(ctx, before.ID, model.SeenIncident(before), step, reason, a.actor(), now))
			} else {
				inc, err = incAfter(ctx, s, before.ID, s.EscalateNow(ctx, before.ID, model.SeenIncident(before), step, reason, a.actor(), now))
			}
			if err != nil {
				return err
			}
			m := inc.Escalations[len(inc.Escalations)-1]
			st, _ := s.Policy().Step(m.Step)
			verb := "escalated to"
			if skip {
				verb = "skipped to"
			}
			fmt.Fprintf(a.stdout, "%s %s step %d %s: due now\n", inc.Ref(), verb, m.Step, st.Role)
			fmt.Fprintln(a.stdout, incStatusLine(inc, s.Policy(), now))
			return nil
		})
	}
	cmd.Flags().IntVar(&step, "step", 0, "the step number")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; goes in the timeline)")
	return cmd
}

// newIncidentStatusCmd is "mitigate" (to mitigated) or "reopen" (to open).
func newIncidentStatusCmd(a *app, to model.IncidentStatus) *cobra.Command {
	var reason, atFlag string
	cmd := &cobra.Command{
		Use:     "mitigate ID",
		Short:   "Mark the impact stopped (escalation clocks run until resolved)",
		Example: "  flightdeck incident mitigate INC-4",
		Args:    incidentArgs(0, "an incident id"),
	}
	if to == model.IncidentOpen {
		cmd.Use, cmd.Short = "reopen ID", "Reopen a mitigated incident whose mitigation did not hold"
		cmd.Example = "  flightdeck incident reopen INC-4 --reason \"errors are back\""
		cmd.Flags().StringVar(&reason, "reason", "", "what happened")
	}
	addAtFlag(cmd, &atFlag)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
			if before.Status == to { // a repeated command: nothing to do, and nothing written
				fmt.Fprintf(a.stdout, "%s is already %s\n", before.Ref(), to)
				fmt.Fprintln(a.stdout, incStatusLine(before, s.Policy(), now))
				return nil
			}
			var inc model.Incident
			ctx, at, err := backdated(ctx, atFlag, now)
			if err != nil {
				return err
			}
			if to == model.IncidentOpen {
				inc, err = incAfter(ctx, s, before.ID, s.ReopenIncident(ctx, before.ID, model.SeenIncident(before), reason, a.actor(), at))
			} else {
				inc, err = incAfter(ctx, s, before.ID, s.MitigateIncident(ctx, before.ID, model.SeenIncident(before), a.actor(), at))
			}
			if err != nil {
				return err
			}
			word := map[model.IncidentStatus]string{model.IncidentOpen: "reopened", model.IncidentMitigated: "mitigated"}[to]
			if before.Status == to {
				fmt.Fprintf(a.stdout, "%s is already %s\n", inc.Ref(), to)
			} else {
				fmt.Fprintf(a.stdout, "%s %s%s\n", inc.Ref(), word, backdateNote(at, now))
			}
			fmt.Fprintln(a.stdout, incStatusLine(inc, s.Policy(), now))
			return nil
		})
	}
	return cmd
}

func newIncidentResolveCmd(a *app) *cobra.Command {
	var rootCause, atFlag string
	var yes bool
	cmd := &cobra.Command{
		Use:   "resolve ID --yes [--root-cause TEXT]",
		Short: "Resolve the incident (final; stops the escalation clocks)",
		Long: "Resolve the incident. Resolved is final — a recurrence is a new incident — so --yes is\n" +
			"required to confirm. On an incident someone has already resolved it is refused with who\n" +
			"resolved it, when, and their root cause (exit 3); your --root-cause is not recorded\n" +
			"(set it with incident root-cause if it adds to theirs).",
		Example: "  flightdeck incident resolve INC-4 --yes --root-cause \"bad feature flag default in v2.14.0\"",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("resolving is final: add --yes to confirm, e.g. flightdeck incident resolve %s --yes", args[0])
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				ctx, at, err := backdated(ctx, atFlag, now)
				if err != nil {
					return err
				}
				inc, err := incAfter(ctx, s, before.ID, s.ResolveIncident(ctx, before.ID, model.SeenIncident(before), rootCause, a.actor(), at))
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s resolved after %s%s\n", inc.Ref(), model.FormatDurationShort(model.Elapsed(inc.OpenedAt, inc.ResolvedAt)), backdateNote(at, now))
				if inc.RootCause == "" {
					a.hint("no root cause recorded yet: flightdeck incident root-cause %s TEXT", inc.Ref())
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&rootCause, "root-cause", "", "what caused it")
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm: resolving is final")
	addAtFlag(cmd, &atFlag)
	return cmd
}

func newIncidentCommanderCmd(a *app) *cobra.Command {
	var role string
	cmd := &cobra.Command{
		Use:   "commander ID NAME... [--role commander|scribe|comms]",
		Short: "Name the incident commander (or scribe, comms); naming someone new is a hand-off",
		Example: "  flightdeck incident commander INC-4 erin\n" +
			"  flightdeck incident commander INC-4 frank --role scribe",
		Args: incidentArgs(1, "an incident id and a name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				person := strings.Join(args[1:], " ")
				inc, err := incAfter(ctx, s, before.ID, s.SetCommander(ctx, before.ID, model.SeenIncident(before), role, person, a.actor(), now))
				if err != nil {
					return err
				}
				r := strings.ToLower(strings.TrimSpace(role))
				was := map[string]string{data.RoleCommander: before.Commander, data.RoleScribe: before.Scribe, data.RoleComms: before.Comms}[r]
				line := fmt.Sprintf("%s %s: %s", inc.Ref(), r, model.SanitizeLine(strings.TrimSpace(person)))
				switch {
				case was == strings.TrimSpace(person):
					line += " (unchanged)"
				case was != "":
					line += " (was " + model.SanitizeLine(was) + ")"
				}
				fmt.Fprintln(a.stdout, line)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", data.RoleCommander, "commander, scribe or comms")
	return cmd
}

func newIncidentUpdateCmd(a *app) *cobra.Command {
	var u model.StakeholderUpdate
	var bodyFile string
	cmd := &cobra.Command{
		Use:   "update ID (--conditions TEXT --actions TEXT [--needs TEXT] | --body-file FILE)",
		Short: "Post a stakeholder update (Conditions / Actions / Needs); restarts the update clock",
		Example: "  flightdeck incident update INC-4 --conditions \"checkout failing for 5% of users\" \\\n" +
			"      --actions \"rolling back v2.14.0\" --needs \"DBA on call\"\n" +
			"  flightdeck incident update INC-4 --body-file update.txt   # Conditions:/Actions:/Needs: sections",
		Args: incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, ok, err := readBody("body-file", bodyFile, a)
			if err != nil {
				return err
			}
			if ok {
				if u != (model.StakeholderUpdate{}) {
					return usagef("give the update once: with --body-file, or with --conditions/--actions/--needs, not both")
				}
				if u.Conditions, u.Actions, u.Needs, err = parseUpdateBody(body); err != nil {
					return usagef("--body-file: %v", err)
				}
			}
			if err := u.Validate(); err != nil {
				if ok {
					return usagef("--body-file: %v (a Conditions: and an Actions: section are required)", err)
				}
				return usagef("%v (--conditions and --actions are required)", err)
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				inc, err := incAfter(ctx, s, before.ID, s.PostUpdate(ctx, before.ID, model.SeenIncident(before), u, a.actor(), now))
				if err != nil {
					return err
				}
				line := inc.Ref() + " update posted"
				if due, ok := a.incPolicies(s).upd.NextUpdateDue(inc); ok {
					line += "; next update due " + incDue(due, now)
				}
				fmt.Fprintln(a.stdout, line)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&u.Conditions, "conditions", "", "what is happening and who is affected")
	f.StringVar(&u.Actions, "actions", "", "what is being done")
	f.StringVar(&u.Needs, "needs", "", "what the responders need (optional)")
	f.StringVar(&bodyFile, "body-file", "", "read the update from FILE (- for stdin): sections Conditions:, Actions: and (optional) Needs:, each on its own line")
	return cmd
}

func newIncidentSecurityCmd(a *app) *cobra.Command {
	var off bool
	cmd := &cobra.Command{
		Use:     "security ID [--off]",
		Short:   "Flag the incident security-related (the Security Lead is due at once), or clear it",
		Example: "  flightdeck incident security INC-4",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				inc, err := incAfter(ctx, s, before.ID, s.SetSecurity(ctx, before.ID, !off, a.actor(), now))
				if err != nil {
					return err
				}
				switch {
				case before.Security == inc.Security && inc.Security:
					fmt.Fprintf(a.stdout, "%s is already flagged security-related\n", inc.Ref())
				case before.Security == inc.Security:
					fmt.Fprintf(a.stdout, "%s is not flagged security-related\n", inc.Ref())
				case inc.Security:
					fmt.Fprintf(a.stdout, "%s flagged security-related\n", inc.Ref())
				default:
					fmt.Fprintf(a.stdout, "%s security flag cleared\n", inc.Ref())
				}
				fmt.Fprintln(a.stdout, incStatusLine(inc, s.Policy(), now))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&off, "off", false, "clear the flag")
	return cmd
}

func newIncidentRootCauseCmd(a *app) *cobra.Command {
	var bodyFile string
	cmd := &cobra.Command{
		Use:   "root-cause ID (TEXT... | - | --body-file FILE)",
		Short: "Record the root cause",
		Long: "Record the root cause. A cause of several lines (the cause, then contributing\n" +
			"factors) comes from a file (--body-file FILE) or stdin (- or --body-file -); its\n" +
			"line breaks are kept.",
		Example: "  flightdeck incident root-cause INC-4 bad feature flag default in v2.14.0\n" +
			"  flightdeck incident root-cause INC-4 --body-file cause.txt",
		Args: incidentArgsBody("an incident id and the root cause"),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := bodyOrArgs("body-file", bodyFile, args[1:], a, "the root cause")
			if err != nil {
				return err
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				inc, err := incAfter(ctx, s, before.ID, s.SetRootCause(ctx, before.ID, text, a.actor(), now))
				if err != nil {
					return err
				}
				first, _, multi := strings.Cut(model.SanitizeText(inc.RootCause), "\n")
				if multi {
					first += fmt.Sprintf(" (+%d more lines)", strings.Count(inc.RootCause, "\n"))
				}
				fmt.Fprintf(a.stdout, "%s root cause: %s\n", inc.Ref(), model.SanitizeLine(first))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&bodyFile, "body-file", "", "read the root cause from FILE (- for stdin); line breaks are kept")
	return cmd
}

func newIncidentStarCmd(a *app) *cobra.Command {
	var off bool
	cmd := &cobra.Command{
		Use:   "star EVENT [--off]",
		Short: "Star a timeline event as a key moment for the report (ids in incident show)",
		Example: "  flightdeck incident star 1234\n" +
			"  flightdeck incident star 1234 --off",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("incident star needs one event id, the #N shown by flightdeck incident show")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(args[0]), "#"), 10, 64)
			if err != nil || id <= 0 {
				return usagef("%q is not an event id: pass the #N shown by flightdeck incident show", args[0])
			}
			ctx := cmd.Context()
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			if err := s.StarEvent(ctx, id, !off, a.actor(), incNow(a)); err != nil {
				return cliError(err)
			}
			word := "starred"
			if off {
				word = "unstarred"
			}
			fmt.Fprintf(a.stdout, "event #%d %s\n", id, word)
			noteValue(ctx, func() any { return starJSON{EventID: id, Starred: !off} })
			return nil
		},
	}
	cmd.Flags().BoolVar(&off, "off", false, "remove the star")
	return cmd
}
