package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

func newDeployCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Start, drive and watch deployments and their rollouts",
		// RunE only to reject unknown subcommands: cobra would otherwise
		// print help and exit 0 for "deploy strat".
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usagef("unknown deploy command %q: see flightdeck deploy --help", args[0])
		},
	}
	cmd.AddCommand(newDeployStartCmd(a), newDeployStatusCmd(a),
		newDeployPromoteCmd(a), newDeployLiveCmd(a), newDeployPauseCmd(a), newDeployResumeCmd(a), newDeployAbortCmd(a), newDeployFinishCmd(a),
		newDeployHealthCmd(a), newDeployDeclareCmd(a), newDeployClearCriteriaCmd(a), newDeployWaitCmd(a),
		newDeployHotfixCmd(a))
	return cmd
}

func newDeployStartCmd(a *app) *cobra.Command {
	var env, strategy, overrideFreeze, inFlightReason, hotfixFor, templateName, atFlag string
	var gf gitFlags
	cmd := &cobra.Command{
		Use:   "start SERVICE VERSION",
		Short: "Start a deployment with the built-in checklist or an imported one",
		Long: "Start a deployment of SERVICE at VERSION. It begins planned, in the Pre-Deployment\n" +
			"phase, with its own copy of the built-in OctoAcme checklist, or of the template given\n" +
			"with --template NAME (see flightdeck template list; an unknown name exits 2).\n\n" +
			"While an open SEV1/SEV2 freezes deploys it refuses (exit 1) unless given\n" +
			"--override-freeze REASON, which is recorded on the incident's timeline. While another\n" +
			"deployment of SERVICE is in flight in that environment it refuses (exit 1), naming it,\n" +
			"unless given --reason REASON, which is recorded on the new deployment's timeline.\n\n" +
			"Inside a git repository (or with --repo DIR) it records the commit deployed (--commit REV,\n" +
			"default HEAD) and every commit it ships since the service's previous completed deployment\n" +
			"to the environment, with their commit times: lead time is measured per commit. Outside a\n" +
			"repository, or with --no-git, --commit SHA and --committed-at TIME give one commit by hand.\n" +
			"--hotfix-for INC-N marks the deployment as the fix for that incident (deployment rework rate).",
		Example: "  flightdeck deploy start api v1.4.2\n" +
			"  flightdeck deploy start api v1.4.3 --repo ../api --commit v1.4.3\n" +
			"  flightdeck deploy start web 2026.11.25 --env staging --strategy blue-green --no-git --commit 3f2a9c1 --committed-at 2026-11-25T13:40:00Z\n" +
			"  flightdeck deploy start api v1.4.3 --template team-api",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("deploy start needs SERVICE and VERSION, e.g. flightdeck deploy start api v1.4.2")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			now := a.now()
			st, err := model.ParseStrategy(strategy)
			if err != nil {
				return usagef("--strategy: %v", err)
			}
			n := model.NewDeployment{Service: args[0], Version: args[1], Environment: env, Strategy: st}
			if n.CommittedAt, err = parseCommittedAt(gf.committedAt, now); err != nil {
				return err
			}
			ctx, at, err := backdated(cmd.Context(), atFlag, now)
			if err != nil {
				return err
			}
			cmd.SetContext(ctx)
			if n, err = n.Normalize(); err != nil {
				return usageError{err}
			}
			var fixes int64
			if hotfixFor != "" {
				if fixes, err = parseIncidentArg(hotfixFor); err != nil {
					return usagef("--hotfix-for: %v", err)
				}
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			if fixes != 0 { // before starting: incidents are never deleted, so the mark cannot fail later
				if _, err := s.Incident(cmd.Context(), fixes); err != nil {
					return incidentError(err)
				}
			}
			gf.stdin = a.stdinReader()
			shipped, err := a.readCommits(cmd.Context(), s, &n, gf)
			if err != nil {
				return err
			}
			tpl, err := loadTemplate(cmd.Context(), s, templateName)
			if err != nil {
				return err
			}
			d, err := startHonouringGates(cmd, a, s, n, tpl, model.StartOverride{Freeze: overrideFreeze, InFlight: inFlightReason}, at)
			if err != nil {
				return err
			}
			noteDeployment(cmd.Context(), d.ID)
			from := ""
			if tpl.Name != mdtemplate.BuiltinName {
				from = " from template " + tpl.Name
			}
			fmt.Fprintf(a.stdout, "started deployment #%d: %s (%s), %d checklist items%s%s\n",
				d.ID, model.SanitizeLine(d.Title()), d.Strategy, len(tpl.Items()), from, backdateNote(at, now))
			shipped.report(a.stdout, n)
			if fixes != 0 {
				if err := s.MarkHotfix(cmd.Context(), d.ID, fixes, a.actor(), at); err != nil {
					return fmt.Errorf("deployment #%d started, but marking it as the hotfix for INC-%d failed: %w (retry: flightdeck deploy hotfix %d INC-%d)",
						d.ID, fixes, err, d.ID, fixes)
				}
				fmt.Fprintf(a.stdout, "marked as the hotfix for INC-%d\n", fixes)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&env, "env", model.DefaultEnvironment, "environment deployed to")
	f.StringVar(&strategy, "strategy", string(model.StrategyCanary), "rollout strategy: canary, blue-green, feature-flag or all-at-once")
	f.StringVar(&gf.commit, "commit", "", "commit being deployed: any revision inside a repository (default HEAD), a hex hash otherwise")
	f.StringVar(&gf.repo, "repo", "", "read the commits from the git repository at DIR (default: the working directory, when it is one)")
	f.BoolVar(&gf.noGit, "no-git", false, "do not read git: record --commit and --committed-at as given")
	f.StringVar(&gf.commitsFrom, "commits-from", "", "read the commits from a piped git log instead of a checkout (- for stdin; the CLI over SSH): git log --topo-order --format='"+model.CommitLogFormat+"' -n 2000 HEAD")
	f.StringVar(&overrideFreeze, "override-freeze", "", "deploy during a change freeze, saying why (recorded)")
	f.StringVar(&inFlightReason, "reason", "", "start beside another deployment of the service still in flight, saying why (recorded)")
	f.StringVar(&gf.committedAt, "committed-at", "", `when that commit was made, for lead time, given by hand: RFC 3339 (git's %cI), git's %ci ("2026-11-25 09:12:00 +0100") or any time flag form`)
	f.StringVar(&hotfixFor, "hotfix-for", "", "this deployment fixes incident INC-N (counted in the rework rate)")
	f.StringVar(&templateName, "template", "", "checklist template (default: the built-in octoacme; see flightdeck template list)")
	addAtFlag(cmd, &atFlag)
	return cmd
}

var commitPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`) })

func parseCommit(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s != "" && !commitPattern().MatchString(s) {
		return "", usagef("--commit %q is not a commit hash: pass 4 to 64 hex digits, e.g. --commit 3f2a9c1", s)
	}
	return s, nil
}

// parseTimeFlag reads a time flag in the shared grammar (model.ParseTime;
// a time without a zone is in the local zone, TZ). Empty is "not given".
// slack is how far after now the time may be: commit times come from other
// hosts' clocks.
func parseTimeFlag(name, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := model.ParseTime(s, now, time.Local)
	if err != nil {
		return time.Time{}, usagef("--%s: %v", name, err)
	}
	// A little slack for clocks that disagree between CI and this host.
	if t.After(now.Add(5 * time.Minute)) {
		return time.Time{}, usagef("--%s %s is in the future: give the time the commit was made", name, t.UTC().Format(time.RFC3339))
	}
	return t.UTC(), nil
}

// parseAtFlag reads --at, the time an action happened: the shared grammar,
// "" for now, and not after now (beyond model.ClockSkew, which reads as
// now).
func parseAtFlag(s string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return now, nil
	}
	t, err := model.ParseTime(s, now, time.Local)
	if err == nil {
		t, err = model.NotFuture("--at", t, now)
	}
	if err != nil {
		return time.Time{}, usagef("--at: %v", err)
	}
	return t.Truncate(time.Millisecond), nil
}

func newDeployStatusCmd(a *app) *cobra.Command {
	var asJSON, exitStatus bool
	var deployFlag string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show active deployments: phase, checklist, rollout stage and timer, health",
		Long: "Show every active (planned or in progress) deployment, or the one given with --deploy:\n" +
			"checklist progress, the rollout's stage, state and remaining soak, what comes next, health\n" +
			"against the rollback rule, and time spent soaking vs waiting per stage.\n" +
			"--json prints an array (an object with --deploy) with snake_case keys and RFC 3339 UTC times;\n" +
			"rollout is null before Deployment Execution, and its stage numbers count from 1.\n" +
			"--exit-status exits 4 while a rollout is held by a linked SEV1/SEV2 and 5 while its\n" +
			"rollback criteria are met (5 wins over 4), after printing as usual.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var id int64
			if deployFlag != "" {
				var err error
				if id, err = parseDeployID(deployFlag); err != nil {
					return err
				}
			}
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			var ds []model.Deployment
			if id != 0 {
				d, err := s.Deployment(ctx, id)
				if err != nil {
					return notFoundHint(err)
				}
				ds = []model.Deployment{d}
			} else if ds, err = s.ActiveDeployments(ctx); err != nil {
				return err
			}
			now := a.now()
			statuses := make([]deployStatus, 0, len(ds))
			for _, d := range ds {
				items, _, err := s.Checklist(ctx, d.ID)
				if err != nil {
					return err
				}
				v, err := loadRolloutView(ctx, s, d)
				if err != nil {
					return err
				}
				statuses = append(statuses, newDeployStatus(d, items, v, now))
			}
			if err := writeDeployStatuses(a, statuses, id != 0, asJSON, now); err != nil {
				return err
			}
			if exitStatus {
				return exitStatusOf(statuses)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	cmd.Flags().StringVar(&deployFlag, "deploy", "", "show only this deployment (its id)")
	cmd.Flags().BoolVar(&exitStatus, "exit-status", false, "exit 4 while a rollout is held (linked SEV1/SEV2), 5 while its rollback criteria are met")
	return cmd
}

// deployStatus is the stable shape of `deploy status --json`.
type deployStatus struct {
	ID           int64          `json:"id"`
	Title        string         `json:"title"`
	Service      string         `json:"service"`
	Version      string         `json:"version"`
	Environment  string         `json:"environment"`
	Strategy     string         `json:"strategy"`
	Status       string         `json:"status"`
	CurrentPhase string         `json:"current_phase"`
	Phases       []phaseStatus  `json:"phases"`
	StartedBy    string         `json:"started_by"`
	CreatedAt    jsonTime       `json:"created_at"`
	UpdatedAt    jsonTime       `json:"updated_at"`
	ExecutionAt  jsonTime       `json:"execution_at"`
	FinishedAt   jsonTime       `json:"finished_at"`
	CommitSHA    string         `json:"commit_sha"`
	CommittedAt  jsonTime       `json:"committed_at"`
	RollbackAt   jsonTime       `json:"rollback_at"`
	StabilityAt  jsonTime       `json:"stability_at"`
	Rollout      *rolloutJSON   `json:"rollout"`   // null before Deployment Execution
	Health       healthJSON     `json:"health"`    // readings and declared rollback criteria
	Stability    *stabilityJSON `json:"stability"` // the post-rollback watch; null until it starts

	view rolloutView // for the text form
}

type phaseStatus struct {
	Name     string `json:"name"`
	Progress string `json:"progress"` // "14/20": resolved (done + n/a) of total
	Done     int    `json:"done"`
	NA       int    `json:"na"`
	Open     int    `json:"open"`
	Total    int    `json:"total"`
}

func newDeployStatus(d model.Deployment, items []model.Item, v rolloutView, now time.Time) deployStatus {
	st := deployStatus{
		RollbackAt: jsonTime(d.RollbackAt), StabilityAt: jsonTime(d.StabilityAt),
		Rollout: newRolloutJSON(v, now), Health: newHealthJSON(v), Stability: newStabilityJSON(d, now), view: v,
		ID: d.ID, Title: d.Title(), Service: d.Service, Version: d.Version, Environment: d.Environment,
		Strategy: string(d.Strategy), Status: string(d.Status), CurrentPhase: d.CurrentPhase(),
		Phases: []phaseStatus{}, StartedBy: d.StartedBy,
		CreatedAt: jsonTime(d.CreatedAt), UpdatedAt: jsonTime(d.UpdatedAt), ExecutionAt: jsonTime(d.ExecutionAt),
		FinishedAt: jsonTime(d.FinishedAt), CommitSHA: d.CommitSHA, CommittedAt: jsonTime(d.CommittedAt),
	}
	for _, p := range model.Group(items, nil).Phases {
		pr := p.Progress()
		st.Phases = append(st.Phases, phaseStatus{Name: p.Name, Progress: pr.String(), Done: pr.Done, NA: pr.NA, Open: pr.Open(), Total: pr.Total})
	}
	return st
}

func (st deployStatus) writeText(w io.Writer, now time.Time) {
	fmt.Fprintf(w, "#%d %s (%s) — %s\n", st.ID, model.SanitizeLine(st.Title), st.Strategy, model.Status(st.Status).Label())
	fmt.Fprintf(w, "   phase:    %s\n", st.CurrentPhase)
	var parts []string
	for _, p := range st.Phases {
		mark := ""
		if p.Name == st.CurrentPhase {
			mark = " ◀"
		}
		parts = append(parts, fmt.Sprintf("%s %s%s", model.SanitizeLine(p.Name), p.Progress, mark))
	}
	fmt.Fprintf(w, "   progress: %s\n", strings.Join(parts, " · "))
	writeRolloutText(w, st.view, now)
	fmt.Fprintf(w, "   started:  by %s, %s\n", model.SanitizeLine(st.StartedBy), clock(time.Time(st.CreatedAt), now))
	if t := time.Time(st.ExecutionAt); !t.IsZero() {
		fmt.Fprintf(w, "   executing since %s\n", clock(t, now))
	}
	if st.CommitSHA != "" {
		fmt.Fprintf(w, "   commit:   %s\n", model.SanitizeLine(st.CommitSHA))
	}
}

// jsonTime prints RFC 3339 UTC with milliseconds (as export does), or null.
type jsonTime time.Time

// jsonTimeLayout is RFC 3339 in UTC with milliseconds, as every --json
// time is written.
const jsonTimeLayout = "2006-01-02T15:04:05.000Z07:00"

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return appendJSONTime(make([]byte, 0, 26), t), nil
}

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(cleanJSON(buf.Bytes()))
	return err
}

// clock is "14:02 UTC" for today (UTC) and "2026-11-24 14:02 UTC" otherwise.
func clock(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.Format(time.DateOnly) == now.Format(time.DateOnly) {
		return t.Format("15:04") + " UTC"
	}
	return t.Format("2006-01-02 15:04") + " UTC"
}

// noArgs is cobra.NoArgs with a message that says what to do.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments (got %q): see %s --help", cmd.CommandPath(), strings.Join(args, " "), cmd.CommandPath())
	}
	return nil
}

func parseDeployID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("--deploy %q is not a deployment id: pass the number shown by flightdeck deploy status, e.g. --deploy 3", s)
	}
	return id, nil
}

// selectDeployment is --deploy, else the only active deployment.
func selectDeployment(ctx context.Context, s *data.Store, deployFlag string) (model.Deployment, error) {
	if deployFlag != "" {
		id, err := parseDeployID(deployFlag)
		if err != nil {
			return model.Deployment{}, err
		}
		d, err := s.Deployment(ctx, id)
		if err != nil {
			return d, notFoundHint(err)
		}
		noteDeployment(ctx, d.ID)
		return d, nil
	}
	active, err := s.ActiveDeployments(ctx)
	if err != nil {
		return model.Deployment{}, err
	}
	switch len(active) {
	case 0:
		return model.Deployment{}, errors.New("no active deployment: start one with: flightdeck deploy start SERVICE VERSION")
	case 1:
		noteDeployment(ctx, active[0].ID)
		return active[0], nil
	}
	slices.SortFunc(active, func(x, y model.Deployment) int { return cmp.Compare(x.ID, y.ID) })
	names := make([]string, len(active))
	for i, d := range active {
		names[i] = fmt.Sprintf("#%d %s", d.ID, model.SanitizeLine(d.Service))
	}
	return model.Deployment{}, usagef("%d active deployments (%s): pass --deploy ID", len(active), strings.Join(names, ", "))
}

func notFoundHint(err error) error {
	if errors.Is(err, data.ErrNotFound) {
		return fmt.Errorf("%w: see flightdeck deploy status for the active ones", err)
	}
	return err
}

// cliError reports bad input caught by the store as bad usage (exit 2).
func cliError(err error) error {
	if errors.Is(err, data.ErrInvalid) {
		return usageError{err}
	}
	return err
}
