package cli

import (
	"context"
	"io"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// BenchmarkRunCheck is one `flightdeck check --note` run in-process, as a
// pipeline calls it: build the command tree, open the database (an
// up-to-date schema), read, one transaction, close. Profile it with
// -cpuprofile to see what a CLI call costs beyond process start-up.
func BenchmarkRunCheck(b *testing.B) {
	benchRun(b, func(i int) []string { return []string{"check", "1", "--deploy", "1", "--note", "n" + strconv.Itoa(i)} })
}

// BenchmarkRunHelp is `flightdeck --help` in-process.
func BenchmarkRunHelp(b *testing.B) {
	benchRun(b, func(int) []string { return []string{"--help"} })
}

// BenchmarkRunCheckPostgres is BenchmarkRunCheck on PostgreSQL
// (FLIGHTDECK_TEST_POSTGRES): a new connection per run.
func BenchmarkRunCheckPostgres(b *testing.B) {
	db := pgtest.NewDatabase(b, pgtest.Server(b))
	benchRunOn(b, db, func(i int) []string { return []string{"check", "1", "--deploy", "1", "--note", "n" + strconv.Itoa(i)} })
}

func benchRun(b *testing.B, args func(i int) []string) {
	benchRunOn(b, b.TempDir()+"/bench.db", args)
}

func benchRunOn(b *testing.B, db string, args func(i int) []string) {
	b.Setenv("FLIGHTDECK_DB", "")
	ctx := context.Background()
	if code := Run(ctx, []string{"--db", db, "--as", "bench", "deploy", "start", "api", "v1"}, io.Discard, io.Discard); code != exitOK {
		b.Fatalf("deploy start: exit %d", code)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		if code := Run(ctx, append([]string{"--db", db, "--as", "bench"}, args(i)...), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("run %d: exit %d", i, code)
		}
	}
	b.StopTimer()
	// CPU time per run (user + system, every thread): on a shared machine
	// the wall time also counts waiting for a core.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNewRootCmd is building the command tree alone, which every run
// pays before cobra looks at the arguments.
func BenchmarkNewRootCmd(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		a := &app{stdout: io.Discard, stderr: io.Discard}
		_ = newRootCmd(a)
	}
}
