package cli

import (
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/notify"
)

func newNotifyCmd(a *app) *cobra.Command {
	var once, watch, test bool
	cmd := &cobra.Command{
		Use:   "notify --once|--watch|--test",
		Short: "Run the notify command and the metrics probe without a dashboard",
		Long: "Every dashboard runs the configured notify command when an escalation step is due, a\n" +
			"rollout stage is ready or the rollback criteria are met, and the metrics probe during a\n" +
			"rollout — each once per database however many run. A deadline nobody is looking at\n" +
			"must still reach someone, so keep one 'flightdeck notify --watch' running on a host\n" +
			"that can reach the database (a systemd service, or a tmux window):\n\n" +
			"  --watch  run until interrupted, printing one line per command run\n" +
			"  --once   one pass: send what is due now, wait for it, exit (1 if a command failed)\n" +
			"  --test   run the notify command once with FLIGHTDECK_EVENT=test; nothing is recorded",
		Example: "  flightdeck notify --test\n  flightdeck notify --watch",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			modes := 0
			for _, m := range []bool{once, watch, test} {
				if m {
					modes++
				}
			}
			if modes != 1 {
				return usagef("give one of --once, --watch or --test")
			}
			ctx := cmd.Context()
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if test {
				if cfg.Notify == nil {
					return fmt.Errorf("no notify command configured: add notify: {command: [...]} to the configuration (flightdeck config example)")
				}
				path, err := data.ResolvePath(a.dbFlag)
				if err != nil {
					return err
				}
				res := notify.Test(ctx, cfg.Notify, path)
				if !res.OK() {
					return fmt.Errorf("the notify command failed: %s", res.Summary())
				}
				fmt.Fprintf(a.stdout, "notify command ran: %s\n", res.Summary())
				return nil
			}
			if a.readOnly {
				return usagef("notify writes what it sent to the timeline: it cannot run --read-only")
			}
			st, err := a.open(ctx)
			if err != nil {
				return err
			}
			n := notify.New(st, cfg, a.now)
			if n == nil {
				return notify.ErrNothingToRun
			}
			var mu sync.Mutex
			n.Log = func(format string, args ...any) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(a.stdout, "%s %s\n", a.now().UTC().Format(time.DateTime), fmt.Sprintf(format, args...))
			}
			if once {
				failed, err := n.Once(ctx)
				if err != nil {
					return err
				}
				if failed > 0 {
					return fmt.Errorf("%d command(s) failed: see the timeline (notify.failed, probe.failed)", failed)
				}
				return nil
			}
			changes, stop, err := watchChanges(ctx, st)
			if err != nil {
				return err
			}
			defer stop()
			n.Changes = changes
			n.Log("watching %s (notify: %s, probe: %s); Ctrl-C to stop", st.Path(), onOff(cfg.Notify != nil), onOff(cfg.Probe != nil))
			n.Run(ctx)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&once, "once", false, "send what is due now, then exit")
	f.BoolVar(&watch, "watch", false, "keep running until interrupted")
	f.BoolVar(&test, "test", false, "run the notify command once with a test event")
	return cmd
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
