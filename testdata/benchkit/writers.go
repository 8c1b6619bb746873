package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/ui/cli"
	sqlitedrv "modernc.org/sqlite"
)

const writerProcs = 8

func (c *config) writerActions() int { return 500 }

// writerChild is one of the eight writers: as ui/cli's
// TestConcurrentWriterProcesses does, it runs n `check ITEM --note` actions
// through cli.Run (each opens the database, writes one transaction and
// closes it), after "go" on stdin, and prints its slowest action; on one
// processor, as the flightdeck binary runs such a command (ui/procs).
func writerChild(args []string) error {
	fs := flag.NewFlagSet("writer", flag.ExitOnError)
	db := fs.String("db", "", "database")
	deploy := fs.String("deploy", "", "deployment")
	item := fs.String("item", "", "checklist item")
	name := fs.String("name", "", "actor and note prefix")
	n := fs.Int("n", 500, "actions")
	raw := fs.Bool("raw", false, "each action a new connection of the SQLite driver alone, no flightdeck code (the floor of one call)")
	_ = fs.Parse(args)
	// As the flightdeck binary runs a one-action command (ui/procs): on
	// one processor, unless GOMAXPROCS says otherwise.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
	fmt.Println("ready")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "go" {
		return errors.New("writer: no go")
	}
	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if *raw {
		deployID, _ := strconv.ParseInt(*deploy, 10, 64)
		itemID, _ := strconv.ParseInt(*item, 10, 64)
		t := &target{engine: "SQLite", deploy: deployID}
		if strings.HasPrefix(*db, "postgres") {
			t.engine = "PostgreSQL"
		}
		for i := range *n {
			began := time.Now()
			err := rawNote(ctx, t, *db, noteTx(t, itemID, *name, fmt.Sprintf("%s-%d", *name, i)))
			took := time.Since(began)
			if err != nil {
				fmt.Fprintf(out, "fail 1 %s\n", strings.Join(strings.Fields(err.Error()), " "))
			} else {
				fmt.Fprintf(out, "ok %d\n", took.Microseconds())
			}
			out.Flush()
		}
		return nil
	}
	for i := range *n {
		var errb bytes.Buffer
		a := []string{"--db", *db, "--as", *name, "check", *item, "--deploy", *deploy, "--note", fmt.Sprintf("%s-%d", *name, i)}
		began := time.Now()
		code := cli.Run(ctx, a, io.Discard, &errb)
		took := time.Since(began)
		if code != 0 {
			// A refusal is a result, not the end of the run: say it
			// and go on (the parent counts them).
			fmt.Fprintf(out, "fail %d %s\n", code, strings.Join(strings.Fields(errb.String()), " "))
		} else {
			fmt.Fprintf(out, "ok %d\n", took.Microseconds())
		}
		out.Flush() // each line as it happens: a writer stopped at the time limit loses none
	}
	return nil
}

// rawDSN is the name data/open.go gives a read-write SQLite connection:
// the same pragmas, set as the connection opens.
func rawDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_busy_timeout=10000&_synchronous=FULL&_foreign_keys=1&_pragma=journal_size_limit(67108864)&_txlock=immediate&_time_format=sqlite&mode=rw"
}

// rawNote is one action with no flightdeck code: a new connection of the
// driver through database/sql, running the transaction the reference runs,
// then closed. On SQLite the connection has flightdeck's pragmas and its
// kept -wal (data/keepwal.go); on PostgreSQL it is pgx's, with its login.
// It is the floor under one CLI call: what opening, committing and closing
// cost with the drivers flightdeck uses.
func rawNote(ctx context.Context, t *target, path, tx string) error {
	name, dsn := "sqlite", rawDSN(path)
	if t.pg() {
		name, dsn = "pgx", path
	}
	db, err := sql.Open(name, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if t.pg() {
		_, err = conn.ExecContext(ctx, tx)
		return err
	}
	if err := conn.Raw(func(dc any) error {
		fc, ok := dc.(sqlitedrv.FileControl)
		if !ok {
			return errors.New("the driver's connection has no file control")
		}
		_, err := fc.FileControlPersistWAL("main", 1)
		return err
	}); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, tx)
	return err
}

// writersResult is one run of the eight writers.
type writersResult struct {
	perSec, slowestMS float64
	done, refused     int
	lost              int    // acknowledged actions the database does not hold
	capped            bool   // stopped at the time limit
	firstRefusal      string // what the first refusal said
}

// fdWriters runs the eight writers at once, from "go" until the last exits
// or the time limit (a loaded machine must not make the run endless), then
// counts each writer's notes in the database against its acknowledged
// actions.
func fdWriters(c *config, t *target, round int) (writersResult, error) {
	return writers(c, t, round, false)
}

// rawWriters is fdWriters with each action rawNote: the driver alone.
func rawWriters(c *config, t *target, round int) (writersResult, error) {
	return writers(c, t, round, true)
}

func writers(c *config, t *target, round int, raw bool) (writersResult, error) {
	var res writersResult
	n := c.writerActions()
	type proc struct {
		name  string
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Scanner
		errb  bytes.Buffer
		ok    int
	}
	ps := make([]*proc, writerProcs)
	for k := range ps {
		p := &proc{name: fmt.Sprintf("w%dp%d", round, k)}
		if raw {
			p.name = fmt.Sprintf("r%dp%d", round, k)
		}
		p.cmd = exec.Command(c.self, "writer", "-db", t.db, "-deploy", strconv.FormatInt(t.deploy, 10),
			"-item", strconv.FormatInt(t.items[k+1], 10), "-name", p.name, "-n", strconv.Itoa(n), "-raw="+strconv.FormatBool(raw))
		p.cmd.Stderr = &p.errb
		var err error
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			return res, err
		}
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			return res, err
		}
		p.out = bufio.NewScanner(out)
		if err := p.cmd.Start(); err != nil {
			return res, err
		}
		ps[k] = p
	}
	for _, p := range ps {
		if !p.out.Scan() || p.out.Text() != "ready" {
			return res, fmt.Errorf("writer did not start: %s", p.errb.String())
		}
	}
	limit := c.writersLimit()
	began := time.Now()
	timer := time.AfterFunc(limit, func() {
		for _, p := range ps {
			_ = p.cmd.Process.Kill() // our own child
		}
	})
	defer timer.Stop()
	for _, p := range ps {
		if _, err := io.WriteString(p.stdin, "go\n"); err != nil {
			return res, err
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			for p.out.Scan() {
				line := p.out.Text()
				mu.Lock()
				if us, ok := strings.CutPrefix(line, "ok "); ok {
					v, _ := strconv.ParseFloat(us, 64)
					res.slowestMS = max(res.slowestMS, v/1000)
					res.done++
					p.ok++
				} else if why, ok := strings.CutPrefix(line, "fail "); ok {
					res.refused++
					if res.firstRefusal == "" {
						res.firstRefusal = p.name + ": " + why
					}
				}
				mu.Unlock()
			}
			_ = p.cmd.Wait()
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	res.capped = elapsed >= limit
	if res.done == 0 {
		return res, fmt.Errorf("no writer finished an action: %s", ps[0].errb.String())
	}
	// Over the whole run: a writer that stalls until the time limit
	// counts against the throughput.
	res.perSec = float64(res.done) / elapsed.Seconds()
	held, err := notesBy(c, t, fmt.Sprintf("%s%dp%%", map[bool]string{false: "w", true: "r"}[raw], round))
	if err != nil {
		return res, err
	}
	for _, p := range ps {
		if held[p.name] < p.ok {
			res.lost += p.ok - held[p.name]
		}
	}
	return res, nil
}

// fdBatchWriters is fdWriters with each writer one `flightdeck batch`
// process (the whole binary, start-up included) given its n actions as
// lines on stdin: one open database per process, as each sqlite3 reference
// process keeps one connection. A note action prints one line when it has
// committed, so an action's time is the gap since the process's previous
// line (the first: since the start). Refusals are counted from stderr.
func fdBatchWriters(c *config, t *target, round int) (writersResult, error) {
	var res writersResult
	n := c.writerActions()
	type proc struct {
		name       string
		cmd        *exec.Cmd
		out, errs  io.ReadCloser
		ok, failed int
		firstFail  string
	}
	ps := make([]*proc, writerProcs)
	for k := range ps {
		p := &proc{name: fmt.Sprintf("b%dp%d", round, k)}
		var in strings.Builder
		for i := range n {
			fmt.Fprintf(&in, "check %d --deploy %d --note %s-%d\n", t.items[k+1], t.deploy, p.name, i)
		}
		p.cmd = exec.Command(c.fd, "--db", t.db, "--as", p.name, "batch", "--keep-going", "-")
		p.cmd.Stdin = strings.NewReader(in.String())
		var err error
		if p.out, err = p.cmd.StdoutPipe(); err != nil {
			return res, err
		}
		if p.errs, err = p.cmd.StderrPipe(); err != nil {
			return res, err
		}
		ps[k] = p
	}
	limit := c.writersLimit()
	began := time.Now()
	for _, p := range ps {
		if err := p.cmd.Start(); err != nil {
			return res, err
		}
	}
	timer := time.AfterFunc(limit, func() {
		for _, p := range ps {
			_ = p.cmd.Process.Kill() // our own child
		}
	})
	defer timer.Stop()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			sc := bufio.NewScanner(p.errs)
			for sc.Scan() {
				if line := sc.Text(); strings.HasPrefix(line, "flightdeck: line ") {
					mu.Lock()
					p.failed++
					if p.firstFail == "" {
						p.firstFail = line
					}
					mu.Unlock()
				}
			}
		})
		wg.Go(func() {
			sc := bufio.NewScanner(p.out)
			last := began
			for sc.Scan() {
				if !strings.Contains(sc.Text(), " note: ") {
					continue
				}
				now := time.Now()
				mu.Lock()
				res.slowestMS = max(res.slowestMS, float64(now.Sub(last))/1e6)
				res.done++
				p.ok++
				mu.Unlock()
				last = now
			}
			_ = p.cmd.Wait()
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	res.capped = elapsed >= limit
	if res.done == 0 {
		return res, fmt.Errorf("no batch writer finished an action: %s", ps[0].firstFail)
	}
	res.perSec = float64(res.done) / elapsed.Seconds()
	held, err := notesBy(c, t, fmt.Sprintf("b%dp%%", round))
	if err != nil {
		return res, err
	}
	for _, p := range ps {
		res.refused += p.failed
		if res.firstRefusal == "" && p.firstFail != "" {
			res.firstRefusal = p.name + ": " + p.firstFail
		}
		if held[p.name] < p.ok {
			res.lost += p.ok - held[p.name]
		}
	}
	return res, nil
}

// notesBy counts the note events per actor whose name is like pattern.
func notesBy(c *config, t *target, pattern string) (map[string]int, error) {
	q := fmt.Sprintf("SELECT actor, count(*) FROM events WHERE kind = 'check.note' AND actor LIKE '%s' GROUP BY actor", pattern)
	var cmd *exec.Cmd
	if t.pg() {
		cmd = exec.Command(c.psql, "-X", "-q", "-A", "-t", "-F", "|", "-d", t.db, "-c", q)
	} else {
		// As flightdeck's own connections do: the -wal and -shm stay
		// for the next round (its output line "1" has no "|").
		cmd = exec.Command(c.sqlite3, t.db, ".filectrl persist_wal 1", q)
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("counting the writers' notes: %v", err)
	}
	held := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if actor, count, ok := strings.Cut(line, "|"); ok {
			held[actor], _ = strconv.Atoi(count)
		}
	}
	return held, nil
}

func (c *config) writersLimit() time.Duration {
	if c.quick {
		return 15 * time.Second
	}
	return 30 * time.Second
}

// refWriters runs eight sqlite3 (or psql) processes at once, each
// committing the same transactions as a writer, one connection each, and
// returns writes/s (from the first start to the last exit) and the slowest
// transaction in ms: sqlite3's ".timer on" prints one "Run Time: real S" per
// input line (one line is one transaction), psql's "\timing on" one
// "Time: MS ms" per statement, summed per transaction.
func refWriters(c *config, t *target) (float64, float64, error) {
	n := c.writerActions()
	cmds := make([]*exec.Cmd, writerProcs)
	outs := make([]bytes.Buffer, writerProcs)
	errs := make([]bytes.Buffer, writerProcs)
	perTx := 0
	for k := range cmds {
		var in strings.Builder
		if t.pg() {
			in.WriteString("\\timing on\n")
		} else {
			in.WriteString(sqlitePragmas + "\n.timer on\n")
		}
		for i := range n {
			tx := noteTx(t, t.items[k+1], fmt.Sprintf("q%d", k), fmt.Sprintf("q%d-%d", k, i))
			perTx = strings.Count(tx, ";")
			in.WriteString(tx + "\n")
		}
		if t.pg() {
			cmds[k] = exec.Command(c.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", t.db)
		} else {
			cmds[k] = exec.Command(c.sqlite3, t.refDB())
		}
		cmds[k].Stdin = strings.NewReader(in.String())
		cmds[k].Stdout, cmds[k].Stderr = &outs[k], &errs[k]
	}
	began := time.Now()
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			return 0, 0, err
		}
	}
	failed := make([]error, writerProcs)
	var wg sync.WaitGroup
	for k, cmd := range cmds {
		wg.Go(func() { failed[k] = cmd.Wait() })
	}
	wg.Wait()
	wall := time.Since(began)
	for k, err := range failed {
		if err != nil || errs[k].Len() > 0 {
			return 0, 0, fmt.Errorf("reference writer %d: %v: %s", k, err, strings.TrimSpace(errs[k].String()))
		}
	}
	var slowest float64
	for k := range outs {
		sc := bufio.NewScanner(&outs[k])
		var sum float64
		count := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) >= 4 && f[0] == "Run" && f[2] == "real":
				s, _ := strconv.ParseFloat(f[3], 64)
				slowest = max(slowest, s*1000)
			case len(f) >= 3 && f[0] == "Time:" && f[2] == "ms":
				ms, _ := strconv.ParseFloat(f[1], 64)
				sum += ms
				if count++; count == perTx {
					slowest = max(slowest, sum)
					sum, count = 0, 0
				}
			}
		}
	}
	return float64(writerProcs*n) / wall.Seconds(), slowest, nil
}

// measureWriters: 8 processes × 500 actions at once against 8 sqlite3 (or
// psql) processes committing the same transactions, alternately.
func measureWriters(c *config) ([]*row, error) {
	rounds := 2
	if c.quick {
		rounds = 1
	}
	var rows []*row
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		for _, mode := range []writerMode{
			{name: "each action one CLI call (cli.Run: open, act, close)", run: fdWriters},
			{name: "each action a new connection of the driver alone (no flightdeck code: the floor under one CLI call)", run: rawWriters, floor: true},
			{name: "each process one `flightdeck batch` of its actions", run: fdBatchWriters},
		} {
			r, err := measureWritersMode(c, engine, mode, rounds)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
	}
	return rows, nil
}

// writerMode is how the eight flightdeck writers run their actions.
type writerMode struct {
	name string
	run  func(c *config, t *target, round int) (writersResult, error)
	// floor: context for the rows above it, not flightdeck, so no bar
	// but none refused or lost.
	floor bool
}

func measureWritersMode(c *config, engine string, mode writerMode, rounds int) ([]*row, error) {
	var rows []*row
	{
		ref := "sqlite3"
		if engine == "PostgreSQL" {
			ref = "psql"
		}
		what := fmt.Sprintf("%d processes × %d actions, %s", writerProcs, c.writerActions(), mode.name)
		tput := newRow(what+": throughput", engine, ref, "writes/s",
			bar{barRatio, 0.5}, bar{barFlat, flatLimit})
		tput.higher = true
		slow := newRow(what+": slowest action", engine, ref, "ms",
			bar{barAbs, 250})
		if mode.floor {
			tput = newRow(what+": throughput", engine, ref, "writes/s")
			tput.higher = true
			slow = newRow(what+": slowest action", engine, ref, "ms")
		}
		bad := newRow(what+": refused or lost", engine, "", "actions",
			bar{barAbs, 0})
		bad.worst = true
		for round := range rounds {
			for _, t := range c.targets {
				if t.engine != engine {
					continue
				}
				var fw writersResult
				var rw, rs float64
				var err error
				if round%2 == 0 {
					if fw, err = mode.run(c, t, round); err == nil {
						rw, rs, err = refWriters(c, t)
					}
				} else {
					if rw, rs, err = refWriters(c, t); err == nil {
						fw, err = mode.run(c, t, round)
					}
				}
				if err != nil {
					return nil, err
				}
				capped := ""
				if fw.capped {
					capped = fmt.Sprintf(" (stopped at %s: %d of %d actions done)", c.writersLimit(), fw.done+fw.refused, writerProcs*c.writerActions())
				}
				detail("%s %s %s round %d: flightdeck %.0f writes/s, slowest %.0f ms, %d refused, %d lost%s; %s %.0f writes/s, slowest %.0f ms",
					engine, t.label(c), mode.name, round+1, fw.perSec, fw.slowestMS, fw.refused, fw.lost, capped, ref, rw, rs)
				if fw.firstRefusal != "" {
					detail("first refusal: %s", fw.firstRefusal)
				}
				tput.add(t.big, fw.perSec, rw)
				slow.add(t.big, fw.slowestMS, rs)
				bad.add(t.big, float64(fw.refused+fw.lost), 0)
			}
		}
		if len(tput.fd[false])+len(tput.fd[true]) > 0 {
			rows = append(rows, tput, slow, bad)
		}
	}
	return rows, nil
}
