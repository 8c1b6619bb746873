package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// timeProc runs argv from fork to exit and returns the wall time and the
// CPU time (user + system) in ms; output goes to /dev/null, and stderr is
// shown when it fails.
func timeProc(argv ...string) (float64, float64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = devNull
	var errb bytes.Buffer
	cmd.Stderr = &errb
	began := time.Now()
	err := cmd.Run()
	d := time.Since(began)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(errb.String()))
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return float64(d) / 1e6, float64(cpu) / 1e6, nil
}

// pairs times a and b alternately (the order swapped every run, so neither
// always runs on the warmer cache) and adds each run's pair to wall and, when
// given, their CPU times to cpu.
func pairs(wall, cpu *row, big bool, runs int, a, b func(i int) []string) error {
	for i := range runs {
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		w1, c1, err := timeProc(first(i)...)
		if err != nil {
			return err
		}
		w2, c2, err := timeProc(second(i)...)
		if err != nil {
			return err
		}
		if i%2 == 1 {
			w1, w2, c1, c2 = w2, w1, c2, c1
		}
		wall.add(big, w1, w2)
		if cpu != nil {
			cpu.add(big, c1, c2)
		}
	}
	return nil
}

// cpuRow is the CPU-time twin of a whole-process row: no bar (the bars are
// on the wall time, which includes waiting for the disk), but on a busy
// machine it says how much of the wall time was queueing for a core.
func cpuRow(wall *row) *row {
	r := newRow(strings.Replace(wall.measure, "whole process", "CPU time (user + system)", 1), wall.engine, wall.ref, "ms")
	r.flat = wall.flat
	return r
}

func (c *config) procRuns() int {
	if c.quick {
		return 10
	}
	return 30
}

// measureHelp: `flightdeck --help` against a Go hello-world, whole processes.
func measureHelp(c *config) ([]*row, error) {
	r := newRow("`--help`, whole process", "—", "hello-world", "ms", bar{barRatio, 2})
	r.flat = true
	cpu := cpuRow(r)
	err := pairs(r, cpu, false, c.procRuns(),
		func(int) []string { return []string{c.fd, "--help"} },
		func(int) []string { return []string{c.hello} })
	return []*row{r, cpu}, err
}

// measureAction: one CLI action (a note on a checklist item: read the item,
// update it and its deployment, append the event, commit) against the same
// rows committed by sqlite3 (or psql) in one process of its own.
func measureAction(c *config) ([]*row, error) {
	var rows []*row
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		ref := "sqlite3"
		if engine == "PostgreSQL" {
			ref = "psql"
		}
		r := newRow("one CLI action (a note), whole process", engine, ref, "ms", bar{barRatio, 1.5}, bar{barFlat, flatLimit})
		cpu := cpuRow(r)
		for _, t := range c.targets {
			if t.engine != engine {
				continue
			}
			err := pairs(r, cpu, t.big, c.procRuns(),
				func(i int) []string {
					return []string{c.fd, "--db", t.db, "--as", "bench", "check", strconv.FormatInt(t.items[0], 10),
						"--deploy", strconv.FormatInt(t.deploy, 10), "--note", fmt.Sprintf("fd-%d", i)}
				},
				func(i int) []string {
					tx := noteTx(t, t.items[1], "bench", fmt.Sprintf("ref-%d", i))
					if t.pg() {
						return []string{c.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", t.db, "-c", tx}
					}
					return []string{c.sqlite3, t.refDB(), sqlitePragmas + " " + tx}
				})
			if err != nil {
				return nil, err
			}
		}
		rows = append(rows, keepFilled([]*row{r, cpu})...)
	}
	return rows, nil
}

// sqlitePragmas are the ones flightdeck's connections run with (data/open.go).
const sqlitePragmas = "PRAGMA busy_timeout=10000; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=67108864;"

// noteTx is the transaction `flightdeck check ITEM --note NOTE` commits,
// on one line: the item read, its note, its deployment's updated_at and the
// timeline event, in the store's own SQL (max is a scalar on both engines:
// PostgreSQL's migration 0001 adds it); on PostgreSQL also the write lock
// and the change notice the store takes and sends (data/engine.go).
func noteTx(t *target, item int64, actor, note string) string {
	now := time.Now().UnixMilli()
	text := "note on \"bench item\": " + note
	core := fmt.Sprintf("SELECT id, deployment_id, phase, section, position, text, state, reason, changed_by, changed_at, note, note_by, note_at FROM checklist_items WHERE id = %[1]d; "+
		"UPDATE checklist_items SET note = '%[2]s', note_by = '%[3]s', note_at = %[4]d WHERE id = %[1]d; "+
		"UPDATE deployments SET updated_at = max(updated_at, %[4]d) WHERE id = %[5]d; "+
		"INSERT INTO events (at, actor, kind, deployment_id, item_id, incident_id, severity, text) VALUES (%[4]d, '%[3]s', 'check.note', %[5]d, %[1]d, NULL, NULL, '%[6]s'); ",
		item, note, actor, now, t.deploy, text)
	if t.pg() {
		return "BEGIN; SET LOCAL lock_timeout = 10000; SELECT pg_advisory_xact_lock(1179403339); " + core + "SELECT pg_notify('flightdeck', ''); COMMIT;"
	}
	return "BEGIN IMMEDIATE; " + core + "COMMIT;"
}

// measureMetricsJSON: `metrics --since 365d --json`, the whole process.
func measureMetricsJSON(c *config) ([]*row, error) {
	var rows []*row
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		// No flat bar: the answer grows with the history (at 10× it lists
		// ten times the failures, 1.3 MB of JSON); the bar is the time.
		r := newRow("`metrics --since 365d --json`, whole process", engine, "", "ms", bar{barAbs, 100})
		for range c.rounds {
			for _, t := range c.targets {
				if t.engine != engine {
					continue
				}
				ms, _, err := timeProc(c.fd, "--db", t.db, "metrics", "--since", "365d", "--json")
				if err != nil {
					return nil, err
				}
				r.add(t.big, ms, 0)
			}
		}
		if len(r.fd[false])+len(r.fd[true]) > 0 {
			rows = append(rows, r)
		}
	}
	return rows, nil
}
