// Command flightdeck is a terminal dashboard for shipping software safely and
// for running the incident when a deploy goes wrong. See README.md; the code
// starts in ui/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/octoacme/flightdeck/ui/cli"
	_ "github.com/octoacme/flightdeck/ui/earlyinit" // before Bubble Tea's init: see its doc
	"github.com/octoacme/flightdeck/ui/procs"       // one processor for one action: see its doc
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	cli.LongRunning = procs.Default
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
