package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
)

// pgfill writes the demo year at a scale into an empty database (a
// PostgreSQL DSN or a new file): what `flightdeck demo --scale N` writes,
// for a flightdeck that cannot yet put its demo on PostgreSQL itself
// (.ci/bench prefers `flightdeck migrate` from the SQLite file when there is
// one: the same rows, copied).
func pgfill(args []string) error {
	fs := flag.NewFlagSet("pgfill", flag.ExitOnError)
	db := fs.String("db", "", "database: a postgres:// DSN or a new file")
	scale := fs.Int("scale", 1, "the year's multiple")
	_ = fs.Parse(args)
	if *db == "" || *scale < 1 {
		return errors.New("pgfill needs -db and a -scale of 1 or more")
	}
	ctx := context.Background()
	st, err := data.Open(ctx, *db, data.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	began := time.Now()
	sum, err := demo.Generate(ctx, st, demo.Options{Seed: 1,
		Deployments: *scale * demo.DefaultDeployments, Incidents: *scale * demo.DefaultIncidents, Events: *scale * demo.DefaultEvents})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "pgfill: %d deployments, %d incidents, %d events in %.1f s\n",
		sum.Deployments, sum.Incidents, sum.Events, time.Since(began).Seconds())
	return nil
}
