package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// config is what .ci/bench hands over.
type config struct {
	fd, floor, hello, self string
	sqlite3, psql          string
	work                   string
	scale                  int // the big history's multiple (10)
	rounds                 int
	quick, check           bool
	only                   map[string]bool
	targets                []*target
}

// A target is one database flightdeck is measured on.
type target struct {
	engine string // "SQLite" or "PostgreSQL"
	big    bool   // the 10× history (else 1×)
	db     string // a working copy of the file, or the DSN
	// ref is the SQLite references' own copy of the file: each program
	// meets the file as it leaves it (flightdeck keeps the -wal and -shm
	// for the next process, sqlite3 deletes them), never as the other
	// left it. Empty on PostgreSQL, where both use db.
	ref    string
	deploy int64 // the demo's canary, whose checklist the actions write to
	items  []int64
}

func (t *target) pg() bool { return t.engine == "PostgreSQL" }

// refDB is where the reference (sqlite3, psql) writes.
func (t *target) refDB() string {
	if t.ref != "" {
		return t.ref
	}
	return t.db
}

func (t *target) label(c *config) string {
	if t.big {
		return fmt.Sprintf("%d×", c.scale)
	}
	return "1×"
}

func runAll(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	c := &config{}
	var db1, db10, pg1, pg10, only string
	fs.StringVar(&c.fd, "fd", "", "flightdeck binary")
	fs.StringVar(&c.floor, "floor", "", "the floor program (testdata/floor)")
	fs.StringVar(&c.hello, "hello", "", "a Go hello-world")
	fs.StringVar(&db1, "db1", "", "the 1× demo database (not changed: a copy is measured)")
	fs.StringVar(&db10, "db10", "", "the big demo database (optional)")
	fs.StringVar(&pg1, "pg1", "", "a PostgreSQL database holding the 1× demo (optional; written to)")
	fs.StringVar(&pg10, "pg10", "", "a PostgreSQL database holding the big demo (optional; written to)")
	fs.StringVar(&c.work, "work", "", "a directory for working copies and logs")
	fs.IntVar(&c.scale, "scale", 10, "the big history's multiple")
	fs.IntVar(&c.rounds, "rounds", 0, "rounds of each measure (default 5, 3 with -quick)")
	fs.BoolVar(&c.quick, "quick", false, "fewer rounds and shorter windows")
	fs.BoolVar(&c.check, "check", false, "add a pass/fail column and fail when a bar is missed")
	fs.StringVar(&only, "only", "", "comma-separated measures to run (inproc,help,action,metricsjson,writers,startup,metrics,key,idle)")
	_ = fs.Parse(args)
	if c.fd == "" || c.floor == "" || c.hello == "" || db1 == "" || c.work == "" {
		return errors.New("run needs -fd, -floor, -hello, -db1 and -work")
	}
	if c.rounds == 0 {
		c.rounds = 5
		if c.quick {
			c.rounds = 3
		}
	}
	if only != "" {
		c.only = map[string]bool{}
		for _, m := range strings.Split(only, ",") {
			c.only[strings.TrimSpace(m)] = true
		}
	}
	var err error
	if c.self, err = os.Executable(); err != nil {
		return err
	}
	if c.sqlite3, err = exec.LookPath("sqlite3"); err != nil {
		return errors.New("sqlite3 is not installed (apt-get install sqlite3)")
	}
	c.psql, _ = exec.LookPath("psql")
	if (pg1 != "" || pg10 != "") && c.psql == "" {
		return errors.New("psql is not installed, and the PostgreSQL references need it")
	}

	ctx := context.Background()
	for _, d := range []struct {
		src, engine string
		big         bool
	}{{db1, "SQLite", false}, {db10, "SQLite", true}, {pg1, "PostgreSQL", false}, {pg10, "PostgreSQL", true}} {
		if d.src == "" {
			continue
		}
		t := &target{engine: d.engine, big: d.big, db: d.src}
		if !t.pg() {
			t.db = filepath.Join(c.work, fmt.Sprintf("work-%s-%s.db", strings.ToLower(d.engine), strings.TrimSuffix(t.label(c), "×")+"x"))
			step("copying %s to %s", d.src, t.db)
			if err := copyFile(d.src, t.db); err != nil {
				return err
			}
			t.ref = strings.TrimSuffix(t.db, ".db") + "-ref.db"
			if err := copyFile(d.src, t.ref); err != nil {
				return err
			}
		}
		if err := t.prepare(ctx, c); err != nil {
			return fmt.Errorf("%s %s: %w", t.engine, t.label(c), err)
		}
		c.targets = append(c.targets, t)
	}

	var rows []*row
	measures := []struct {
		name string
		fn   func(*config) ([]*row, error)
	}{
		{"inproc", measureInProcess},
		{"help", measureHelp},
		{"action", measureAction},
		{"metricsjson", measureMetricsJSON},
		{"writers", measureWriters},
		{"startup", measureStartup},
		{"metrics", measureMetricsScreen},
		{"key", measureKeyToScreen},
		{"idle", measureIdle},
	}
	began := time.Now()
	var timings, broken []string
	for _, m := range measures {
		if c.only != nil && !c.only[m.name] {
			continue
		}
		t0 := time.Now()
		step("measure %s", m.name)
		r, err := m.fn(c)
		if err != nil {
			// The other measures still run and the table is printed:
			// one broken measure must not hide the rest.
			step("measure %s failed: %v", m.name, err)
			broken = append(broken, fmt.Sprintf("%s: %s", m.name, strings.SplitN(err.Error(), "\n", 2)[0]))
		}
		rows = append(rows, r...)
		timings = append(timings, fmt.Sprintf("%s %s", m.name, time.Since(t0).Round(time.Second)))
	}
	failed := printTable(os.Stdout, c, rows)
	for _, b := range broken {
		fmt.Printf("\nNot measured: %s\n", b)
	}
	fmt.Printf("\nMeasures took %s: %s.\n", time.Since(began).Round(time.Second), strings.Join(timings, ", "))
	switch {
	case len(broken) > 0:
		return fmt.Errorf("%d measures could not run", len(broken))
	case c.check && failed > 0:
		return fmt.Errorf("%d bars missed", failed)
	}
	return nil
}

// prepare finds the demo's canary and the checklist items the actions note
// on, and opens a SEV1 so that every dashboard has an escalation counting
// down beside the soaking canary (the idle measure's scenario).
func (t *target) prepare(ctx context.Context, c *config) error {
	st, err := data.Open(ctx, t.db, data.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	deps, err := st.ActiveDeployments(ctx)
	if err != nil {
		return err
	}
	var best []model.Item
	for _, d := range deps {
		items, _, err := st.Checklist(ctx, d.ID)
		if err != nil {
			return err
		}
		if len(items) > len(best) {
			t.deploy, best = d.ID, items
		}
	}
	if len(best) < 9 {
		return fmt.Errorf("no active deployment with 9 checklist items (is this the demo database?)")
	}
	for _, it := range best {
		t.items = append(t.items, it.ID)
	}
	out, err := exec.Command(c.fd, "--db", t.db, "--as", "bench", "incident", "open", "--sev", "1", "bench: a SEV1 counting down").CombinedOutput()
	if err != nil {
		return fmt.Errorf("incident open: %v: %s", err, out)
	}
	// The next stage's soak starts now, so the canary is in the same phase
	// on every copy however old the cached year is (its own clock started
	// when it was generated). A refusal leaves the demo's stage soaking.
	if out, err := exec.Command(c.fd, "--db", t.db, "--as", "bench", "deploy", "promote", "--deploy", strconv.FormatInt(t.deploy, 10),
		"--reason", "bench: a fresh soak").CombinedOutput(); err != nil {
		detail("%s %s: deploy promote refused (%s): the demo's own stage soaks", t.engine, t.label(c), strings.TrimSpace(string(out)))
	}
	return nil
}

func copyFile(src, dst string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(dst + suffix)
	}
	// cp can share blocks (reflink) where the file system allows it.
	if out, err := exec.Command("cp", "--reflink=auto", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("cp %s: %v: %s", src, err, out)
	}
	if _, err := os.Stat(src + "-wal"); err == nil {
		return errors.New(src + " has a -wal file: checkpoint it before measuring")
	}
	return nil
}

// step says what is going on, on stderr (stdout is the table).
func step(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
}

// detail is a line of figures for the log.
func detail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "         "+format+"\n", a...)
}

func (c *config) sqliteTargets() []*target {
	return slices.DeleteFunc(slices.Clone(c.targets), (*target).pg)
}

// devNull takes the output of the processes timed: no pipe to drain.
var devNull, _ = os.OpenFile(os.DevNull, os.O_WRONLY, 0)
