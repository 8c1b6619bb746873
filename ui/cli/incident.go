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

func newIncidentCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Open and run incidents: severity, escalation ladder, roles, updates, timeline",
		Long: "Open and run incidents. ID is INC-7, inc-7 or 7. Every command writes one timeline\n" +
			"event with who and when, the same events the dashboard shows live. Times print in UTC.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usagef("unknown incident command %q: see flightdeck incident --help", args[0])
		},
	}
	cmd.AddCommand(newIncidentOpenCmd(a), newIncidentListCmd(a), newIncidentShowCmd(a),
		newIncidentNoteCmd(a), newIncidentSevCmd(a), newIncidentAckCmd(a), newIncidentEscalateCmd(a, false),
		newIncidentEscalateCmd(a, true), newIncidentStatusCmd(a, model.IncidentMitigated), newIncidentResolveCmd(a),
		newIncidentStatusCmd(a, model.IncidentOpen), newIncidentCommanderCmd(a), newIncidentUpdateCmd(a),
		newIncidentSecurityCmd(a), newIncidentActionCmd(a), newIncidentRootCauseCmd(a), newIncidentStarCmd(a), newIncidentReportCmd(a), newIncidentPostmortemCmd(a),
		newIncidentLinkCmd(a), newIncidentUnlinkCmd(a))
	return cmd
}

// incAfter reads the incident back after a successful write, for the
// confirmation line.
func incAfter(ctx context.Context, s *data.Store, id int64, err error) (model.Incident, error) {
	if err != nil {
		return model.Incident{}, err
	}
	return s.Incident(ctx, id)
}

// parseIncidentArg reads INC-7, inc-7 or 7.
func parseIncidentArg(s string) (int64, error) {
	id, err := model.ParseIncidentRef(s)
	if err != nil {
		return 0, usageError{err}
	}
	return id, nil
}

// incidentArgs requires the incident id first, then at least min more words.
func incidentArgs(min int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < 1+min {
			example, _, _ := strings.Cut(strings.TrimSpace(cmd.Example), "\n")
			return usagef("%s needs %s, e.g. %s", cmd.CommandPath(), what, example)
		}
		if min == 0 && len(args) > 1 {
			return usagef("%s takes only the incident id (got %q): see %s --help", cmd.CommandPath(), strings.Join(args, " "), cmd.CommandPath())
		}
		return nil
	}
}

// incidentArgsBody is incidentArgs for a command whose text may come from
// --body-file instead of arguments: the id is required, the text is checked
// by bodyOrArgs.
func incidentArgsBody(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < 1 {
			example, _, _ := strings.Cut(strings.TrimSpace(cmd.Example), "\n")
			return usagef("%s needs %s, e.g. %s", cmd.CommandPath(), what, example)
		}
		return nil
	}
}

// incidentError explains a store error: bad input is bad usage (exit 2), a
// missing incident points at the list.
func incidentError(err error) error {
	if errors.Is(err, data.ErrNotFound) && !errors.Is(err, data.ErrInvalid) {
		return fmt.Errorf("%w: see flightdeck incident list --all", err)
	}
	return cliError(err)
}

// withIncident opens the store, reads INC-arg as it is before the change,
// runs fn and reports its error the incident way.
func withIncident(cmd *cobra.Command, a *app, arg string, fn func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error) error {
	id, err := parseIncidentArg(arg)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	s, err := a.open(ctx)
	if err != nil {
		return err
	}
	before, err := s.Incident(ctx, id)
	if err != nil {
		return incidentError(err)
	}
	noteIncident(ctx, before.ID)
	if err := fn(ctx, s, before, incNow(a)); err != nil {
		return incidentError(err)
	}
	return nil
}

func newIncidentOpenCmd(a *app) *cobra.Command {
	var sevFlag, deployFlag, atFlag string
	var security bool
	cmd := &cobra.Command{
		Use:   "open --sev N TITLE...",
		Short: "Open an incident and start its escalation clocks",
		Long: "Open an incident. --sev is required: 1–4, SEV1–SEV4 or critical/high/medium/low\n" +
			"(" + strings.Join(sevDescriptions(), "; ") + ").\n\n" +
			"It is linked to a deployment only when you say so with --deploy ID: a link makes that\n" +
			"deployment a change failure in flightdeck metrics. Without --deploy it is linked to none\n" +
			"and a hint on stderr names the active deployments; link later with flightdeck incident link.\n" +
			"An open SEV1/SEV2 freezes new deployments until it is resolved.",
		Example: "  flightdeck incident open --sev 2 checkout returns 500s\n" +
			"  flightdeck incident open --sev SEV1 --security --deploy 3 \"customer data exposed\"",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef(`incident open needs a title, e.g. flightdeck incident open --sev 2 "checkout returns 500s"`)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("sev") {
				return usagef("--sev is required: %s", strings.Join(sevDescriptions(), "; "))
			}
			sev, err := model.ParseSeverity(sevFlag)
			if err != nil {
				return usagef("--sev: %v", err)
			}
			n := model.NewIncident{Title: strings.Join(args, " "), Severity: sev, Security: security}
			if n, err = n.Normalize(); err != nil {
				return usageError{err}
			}
			explicit := strings.TrimSpace(deployFlag) != "" && !strings.EqualFold(strings.TrimSpace(deployFlag), "none")
			if explicit {
				if n.DeploymentID, err = parseDeployID(deployFlag); err != nil {
					return err
				}
			}
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			now := incNow(a)
			ctx, at, err := backdated(ctx, atFlag, now)
			if err != nil {
				return err
			}
			inc, err := s.OpenIncident(ctx, n, a.actor(), at)
			if err != nil {
				return incidentError(err)
			}
			noteIncident(ctx, inc.ID)
			link := ""
			if inc.DeploymentID != 0 {
				if d, err := s.Deployment(ctx, inc.DeploymentID); err == nil {
					link = fmt.Sprintf(" (linked to #%d %s)", d.ID, model.SanitizeLine(d.Service))
				}
			}
			w := a.stdout
			fmt.Fprintf(w, "opened %s %s %q%s%s\n", inc.Ref(), inc.Severity.Label(), model.SanitizeLine(inc.Title), link, backdateNote(at, now))
			if !explicit {
				if hint := incidentLinkHint(ctx, s, inc); hint != "" {
					fmt.Fprintln(a.stderr, hint)
				}
			}
			writeLadder(w, inc, s.Policy(), now)
			if inc.NeedsCommander() {
				a.hint("no commander yet: name one with flightdeck incident commander %s NAME", inc.Ref())
			}
			if inc.Severity.Major() {
				a.hint("deploys are frozen until %s is resolved", inc.Ref())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sevFlag, "sev", "", "severity: 1–4 or SEV1–SEV4 (required)")
	f.BoolVar(&security, "security", false, "security-related: the Security Lead step is due at once")
	f.StringVar(&deployFlag, "deploy", "", `link to this deployment id (default: none)`)
	addAtFlag(cmd, &atFlag)
	return cmd
}

// incidentLinkHint tells how to link an incident opened without --deploy
// when deployments are active; it never links one itself: a guessed link
// would count an unrelated deployment as a change failure.
func incidentLinkHint(ctx context.Context, s *data.Store, inc model.Incident) string {
	active, err := s.ActiveDeployments(ctx)
	if err != nil || len(active) == 0 {
		return ""
	}
	if len(active) == 1 {
		d := active[0]
		return fmt.Sprintf("hint: %s is not linked to a deployment; if #%d %s caused it: flightdeck incident link %s --deploy %d",
			inc.Ref(), d.ID, model.SanitizeLine(d.Title()), inc.Ref(), d.ID)
	}
	names := make([]string, len(active))
	for i, d := range active {
		names[i] = fmt.Sprintf("#%d %s", d.ID, model.SanitizeLine(d.Service))
	}
	return fmt.Sprintf("hint: %s is not linked to a deployment (%d active: %s); if one caused it: flightdeck incident link %s --deploy ID",
		inc.Ref(), len(active), strings.Join(names, ", "), inc.Ref())
}

func sevDescriptions() []string {
	out := make([]string, len(model.Severities))
	for i, s := range model.Severities {
		out[i] = s.Describe()
	}
	return out
}

func newIncidentNoteCmd(a *app) *cobra.Command {
	var atFlag, bodyFile string
	var force bool
	cmd := &cobra.Command{
		Use:   "note ID (TEXT... | - | --body-file FILE)",
		Short: "Add a note to the incident's timeline, optionally backdated",
		Long: "Add a note to the timeline. --at backdates it: -5m (five minutes ago), 14:02 or\n" +
			"14:02:30 (today, in your local time zone) or RFC 3339. A backdated note sits in the\n" +
			"timeline where it happened, says when it was entered and carries the severity the\n" +
			"incident had then. A note dated before the incident opened needs --force (the alert\n" +
			"that led to it); 24 hours before opening is the limit even then.\n" +
			"A note of several lines comes from a file (--body-file FILE) or stdin (- or\n" +
			"--body-file -); its line breaks are kept.",
		Example: "  flightdeck incident note INC-4 rolled back to v2.13.1\n" +
			"  flightdeck incident note 4 --at 14:02 --force first alert fired\n" +
			"  flightdeck incident note INC-4 - < findings.txt",
		Args: incidentArgsBody("an incident id and the note"),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := bodyOrArgs("body-file", bodyFile, args[1:], a, "the note")
			if err != nil {
				return err
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, inc model.Incident, now time.Time) error {
				at, err := model.ParseWhen(atFlag, now, time.Local)
				if err != nil {
					return usagef("--at: %v", err)
				}
				if err := s.AddIncidentNote(ctx, inc.ID, text, a.actor(), at, force); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s note added at %s\n", inc.Ref(), clockSec(at, now))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&atFlag, "at", "", "when it happened (default now): -5m, 14:02 (local), 2026-11-25 14:02 [+0100] or RFC 3339")
	cmd.Flags().StringVar(&bodyFile, "body-file", "", "read the note from FILE (- for stdin); line breaks are kept")
	cmd.Flags().BoolVar(&force, "force", false, "accept an --at before the incident opened (at most 24h before)")
	return cmd
}

func newIncidentSevCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sev ID N",
		Short: "Raise or lower the severity (SEV1/SEV2 start the Engineering Lead clock)",
		Long: "Change the severity. Raising to SEV1/SEV2 starts the Engineering Lead's 15 minutes\n" +
			"from now; lowering to SEV3/SEV4 cancels the clocks that only SEV1/SEV2 need.\n" +
			strings.Join(sevDescriptions(), "\n"),
		Example: "  flightdeck incident sev INC-4 1",
		Args:    incidentArgs(1, "an incident id and a severity"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("incident sev takes an incident id and one severity, e.g. flightdeck incident sev INC-4 1")
			}
			sev, err := model.ParseSeverity(args[1])
			if err != nil {
				return usageError{err}
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				inc, err := incAfter(ctx, s, before.ID, s.SetIncidentSeverity(ctx, before.ID, model.SeenIncident(before), sev, a.actor(), now))
				if err != nil {
					return err
				}
				if before.Severity == sev {
					fmt.Fprintf(a.stdout, "%s is already %s\n", inc.Ref(), sev.Label())
				} else {
					fmt.Fprintf(a.stdout, "%s %s → %s\n", inc.Ref(), before.Severity.Label(), sev.Label())
				}
				fmt.Fprintln(a.stdout, incStatusLine(inc, s.Policy(), now))
				return nil
			})
		},
	}
}

// startHonouringGates starts a deployment from `deploy start`: refused
// while an open SEV1/SEV2 freezes deploys, unless --override-freeze gives a
// reason, and refused while another deployment of the service is in flight
// in that environment, unless --reason gives one. The store records each
// override with the deployment, in the same transaction.
func startHonouringGates(cmd *cobra.Command, a *app, s *data.Store, n model.NewDeployment, tpl model.Template, o model.StartOverride, now time.Time) (model.Deployment, error) {
	ctx := cmd.Context()
	for _, f := range []struct{ flag, v string }{{"override-freeze", o.Freeze}, {"reason", o.InFlight}} {
		if cmd.Flags().Changed(f.flag) {
			if _, err := model.ValidateFreezeOverride(f.v); err != nil {
				return model.Deployment{}, usagef("--%s: %v", f.flag, err)
			}
		}
	}
	frozen, reason, err := s.Freeze(ctx)
	if err != nil {
		return model.Deployment{}, err
	}
	active, err := s.ActiveDeployments(ctx)
	if err != nil {
		return model.Deployment{}, err
	}
	beside, inFlight := model.InFlight(active, n.Service, n.Environment)
	d, err := s.StartDeploymentWith(ctx, n, tpl, o, a.actor(), now)
	var fe *data.FreezeError
	var ie *data.InFlightError
	switch {
	case errors.As(err, &fe):
		return d, fmt.Errorf("deploys are frozen: %s — to deploy anyway pass --override-freeze REASON (it is recorded)", fe.Reason)
	case errors.As(err, &ie):
		return d, fmt.Errorf("%s already has %s — to start %s %s beside it pass --reason REASON (it is recorded), or finish or abort #%d first",
			model.SanitizeLine(ie.Service), model.SanitizeLine(ie.InFlight), model.SanitizeLine(n.Service), model.SanitizeLine(n.Version), ie.ID)
	case err != nil:
		return d, cliError(err)
	}
	if frozen && o.Freeze != "" {
		fmt.Fprintf(a.stdout, "change freeze overridden (%s): recorded on the timeline\n", reason)
	}
	if inFlight && o.InFlight != "" {
		fmt.Fprintf(a.stdout, "started beside #%d %s, still in flight: recorded on the timeline\n", beside.ID, model.SanitizeLine(beside.Version))
	}
	return d, nil
}
