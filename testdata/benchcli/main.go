// Command benchcli times whole processes side by side, for .ci/bench-cli:
//
//	benchcli pair -n 30 NAME_A NAME_B -- ARGV_A... ::: ARGV_B...
//
// runs A and B alternately n times each (the order turning every round, so
// neither always runs on a warmer cache), each from fork to exit, and prints
// both medians with min–max and the ratio A/B of the medians, with the
// min–max of the per-round ratios; then the same for the CPU time the
// process used (user + system), which a shared machine's load disturbs
// less than the wall time. More than two commands may be given: each is
// compared with the last. "{i}" in an argument becomes the run's number,
// so each run can write a row of its own.
//
//	benchcli writers -p 8 -n 500 -pre TEXT -tx FILE -- ARGV...
//
// starts p copies of ARGV at once, each fed TEXT and then n transactions on
// stdin: FILE holds one transaction on one line, with {p} and {i} replaced
// by the process's and the transaction's number. It prints the throughput
// from the first start to the last exit, and the slowest time the program
// reported: sqlite3's ".timer on" prints "Run Time: real S" once per input
// line (a transaction), psql's "\timing on" "Time: MS ms" per statement.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "pair":
		err = pair(os.Args[2:])
	case "writers":
		err = writers(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcli:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchcli pair -n N NAME_A NAME_B... -- ARGV_A... ::: ARGV_B... [::: ...]\n       benchcli writers -p P -n N -pre TEXT -tx FILE -- ARGV...")
	os.Exit(2)
}

func pair(args []string) error {
	fs := flag.NewFlagSet("pair", flag.ExitOnError)
	n := fs.Int("n", 30, "runs of each command")
	_ = fs.Parse(args)
	rest := fs.Args()
	sep := slices.Index(rest, "--")
	if sep < 2 {
		usage()
	}
	names := rest[:sep]
	var argv [][]string
	for cmd := range strings.SplitSeq(strings.Join(rest[sep+1:], "\x00"), "\x00:::\x00") {
		argv = append(argv, strings.Split(cmd, "\x00"))
	}
	if len(argv) != len(names) {
		usage()
	}
	took := make([][]time.Duration, len(argv))
	cpu := make([][]time.Duration, len(argv))
	run := 0
	for round := range *n {
		for j := range argv {
			k := (j + round) % len(argv) // each goes first in turn
			run++
			d, c, err := once(argv[k], run)
			if err != nil {
				return fmt.Errorf("%s (run %d): %w", names[k], run, err)
			}
			took[k] = append(took[k], d)
			cpu[k] = append(cpu[k], c)
		}
	}
	ref := len(argv) - 1
	for k := range ref {
		report(names[k], names[ref], "wall", took[k], took[ref])
		report(names[k], names[ref], "cpu ", cpu[k], cpu[ref])
	}
	return nil
}

// report prints a's and b's medians with min–max, and the ratio of the
// medians with the min–max of the per-round ratios.
func report(a, b, what string, ta, tb []time.Duration) {
	ratios := make([]float64, len(ta))
	for i := range ratios {
		ratios[i] = float64(ta[i]) / float64(max(tb[i], 1))
	}
	fmt.Printf("%-12s %s %s   %-8s %s   ratio %.2f× (rounds %.2f–%.2f), %d runs each\n",
		a, what, spread(ta), b, spread(tb), float64(median(ta))/float64(max(median(tb), 1)),
		slices.Min(ratios), slices.Max(ratios), len(ta))
}

// once runs argv to its exit, stdout and stderr discarded unless it fails,
// and returns the wall time and the CPU time it used.
func once(argv []string, run int) (wall, cpu time.Duration, err error) {
	a := make([]string, len(argv))
	for i, s := range argv {
		a[i] = strings.ReplaceAll(s, "{i}", strconv.Itoa(run))
	}
	cmd := exec.Command(a[0], a[1:]...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	began := time.Now()
	err = cmd.Run()
	wall = time.Since(began)
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

func writers(args []string) error {
	fs := flag.NewFlagSet("writers", flag.ExitOnError)
	p := fs.Int("p", 8, "processes")
	n := fs.Int("n", 500, "transactions per process")
	txFile := fs.String("tx", "", "file with one transaction on one line ({p}, {i})")
	pre := fs.String("pre", "", "text each process reads first (settings, the timer)")
	_ = fs.Parse(args)
	argv := fs.Args()
	if len(argv) == 0 || *txFile == "" {
		usage()
	}
	tmpl, err := os.ReadFile(*txFile)
	if err != nil {
		return err
	}
	line := strings.TrimSpace(string(tmpl))
	cmds := make([]*exec.Cmd, *p)
	outs := make([]bytes.Buffer, *p)
	errs := make([]bytes.Buffer, *p)
	for k := range cmds {
		var in strings.Builder
		in.WriteString(*pre)
		in.WriteByte('\n')
		for i := range *n {
			r := strings.NewReplacer("{p}", strconv.Itoa(k), "{i}", strconv.Itoa(i))
			in.WriteString(r.Replace(line))
			in.WriteByte('\n')
		}
		cmds[k] = exec.Command(argv[0], argv[1:]...)
		cmds[k].Stdin = strings.NewReader(in.String())
		cmds[k].Stdout, cmds[k].Stderr = &outs[k], &errs[k]
	}
	began := time.Now()
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	failed := make([]error, *p)
	for k, c := range cmds {
		wg.Go(func() { failed[k] = c.Wait() })
	}
	wg.Wait()
	wall := time.Since(began)
	for k, err := range failed {
		if err != nil || errs[k].Len() > 0 {
			return fmt.Errorf("process %d: %v: %s", k, err, strings.TrimSpace(errs[k].String()))
		}
	}
	var slowest float64 // ms
	what := "transaction"
	for k := range outs {
		sc := bufio.NewScanner(&outs[k])
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) >= 4 && f[0] == "Run" && f[2] == "real": // sqlite3
				if s, err := strconv.ParseFloat(f[3], 64); err == nil {
					slowest = max(slowest, s*1000)
				}
			case len(f) >= 3 && f[0] == "Time:" && f[2] == "ms": // psql
				what = "statement"
				if ms, err := strconv.ParseFloat(f[1], 64); err == nil {
					slowest = max(slowest, ms)
				}
			}
		}
	}
	fmt.Printf("%d processes × %d transactions: %v, %.0f writes/s; slowest %s %.0f ms\n",
		*p, *n, wall.Round(time.Millisecond), float64(*p**n)/wall.Seconds(), what, slowest)
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func spread(ds []time.Duration) string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	return fmt.Sprintf("%s ms (%s–%s)", ms(median(ds)), ms(slices.Min(ds)), ms(slices.Max(ds)))
}
