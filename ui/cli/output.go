package cli

// The scriptable contract, in one place: how a command prints a value as
// JSON, a table as aligned text (a terminal) or tab-separated values
// (anything else), and a hint (always to stderr, so stdout is only the
// result). New commands get --json by naming their result in jsonResults.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// isTerminal says whether w, the process's real stdout, is a terminal;
// tests replace it to see the terminal form without a pty.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// hint prints advice for a person — what to run next, a trailer saying
// there is more, a freeze warning — on stderr, never on stdout: stdout is
// the command's result, which a pipe or $(…) takes whole.
func (a *app) hint(format string, args ...any) {
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// table is how a command prints rows: header and rows are written with
// tabs between cells, as for text/tabwriter. On a terminal they are
// aligned with the padding after the last cell trimmed; otherwise they go
// out as tab-separated values, one row a line, header first, unpadded.
type table interface {
	io.Writer
	Flush() error
}

func (a *app) table() table {
	if a.tty {
		return newTable(a.stdout)
	}
	return tsvTable{a.stdout}
}

// tsvTable writes rows as they come: cells are already tab-separated and
// cleaned by SanitizeLine, which leaves no tab or newline inside a cell.
type tsvTable struct{ w io.Writer }

func (t tsvTable) Write(p []byte) (int, error) { return t.w.Write(p) }
func (t tsvTable) Flush() error                { return nil }

// jsonResult is what a command's --json prints once it has succeeded: the
// deployment or incident it acted on as the read commands print them, or
// a value of its own.
type jsonResult int

const (
	// resultDeployment: the deployment as `deploy status --json --deploy N`.
	resultDeployment jsonResult = iota + 1
	// resultIncident: the incident as `incident show --json`.
	resultIncident
	// resultValue: whatever the command handed to noteValue.
	resultValue
)

// jsonResults names the result of every command that gained --json with
// the scriptable contract; commands that had it keep their own flag and
// shape (deploy status, history, history show, incident list/show,
// template list, metrics, config check). deploy wait prints its own lines.
var jsonResults = map[string]jsonResult{
	"deploy start":                 resultDeployment,
	"deploy promote":               resultDeployment,
	"deploy live":                  resultDeployment,
	"deploy pause":                 resultDeployment,
	"deploy resume":                resultDeployment,
	"deploy abort":                 resultDeployment,
	"deploy finish":                resultDeployment,
	"deploy health":                resultDeployment,
	"deploy declare":               resultDeployment,
	"deploy clear-criteria":        resultDeployment,
	"deploy hotfix":                resultDeployment,
	"check":                        resultValue,
	"incident open":                resultIncident,
	"incident ack":                 resultIncident,
	"incident action":              resultIncident,
	"incident commander":           resultIncident,
	"incident escalate":            resultIncident,
	"incident skip":                resultIncident,
	"incident link":                resultIncident,
	"incident unlink":              resultIncident,
	"incident mitigate":            resultIncident,
	"incident reopen":              resultIncident,
	"incident resolve":             resultIncident,
	"incident note":                resultIncident,
	"incident root-cause":          resultIncident,
	"incident security":            resultIncident,
	"incident sev":                 resultIncident,
	"incident update":              resultIncident,
	"incident star":                resultValue,
	"incident postmortem":          resultIncident,
	"incident report":              resultValue,
	"template import":              resultValue,
	"template show":                resultValue,
	"backup":                       resultValue,
	"migrate":                      resultValue,
	"incident postmortem schedule": resultIncident,
}

// subjectKey carries, in a command's context, what it acted on.
type subjectKey struct{}

type subject struct {
	deployment int64
	incident   int64
	value      func() any
}

func subjectOf(ctx context.Context) *subject {
	s, _ := ctx.Value(subjectKey{}).(*subject)
	return s
}

// noteDeployment records the deployment a command acts on (selectDeployment
// and deploy start call it); without --json it does nothing.
func noteDeployment(ctx context.Context, id int64) {
	if s := subjectOf(ctx); s != nil {
		s.deployment = id
	}
}

// noteIncident records the incident a command acts on.
func noteIncident(ctx context.Context, id int64) {
	if s := subjectOf(ctx); s != nil {
		s.incident = id
	}
}

// noteValue records a command's own --json result, built only when asked.
func noteValue(ctx context.Context, v func() any) {
	if s := subjectOf(ctx); s != nil {
		s.value = v
	}
}

// jsonOn says whether this run prints JSON (the command's --json is set).
func jsonOn(cmd *cobra.Command) bool {
	on, err := cmd.Flags().GetBool("json")
	return err == nil && on
}

// installJSON gives every command in jsonResults a --json flag. Under
// --json the command's own lines go to stderr (a CI log still says what
// happened) and, once it has succeeded, its result goes to stdout as one
// JSON document. A refusal prints nothing on stdout: the message is on
// stderr and the exit code says which refusal (see Run).
func installJSON(a *app, root *cobra.Command) {
	walk(root, func(cmd *cobra.Command) {
		kind, ok := jsonResults[commandPath(cmd)]
		if !ok || cmd.RunE == nil {
			return
		}
		var on bool
		cmd.Flags().BoolVar(&on, "json", false, "print the result as JSON for scripts (this command's lines go to stderr)")
		run := cmd.RunE
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			if !on {
				return run(cmd, args)
			}
			sub := &subject{}
			cmd.SetContext(context.WithValue(cmd.Context(), subjectKey{}, sub))
			out := a.stdout
			a.stdout = a.stderr
			err := run(cmd, args)
			a.stdout = out
			var verdict verdictExit
			if err != nil && !errors.As(err, &verdict) {
				return err
			}
			v, rerr := a.result(cmd.Context(), kind, sub)
			if rerr != nil {
				return rerr
			}
			if werr := writeJSON(a.stdout, v); werr != nil {
				return werr
			}
			return err // the --exit-status verdict, after the result
		}
	})
}

// result builds the JSON a succeeded command prints.
func (a *app) result(ctx context.Context, kind jsonResult, sub *subject) (any, error) {
	switch {
	case kind == resultDeployment && sub.deployment != 0:
		s, err := a.openRead(ctx)
		if err != nil {
			return nil, err
		}
		return deployStatusOf(ctx, s, sub.deployment, a.now())
	case kind == resultIncident && sub.incident != 0:
		s, inc, timeline, err := a.incidentWithTimeline(ctx, fmt.Sprint(sub.incident))
		if err != nil {
			return nil, err
		}
		return newIncidentDetailJSON(inc, timeline, incNow(a), a.incPolicies(s)), nil
	case kind == resultValue && sub.value != nil:
		return sub.value(), nil
	}
	return nil, fmt.Errorf("internal error: the command did not say what it acted on, so --json has nothing to print")
}

// deployStatusOf is one deployment as `deploy status --json --deploy ID`.
func deployStatusOf(ctx context.Context, s *data.Store, id int64, now time.Time) (deployStatus, error) {
	d, err := s.Deployment(ctx, id)
	if err != nil {
		return deployStatus{}, notFoundHint(err)
	}
	items, _, err := s.Checklist(ctx, d.ID)
	if err != nil {
		return deployStatus{}, err
	}
	v, err := loadRolloutView(ctx, s, d)
	if err != nil {
		return deployStatus{}, err
	}
	return newDeployStatus(d, items, v, now), nil
}

func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walk(c, fn)
	}
}

// commandPath is "deploy start" for `flightdeck deploy start`.
func commandPath(cmd *cobra.Command) string {
	p := cmd.CommandPath()
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[i+1:]
	}
	return ""
}

// checkActor refuses a $FLIGHTDECK_AS no record may carry (model.CheckLine).
// --as is checked where it is written (data: "the name to record (--as)");
// the variable is checked up front, since it is in every step's
// environment and a bad one would otherwise surface far from where it was set.
func (a *app) checkActor() error {
	if strings.TrimSpace(a.as) != "" {
		return nil
	}
	if err := model.CheckLine("the name to record ($FLIGHTDECK_AS)", os.Getenv("FLIGHTDECK_AS")); err != nil {
		return usagef("%v, or pass --as NAME", err)
	}
	return nil
}

// writeDeployStatuses is deploy status's output: JSON (one object with
// --deploy, else an array), or the text form with its hint on stderr.
func writeDeployStatuses(a *app, statuses []deployStatus, one, asJSON bool, now time.Time) error {
	if asJSON {
		if one {
			return writeJSON(a.stdout, statuses[0])
		}
		return writeJSON(a.stdout, statuses)
	}
	if len(statuses) == 0 {
		a.hint("no active deployments — start one with: flightdeck deploy start SERVICE VERSION")
		return nil
	}
	for i, st := range statuses {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		st.writeText(a.stdout, now)
	}
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes (RFC 3339, or null), so a
// --json shape decodes back into its own type.
func (t *jsonTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = jsonTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = jsonTime(v)
	return nil
}
