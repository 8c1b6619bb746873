package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/model"
)

func newIncidentListCmd(a *app) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list [--all] [--json]",
		Short: "List open incidents, most urgent first, with the next escalation deadline",
		Long: "List open and mitigated incidents, most urgent first: reference, severity, status,\n" +
			"age, commander and the next escalation deadline (UTC). --all adds resolved ones.\n" +
			"--json prints an array with snake_case keys and RFC 3339 UTC times.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			var incs []model.Incident
			if all {
				incs, err = s.Incidents(ctx, 0)
			} else {
				incs, err = s.OpenIncidents(ctx)
			}
			if err != nil {
				return err
			}
			now := incNow(a)
			pp := a.incPolicies(s)
			p := pp.esc
			model.SortByUrgency(incs, p, now)
			if asJSON {
				out := make([]incidentJSON, len(incs))
				for i, inc := range incs {
					out[i] = newIncidentJSONWith(inc, now, pp)
				}
				return writeJSON(a.stdout, out)
			}
			const header = "REF\tSEV\tSTATUS\tAGE\tCOMMANDER\tNEXT DEADLINE (UTC)\tTITLE"
			if len(incs) == 0 {
				if !a.tty { // a script still gets the columns
					fmt.Fprintln(a.stdout, header)
				}
				a.hint("no open incidents — open one with: flightdeck incident open --sev N TITLE")
				return nil
			}
			tw := a.table()
			fmt.Fprintln(tw, header)
			for _, inc := range incs {
				commander := model.SanitizeLine(inc.Commander)
				switch {
				case inc.NeedsCommander():
					commander = "NONE (needed)"
				case commander == "":
					commander = "—"
				}
				next := "—"
				if st, ok := p.NextDeadline(inc, now); ok {
					next = st.Step.ShortRole() + " " + incDeadline(st, now, "")
				} else if pm := postmortemShort(inc, now); pm != "" {
					next = pm
				}
				sec := ""
				if inc.Security {
					sec = " [security]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", inc.Ref(), inc.Severity.Label(), inc.Status,
					model.FormatDurationShort(model.Elapsed(inc.OpenedAt, now)), commander, next, model.SanitizeLine(inc.Title), sec)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if frozen, reason := model.Freeze(incs); frozen {
				a.hint("FREEZE: deploys are frozen (%s)", reason)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	cmd.Flags().BoolVar(&all, "all", false, "include resolved incidents")
	return cmd
}

func newIncidentShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID [--json]",
		Short: "Show an incident: escalation ladder, roles, updates, timeline",
		Long: "Show everything about an incident: status, roles, the whole escalation ladder with\n" +
			"due and acknowledgement times, severity history, stakeholder updates, action items and\n" +
			"the timeline (with event ids for incident star). Times are UTC.",
		Example: "  flightdeck incident show INC-4",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, inc, timeline, err := a.incidentWithTimeline(ctx, args[0])
			if err != nil {
				return err
			}
			deployment, service := "", ""
			if inc.DeploymentID != 0 {
				if d, err := s.Deployment(ctx, inc.DeploymentID); err == nil {
					deployment = fmt.Sprintf("#%d %s — %s", d.ID, model.SanitizeLine(d.Title()), d.Status.Label())
					service = d.Service
				}
			}
			now := incNow(a)
			if asJSON {
				return writeJSON(a.stdout, newIncidentDetailJSON(inc, timeline, now, a.incPolicies(s)))
			}
			writeIncident(a.stdout, inc, deployment, service, timeline, now, a.incPolicies(s))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// writeIncident prints the incident; timeline entries of the linked
// deployment (service names it) are tagged "[#7 checkout-api]".
func writeIncident(w io.Writer, inc model.Incident, deployment, service string, timeline []model.Event, now time.Time, pp incPolicies) {
	fmt.Fprintf(w, "%s %s %s — %s\n", inc.Ref(), inc.Severity.Label(), inc.Severity.Name(), model.SanitizeLine(inc.Title))
	status := string(inc.Status)
	switch inc.Status {
	case model.IncidentMitigated:
		status += " since " + clock(inc.MitigatedAt, now)
	case model.IncidentResolved:
		status += fmt.Sprintf(" %s, after %s", clock(inc.ResolvedAt, now), model.FormatDurationShort(model.Elapsed(inc.OpenedAt, inc.ResolvedAt)))
	}
	fmt.Fprintf(w, "  status:     %s\n", status)
	fmt.Fprintf(w, "  opened:     %s by %s (%s ago)\n", clock(inc.OpenedAt, now), model.SanitizeLine(inc.OpenedBy), model.FormatDurationShort(model.Elapsed(inc.OpenedAt, now)))
	if deployment != "" {
		fmt.Fprintf(w, "  deployment: %s\n", deployment)
	}
	if inc.Security {
		fmt.Fprintf(w, "  security:   flagged %s\n", clock(inc.SecurityAt, now))
	}
	commander := model.SanitizeLine(inc.Commander)
	if inc.NeedsCommander() {
		commander = fmt.Sprintf("NONE — name one: flightdeck incident commander %s NAME", inc.Ref())
	} else if commander == "" {
		commander = "—"
	}
	fmt.Fprintf(w, "  commander:  %s\n", commander)
	for _, r := range []struct{ label, who string }{{"scribe", inc.Scribe}, {"comms", inc.Comms}} {
		if r.who != "" {
			fmt.Fprintf(w, "  %-11s %s\n", r.label+":", model.SanitizeLine(r.who))
		}
	}
	if due, ok := pp.upd.NextUpdateDue(inc); ok {
		fmt.Fprintf(w, "  next update due %s\n", incDue(due, now))
	}
	if len(inc.SeverityHistory) > 0 {
		parts := []string{inc.SeverityHistory[0].From.Label() + " at open"}
		for _, c := range inc.SeverityHistory {
			parts = append(parts, fmt.Sprintf("%s %s by %s", c.To.Label(), clock(c.At, now), model.SanitizeLine(c.By)))
		}
		fmt.Fprintf(w, "  severity:   %s\n", strings.Join(parts, " → "))
	}
	writeLadder(w, inc, pp.esc, now)
	if m := inc.Meeting; m != nil {
		fmt.Fprintf(w, "postmortem: %s (%s), owner %s\n", clock(m.At, now), meetingCountdown(m.At, now), model.SanitizeLine(m.Owner))
	} else if flag := model.PostmortemFlag(inc, now); flag != "" {
		fmt.Fprintf(w, "%s\n", flag)
	} else if model.PostmortemStatusAt(inc, now) == model.MeetingToSchedule {
		fmt.Fprintf(w, "postmortem: schedule within 24–48 h of resolve: flightdeck incident postmortem schedule %s --at …\n", inc.Ref())
	}
	if inc.RootCause != "" {
		lines := strings.Split(model.SanitizeText(inc.RootCause), "\n")
		fmt.Fprintf(w, "root cause: %s\n", model.SanitizeLine(lines[0]))
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "            %s\n", model.SanitizeLine(l))
		}
	}
	if len(inc.ActionItems) > 0 {
		fmt.Fprintln(w, "action items:")
		for i, it := range inc.ActionItems {
			line := fmt.Sprintf("  %d. %s", i+1, model.SanitizeLine(it.Text))
			if d := model.ActionItemDetails(it); d != "" {
				line += " (" + model.SanitizeLine(d) + ")"
			}
			if it.Done {
				line += " — done"
			}
			fmt.Fprintln(w, line)
		}
	}
	var updates []model.Event
	for _, e := range timeline {
		if e.Kind == model.EventIncidentUpdate {
			updates = append(updates, e)
		}
	}
	if len(updates) > 0 {
		fmt.Fprintln(w, "stakeholder updates:")
		for _, e := range updates {
			fmt.Fprintf(w, "  %s  %s  %s\n", clock(e.At, now), model.SanitizeLine(e.Actor), model.SanitizeLine(strings.TrimPrefix(e.Text, "update: ")))
		}
	}
	fmt.Fprintln(w, "timeline:")
	for _, e := range timeline {
		star := " "
		if e.Starred {
			star = "★"
		}
		text := model.SanitizeLine(e.Text)
		if e.FromDeployment(inc.ID) {
			text = model.DeploymentTag(e.DeploymentID, service) + " " + text
		}
		fmt.Fprintf(w, "  %s %s  #%d  %s  %s\n", star, clock(e.At, now), e.ID, model.SanitizeLine(e.Actor), text)
	}
}

// writeLadder prints every escalation step with its absolute due time (UTC)
// and its state: a countdown, OVERDUE +mm:ss, who acknowledged it, or why
// it is not needed.
func writeLadder(w io.Writer, inc model.Incident, p model.EscalationPolicy, now time.Time) {
	fmt.Fprintln(w, "escalation:")
	for _, st := range p.Ladder(inc, now) {
		role := st.Step.Role
		if st.Step.Person != "" {
			role += " (" + st.Step.Person + ")"
		}
		var state string
		switch st.State {
		case model.StepPending, model.StepDue, model.StepOverdue:
			state = "due " + incDeadline(st, now, " UTC")
			if inc.Status == model.IncidentResolved { // closed: the clock stopped at resolve (review D31)
				due := clock(st.Due, now)
				switch st.State {
				case model.StepPending:
					state = "not reached before resolve (was due " + due + ")"
				default:
					state = "never acknowledged: was overdue +" + model.FormatCountdown(st.Overdue) + " at resolve (due " + due + ")"
				}
			}
		case model.StepAcknowledged:
			state = fmt.Sprintf("acknowledged %s by %s", clock(st.AckedAt, now), model.SanitizeLine(st.AckedBy))
			if st.Reached != "" {
				state += ", reached " + model.SanitizeLine(st.Reached)
			}
		default:
			state = string(st.State)
			if st.Why != "" {
				state += ": " + model.SanitizeLine(st.Why)
			}
		}
		fmt.Fprintf(w, "  %d  %-30s %s\n", st.Step.Number, role, state)
	}
}

// incDeadline is "14:15 in 03:12", "14:02 DUE NOW" (the first minute) or
// "14:15 OVERDUE +02:10" — never a negative countdown; zone follows the
// clock time (" UTC", or "" under a column that says UTC).
func incDeadline(st model.StepStatus, now time.Time, zone string) string {
	at := st.Due.UTC().Format("15:04")
	if st.Due.UTC().Format(time.DateOnly) != now.UTC().Format(time.DateOnly) {
		at = st.Due.UTC().Format("2006-01-02 15:04")
	}
	at += zone
	switch st.State {
	case model.StepPending:
		return at + " in " + model.FormatCountdown(st.Remaining)
	case model.StepDue:
		return at + " DUE NOW"
	}
	// The clock rule (model/clock.go): +00:00 in the deadline's own second.
	return at + " OVERDUE +" + model.FormatCountdown(st.Overdue)
}

// incStatusLine sums an incident up after a change:
// "INC-4 SEV2 open · commander erin · next: Eng Lead 14:57 in 15:00".
func incStatusLine(inc model.Incident, p model.EscalationPolicy, now time.Time) string {
	parts := []string{fmt.Sprintf("%s %s %s", inc.Ref(), inc.Severity.Label(), inc.Status)}
	if inc.NeedsCommander() {
		parts = append(parts, "no commander")
	} else if inc.Commander != "" {
		parts = append(parts, "commander "+model.SanitizeLine(inc.Commander))
	}
	if st, ok := p.NextDeadline(inc, now); ok {
		parts = append(parts, "next: "+st.Step.ShortRole()+" "+incDeadline(st, now, " UTC"))
	} else if inc.Status.Active() {
		parts = append(parts, "no escalation pending")
	}
	return strings.Join(parts, " · ")
}

// postmortemShort is incident list's next column for a resolved incident:
// the meeting's countdown, or the flag when none is scheduled 24 h after
// resolve.
func postmortemShort(inc model.Incident, now time.Time) string {
	switch model.PostmortemStatusAt(inc, now) {
	case model.MeetingScheduled:
		return "postmortem " + clock(inc.Meeting.At, now) + " " + meetingCountdown(inc.Meeting.At, now)
	case model.MeetingUnscheduled:
		return "postmortem NOT SCHEDULED"
	case model.MeetingToSchedule:
		return "postmortem to schedule"
	}
	return ""
}

// incNow is the CLI's clock at the database's precision, so a time just
// stored and the countdown computed from it agree to the millisecond.
func incNow(a *app) time.Time { return a.now().Round(0).Truncate(time.Millisecond) }

// incDue is "15:02 UTC, in 48:00" or "15:02 UTC, OVERDUE +02:10".
func incDue(due, now time.Time) string {
	phrase, _ := model.FormatLeftOrOverdue(now, due)
	return clock(due, now) + ", " + phrase
}
