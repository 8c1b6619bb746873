package pglisten_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/octoacme/flightdeck/data/pglisten"
)

// A dashboard's use: start the listener before the first read, re-read
// when Changed says so (on the root's one-second clock), and show the
// outage in the status line.
func Example() {
	cfg, err := pgx.ParseConfig(os.Getenv("FLIGHTDECK_DB"))
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := pglisten.Start(context.Background(), pglisten.Options{Config: cfg, Channel: "flightdeck"})
	if err != nil {
		fmt.Println("live sync:", err) // before the terminal is taken over
		return
	}
	defer l.Close()

	for range time.Tick(time.Second) {
		if l.Changed() {
			// re-read the store; while the server is away this read
			// fails every SlowPoll and shows why
		}
		if s := l.State(); !s.Connected {
			fmt.Printf("database unreachable since %s — retrying\n", s.DownSince.Local().Format("15:04"))
		}
	}
}
