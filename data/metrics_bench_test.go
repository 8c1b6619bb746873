package data_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/model"
)

// benchNow is the end of the benchmarks' demo history.
var benchNow = time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)

// scaledDemo opens the demo year at scale times the default sizes (10× is
// 50,002 deployments, 20,002 incidents, 2M events: a 680 MB file that takes
// minutes to write), generated once into a file under the temporary
// directory and reused by later runs (delete it to regenerate:
// $TMPDIR/flightdeck-bench/). Benchmarks only: go test ./... never calls it.
func scaledDemo(b *testing.B, scale int) *data.Store {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "flightdeck-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("demo-%dx-seed1-%s.db", scale, benchNow.Format("20060102")))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".part"
		_ = os.Remove(tmp)
		s, err := data.Open(context.Background(), tmp, data.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		_, err = demo.Generate(context.Background(), s, demo.Options{Seed: 1, Now: benchNow,
			Deployments: scale * demo.DefaultDeployments, Incidents: scale * demo.DefaultIncidents, Events: scale * demo.DefaultEvents})
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %s", path, time.Since(start).Round(time.Second))
	}
	s, err := data.Open(context.Background(), path, data.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
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
// (every row of the window, then ComputeMetrics); once is Store.Metrics (the
// CLI: the window's facts read, then computed); cached is a MetricsCache
// that has read them (the dashboard after its first M: a change mark read,
// then computed).
//
//	go test ./data -run '^$' -bench MetricsScaled -benchmem
func BenchmarkMetricsScaled(b *testing.B) {
	ctx := context.Background()
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
