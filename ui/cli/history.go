package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// defaultHistoryLimit is how many deployments `history` lists unless told.
const defaultHistoryLimit = 50

func newHistoryCmd(a *app) *cobra.Command {
	var service, env, status string
	var limit, offset int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history [--service S] [--env E] [--status S] [--limit N] [--json]",
		Short: "List past deployments, newest first (history show ID for one in full)",
		Long: "List deployments newest first: when, what, strategy, status, how long it took, its lead\n" +
			"time and whether it was a hotfix. Filter by --service, --env and --status (planned,\n" +
			"in_progress, completed, rolled_back, aborted). --limit 0 lists all; --offset pages back.\n" +
			"--json prints an array with snake_case keys, RFC 3339 UTC times and durations in seconds.\n" +
			"flightdeck history show ID prints one deployment with its checklist, rollout, incidents and timeline.",
		Example: "  flightdeck history\n  flightdeck history --service checkout-api --status rolled_back\n  flightdeck history show 42",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 || offset < 0 {
				return usagef("--limit and --offset take 0 or more (--limit 0 lists every deployment)")
			}
			f := data.DeploymentFilter{Service: service, Environment: env, Limit: limit, Offset: offset}
			if status != "" {
				st, err := parseDeployStatus(status)
				if err != nil {
					return err
				}
				f.Status = st
			}
			ctx := cmd.Context()
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			deps, err := s.DeploymentsFiltered(ctx, f)
			if err != nil {
				return cliError(err)
			}
			if asJSON {
				out := make([]historyJSON, len(deps))
				for i, d := range deps {
					out[i] = newHistoryJSON(d)
				}
				return writeJSON(a.stdout, out)
			}
			total, err := s.DeploymentCount(ctx, f)
			if err != nil {
				return err
			}
			return writeHistoryText(a, deps, total, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&service, "service", "", "only this service")
	fl.StringVar(&env, "env", "", "only this environment")
	fl.StringVar(&status, "status", "", "only this status: planned, in_progress, completed, rolled_back or aborted")
	fl.IntVar(&limit, "limit", defaultHistoryLimit, "at most this many (0: all)")
	fl.IntVar(&offset, "offset", 0, "skip this many of the newest first")
	fl.BoolVar(&asJSON, "json", false, "print JSON for scripts")
	cmd.AddCommand(newHistoryShowCmd(a))
	return cmd
}

// parseDeployStatus forgives case and "-" or " " for "_".
func parseDeployStatus(s string) (model.Status, error) {
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	if norm == "rolledback" {
		norm = string(model.StatusRolledBack)
	}
	if st := model.Status(norm); st.Valid() {
		return st, nil
	}
	return "", usagef("--status %q is not a deployment status: use planned, in_progress, completed, rolled_back or aborted", s)
}

// took is how long a finished deployment ran, start to finish.
func took(d model.Deployment) (time.Duration, bool) {
	if d.FinishedAt.IsZero() || d.FinishedAt.Before(d.CreatedAt) {
		return 0, false
	}
	return model.Elapsed(d.CreatedAt, d.FinishedAt), true // the clock rule, as the dashboard's history shows it
}

// leadTime is commit → completion, as the metrics count it.
func leadTime(d model.Deployment) (time.Duration, bool) {
	if d.Status != model.StatusCompleted || d.CommittedAt.IsZero() || !d.FinishedAt.After(d.CommittedAt) {
		return 0, false
	}
	return d.FinishedAt.Sub(d.CommittedAt), true
}

func durOr(d time.Duration, ok bool) string {
	if !ok {
		return "—"
	}
	return model.FormatDurationShort(d)
}

// writeHistoryText prints the table (aligned on a terminal, else
// tab-separated) on stdout and the paging trailer on stderr.
func writeHistoryText(a *app, deps []model.Deployment, total int, f data.DeploymentFilter) error {
	const header = "ID\tSTARTED (UTC)\tSERVICE\tVERSION\tENV\tSTRATEGY\tSTATUS\tTOOK\tLEAD TIME\tNOTE"
	if len(deps) == 0 {
		if !a.tty { // a script still gets the columns
			fmt.Fprintln(a.stdout, header)
		}
		if total == 0 {
			a.hint("no deployments match — see every one with: flightdeck history")
		} else {
			a.hint("no deployments past --offset %d (%d match)", f.Offset, total)
		}
		return nil
	}
	tw := a.table()
	fmt.Fprintln(tw, header)
	for _, d := range deps {
		note := ""
		if d.HotfixFor != 0 {
			note = fmt.Sprintf("hotfix for INC-%d", d.HotfixFor)
		}
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.CreatedAt.UTC().Format("2006-01-02 15:04"),
			model.SanitizeLine(d.Service), model.SanitizeLine(d.Version), model.SanitizeLine(d.Environment), d.Strategy, d.Status.Label(),
			durOr(took(d)), durOr(leadTime(d)), note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	first, last := f.Offset+1, f.Offset+len(deps)
	if last < total {
		a.hint("%d–%d of %d, newest first; older: --offset %d; one in full: flightdeck history show ID", first, last, total, last)
	} else {
		a.hint("%d–%d of %d, newest first; one in full: flightdeck history show ID", first, last, total)
	}
	return nil
}

// historyJSON is the stable shape of one deployment in `history --json`.
type historyJSON struct {
	ID              int64    `json:"id"`
	Title           string   `json:"title"`
	Service         string   `json:"service"`
	Version         string   `json:"version"`
	Environment     string   `json:"environment"`
	Strategy        string   `json:"strategy"`
	Status          string   `json:"status"`
	StartedBy       string   `json:"started_by"`
	CreatedAt       jsonTime `json:"created_at"`
	UpdatedAt       jsonTime `json:"updated_at"`
	ExecutionAt     jsonTime `json:"execution_at"`
	FinishedAt      jsonTime `json:"finished_at"`
	RollbackAt      jsonTime `json:"rollback_at"`
	StabilityAt     jsonTime `json:"stability_at"`
	CommitSHA       string   `json:"commit_sha"`
	CommittedAt     jsonTime `json:"committed_at"`
	DurationSeconds *int64   `json:"duration_seconds"`  // created → finished; null while active
	LeadTimeSeconds *int64   `json:"lead_time_seconds"` // commit → completed; null when not counted
	HotfixFor       *int64   `json:"hotfix_for"`        // incident id
}

func optSeconds(d time.Duration, ok bool) *int64 {
	if !ok {
		return nil
	}
	s := int64(d / time.Second)
	return &s
}

func newHistoryJSON(d model.Deployment) historyJSON {
	return historyJSON{ID: d.ID, Title: d.Title(), Service: d.Service, Version: d.Version, Environment: d.Environment,
		Strategy: string(d.Strategy), Status: string(d.Status), StartedBy: d.StartedBy, CreatedAt: jsonTime(d.CreatedAt),
		UpdatedAt: jsonTime(d.UpdatedAt), ExecutionAt: jsonTime(d.ExecutionAt), FinishedAt: jsonTime(d.FinishedAt),
		RollbackAt: jsonTime(d.RollbackAt), StabilityAt: jsonTime(d.StabilityAt), CommitSHA: d.CommitSHA,
		CommittedAt: jsonTime(d.CommittedAt), DurationSeconds: optSeconds(took(d)), LeadTimeSeconds: optSeconds(leadTime(d)),
		HotfixFor: incOptID(d.HotfixFor)}
}

func newHistoryShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID [--json]",
		Short: "Show one deployment in full: checklist with who/when, rollout stages, incidents, timeline",
		Long: "Show everything recorded about a deployment: its checklist with who changed each item and\n" +
			"when, the rollout's stages with the time spent soaking vs waiting for a promote, health\n" +
			"readings, the incidents linked to it (and the one it fixed), and its timeline. Times are UTC.",
		Example: "  flightdeck history show 42\n  flightdeck history show 42 --json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("history show needs one deployment id, e.g. flightdeck history show 42")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseDeployArg(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			det, err := loadDeploymentDetail(ctx, s, id)
			if err != nil {
				if errors.Is(err, data.ErrNotFound) {
					return fmt.Errorf("%w: see flightdeck history", err)
				}
				return err
			}
			now := a.now()
			if asJSON {
				return writeJSON(a.stdout, newDeploymentDetailJSON(det, now))
			}
			writeDeploymentDetail(a.stdout, det, now)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// parseDeployArg reads a deployment id given as an argument: 42 or #42.
func parseDeployArg(s string) (int64, error) {
	id, err := parseDeployID(s)
	if err != nil {
		return 0, usagef("%q is not a deployment id: pass the number shown by flightdeck history, e.g. 42", s)
	}
	return id, nil
}

type deploymentDetail struct {
	d         model.Deployment
	items     []model.Item
	view      rolloutView
	incidents []model.Incident
	timeline  []model.Event
}

func loadDeploymentDetail(ctx context.Context, s *data.Store, id int64) (deploymentDetail, error) {
	var det deploymentDetail
	var err error
	if det.d, err = s.Deployment(ctx, id); err != nil {
		return det, err
	}
	if det.items, _, err = s.Checklist(ctx, id); err != nil {
		return det, err
	}
	if det.view, err = loadRolloutView(ctx, s, det.d); err != nil {
		return det, err
	}
	if det.incidents, err = s.DeploymentIncidents(ctx, id); err != nil {
		return det, err
	}
	if det.d.Commits, err = s.DeploymentCommits(ctx, id); err != nil {
		return det, err
	}
	det.timeline, err = s.DeploymentTimeline(ctx, id)
	return det, err
}

func itemMark(st model.ItemState) string {
	switch st {
	case model.ItemDone:
		return "[x]"
	case model.ItemNA:
		return "[n/a]"
	}
	return "[ ]"
}

func writeDeploymentDetail(w io.Writer, det deploymentDetail, now time.Time) {
	d := det.d
	fmt.Fprintf(w, "#%d %s (%s) — %s\n", d.ID, model.SanitizeLine(d.Title()), d.Strategy, d.Status.Label())
	fmt.Fprintf(w, "  started:    %s by %s\n", clock(d.CreatedAt, now), model.SanitizeLine(d.StartedBy))
	if !d.ExecutionAt.IsZero() {
		fmt.Fprintf(w, "  execution:  %s\n", clock(d.ExecutionAt, now))
	}
	if !d.RollbackAt.IsZero() {
		line := "  rollback:   began " + clock(d.RollbackAt, now)
		if !d.StabilityAt.IsZero() {
			line += "; stability watch from " + clock(d.StabilityAt, now)
		}
		fmt.Fprintln(w, line)
	}
	if dur, ok := took(d); ok {
		fmt.Fprintf(w, "  finished:   %s (took %s)\n", clock(d.FinishedAt, now), model.FormatDurationShort(dur))
	}
	if d.CommitSHA != "" || !d.CommittedAt.IsZero() {
		line := "  commit:     " + model.SanitizeLine(cmp.Or(d.CommitSHA, "(no hash)"))
		if !d.CommittedAt.IsZero() {
			line += ", committed " + clock(d.CommittedAt, now)
		}
		if lt, ok := leadTime(d); ok {
			line += " — lead time " + model.FormatDurationShort(lt)
		}
		fmt.Fprintln(w, line)
	} else if d.Status == model.StatusCompleted {
		fmt.Fprintln(w, "  commit:     no commit time: not in lead time (pass --commit and --committed-at to deploy start)")
	}
	if n := len(d.Commits); n > 0 {
		fmt.Fprintf(w, "  ships:      %s (lead time per commit)\n", plural(n, "commit", "commits"))
		for i, c := range d.Commits {
			if i == 10 && n > 11 {
				fmt.Fprintf(w, "              … %d more (--json lists them all)\n", n-10)
				break
			}
			line := fmt.Sprintf("              %s committed %s", shortCommit(c.SHA), clock(c.CommittedAt, now))
			if d.Status == model.StatusCompleted && d.FinishedAt.After(c.CommittedAt) {
				line += " — " + model.FormatDurationShort(d.FinishedAt.Sub(c.CommittedAt))
			}
			fmt.Fprintln(w, line)
		}
	}
	if d.HotfixFor != 0 {
		fmt.Fprintf(w, "  hotfix for: INC-%d\n", d.HotfixFor)
	}

	cl := model.Group(det.items, nil)
	var parts []string
	for _, p := range cl.Phases {
		parts = append(parts, model.SanitizeLine(p.Name)+" "+p.Progress().String())
	}
	fmt.Fprintf(w, "checklist:    %s\n", strings.Join(parts, " · "))
	for _, p := range cl.Phases {
		fmt.Fprintf(w, "  %s\n", model.SanitizeLine(p.Name))
		for _, sec := range p.Sections {
			fmt.Fprintf(w, "    %s\n", model.SanitizeLine(sec.Name))
			for _, it := range sec.Items {
				line := fmt.Sprintf("      %-5s %s", itemMark(it.State), model.SanitizeLine(it.Text))
				switch it.State {
				case model.ItemDone:
					line += fmt.Sprintf(" — %s, %s", model.SanitizeLine(it.By), clock(it.At, now))
				case model.ItemNA:
					line += fmt.Sprintf(" — n/a: %s (%s, %s)", model.SanitizeLine(it.Reason), model.SanitizeLine(it.By), clock(it.At, now))
				}
				fmt.Fprintln(w, line)
				if it.Note != "" {
					fmt.Fprintf(w, "            note: %s (%s, %s)\n", model.SanitizeLine(it.Note), model.SanitizeLine(it.NoteBy), clock(it.NoteAt, now))
				}
			}
		}
	}

	v := det.view
	if v.has {
		st := v.status(now)
		fmt.Fprintf(w, "rollout:      %s %s — %s\n", v.r.Plan.Strategy, st.Label, stateText(v, st, now))
		writeStageTimes(w, v.r, now)
	} else {
		fmt.Fprintln(w, "rollout:      never started (it starts with Deployment Execution)")
	}
	if v.h.Has {
		_, eval := v.rule.Evaluate(v.h)
		fmt.Fprintf(w, "health:       %s, recorded %s\n", eval, clockSec(v.h.At, now))
	}
	for _, dc := range v.declared {
		fmt.Fprintf(w, "declared:     %s: %s (%s, %s)\n", dc.Criterion.Label(), model.SanitizeLine(dc.Reason), model.SanitizeLine(dc.By), clock(dc.At, now))
	}

	if len(det.incidents) == 0 {
		fmt.Fprintln(w, "incidents:    none linked")
	} else {
		fmt.Fprintln(w, "incidents:")
		for _, inc := range det.incidents {
			rel := "linked"
			if inc.ID == d.HotfixFor && inc.DeploymentID != d.ID {
				rel = "fixed by this deployment"
			} else if inc.ID == d.HotfixFor {
				rel = "linked; fixed by this deployment"
			}
			status := string(inc.Status)
			if inc.Status == model.IncidentResolved {
				status += " after " + model.FormatDurationShort(model.Elapsed(inc.OpenedAt, inc.ResolvedAt))
			}
			fmt.Fprintf(w, "  %s %s %s — %s (opened %s; %s)\n", inc.Ref(), inc.Severity.Label(), status, model.SanitizeLine(inc.Title),
				clock(inc.OpenedAt, now), rel)
		}
	}

	fmt.Fprintln(w, "timeline:")
	for _, e := range det.timeline {
		fmt.Fprintf(w, "  %s  %s  %s\n", clockSec(e.At, now), model.SanitizeLine(e.Actor), model.SanitizeLine(e.Text))
	}
}

// deploymentDetailJSON is the stable shape of `history show --json`.
type deploymentDetailJSON struct {
	Deployment historyJSON    `json:"deployment"`
	Checklist  []itemJSON     `json:"checklist"`
	Rollout    *rolloutJSON   `json:"rollout"` // null when it never started
	Health     healthJSON     `json:"health"`
	Incidents  []incidentJSON `json:"incidents"`
	Timeline   []eventJSON    `json:"timeline"`
	Phases     []phaseStatus  `json:"phases"`
	Stability  *stabilityJSON `json:"stability"`
	// Commits are the changes it ships, deployed commit first ([] when
	// recorded without git).
	Commits []commitJSONOut `json:"commits"`
}

type commitJSONOut struct {
	SHA         string   `json:"sha"`
	CommittedAt jsonTime `json:"committed_at"`
	AuthoredAt  jsonTime `json:"authored_at"`
	Position    int      `json:"position"`
	// LeadTimeSeconds is commit → the deployment's completion; null until
	// it completes.
	LeadTimeSeconds *int64 `json:"lead_time_seconds"`
}

type itemJSON struct {
	ID       int64    `json:"id"`
	Phase    string   `json:"phase"`
	Section  string   `json:"section"`
	Position int      `json:"position"`
	Text     string   `json:"text"`
	State    string   `json:"state"`
	Reason   string   `json:"reason"`
	By       string   `json:"by"`
	At       jsonTime `json:"at"`
	Note     string   `json:"note"`
	NoteBy   string   `json:"note_by"`
	NoteAt   jsonTime `json:"note_at"`
}

func newDeploymentDetailJSON(det deploymentDetail, now time.Time) deploymentDetailJSON {
	st := newDeployStatus(det.d, det.items, det.view, now)
	out := deploymentDetailJSON{Deployment: newHistoryJSON(det.d), Checklist: []itemJSON{}, Rollout: st.Rollout,
		Health: st.Health, Incidents: []incidentJSON{}, Timeline: []eventJSON{}, Phases: st.Phases, Stability: st.Stability,
		Commits: []commitJSONOut{}}
	for _, c := range det.d.Commits {
		cj := commitJSONOut{SHA: c.SHA, CommittedAt: jsonTime(c.CommittedAt), AuthoredAt: jsonTime(c.AuthoredAt), Position: c.Position}
		if det.d.Status == model.StatusCompleted && det.d.FinishedAt.After(c.CommittedAt) {
			cj.LeadTimeSeconds = optSeconds(det.d.FinishedAt.Sub(c.CommittedAt), true)
		}
		out.Commits = append(out.Commits, cj)
	}
	for _, it := range det.items {
		out.Checklist = append(out.Checklist, itemJSON{ID: it.ID, Phase: it.Phase, Section: it.Section, Position: it.Position,
			Text: it.Text, State: string(it.State), Reason: it.Reason, By: it.By, At: jsonTime(it.At), Note: it.Note,
			NoteBy: it.NoteBy, NoteAt: jsonTime(it.NoteAt)})
	}
	for _, inc := range det.incidents {
		out.Incidents = append(out.Incidents, newIncidentJSON(inc, now))
	}
	for _, e := range det.timeline {
		ej := eventJSON{ID: e.ID, At: jsonTime(e.At), Actor: e.Actor, Kind: string(e.Kind),
			DeploymentID: incOptID(e.DeploymentID), Starred: e.Starred, Text: e.Text}
		if e.Severity.Valid() {
			l := e.Severity.Label()
			ej.Severity = &l
		}
		out.Timeline = append(out.Timeline, ej)
	}
	return out
}

// newDeployHotfixCmd marks (or unmarks) a deployment as the hotfix for an
// incident: DORA's deployment rework rate counts them.
func newDeployHotfixCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "hotfix ID INC-N|none",
		Short: "Mark a deployment as the hotfix for an incident (rework rate), or none to clear",
		Long: "Record that deployment ID was made to fix incident INC-N: an unplanned deployment caused by\n" +
			"an incident, which DORA's deployment rework rate counts. \"none\" clears the mark. The\n" +
			"change goes on the timeline of both. deploy start --hotfix-for INC-N marks it at start.",
		Example: "  flightdeck deploy hotfix 42 INC-7\n  flightdeck deploy hotfix 42 none",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("deploy hotfix needs a deployment id and an incident, e.g. flightdeck deploy hotfix 42 INC-7")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseDeployArg(args[0])
			if err != nil {
				return err
			}
			var incID int64
			if !strings.EqualFold(strings.TrimSpace(args[1]), "none") {
				if incID, err = parseIncidentArg(args[1]); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			before, err := s.Deployment(ctx, id)
			if err != nil {
				return notFoundHint(err)
			}
			if err := s.MarkHotfix(ctx, id, incID, a.actor(), a.now()); err != nil {
				return cliError(err)
			}
			noteDeployment(ctx, id)
			title := fmt.Sprintf("#%d %s", before.ID, model.SanitizeLine(before.Title()))
			switch {
			case incID == 0 && before.HotfixFor == 0:
				fmt.Fprintf(a.stdout, "%s is not marked as a hotfix\n", title)
			case incID == 0:
				fmt.Fprintf(a.stdout, "%s is no longer marked as the hotfix for INC-%d\n", title, before.HotfixFor)
			case before.HotfixFor == incID:
				fmt.Fprintf(a.stdout, "%s is already the hotfix for INC-%d\n", title, incID)
			default:
				fmt.Fprintf(a.stdout, "%s marked as the hotfix for INC-%d\n", title, incID)
			}
			return nil
		},
	}
}
