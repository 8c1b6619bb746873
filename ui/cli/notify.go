package cli

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/data/notify"
)

func newNotifyCmd(a *app) *cobra.Command {
	var once, watch, test bool
	var sender string
	cmd := &cobra.Command{
		Use:   "notify --once|--watch|--test",
		Short: "Deliver notifications and run the metrics probe without a dashboard",
		Long: "Every dashboard delivers the timeline's notices to the configured senders (webhook,\n" +
			"slack, pagerduty, the notify command) and runs the metrics probe during a rollout — each\n" +
			"once per database however many run. A deadline nobody is looking at must still reach\n" +
			"someone, so keep one 'flightdeck notify --watch' running on a host that can reach the\n" +
			"database (a systemd service, or a tmux window):\n\n" +
			"  --watch  run until interrupted, printing one line per delivery and probe run\n" +
			"  --once   one pass: record what is due, deliver what is pending, exit (1 if one failed)\n" +
			"  --test   send a test notice to every sender, or the one --sender names; nothing is recorded",
		Example: "  flightdeck notify --test\n  flightdeck notify --test --sender incidents\n  flightdeck notify --watch",
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
				if len(cfg.Senders) == 0 {
					return fmt.Errorf("no sender configured: add notifications: [...] (or notify: {command: [...]}) to the configuration (flightdeck config example)")
				}
				path, err := a.database()
				if err != nil {
					return err
				}
				// A notify command gets it as FLIGHTDECK_DB, without its
				// password (which goes as PGPASSWORD).
				results, err := notify.Test(ctx, cfg.Senders, sender, path, a.now())
				if err != nil {
					return usagef("no sender named %q: the configuration has %s", sender, senderNames(cfg.Senders))
				}
				failed := 0
				for _, c := range cfg.Senders {
					err, ok := results[c.Name]
					switch {
					case !ok:
					case err != nil:
						failed++
						fmt.Fprintf(a.stdout, "✗ %s (%s): %v\n", c.Name, c.Type, err)
					default:
						fmt.Fprintf(a.stdout, "✓ %s (%s): test notice delivered\n", c.Name, c.Type)
					}
				}
				if failed > 0 {
					return fmt.Errorf("%d of %d sender(s) failed the test", failed, len(results))
				}
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
					return fmt.Errorf("%d delivery or probe run(s) failed: see the timeline (notify.failed, probe.failed); undelivered notices are sent by the next run", failed)
				}
				return nil
			}
			changes, stop, err := watchChanges(ctx, st)
			if err != nil {
				return err
			}
			defer stop()
			n.Changes = changes
			n.Log("watching %s (%s; senders: %s; probe: %s); Ctrl-C to stop", st.Path(), st.Engine(), senderNames(cfg.Senders), onOff(cfg.Probe != nil))
			n.Run(ctx)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&once, "once", false, "send what is due now, then exit")
	f.BoolVar(&watch, "watch", false, "keep running until interrupted")
	f.BoolVar(&test, "test", false, "send a test notice to every sender (or --sender NAME); nothing is recorded")
	f.StringVar(&sender, "sender", "", "with --test: the one sender to test")
	return cmd
}

// senderNames is "ops (webhook), incidents (slack)", or "none".
func senderNames(ss []config.Sender) string {
	if len(ss) == 0 {
		return "none"
	}
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name + " (" + s.Type + ")"
	}
	return strings.Join(names, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
