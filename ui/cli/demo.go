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

func newDemoCmd(a *app) *cobra.Command {
	var seed int64
	var keep, generateOnly bool
	cmd := &cobra.Command{
		Use:   "demo [--seed N] [--keep=false]",
		Short: "Open the dashboard on a fresh demo database: a year of history and a live incident",
		Long: "Create a new database in a temporary directory, fill it with a year of generated history\n" +
			"(5,000 deployments over six services, 2,000 incidents, 200,000 timeline events) and a live\n" +
			"scenario — a checkout-api canary at 25% mid-soak, a SEV2 opened 11 minutes ago with the\n" +
			"Engineering Lead due in 4 minutes, a checklist half done — and open the dashboard on it.\n" +
			"Nothing touches your own database. The same --seed gives the same history (relative to\n" +
			"now). On exit the path is printed so you can open it again with --db; --keep=false\n" +
			"deletes it instead. --generate-only prints the path without opening the dashboard.",
		Example: "  flightdeck demo\n  flightdeck demo --seed 7\n  flightdeck demo --generate-only",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("db") || a.dbFlag != "" {
				return usagef("demo makes its own database in a temporary directory: drop --db (open a kept demo with flightdeck --db PATH)")
			}
			if a.readOnly {
				return usagef("demo writes its own database: drop --read-only")
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
			done := func() {
				a.close()
				if running != nil {
					_ = os.Remove(running.Name())
					_ = running.Close()
				}
				if keep {
					fmt.Fprintf(a.stdout, "demo database kept at %s — open it again with flightdeck --db %s\n", path, path)
				} else if err := os.RemoveAll(dir); err == nil {
					fmt.Fprintf(a.stdout, "demo database %s removed\n", path)
				}
			}
			ctx := cmd.Context()
			st, err := a.open(ctx)
			if err != nil {
				_ = os.RemoveAll(dir)
				return err
			}
			start := time.Now()
			fmt.Fprintf(a.stderr, "flightdeck demo: generating a year of history (seed %d)…\n", seed)
			sum, err := demo.Generate(ctx, st, demo.Options{Seed: seed, Now: a.now()})
			if err != nil {
				a.close()
				_ = os.RemoveAll(dir)
				return err
			}
			fmt.Fprintf(a.stderr, "flightdeck demo: %d deployments, %d incidents, %d events in %.1f s\n",
				sum.Deployments, sum.Incidents, sum.Events, time.Since(start).Seconds())
			if generateOnly {
				keep = true
				done()
				return nil
			}
			defer done()
			return runDashboard(ctx, a)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&seed, "seed", 1, "seed of the generated history")
	f.BoolVar(&keep, "keep", true, "keep the demo database on exit and print its path (--keep=false deletes it)")
	f.BoolVar(&generateOnly, "generate-only", false, "create the demo database, print its path and exit (for scripts and benchmarks)")
	f.StringVar(&a.theme, "theme", "", "colour theme for terminals that cannot tell: dark or light (default $FLIGHTDECK_THEME, else dark)")
	f.BoolVar(&a.mouse, "mouse", false, "capture the mouse (off by default so you can select and copy text)")
	return cmd
}
