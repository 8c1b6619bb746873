package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// Multi-process tests run the test binary itself as the child processes:
// TestChildProcess does nothing in a normal run, and in a child (FD_TEST_CHILD
// set) runs the named mode and exits with its code.

// childModes maps FD_TEST_CHILD to what the child does; crash_test.go adds
// its own modes.
var childModes = map[string]func() int{
	"writer": writerChild,
}

func TestChildProcess(t *testing.T) {
	mode := os.Getenv("FD_TEST_CHILD")
	if mode == "" {
		t.Skip("only runs as a child process of another test")
	}
	f, ok := childModes[mode]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown FD_TEST_CHILD %q\n", mode)
		os.Exit(2)
	}
	os.Exit(f())
}

// child is a running child process of the test binary.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer

	mu    sync.Mutex
	lines []string      // stdout, line by line
	ready chan struct{} // closed once the child printed "ready"
	done  chan struct{} // closed when stdout reached EOF
}

// startChild starts the test binary as a child in mode with extra
// environment. The child waits for "go" on stdin (see awaitGo) and dies when
// its stdin closes, so no child outlives a test that failed or was killed.
func startChild(t *testing.T, mode, name string, env ...string) *child {
	t.Helper()
	c := &child{name: name, ready: make(chan struct{}), done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1", "-test.v=false")
	c.cmd.Env = append(os.Environ(), append([]string{"FD_TEST_CHILD=" + mode, "FD_NAME=" + name}, env...)...)
	c.cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start child %s: %v", name, err)
	}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		readyOnce := sync.OnceFunc(func() { close(c.ready) })
		defer readyOnce()
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				readyOnce()
				continue
			}
			c.mu.Lock()
			c.lines = append(c.lines, line)
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = c.stdin.Close()
		c.kill()
	})
	return c
}

// kill ends the child and waits for it, after which its stderr may be read.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
	_ = c.cmd.Wait()
}

// wait waits (bounded) for the child to exit by itself and returns its
// output; stdout is read to EOF first, as exec requires.
func (c *child) wait(t *testing.T, limit time.Duration) ([]string, error) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		c.kill()
		t.Fatalf("child %s still running after %v; stderr:\n%s", c.name, limit, c.stderr.String())
	}
	err := c.cmd.Wait()
	return c.output(), err
}

func (c *child) output() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// awaitGo is the child's side of the start line: it prints "ready", waits
// for "go" and then watches stdin, exiting if the parent goes away.
func awaitGo() {
	fmt.Println("ready")
	r := bufio.NewReader(os.Stdin)
	if line, err := r.ReadString('\n'); err != nil || strings.TrimSpace(line) != "go" {
		os.Exit(3)
	}
	go func() {
		_, _ = io.Copy(io.Discard, r)
		os.Exit(3) // the parent is gone
	}()
}

// writerChild writes FD_N notes on item FD_ITEM of deployment 1 as FD_NAME,
// one `flightdeck check` each, through the same Run() a user's command takes
// (it opens the database, reads, commits one transaction, closes). The notes
// are "NAME-0", "NAME-1", …; the first failure is printed and ends the child.
func writerChild() int {
	db, name, item := os.Getenv("FD_DB"), os.Getenv("FD_NAME"), os.Getenv("FD_ITEM")
	n, err := strconv.Atoi(os.Getenv("FD_N"))
	if err != nil || db == "" || name == "" || item == "" {
		fmt.Fprintln(os.Stderr, "writer child needs FD_DB, FD_NAME, FD_ITEM and FD_N")
		return 2
	}
	awaitGo()
	ctx := context.Background()
	var slowest time.Duration
	for i := range n {
		var errb bytes.Buffer
		args := []string{"--db", db, "--as", name, "check", item, "--deploy", "1", "--note", fmt.Sprintf("%s-%d", name, i)}
		began := time.Now()
		if code := Run(ctx, args, io.Discard, &errb); code != exitOK {
			fmt.Fprintf(os.Stderr, "%s: action %d failed (exit %d): %s", name, i, code, errb.String())
			return 1
		}
		slowest = max(slowest, time.Since(began))
	}
	fmt.Printf("slowest %d\n", slowest.Microseconds())
	return 0
}

// Eight processes write 500 actions each at once on one database: none sees
// an error ("database is locked" least of all), every action is present in
// each process's order. A ninth process reads in the middle of it: on
// SQLite a backup, which passes integrity_check (as the database does at
// the end); on PostgreSQL an export, whose one snapshot holds a prefix of
// each writer's actions (the engine's own consistency needs no check of
// ours).
func TestConcurrentWriterProcesses(t *testing.T) {
	onEngines(t, testConcurrentWriterProcesses)
}

func testConcurrentWriterProcesses(t *testing.T, engine string) {
	const procs, perProc = 8, 500
	db := engineDB(t, engine)
	fdOK(t, db, "deploy", "start", "api", "v1.2")

	children := make([]*child, procs)
	for p := range procs {
		name := fmt.Sprintf("p%d", p)
		children[p] = startChild(t, "writer", name,
			"FD_DB="+db, "FD_ITEM="+strconv.Itoa(p+1), "FD_N="+strconv.Itoa(perProc))
	}
	// Start them all at once: wait until every child is up, then say go.
	for _, c := range children {
		select {
		case <-c.ready:
		case <-time.After(60 * time.Second):
			t.Fatalf("child %s did not start; stderr:\n%s", c.name, c.stderr.String())
		}
	}
	start := time.Now()
	for _, c := range children {
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}

	// Read everything once a good part is written, while all eight keep
	// writing.
	var noted int64
	for deadline := time.Now().Add(60 * time.Second); noted < procs*perProc/4; {
		if time.Now().After(deadline) {
			for _, c := range children {
				c.kill()
				t.Logf("writer %s: %s", c.name, c.stderr.String())
			}
			t.Fatalf("only %d notes after 60 s", noted)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
		noted = countNotes(t, db)
	}
	var midRead func()
	switch engine {
	case engineSQLite:
		backup := filepath.Join(t.TempDir(), "mid.db")
		out := fdOK(t, db, "backup", backup)
		if !regexp.MustCompile(`^backed up 1 deployment, 0 incidents, \d+ events to .*mid\.db \(\d+\.\d MB\)\n$`).MatchString(out) {
			t.Errorf("backup printed %q", out)
		}
		// The backup: consistent, complete up to when it started, and a
		// database --db accepts.
		midRead = func() {
			integrityOK(t, backup)
			if n := countNotes(t, backup); n < noted || n > procs*perProc {
				t.Errorf("backup holds %d notes; %d were committed before it started", n, noted)
			}
			code, out, errOut := fd(t, backup, "deploy", "status")
			if code != exitOK || !strings.Contains(out, "#1 api v1.2") {
				t.Errorf("--db backup: exit %d, %q %q", code, out, errOut)
			}
		}
	case enginePostgres:
		out := fdOK(t, db, "export", "--format", "json")
		midRead = func() {
			var doc struct {
				Events []struct {
					Actor, Kind, Text string
				} `json:"events"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("the export is not JSON: %v", err)
			}
			next := map[string]int{}
			var n int64
			for _, e := range doc.Events {
				if e.Kind != string(model.EventItemNote) {
					continue
				}
				n++
				note := e.Text[strings.LastIndex(e.Text, ": ")+2:]
				if note != fmt.Sprintf("%s-%d", e.Actor, next[e.Actor]) {
					t.Fatalf("the export mid-run holds %q by %s where %s-%d was due: not one snapshot", note, e.Actor, e.Actor, next[e.Actor])
				}
				next[e.Actor]++
			}
			if n < noted || n > procs*perProc {
				t.Errorf("the export mid-run holds %d notes; %d were committed before it started", n, noted)
			}
		}
	}

	var slowest time.Duration
	for _, c := range children {
		lines, err := c.wait(t, 3*time.Minute)
		if err != nil {
			t.Errorf("writer %s: %v\n%s", c.name, err, c.stderr.String())
		}
		if s := c.stderr.String(); strings.Contains(s, "locked") || strings.Contains(s, "busy") {
			t.Errorf("writer %s saw: %s", c.name, s)
		}
		for _, l := range lines {
			if us, ok := strings.CutPrefix(l, "slowest "); ok {
				n, _ := strconv.ParseInt(us, 10, 64)
				slowest = max(slowest, time.Duration(n)*time.Microsecond)
			}
		}
	}
	wall := time.Since(start)
	t.Logf("%s: %d processes × %d actions (each a whole `flightdeck check` run: open, read, one transaction, close): %v, %.0f writes/s; slowest action %v",
		engine, procs, perProc, wall.Round(time.Millisecond), procs*perProc/wall.Seconds(), slowest.Round(time.Millisecond))
	if t.Failed() {
		return
	}

	// Every action is there, in each process's order.
	rows := noteEvents(t, db)
	next := map[string]int{}
	for _, r := range rows {
		name, idx, ok := strings.Cut(r.note, "-")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || r.actor != name {
			t.Fatalf("event #%d: unexpected note %q by %s", r.id, r.note, r.actor)
		}
		if i != next[name] {
			t.Fatalf("event #%d: %s's action %d follows its action %d", r.id, name, i, next[name]-1)
		}
		next[name]++
	}
	for p := range procs {
		if got := next[fmt.Sprintf("p%d", p)]; got != perProc {
			t.Errorf("p%d: %d actions recorded, want %d", p, got, perProc)
		}
	}
	if len(rows) != procs*perProc {
		t.Errorf("%d note events, want %d", len(rows), procs*perProc)
	}
	// The last write of each process is the item's note.
	st, err := data.Open(context.Background(), db, data.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := st.Checklist(context.Background(), 1)
	_ = st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for p := range procs {
		if want := fmt.Sprintf("p%d-%d", p, perProc-1); items[p].Note != want {
			t.Errorf("item #%d note %q, want %q", items[p].ID, items[p].Note, want)
		}
	}
	if engine == engineSQLite {
		integrityOK(t, db)
	}
	midRead()
}

func integrityOK(t *testing.T, path string) {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check of %s: %q, %v", path, res, err)
	}
}

func countNotes(t *testing.T, path string) int64 {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM events WHERE kind = ?`, model.EventItemNote).Scan(&n); err != nil {
		t.Fatalf("count notes in %s: %v", path, err)
	}
	return n
}

type noteRow struct {
	id          int64
	actor, note string
}

// noteEvents lists the note events in commit (id) order with the note text
// cut out of `note on "ITEM": NOTE`.
func noteEvents(t *testing.T, path string) []noteRow {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	rows, err := db.Query(`SELECT id, actor, text FROM events WHERE kind = ? ORDER BY id`, model.EventItemNote)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []noteRow
	for rows.Next() {
		var r noteRow
		var text string
		if err := rows.Scan(&r.id, &r.actor, &text); err != nil {
			t.Fatal(err)
		}
		r.note = text[strings.LastIndex(text, ": ")+2:]
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
