package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

func newIncidentPostmortemScheduleCmd(a *app) *cobra.Command {
	var atFlag, owner, icsFile string
	cmd := &cobra.Command{
		Use:   "schedule ID --at TIME [--owner NAME] [--ics FILE|-]",
		Short: "Schedule (or move) the postmortem meeting; notifies, and writes an .ics invite",
		Long: "Record when the postmortem meeting is. The seed's rule: schedule it within 24–48 h\n" +
			"of resolution; a resolved SEV1/SEV2 with none scheduled 24 h after resolve is flagged\n" +
			"(incident list, incident show, the dashboard). Scheduling again moves it.\n\n" +
			"--at takes a time ahead: +24h, \"in 2h\", 14:00 (the next 14:00), \"tomorrow 10:00\",\n" +
			"2026-12-03 10:00 [+0100] or RFC 3339; without a zone it is your local time.\n" +
			"--owner is who runs it (default: the commander). --ics writes an RFC 5545 invite\n" +
			"(FILE, or - for stdout) to import into a calendar; a moved meeting's invite replaces\n" +
			"the earlier one (same UID).",
		Example: "  flightdeck incident postmortem schedule INC-4 --at \"tomorrow 10:00\" --owner dana --ics INC-4.ics",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if atFlag == "" {
				return usagef("--at is required: when the meeting is, e.g. --at \"tomorrow 10:00\" or --at +24h")
			}
			if icsFile == "-" && jsonOn(cmd) {
				return usagef("--ics - and --json both write stdout: give --ics a file")
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				at, err := model.ParseFutureTime(atFlag, now, time.Local)
				if err != nil {
					return usagef("--at: %v", err)
				}
				inc, err := s.ScheduleMeeting(ctx, before.ID, at, owner, a.actor(), now)
				if err != nil {
					return err
				}
				m := *inc.Meeting
				out := a.stdout
				if icsFile == "-" {
					out = a.stderr
				}
				verb := "scheduled"
				if before.Meeting != nil && !before.Meeting.At.Equal(m.At) {
					verb = "moved"
				} else if before.Meeting != nil {
					verb = "already scheduled"
				}
				fmt.Fprintf(out, "%s postmortem meeting %s: %s (%s), owner %s\n", inc.Ref(), verb,
					m.At.In(time.Local).Format("2006-01-02 15:04 MST"), meetingCountdown(m.At, now), model.SanitizeLine(m.Owner))
				if !inc.ResolvedAt.IsZero() {
					if m.At.Before(inc.ResolvedAt.Add(model.PostmortemEarliest)) || m.At.After(inc.ResolvedAt.Add(model.PostmortemLatest)) {
						a.hint("the meeting is outside 24–48 h of resolution (%s–%s)",
							inc.ResolvedAt.Add(model.PostmortemEarliest).In(time.Local).Format("Jan 2 15:04"),
							inc.ResolvedAt.Add(model.PostmortemLatest).In(time.Local).Format("Jan 2 15:04 MST"))
					}
				}
				if icsFile == "" {
					return nil
				}
				var links []model.Link
				if cfg, err := a.config(); err == nil {
					links = cfg.Links
				}
				invite := meetingInvite(inc, m, "", links, now)
				if icsFile == "-" {
					_, err := fmt.Fprint(a.stdout, invite)
					return err
				}
				if err := os.WriteFile(icsFile, []byte(invite), 0o644); err != nil {
					return fmt.Errorf("--ics: %w (the meeting is recorded; write the invite again with the same command)", err)
				}
				fmt.Fprintf(out, "invite written to %s (UID %s)\n", icsFile, meetingUID(inc.ID))
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&atFlag, "at", "", "when: +24h, \"in 2h\", 14:00 (next), \"tomorrow 10:00\", 2026-12-03 10:00 [+0100] or RFC 3339")
	f.StringVar(&owner, "owner", "", "who runs the postmortem (default: the commander)")
	f.StringVar(&icsFile, "ics", "", "write an RFC 5545 invite to FILE (- for stdout)")
	return cmd
}

// meetingCountdown is "in 21:30" or "started 00:10 ago".
func meetingCountdown(at, now time.Time) string {
	if model.Reached(now, at) {
		return "started " + model.FormatCountdown(model.Elapsed(at, now)) + " ago"
	}
	return "in " + model.FormatCountdown(model.Left(now, at))
}
