//go:build unix

package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

func init() {
	childModes["crash-writer"] = crashWriterChild
	childModes["opener"] = openerChild
}

// crashWriterChild writes until it is killed, as FD_NAME: action i is a note
// "NAME-i" on item FD_ITEM of deployment 1, every tenth a new deployment of
// version "NAME-i" instead (a bigger transaction: 41 checklist rows). Only
// after `flightdeck` reported success does it print "ok NAME-i" — what a
// script would take as done.
func crashWriterChild() int {
	db, name, item := os.Getenv("FD_DB"), os.Getenv("FD_NAME"), os.Getenv("FD_ITEM")
	awaitGo()
	ctx := context.Background()
	for i := 0; i < 100000; i++ {
		tok := fmt.Sprintf("%s-%d", name, i)
		args := []string{"--db", db, "--as", name, "check", item, "--deploy", "1", "--note", tok}
		if i%10 == 9 {
			args = []string{"--db", db, "--as", name, "deploy", "start", "crash", tok}
		}
		var errb bytes.Buffer
		if code := Run(ctx, args, io.Discard, &errb); code != exitOK {
			fmt.Fprintf(os.Stderr, "%s failed (exit %d): %s", tok, code, errb.String())
			return 1
		}
		fmt.Printf("ok %s\n", tok)
	}
	return 0
}

// openerChild opens fresh databases one after another until it is killed,
// so the kill lands while one is being created, switched to WAL or
// migrated (a write creates it: read commands never do): on SQLite the
// files FD_DIR/NAME-k.db, on PostgreSQL the empty databases FD_DSNS (one a
// line, made by the parent), after which it waits to be killed. It prints
// "opening DB" before each and "opened DB" after.
func openerChild() int {
	dir, name := os.Getenv("FD_DIR"), os.Getenv("FD_NAME")
	var dsns []string
	if s := os.Getenv("FD_DSNS"); s != "" {
		dsns = strings.Split(s, "\n")
	}
	awaitGo()
	ctx := context.Background()
	for k := 0; k < 100000; k++ {
		db := filepath.Join(dir, fmt.Sprintf("%s-%d.db", name, k))
		if dsns != nil {
			if k == len(dsns) {
				select {} // all opened: the kill ends it
			}
			db = dsns[k]
		}
		fmt.Printf("opening %s\n", db)
		var errb bytes.Buffer
		if code := Run(ctx, []string{"--db", db, "--as", "crash", "incident", "open", "--sev", "3", "opened"}, io.Discard, &errb); code != exitOK {
			fmt.Fprintf(os.Stderr, "open %s failed (exit %d): %s", db, code, errb.String())
			return 1
		}
		fmt.Printf("opened %s\n", db)
	}
	return 0
}

// freshDatabases is how many empty PostgreSQL databases the opener gets
// each round: more than it gets through before its kill at most 300 ms
// after its first line (a first open migrates: some 100 ms), few enough
// that making them (20 ms each) keeps the test quick.
const freshDatabases = 4

// Writers killed with SIGKILL at random moments lose nothing they reported
// as done, and leave a database that opens (on SQLite: and passes
// integrity_check). Each round starts three writers on one database and an
// opener creating fresh databases, and kills each 20–300 ms (seeded random)
// after its first line. The delays only choose when to kill; what is
// checked is read from the pipes and the database, never inferred from
// timing. On PostgreSQL the server rolls back what a killed client left
// open and frees its write lock; a fresh database killed while migrating
// (one transaction) opens and migrates afterwards.
func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	onEngines(t, testKillNineLosesNothingAcknowledged)
}

func testKillNineLosesNothingAcknowledged(t *testing.T, engine string) {
	const rounds, writers = 8, 3
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FD_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (FD_CRASH_SEED=%d repeats the delays)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	db := engineDB(t, engine)
	fdOK(t, db, "deploy", "start", "api", "v1.2")
	freshDir := t.TempDir()
	openerEnv := func() []string {
		if engine != enginePostgres {
			return []string{"FD_DIR=" + freshDir}
		}
		dsns := make([]string, freshDatabases)
		for i := range dsns {
			dsns[i] = pgtest.NewDatabase(t, pgtest.Server(t))
		}
		return []string{"FD_DSNS=" + strings.Join(dsns, "\n")}
	}

	type result struct {
		name  string
		acked int // actions 0..acked-1 reported done
	}
	var results []result
	var acks, extra, midOpen, opened int
	start := time.Now()
	for round := range rounds {
		var cs []*child
		for w := range writers {
			name := fmt.Sprintf("r%dw%d", round, w)
			cs = append(cs, startChild(t, "crash-writer", name, "FD_DB="+db, "FD_ITEM="+strconv.Itoa(w+1)))
		}
		opener := startChild(t, "opener", fmt.Sprintf("r%do", round), openerEnv()...)
		cs = append(cs, opener)
		for _, c := range cs {
			select {
			case <-c.ready:
			case <-time.After(60 * time.Second):
				t.Fatalf("child %s did not start; stderr:\n%s", c.name, c.stderr.String())
			}
		}
		// Say go; kill each child at its own random moment, 20–300 ms after
		// its first line (so every kill lands in the middle of its work).
		for _, c := range cs {
			if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, c := range cs {
			delay := time.Duration(20+rng.IntN(281)) * time.Millisecond
			wg.Go(func() {
				for deadline := time.Now().Add(time.Minute); len(c.output()) == 0 && time.Now().Before(deadline); {
					select {
					case <-c.done:
						return // ended by itself: reported below
					case <-time.After(2 * time.Millisecond): // polling interval
					}
				}
				time.Sleep(delay) // when to kill, not a wait for an effect
				_ = c.cmd.Process.Signal(syscall.SIGKILL)
			})
		}
		wg.Wait()
		for _, c := range cs {
			_, err := c.wait(t, time.Minute)
			if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child %s ended by itself (%v) before the kill; stderr:\n%s", c.name, err, c.stderr.String())
			}
		}

		// Whatever the child printed before it died was acknowledged: its
		// "ok" lines are a prefix 0..n-1 of its actions.
		for _, c := range cs[:writers] {
			lines := c.output()
			for i, l := range lines {
				if l != fmt.Sprintf("ok %s-%d", c.name, i) {
					t.Fatalf("child %s line %d: %q", c.name, i+1, l)
				}
			}
			results = append(results, result{c.name, len(lines)})
			acks += len(lines)
		}

		// The database opens (recovering from the -wal), is intact, and
		// holds every acknowledged action of every round so far; of the
		// action in flight at the kill, it holds all or nothing.
		st, err := data.Open(context.Background(), db, data.Options{})
		if err != nil {
			t.Fatalf("round %d: open after the kills: %v", round, err)
		}
		_ = st.Close()
		if engine == engineSQLite {
			integrityOK(t, db)
		}
		present := presentActions(t, db)
		for _, r := range results {
			got := present[r.name]
			for i := range r.acked {
				if !got[i] {
					t.Errorf("round %d: %s-%d was acknowledged but is missing", round, r.name, i)
				}
			}
			if len(got) > r.acked+1 || (len(got) == r.acked+1 && !got[r.acked]) {
				t.Errorf("round %d: %s acknowledged %d actions but %d are present", round, r.name, r.acked, len(got))
			}
			if len(got) == r.acked+1 && strings.HasPrefix(r.name, fmt.Sprintf("r%dw", round)) {
				extra++ // committed, killed before it could say so
			}
		}
		// And it still takes writes.
		fdOK(t, db, "check", "1", "--deploy", "1", "--note", fmt.Sprintf("after round %d", round))

		// Every fresh database the opener touched opens and migrates.
		lines := opener.output()
		for _, l := range lines {
			path, ok := strings.CutPrefix(l, "opening ")
			if !ok {
				opened++
				continue
			}
			st, err := data.Open(context.Background(), path, data.Options{})
			if err != nil {
				t.Errorf("round %d: fresh database killed while opening: %v", round, err)
				continue
			}
			_ = st.Close()
			if engine == engineSQLite {
				integrityOK(t, path)
			}
		}
		if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], "opening ") {
			midOpen++
		}
	}
	wall := time.Since(start)
	t.Logf("%s: %d rounds, %d kills: %d acknowledged actions all present, %d committed-but-unacknowledged, %d fresh databases created, %d kills during open/migrate; %v",
		engine, rounds, rounds*(writers+1), acks, extra, opened, midOpen, wall.Round(time.Millisecond))
	if acks == 0 {
		t.Error("no writer acknowledged anything before its kill: the test proved nothing")
	}
	if midOpen == 0 {
		t.Error("no kill landed while a fresh database was being opened")
	}
}

// presentActions maps each writer to the action numbers found in the
// database: notes in the timeline and deployments by version.
func presentActions(t *testing.T, path string) map[string]map[int]bool {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	out := map[string]map[int]bool{}
	add := func(tok string) {
		name, num, ok := strings.Cut(tok, "-")
		i, err := strconv.Atoi(num)
		if !ok || err != nil {
			return // not a writer's action ("after round 3")
		}
		if out[name] == nil {
			out[name] = map[int]bool{}
		}
		out[name][i] = true
	}
	for _, r := range noteEvents(t, path) {
		add(r.note)
	}
	rows, err := db.Query(`SELECT version FROM deployments WHERE service = 'crash'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		add(v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Sanity: the timeline agrees with the deployments table.
	var started int
	if err := db.QueryRow(`SELECT count(*) FROM events WHERE kind = ?`, model.EventDeployStarted).Scan(&started); err != nil {
		t.Fatal(err)
	}
	var deployments int
	if err := db.QueryRow(`SELECT count(*) FROM deployments`).Scan(&deployments); err != nil {
		t.Fatal(err)
	}
	if started != deployments {
		t.Errorf("%d deployments but %d deploy.started events", deployments, started)
	}
	return out
}
