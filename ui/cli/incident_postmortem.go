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

// newIncidentPostmortemCmd edits the postmortem's fields and status.
func newIncidentPostmortemCmd(a *app) *cobra.Command {
	texts := map[string]*string{}
	var detectedAt, status, reason, bodyFile, field string
	cmd := &cobra.Command{
		Use:   "postmortem ID [--summary TEXT] [--impact TEXT] [--detection TEXT] [--detected-at TIME] [--contributing TEXT] [--lessons-well TEXT] [--lessons-wrong TEXT] [--lessons-lucky TEXT] [--owner NAME] [--status draft|in-review|published [--reason TEXT]] [--field NAME --body-file FILE|-]",
		Short: "Write the postmortem: summary, impact, detection, lessons, owner, status",
		Long: "Set the postmortem's fields (an empty value clears one) and its status. The status moves\n" +
			"draft → in-review → published, one step at a time; back to draft from in-review or\n" +
			"published needs --reason, which the timeline keeps. Each run is one timeline event.\n" +
			"Long text (several lines kept) comes from a file or stdin: --field summary --body-file\n" +
			"summary.md (fields: summary, impact, detection, contributing, lessons-well,\n" +
			"lessons-wrong, lessons-lucky).",
		Example: "  flightdeck incident postmortem INC-4 --summary \"checkout 5xx for 12 minutes after v2.14.0\" --owner dana\n" +
			"  flightdeck incident postmortem INC-4 --status in-review\n" +
			"  flightdeck incident postmortem INC-4 --status draft --reason \"impact numbers missing\"\n" +
			"  flightdeck incident postmortem INC-4 --field lessons-wrong --body-file - < wrong.md",
		Args: incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var e model.PostmortemEdit
			for _, f := range model.PostmortemFields {
				if cmd.Flags().Changed(f.Name) {
					f.Set(&e, *texts[f.Name])
				}
			}
			if bodyFile != "" || field != "" {
				var names []string
				var target *model.PostmortemField
				for i, f := range model.PostmortemFields {
					if f.Name == "owner" {
						continue
					}
					names = append(names, f.Name)
					if f.Name == field {
						target = &model.PostmortemFields[i]
					}
				}
				switch {
				case bodyFile == "":
					return usagef("--field %s needs --body-file FILE (- for stdin) with its text", field)
				case target == nil:
					return usagef("--body-file needs --field NAME, one of %s", strings.Join(names, ", "))
				case cmd.Flags().Changed(target.Name):
					return usagef("give the %s once: with --%s or with --field %s --body-file, not both", target.Name, target.Name, target.Name)
				}
				text, _, err := readBody("body-file", bodyFile, a)
				if err != nil {
					return err
				}
				target.Set(&e, text)
			}
			if cmd.Flags().Changed("detected-at") {
				t := time.Time{}
				if strings.TrimSpace(detectedAt) != "" {
					var err error
					if t, err = model.ParseTime(detectedAt, incNow(a), time.Local); err != nil {
						return usagef("--detected-at: %v", err)
					}
				}
				e.DetectedAt = &t
			}
			if cmd.Flags().Changed("status") {
				st, err := model.ParsePostmortemStatus(status)
				if err != nil {
					return usagef("--status: %v", err)
				}
				e.Status = &st
			}
			e.Reason = reason
			if e.Empty() {
				return usagef("incident postmortem needs a field to set, e.g. --summary TEXT, --owner NAME or --status in-review")
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				inc, err := s.SetPostmortem(ctx, before.ID, e, a.actor(), now)
				if err != nil {
					return cliError(err)
				}
				noteIncident(ctx, inc.ID)
				if inc.Postmortem == before.Postmortem {
					fmt.Fprintf(a.stdout, "%s postmortem unchanged\n", inc.Ref())
					return nil
				}
				pm := inc.Postmortem
				fmt.Fprintf(a.stdout, "%s postmortem %s, owner %s\n", inc.Ref(), pm.State().Label(), orNone(model.SanitizeLine(pm.Owner)))
				a.hint("see it in the report: flightdeck incident report %s", inc.Ref())
				return nil
			})
		},
	}
	for _, f := range model.PostmortemFields {
		v := new(string)
		texts[f.Name] = v
		cmd.Flags().StringVar(v, f.Name, "", strings.ToLower(f.Label[:1])+f.Label[1:]+" (empty clears it)")
	}
	cmd.Flags().StringVar(&detectedAt, "detected-at", "", "when it was detected: 09:28:40, -5m, 2026-12-01T09:28:40Z (empty clears it)")
	cmd.Flags().StringVar(&status, "status", "", "draft, in-review or published")
	cmd.Flags().StringVar(&reason, "reason", "", "why the postmortem goes back to draft")
	cmd.Flags().StringVar(&field, "field", "", "with --body-file: the text field it fills (summary, impact, detection, contributing, lessons-well, lessons-wrong, lessons-lucky)")
	cmd.Flags().StringVar(&bodyFile, "body-file", "", "read --field's text from FILE (- for stdin); line breaks are kept")
	cmd.AddCommand(newIncidentPostmortemScheduleCmd(a))
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "not assigned"
	}
	return s
}

// newIncidentActionCmd adds an action item, or with --done/--undo/--edit
// changes one.
func newIncidentActionCmd(a *app) *cobra.Command {
	var owner, due, kind string
	var done, undo, edit int
	cmd := &cobra.Command{
		Use:   "action ID [TEXT...] [--owner NAME] [--due YYYY-MM-DD] [--kind prevent|mitigate|detect] | --done N | --undo N | --edit N",
		Short: "Add a follow-up action item, or mark one done (--done N) or change it (--edit N)",
		Example: "  flightdeck incident action INC-4 \"alert on checkout 5xx rate\" --owner dana --due 2026-12-08 --kind detect\n" +
			"  flightdeck incident action INC-4 --done 2\n" +
			"  flightdeck incident action INC-4 --edit 2 --owner sam --due 2026-12-15",
		Args: cobra.MinimumNArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("incident action needs an incident id, e.g. flightdeck incident action INC-4 \"alert on 5xx rate\" --owner NAME")
			}
			fl := cmd.Flags()
			nModes := 0
			for _, f := range []string{"done", "undo", "edit"} {
				if fl.Changed(f) {
					nModes++
				}
			}
			text := strings.TrimSpace(strings.Join(args[1:], " "))
			switch {
			case nModes > 1:
				return usagef("give one of --done N, --undo N, --edit N")
			case nModes == 0 && text == "":
				return usagef("incident action needs the action's text, e.g. flightdeck incident action %s \"alert on 5xx rate\" --owner NAME, or --done N", args[0])
			case nModes == 1 && text != "":
				return usagef("--done/--undo/--edit change an existing item by its number: drop the text %q", text)
			}
			dueT, err := model.ParseDueDate(due)
			if err != nil {
				return usagef("--due: %v", err)
			}
			k, err := model.ParseActionKind(kind)
			if err != nil {
				return usagef("--kind: %v", err)
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				noteIncident(ctx, before.ID)
				if nModes == 0 {
					it, err := s.AddActionItemWith(ctx, before.ID, model.ActionItem{Text: text, Owner: owner, Due: dueT, Kind: k}, a.actor(), now)
					if err != nil {
						return cliError(err)
					}
					fmt.Fprintf(a.stdout, "%s %s\n", before.Ref(), model.SanitizeLine(model.TextActionItemAdded(it)))
					return nil
				}
				var e model.ActionItemEdit
				pos := edit
				switch {
				case fl.Changed("done"):
					pos, e.Done = done, ptr(true)
				case fl.Changed("undo"):
					pos, e.Done = undo, ptr(false)
				}
				if fl.Changed("owner") {
					e.Owner = &owner
				}
				if fl.Changed("due") {
					e.Due = &dueT
				}
				if fl.Changed("kind") {
					e.Kind = &k
				}
				if fl.Changed("edit") && e == (model.ActionItemEdit{}) {
					return usagef("--edit %d needs what to change: --owner, --due or --kind", edit)
				}
				it, err := s.EditActionItem(ctx, before.ID, pos, e, a.actor(), now)
				if err != nil {
					return cliError(err)
				}
				state := "open"
				if it.Done {
					state = "done"
				}
				fmt.Fprintf(a.stdout, "%s action item %d (%s): %s\n", before.Ref(), it.Position, state, model.SanitizeLine(it.Text))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "who owns the action")
	cmd.Flags().StringVar(&due, "due", "", "due day, YYYY-MM-DD")
	cmd.Flags().StringVar(&kind, "kind", "", "prevent, mitigate or detect")
	cmd.Flags().IntVar(&done, "done", 0, "mark action item N done")
	cmd.Flags().IntVar(&undo, "undo", 0, "mark action item N not done")
	cmd.Flags().IntVar(&edit, "edit", 0, "change action item N's --owner, --due or --kind")
	return cmd
}

func ptr[T any](v T) *T { return &v }

// The report as JSON (incident report --json) and the postmortem in
// incident show --json: snake_case keys, times RFC 3339 in UTC, null when
// not set, durations in whole seconds.

type postmortemJSON struct {
	Summary      string   `json:"summary"`
	Impact       string   `json:"impact"`
	Detection    string   `json:"detection"`
	DetectedAt   jsonTime `json:"detected_at"`
	Contributing string   `json:"contributing_factors"`
	WentWell     string   `json:"went_well"`
	WentWrong    string   `json:"went_wrong"`
	Lucky        string   `json:"lucky"`
	Owner        string   `json:"owner"`
	Status       string   `json:"status"`
	StatusAt     jsonTime `json:"status_at"`
	StatusBy     string   `json:"status_by"`
}

func newPostmortemJSON(p model.Postmortem) postmortemJSON {
	return postmortemJSON{Summary: p.Summary, Impact: p.Impact, Detection: p.Detection, DetectedAt: jsonTime(p.DetectedAt),
		Contributing: p.Contributing, WentWell: p.WentWell, WentWrong: p.WentWrong, Lucky: p.Lucky, Owner: p.Owner,
		Status: string(p.State()), StatusAt: jsonTime(p.StatusAt), StatusBy: p.StatusBy}
}

type actionItemJSON struct {
	Number int      `json:"number"`
	Text   string   `json:"text"`
	Owner  string   `json:"owner"`
	Due    *string  `json:"due"` // YYYY-MM-DD
	Kind   string   `json:"kind"`
	Done   bool     `json:"done"`
	DoneAt jsonTime `json:"done_at"`
	DoneBy string   `json:"done_by"`
}

func newActionItemsJSON(items []model.ActionItem) []actionItemJSON {
	out := []actionItemJSON{}
	for _, it := range items {
		j := actionItemJSON{Number: it.Position, Text: it.Text, Owner: it.Owner, Kind: string(it.Kind), Done: it.Done,
			DoneAt: jsonTime(it.DoneAt), DoneBy: it.DoneBy}
		if d := model.FormatDueDate(it.Due); d != "" {
			j.Due = &d
		}
		out = append(out, j)
	}
	return out
}

type reportStepJSON struct {
	Step           int      `json:"step"`
	Role           string   `json:"role"`
	Due            jsonTime `json:"due"`
	State          string   `json:"state"`
	OverdueSeconds int64    `json:"overdue_seconds"`
	Why            string   `json:"why"`
	Reached        string   `json:"reached"`
	By             string   `json:"by"`
	At             jsonTime `json:"at"`
}

type meetingJSON struct {
	At          jsonTime `json:"at"`
	Owner       string   `json:"owner"`
	Where       string   `json:"where"`
	ScheduledBy string   `json:"scheduled_by"`
	ScheduledAt jsonTime `json:"scheduled_at"`
}

type reportJSON struct {
	Ref             string               `json:"ref"`
	Title           string               `json:"title"`
	Status          string               `json:"status"`
	PeakSeverity    string               `json:"peak_severity"`
	FinalSeverity   string               `json:"final_severity"`
	SeverityHistory []severityChangeJSON `json:"severity_history"`
	Security        bool                 `json:"security"`
	DeploymentID    *int64               `json:"deployment_id"`
	Commander       string               `json:"commander"`
	Scribe          string               `json:"scribe"`
	Comms           string               `json:"comms"`
	OpenedAt        jsonTime             `json:"opened_at"`
	OpenedBy        string               `json:"opened_by"`
	AcknowledgedAt  jsonTime             `json:"acknowledged_at"`
	MitigatedAt     jsonTime             `json:"mitigated_at"`
	ResolvedAt      jsonTime             `json:"resolved_at"`
	TTASeconds      *int64               `json:"tta_seconds"`
	TTMSeconds      *int64               `json:"ttm_seconds"`
	TTRSeconds      *int64               `json:"ttr_seconds"`
	RootCause       string               `json:"root_cause"`
	Postmortem      postmortemJSON       `json:"postmortem"`
	Escalation      []reportStepJSON     `json:"escalation"`
	ActionItems     []actionItemJSON     `json:"action_items"`
	KeyMoments      []eventJSON          `json:"key_moments"`
	Timeline        []eventJSON          `json:"timeline"`
	StarredOnly     bool                 `json:"starred_only"`
	Meeting         *meetingJSON         `json:"meeting"` // null: not scheduled
	MeetingEarliest jsonTime             `json:"meeting_earliest"`
	MeetingLatest   jsonTime             `json:"meeting_latest"`
}

func newReportJSON(r model.Report) reportJSON {
	inc := r.Incident
	secs := func(d time.Duration, ok bool) *int64 {
		if !ok {
			return nil
		}
		v := seconds(d)
		return &v
	}
	j := reportJSON{Ref: inc.Ref(), Title: inc.Title, Status: string(inc.Status), PeakSeverity: r.PeakSeverity.Label(),
		FinalSeverity: r.FinalSeverity.Label(), SeverityHistory: []severityChangeJSON{}, Security: inc.Security,
		DeploymentID: incOptID(inc.DeploymentID), Commander: inc.Commander, Scribe: inc.Scribe, Comms: inc.Comms,
		OpenedAt: jsonTime(inc.OpenedAt), OpenedBy: inc.OpenedBy, AcknowledgedAt: jsonTime(r.Times.AckedAt),
		MitigatedAt: jsonTime(r.Times.MitigatedAt), ResolvedAt: jsonTime(inc.ResolvedAt),
		TTASeconds: secs(r.Times.TTA, r.Times.HasTTA), TTMSeconds: secs(r.Times.TTM, r.Times.HasTTM), TTRSeconds: secs(r.Times.TTR, r.Times.HasTTR),
		RootCause: inc.RootCause, Postmortem: newPostmortemJSON(inc.Postmortem), Escalation: []reportStepJSON{},
		ActionItems: newActionItemsJSON(inc.ActionItems), KeyMoments: eventsJSON(r.KeyMoments), Timeline: eventsJSON(r.Timeline),
		StarredOnly: r.StarredOnly, MeetingEarliest: jsonTime(r.MeetingEarliest), MeetingLatest: jsonTime(r.MeetingLatest)}
	for _, c := range inc.SeverityHistory {
		j.SeverityHistory = append(j.SeverityHistory, severityChangeJSON{jsonTime(c.At), c.From.Label(), c.To.Label(), c.By})
	}
	for _, s := range r.Ladder {
		j.Escalation = append(j.Escalation, reportStepJSON{Step: s.Number, Role: s.Role, Due: jsonTime(s.Due), State: string(s.State),
			OverdueSeconds: seconds(s.Overdue), Why: s.Why, Reached: s.Reached, By: s.By, At: jsonTime(s.At)})
	}
	if m := r.Meeting; m != nil {
		j.Meeting = &meetingJSON{At: jsonTime(m.At), Owner: m.Owner, Where: m.Where, ScheduledBy: m.ScheduledBy, ScheduledAt: jsonTime(m.ScheduledAt)}
	}
	return j
}

func eventsJSON(evs []model.Event) []eventJSON {
	out := []eventJSON{}
	for _, e := range evs {
		ej := eventJSON{ID: e.ID, At: jsonTime(e.At), Actor: e.Actor, Kind: string(e.Kind),
			DeploymentID: incOptID(e.DeploymentID), Starred: e.Starred, Text: e.Text}
		if e.Severity.Valid() {
			l := e.Severity.Label()
			ej.Severity = &l
		}
		out = append(out, ej)
	}
	return out
}
