// Command benchkit is the measuring half of .ci/bench (issue 18): given the
// binaries and the databases .ci/bench built, it runs every measure against
// its reference side by side, interleaved round by round (the reference,
// flightdeck at 1× and at 10×, on SQLite and PostgreSQL), and prints one
// Markdown table of medians with min–max, ratios and bars.
//
//	benchkit run -fd BIN -floor BIN -hello BIN -db1 FILE [-db10 FILE] [-pg1 DSN] [-pg10 DSN] -work DIR [-rounds N] [-quick] [-check] [-only LIST]
//	benchkit writer -db DB -deploy ID -item ID -name NAME -n N   (one of the 8 writers: waits for "go" on stdin)
//	benchkit pgfill -db DSN -scale N                            (the demo year into an empty PostgreSQL database)
//
// It is a tool, not part of flightdeck: it lives under testdata so that
// go build ./... and go test ./... never see it, and it may reach into
// ui/cli (cli.Run, as ui/cli's own concurrency test does) where flightdeck's
// layering forbids that to its own packages.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runAll(os.Args[2:])
	case "writer":
		err = writerChild(os.Args[2:])
	case "pgfill":
		err = pgfill(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchkit:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchkit run|writer|pgfill [flags] (see .ci/bench)")
	os.Exit(2)
}
