package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
)

// A demo's directory: flightdeck-demo-RANDOM in the temporary directory,
// holding a locked .running file while its run lives. A kept demo (the
// default on a normal exit) has no .running and is never touched.
const (
	demoDirPrefix = "flightdeck-demo-"
	demoRunning   = ".running"
)

// removeKilledDemos removes the demo directories in tmp whose run was
// killed (its .running file left behind, no process holding its lock) and
// reports how many.
func removeKilledDemos(tmp string) int {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), demoDirPrefix) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if data.Abandoned(filepath.Join(dir, demoRunning), time.Minute) && os.RemoveAll(dir) == nil {
			n++
		}
	}
	return n
}

// maxDemoScale is the largest --scale: 25 × 200,000 events is the
// generator's ceiling of 5,000,000.
const maxDemoScale = 25

// demoOptions are the generator's sizes for demo --scale: the default year
// multiplied, so --scale 10 is 50,000 deployments, 20,000 incidents and
// 2,000,000 events (the live scenario adds its two of each).
func demoOptions(seed int64, scale int) (demo.Options, error) {
	if scale < 1 || scale > maxDemoScale {
		return demo.Options{}, usagef("--scale must be 1 to %d (a year %d times as busy at most), not %d", maxDemoScale, maxDemoScale, scale)
	}
	return demo.Options{
		Seed:        seed,
		Deployments: scale * demo.DefaultDeployments,
		Incidents:   scale * demo.DefaultIncidents,
		Events:      scale * demo.DefaultEvents,
	}, nil
}

func newDemoCmd(a *app) *cobra.Command {
	var seed int64
	var scale int
	var keep, generateOnly bool
	cmd := &cobra.Command{
		Use:   "demo [--seed N] [--scale N] [--keep=false]",
		Short: "Open the dashboard on a fresh demo database: a year of history and a live incident",
		Long: "Create a new database in a temporary directory, fill it with a year of generated history\n" +
			"(5,000 deployments over six services, 2,000 incidents, 200,000 timeline events) and a live\n" +
			"scenario — a checkout-api canary at 25% mid-soak, a SEV2 opened 11 minutes ago with the\n" +
			"Engineering Lead due in 4 minutes, a checklist half done — and open the dashboard on it.\n" +
			"Nothing touches your own database. The same --seed gives the same history (relative to\n" +
			"now). On exit the path is printed so you can open it again with --db; --keep=false\n" +
			"deletes it instead. --generate-only prints the path without opening the dashboard.\n\n" +
			"With --db the demo goes into that database instead — a new SQLite file, or an empty\n" +
			"PostgreSQL database (createdb flightdeck_demo; --db postgres://USER@HOST/flightdeck_demo)\n" +
			"to try a team's shared set-up — which is refused unless it is empty, and always kept.\n\n" +
			"--scale N makes the year N times as busy (N × 5,000 deployments, N × 2,000 incidents,\n" +
			"N × 200,000 events; up to 25): .ci/bench measures flightdeck on --scale 10.",
		Example: "  flightdeck demo\n  flightdeck demo --seed 7\n  flightdeck demo --generate-only\n" +
			"  flightdeck demo --generate-only --db postgres://alice@db.internal/flightdeck_demo\n" +
			"  flightdeck demo --generate-only --scale 10",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.readOnly {
				return usagef("demo writes its own database: drop --read-only")
			}
			opt, err := demoOptions(seed, scale)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("db") || a.dbFlag != "" {
				if !keep {
					return usagef("demo never deletes a database it did not create: drop --keep=false, or drop --db for a demo in a temporary directory")
				}
				return a.runDemo(cmd, opt, scale, generateOnly, nil)
			}
			if n := removeKilledDemos(os.TempDir()); n > 0 {
				fmt.Fprintf(a.stderr, "flightdeck demo: removed %d demo director%s left by runs that were killed\n", n, map[bool]string{true: "y", false: "ies"}[n == 1])
			}
			dir, err := os.MkdirTemp("", demoDirPrefix) // mode 0700
			if err != nil {
				return fmt.Errorf("cannot create a temporary directory for the demo: %w", err)
			}
			// Held while this run lives; a run killed with -9 leaves it
			// unlocked, which tells the next demo the directory is litter.
			running, _ := data.HoldLock(filepath.Join(dir, demoRunning))
			path := filepath.Join(dir, "flightdeck.db")
			a.dbFlag = path
			return a.runDemo(cmd, opt, scale, generateOnly, &demoDir{dir: dir, running: running, keep: keep})
		},
	}
	f := cmd.Flags()
	f.Int64Var(&seed, "seed", 1, "seed of the generated history")
	f.IntVar(&scale, "scale", 1, "make the year N times as busy (1 to 25): N × 5,000 deployments, 2,000 incidents, 200,000 events")
	f.BoolVar(&keep, "keep", true, "keep the demo database on exit and print its path (--keep=false deletes it)")
	f.BoolVar(&generateOnly, "generate-only", false, "create the demo database, print its path and exit (for scripts and benchmarks)")
	f.StringVar(&a.theme, "theme", "", "colour theme for terminals that cannot tell: dark or light (default $FLIGHTDECK_THEME, else dark)")
	f.BoolVar(&a.mouse, "mouse", false, "capture the mouse (off by default so you can select and copy text)")
	return cmd
}

// demoDir is the temporary directory of a demo made without --db: removed
// on exit unless kept.
type demoDir struct {
	dir     string
	running *os.File // its .running lock
	keep    bool
}

// runDemo fills the database a.dbFlag names with the demo year (opt's seed
// and sizes, --scale times the default) and opens the dashboard on it (or,
// generateOnly, says where it is).
func (a *app) runDemo(cmd *cobra.Command, opt demo.Options, scale int, generateOnly bool, tmp *demoDir) error {
	ctx := cmd.Context()
	st, err := a.open(ctx)
	if err != nil {
		if tmp != nil {
			_ = os.RemoveAll(tmp.dir)
		}
		return err
	}
	// Where to open it again: the DSN without its password (which comes
	// from the same place it came from now), or the file.
	again := data.ScriptDSN(a.dbFlag)
	if !data.IsPostgresDSN(again) {
		again = st.Path()
	}
	shown := st.Path()
	done := func() {
		a.close()
		switch {
		case tmp == nil:
			fmt.Fprintf(a.stdout, "demo database kept at %s — open it again with flightdeck --db %s\n", shown, again)
			return
		case tmp.running != nil:
			_ = os.Remove(tmp.running.Name())
			_ = tmp.running.Close()
		}
		if tmp.keep || generateOnly {
			fmt.Fprintf(a.stdout, "demo database kept at %s — open it again with flightdeck --db %s\n", shown, again)
		} else if err := os.RemoveAll(tmp.dir); err == nil {
			fmt.Fprintf(a.stdout, "demo database %s removed\n", shown)
		}
	}
	start := time.Now()
	what := fmt.Sprintf("seed %d", opt.Seed)
	if scale != 1 {
		what += fmt.Sprintf(", scale %d", scale)
	}
	fmt.Fprintf(a.stderr, "flightdeck demo: generating a year of history (%s) in %s…\n", what, shown)
	opt.Now = a.now()
	sum, err := demo.Generate(ctx, st, opt)
	if err != nil {
		a.close()
		if tmp != nil {
			_ = os.RemoveAll(tmp.dir)
		}
		return err
	}
	fmt.Fprintf(a.stderr, "flightdeck demo: %d deployments, %d incidents, %d events in %.1f s\n",
		sum.Deployments, sum.Incidents, sum.Events, time.Since(start).Seconds())
	if generateOnly {
		done()
		return nil
	}
	defer done()
	return runDashboard(ctx, a)
}
