package data_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

// benchNow is the end of the benchmarks' demo history.
var benchNow = time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)

// scaledDemo opens the demo year at scale times the default sizes (10× is
// 50,002 deployments, 20,002 incidents, 2M events: a 680 MB file that takes
// a minute or more to write), generated once and reused by later runs: a
// file under the temporary directory (delete $TMPDIR/flightdeck-bench/ to
// regenerate), or with FLIGHTDECK_TEST_ENGINE=postgres a database
// fdbench_demo_<scale>x on the test server (drop it to regenerate).
// Benchmarks only: go test ./... never calls it.
func scaledDemo(b *testing.B, scale int) *data.Store {
	b.Helper()
	opt := demo.Options{Seed: 1, Now: benchNow,
		Deployments: scale * demo.DefaultDeployments, Incidents: scale * demo.DefaultIncidents, Events: scale * demo.DefaultEvents}
	var path string
	if os.Getenv("FLIGHTDECK_TEST_ENGINE") == "postgres" {
		path = pgBenchDatabase(b, fmt.Sprintf("fdbench_demo_%dx", scale), opt)
	} else {
		path = fileBenchDatabase(b, fmt.Sprintf("demo-%dx-seed1-%s.db", scale, benchNow.Format("20060102")), opt)
	}
	s, err := data.Open(context.Background(), path, data.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func fileBenchDatabase(b *testing.B, name string, opt demo.Options) string {
	dir := filepath.Join(os.TempDir(), "flightdeck-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".part"
	_ = os.Remove(tmp)
	generateBench(b, tmp, opt)
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func pgBenchDatabase(b *testing.B, name string, opt demo.Options) string {
	ctx := context.Background()
	server := pgtest.Server(b)
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	dsn := func(db string) string {
		u, err := url.Parse(server)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + db
		return u.String()
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n > 0 {
		return dsn(name)
	}
	part := name + "_part"
	for _, q := range []string{"DROP DATABASE IF EXISTS " + part + " WITH (FORCE)", "CREATE DATABASE " + part} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	generateBench(b, dsn(part), opt)
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+part+" RENAME TO "+name); err != nil {
		b.Fatal(err)
	}
	return dsn(name)
}

func generateBench(b *testing.B, path string, opt demo.Options) {
	s, err := data.Open(context.Background(), path, data.Options{})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	_, err = demo.Generate(context.Background(), s, opt)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated the demo year ×%d in %s", opt.Deployments/demo.DefaultDeployments, time.Since(start).Round(time.Second))
}

// cpuTime is the CPU this process has used (every thread, the collector's
// too): on a shared machine a steadier measure of work than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs f b.N times and reports its CPU time per call beside the wall
// time.
func loop(b *testing.B, f func() error) {
	b.Helper()
	start := cpuTime()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkMetricsScaled is what the dashboard's M, w and s and `metrics`
// cost on the demo year at 1× and 10×: old is the path this replaced
// (every row of the window, then ComputeMetrics); once is Store.Metrics with
// no snapshot (the window's facts read from the database, then computed);
// snapshot is Store.Metrics from the database's snapshot (a later
// `metrics`: the file read, the history checked, nothing written since);
// cached is a MetricsCache that has read them (the dashboard after its
// first M: a change mark read, then computed).
//
//	go test ./data -run '^$' -bench MetricsScaled -benchmem
func BenchmarkMetricsScaled(b *testing.B) {
	ctx := context.Background()
	defer data.SetMetricsSnapshots("", 0, 0)() // none but the snapshot variant's
	for _, scale := range []int{1, 10} {
		b.Run(fmt.Sprintf("%dx", scale), func(b *testing.B) {
			s := scaledDemo(b, scale)
			cache := data.NewMetricsCache(s)
			for _, c := range []struct {
				name    string
				days    int
				service string
			}{{"30d", 30, ""}, {"365d", 365, ""}, {"365d-service", 365, "checkout-api"}} {
				w := model.MetricsWindow{From: benchNow.AddDate(0, 0, -c.days), To: benchNow, Service: c.service}
				b.Run(c.name+"/old", func(b *testing.B) {
					loop(b, func() error {
						deps, incs, err := s.MetricsInput(ctx, w.From, w.To, w.Service)
						_ = model.ComputeMetrics(deps, incs, w)
						return err
					})
				})
				b.Run(c.name+"/once", func(b *testing.B) {
					loop(b, func() error { _, err := s.Metrics(ctx, w); return err })
				})
				b.Run(c.name+"/snapshot", func(b *testing.B) {
					data.SetMetricsSnapshots(b.TempDir(), 0, 0)
					defer data.SetMetricsSnapshots("", 0, 0)
					if _, err := s.Metrics(ctx, w); err != nil { // keeps the snapshot
						b.Fatal(err)
					}
					loop(b, func() error { _, err := s.Metrics(ctx, w); return err })
				})
				b.Run(c.name+"/cached", func(b *testing.B) {
					if _, err := cache.Metrics(ctx, w); err != nil {
						b.Fatal(err)
					}
					loop(b, func() error { _, err := cache.Metrics(ctx, w); return err })
				})
			}
		})
	}
}
