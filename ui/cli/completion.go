package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// Dynamic shell completion: INC refs (active incidents first), deployment
// ids (active first, "service version" as the description), template names
// and the values of enum flags. The database is opened read-only and must
// exist; any failure means no suggestions, never an error or a new file.

const (
	completionTimeout = 2 * time.Second // a shell waits on this
	completionMax     = 50
)

type completer func(a *app, ctx context.Context, toComplete string) []string

// completionStore is the database to suggest from: the server's (over
// SSH), else the database (--db, $FLIGHTDECK_DB, db: in the configuration)
// opened read-only; nil when there is none.
func (a *app) completionStore(ctx context.Context) *data.Store {
	if a.store != nil {
		return a.store
	}
	path, err := a.database()
	if err != nil {
		return nil
	}
	st, err := data.Open(ctx, path, data.Options{ReadOnly: true, MustExist: true, BusyTimeout: 500 * time.Millisecond})
	if err != nil {
		return nil
	}
	a.store = st // closed with the app
	return st
}

func withStore(f func(ctx context.Context, st *data.Store) []string) completer {
	return func(a *app, ctx context.Context, _ string) []string {
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		st := a.completionStore(ctx)
		if st == nil {
			return nil
		}
		return f(ctx, st)
	}
}

// completeIncidents: active incidents first (newest first), then the rest.
var completeIncidents = withStore(func(ctx context.Context, st *data.Store) []string {
	incs, err := st.Incidents(ctx, 0)
	if err != nil {
		return nil
	}
	sort.SliceStable(incs, func(i, j int) bool { return incs[i].Status.Active() && !incs[j].Status.Active() })
	var out []string
	for _, inc := range incs {
		if len(out) == completionMax {
			break
		}
		out = append(out, fmt.Sprintf("%s\t%s %s: %s", inc.Ref(), inc.Severity.Label(), inc.Status, oneLine(model.SanitizeLine(inc.Title))))
	}
	return out
})

// completeDeployments: active deployments first (newest first), then the rest.
var completeDeployments = withStore(func(ctx context.Context, st *data.Store) []string {
	deps, err := st.Deployments(ctx, 0)
	if err != nil {
		return nil
	}
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].Status.Active() && !deps[j].Status.Active() })
	var out []string
	for _, d := range deps {
		if len(out) == completionMax {
			break
		}
		out = append(out, fmt.Sprintf("%d\t%s %s (%s, %s)", d.ID, model.SanitizeLine(d.Service), model.SanitizeLine(d.Version),
			model.SanitizeLine(d.Environment), d.Status))
	}
	return out
})

var completeTemplates = withStore(func(ctx context.Context, st *data.Store) []string {
	tpls, err := st.Templates(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range tpls {
		desc := fmt.Sprintf("%d items", t.Items)
		if t.Builtin {
			desc = "built-in, " + desc
		}
		out = append(out, t.Name+"\t"+desc)
	}
	return out
})

func fixed(values ...string) completer {
	return func(*app, context.Context, string) []string { return values }
}

func strategyValues() []string {
	var out []string
	for _, s := range model.Strategies {
		out = append(out, string(s))
	}
	return out
}

func severityValues() []string {
	var out []string
	for _, s := range model.Severities {
		out = append(out, strconv.Itoa(int(s))+"\t"+s.Label()+" "+s.Name())
	}
	return out
}

// completeArgs completes positional arguments by position; past the last
// one, nothing.
func completeArgs(a *app, byPos ...completer) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(byPos) || byPos[len(args)] == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return filterPrefix(byPos[len(args)](a, cmd.Context(), toComplete), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func completeFlag(a *app, c completer) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return filterPrefix(c(a, cmd.Context(), toComplete), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// filterPrefix keeps the candidates starting with what was typed (INC refs
// case-insensitively: inc-3 is INC-3).
func filterPrefix(cands []string, typed string) []string {
	var out []string
	for _, c := range cands {
		v, _, _ := strings.Cut(c, "\t")
		if strings.HasPrefix(strings.ToLower(v), strings.ToLower(typed)) {
			out = append(out, c)
		}
	}
	return out
}

// completing is whether the command line is a shell asking for
// completions (cobra's hidden __complete and __completeNoDesc).
func completing(args []string) bool {
	for _, arg := range args {
		if arg == cobra.ShellCompRequestCmd || arg == cobra.ShellCompNoDescRequestCmd {
			return true
		}
	}
	return false
}

// addCompletions wires completion into the tree built by newRootCmd.
func addCompletions(a *app, root *cobra.Command) {
	find := func(path ...string) *cobra.Command {
		c, rest, err := root.Find(path)
		if err != nil || len(rest) > 0 || c == root {
			return nil
		}
		return c
	}
	args := func(c *cobra.Command, byPos ...completer) {
		if c != nil && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeArgs(a, byPos...)
		}
	}
	flag := func(c *cobra.Command, name string, comp completer) {
		if c != nil && c.Flags().Lookup(name) != nil {
			_ = c.RegisterFlagCompletionFunc(name, completeFlag(a, comp))
		}
	}
	// Every incident subcommand takes the incident first, except these.
	if inc := find("incident"); inc != nil {
		for _, c := range inc.Commands() {
			switch c.Name() {
			case "open", "list", "star":
				continue
			case "sev":
				args(c, completeIncidents, fixed(severityValues()...))
			default:
				args(c, completeIncidents)
			}
		}
	}
	args(find("history", "show"), completeDeployments)
	args(find("deploy", "hotfix"), completeDeployments, func(a *app, ctx context.Context, s string) []string {
		return append(completeIncidents(a, ctx, s), "none\tnot a hotfix")
	})
	args(find("template", "show"), completeTemplates)
	args(find("template", "import"), nil)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		flag(c, "deploy", completeDeployments)
		flag(c, "hotfix-for", completeIncidents)
		flag(c, "template", completeTemplates)
		flag(c, "strategy", fixed(strategyValues()...))
		flag(c, "sev", fixed(severityValues()...))
		flag(c, "role", fixed(data.RoleCommander, data.RoleScribe, data.RoleComms))
		flag(c, "theme", fixed("dark", "light"))
		flag(c, "format", fixed("json"))
		if c.Name() == "history" {
			flag(c, "status", fixed(string(model.StatusPlanned), string(model.StatusInProgress), string(model.StatusCompleted),
				string(model.StatusRolledBack), string(model.StatusAborted)))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
