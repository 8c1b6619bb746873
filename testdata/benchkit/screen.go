package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// The measures on screen: each program runs in tmux as a person would see
// it, and a capture says when a frame is there.

// tmuxServers numbers the tmux servers a run starts: each measure gets a
// socket of its own, so a new server never meets the previous measure's
// while it is still going away (a control client that attached to the
// dying one ended mid-measure: "tmux control client ended").
var tmuxServers atomic.Int64

func (c *config) tmux() (*tmuxCtl, error) {
	return startTmux(fmt.Sprintf("fdbench-%d-%d", os.Getpid(), tmuxServers.Add(1)))
}

func firstFrame(s string) bool { return strings.Contains(s, "Incident log") }

func floorFrame(s string) bool { return strings.Contains(s, "floor ") }

// A program is one thing measured on screen: flightdeck on a target, or
// the floor.
type program struct {
	name  string
	t     *target // nil for the floor
	argv  []string
	ready func(string) bool
}

func (c *config) fdProgram(t *target) program {
	return program{name: fmt.Sprintf("fd-%s-%s", strings.ToLower(t.engine[:2]), strings.TrimSuffix(t.label(c), "×")),
		t: t, argv: []string{c.fd, "--db", t.db}, ready: firstFrame}
}

func (c *config) floorProgram() program {
	return program{name: "floor", argv: []string{c.floor, "20"}, ready: floorFrame}
}

// measureStartup: from starting the process in tmux to its first frame on
// screen, and its RSS right then, against the floor program, in turn.
func measureStartup(c *config) ([]*row, error) {
	tm, err := c.tmux()
	if err != nil {
		return nil, err
	}
	defer tm.close()
	runs := 2 * c.rounds
	progs := []program{c.floorProgram()}
	for _, t := range c.targets {
		progs = append(progs, c.fdProgram(t))
	}
	rows := map[string][2]*row{}
	var out []*row
	for _, e := range []string{"SQLite", "PostgreSQL"} {
		frame := newRow("start-up: process start → first frame in tmux", e, "floor", "ms", bar{barAbs, 150}, bar{barFlat, flatLimit})
		rss := newRow("start-up: RSS at the first frame", e, "floor", "MB", bar{barAbs, 80}, bar{barFlat, flatLimit})
		rows[e] = [2]*row{frame, rss}
	}
	for run := range runs {
		// Rotate the order so that no program always follows another;
		// each flightdeck start is paired with the floor's of its run.
		got := make([][2]float64, len(progs))
		for k := range progs {
			i := (k + run) % len(progs)
			p := progs[i]
			t0 := time.Now()
			pn, err := tm.start(fmt.Sprintf("%s-%d", p.name, run), 120, 40, p.argv...)
			if err != nil {
				return nil, err
			}
			t1, err := pn.wait(20*time.Second, p.ready)
			mb := rssMB(pn.pid)
			pn.kill()
			if err != nil {
				return nil, err
			}
			got[i] = [2]float64{float64(t1.Sub(t0)) / 1e6, mb}
			time.Sleep(100 * time.Millisecond)
		}
		for i, p := range progs {
			if p.t != nil {
				r := rows[p.t.engine]
				r[0].add(p.t.big, got[i][0], got[0][0])
				r[1].add(p.t.big, got[i][1], got[0][1])
			}
		}
	}
	for _, e := range []string{"SQLite", "PostgreSQL"} {
		r := rows[e]
		out = append(out, keepFilled(r[:])...)
	}
	return out, nil
}

// metricsShows says the metrics screen shows window label, computed.
func metricsShows(label string) func(string) bool {
	return func(s string) bool {
		if strings.Contains(s, "computing") || !strings.Contains(s, "Deployment frequency") {
			return false
		}
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, "Delivery metrics") {
				return strings.Contains(line, "last "+label+" ")
			}
		}
		return false
	}
}

// measureMetricsScreen: the dashboard at 200x50; M (30 days), w (90), w
// (365): each press until its screen is computed and shown; the RSS while
// the screen is open and 2 s after leaving it with esc.
func measureMetricsScreen(c *config) ([]*row, error) {
	tm, err := c.tmux()
	if err != nil {
		return nil, err
	}
	defer tm.close()
	var rows []*row
	type set struct{ m30, m365, rss, left *row }
	sets := map[string]set{}
	for _, e := range []string{"SQLite", "PostgreSQL"} {
		s := set{
			newRow("metrics: `M` (30 days) on screen", e, "", "ms", bar{barAbs, 100}),
			newRow("metrics: `w` to 365 days on screen", e, "", "ms", bar{barAbs, 100}),
			newRow("metrics: RSS, largest while the screen is open", e, "", "MB", bar{barAbs, 80}),
			newRow("metrics: RSS 2 s after leaving it", e, "", "MB", bar{barAbs, 80}),
		}
		sets[e] = s
		rows = append(rows, s.m30, s.m365, s.rss, s.left)
	}
	runs := c.rounds
	if c.quick {
		runs = 2
	}
	for run := range runs {
		for _, t := range c.targets {
			p := c.fdProgram(t)
			pn, err := tm.start(fmt.Sprintf("m-%s-%d", p.name, run), 200, 50, p.argv...)
			if err != nil {
				return nil, err
			}
			if _, err := pn.wait(20*time.Second, firstFrame); err != nil {
				pn.kill()
				return nil, err
			}
			time.Sleep(time.Second)
			var took []float64
			peak := 0.0
			for _, step := range []struct{ key, label string }{{"M", "30d"}, {"w", "90d"}, {"w", "365d"}} {
				t0 := time.Now()
				if err := pn.keys(step.key); err != nil {
					return nil, err
				}
				t1, err := pn.wait(60*time.Second, metricsShows(step.label))
				if err != nil {
					pn.kill()
					return nil, err
				}
				took = append(took, float64(t1.Sub(t0))/1e6)
				peak = max(peak, rssMB(pn.pid))
				time.Sleep(300 * time.Millisecond) // a person reads it
				peak = max(peak, rssMB(pn.pid))
			}
			_ = pn.keys("Escape")
			time.Sleep(2 * time.Second)
			left := rssMB(pn.pid)
			pn.kill()
			s := sets[t.engine]
			s.m30.add(t.big, took[0], 0)
			s.m365.add(t.big, took[2], 0)
			s.rss.add(t.big, peak, 0)
			s.left.add(t.big, left, 0)
			detail("metrics %s %s: M %.0f ms, w→90d %.0f ms, w→365d %.0f ms, RSS peak %.0f MB, after leaving %.0f MB",
				t.engine, t.label(c), took[0], took[1], took[2], peak, left)
		}
	}
	return keepFilled(rows), nil
}

func keepFilled(rows []*row) []*row {
	var out []*row
	for _, r := range rows {
		if len(r.fd[false])+len(r.fd[true]) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// measureKeyToScreen: space on a checklist item → committed → the frame in
// tmux shows the new state, against the floor program showing its mark, the
// programs running side by side and pressed in turn.
func measureKeyToScreen(c *config) ([]*row, error) {
	tm, err := c.tmux()
	if err != nil {
		return nil, err
	}
	defer tm.close()
	progs := []program{c.floorProgram()}
	for _, t := range c.sqliteTargets() {
		progs = append(progs, c.fdProgram(t))
	}
	panes := make([]*pane, len(progs))
	for i, p := range progs {
		if panes[i], err = tm.start("k-"+p.name, 120, 40, p.argv...); err != nil {
			return nil, err
		}
		defer panes[i].kill()
		if _, err := panes[i].wait(20*time.Second, p.ready); err != nil {
			return nil, err
		}
	}
	// Find an item that toggles (the demo's first open one ticks itself
	// with the rollout); the floor shows its mark after the first press.
	for i, pn := range panes {
		found := false
		for range 20 {
			if _, err := pressAndWait(pn, 1500*time.Millisecond, progs[i].t == nil); err == nil {
				found = true
				break
			}
			_ = pn.keys("j")
			time.Sleep(100 * time.Millisecond)
		}
		if !found {
			return nil, fmt.Errorf("%s: no checklist item toggles with space", progs[i].name)
		}
	}
	presses := 20
	if c.quick {
		presses = 10
	}
	lat := make([][]float64, len(progs))
	rm := newRow("key → committed → on screen in tmux: mean", "SQLite", "floor", "ms", bar{barRatio, 1.25}, bar{barFlat, flatLimit})
	rp := newRow("key → committed → on screen in tmux: p99", "SQLite", "floor", "ms", bar{barFlat, flatLimit})
	for round := range c.rounds {
		cur := make([][]float64, len(progs))
		for range presses {
			for i, pn := range panes {
				ms, err := pressAndWait(pn, 5*time.Second, false)
				if err != nil {
					return nil, err
				}
				cur[i] = append(cur[i], ms)
				// Off the frame clock's beat: 20 fps is a frame every 50 ms.
				time.Sleep(time.Duration(40+rand.IntN(60)) * time.Millisecond)
			}
		}
		for i, p := range progs {
			lat[i] = append(lat[i], cur[i]...)
			if p.t != nil {
				rm.add(p.t.big, mean(cur[i]), mean(cur[0]))
			}
		}
		detail("key → screen round %d: %s", round+1, fmtMeans(progs, cur))
	}
	// p99 over every press of the run (a round has too few for its own).
	for i, p := range progs {
		if p.t != nil {
			rp.add(p.t.big, percentile(lat[i], 0.99), percentile(lat[0], 0.99))
		}
	}
	return []*row{rm, rp}, nil
}

func fmtMeans(progs []program, lat [][]float64) string {
	var parts []string
	for i, p := range progs {
		parts = append(parts, fmt.Sprintf("%s mean %.1f ms", p.name, mean(lat[i])))
	}
	return strings.Join(parts, ", ")
}

// pressAndWait presses space and waits until the cursor line's mark
// flips between "[ ]" and "[x]". fresh allows a screen with no mark yet
// (the floor shows its mark from the first press on).
func pressAndWait(pn *pane, timeout time.Duration, fresh bool) (float64, error) {
	var before byte
	if _, err := pn.wait(timeout, func(s string) bool {
		before = cursorMark(s)
		return fresh || before == 'x' || before == ' '
	}); err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := pn.keys("Space"); err != nil {
		return 0, err
	}
	t1, err := pn.wait(timeout, func(s string) bool {
		m := cursorMark(s)
		return (m == 'x' || m == ' ') && m != before
	})
	if err != nil {
		return 0, err
	}
	return float64(t1.Sub(t0)) / 1e6, nil
}

// measureIdle: flightdeck (with the canary soaking and the SEV1 counting
// down) and the floor program, all running at once at the same size for
// the same window: CPU used and bytes written to the terminal per second.
func measureIdle(c *config) ([]*row, error) {
	tm, err := c.tmux()
	if err != nil {
		return nil, err
	}
	defer tm.close()
	window := 20 * time.Second
	rounds := 3
	if c.quick {
		window, rounds = 10*time.Second, 1
	}
	progs := []program{c.floorProgram()}
	for _, t := range c.sqliteTargets() {
		progs = append(progs, c.fdProgram(t))
	}
	var rows []*row
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		sz := fmt.Sprintf("%dx%d", size[0], size[1])
		bytesBar := 1024.0
		if size[0] == 200 {
			bytesBar = 2048
		}
		cpu := newRow("idle, timers running: CPU at "+sz, "SQLite", "floor", "%", bar{barRatio, 1.5}, bar{barFlat, flatLimit})
		bps := newRow("idle, timers running: terminal bytes at "+sz, "SQLite", "floor", "B/s", bar{barAbs, bytesBar}, bar{barFlat, flatLimit})
		bps.noRatio = true
		for round := range rounds {
			panes := make([]*pane, len(progs))
			files := make([]string, len(progs))
			for i, p := range progs {
				pn, err := tm.start(fmt.Sprintf("i-%s-%s-%d", p.name, sz, round), size[0], size[1], p.argv...)
				if err != nil {
					return nil, err
				}
				panes[i] = pn
				files[i] = filepath.Join(c.work, pn.name+".bytes")
				if _, err := tm.do("pipe-pane -o -t " + pn.name + ": " + quote("cat >> "+files[i])); err != nil {
					return nil, err
				}
			}
			for i, pn := range panes {
				if _, err := pn.wait(20*time.Second, progs[i].ready); err != nil {
					return nil, err
				}
			}
			time.Sleep(3 * time.Second) // start-up is not idle
			cpu0, b0 := make([]float64, len(panes)), make([]float64, len(panes))
			for i, pn := range panes {
				cpu0[i], _ = cpuNS(pn.pid)
				b0[i] = fileSize(files[i])
			}
			t0 := time.Now()
			time.Sleep(window)
			secs := time.Since(t0).Seconds()
			var pct, bs []float64
			for i, pn := range panes {
				c1, err := cpuNS(pn.pid)
				if err != nil {
					return nil, err
				}
				pct = append(pct, 100*(c1-cpu0[i])/1e9/secs)
				bs = append(bs, (fileSize(files[i])-b0[i])/secs)
			}
			for _, pn := range panes {
				pn.kill()
			}
			for i, p := range progs {
				if p.t != nil {
					cpu.add(p.t.big, pct[i], pct[0])
					bps.add(p.t.big, bs[i], bs[0])
				}
			}
			detail("idle %s round %d: CPU %s; bytes/s %s", sz, round+1, fmtPer(progs, pct, "%.2f%%"), fmtPer(progs, bs, "%.0f"))
		}
		rows = append(rows, cpu, bps)
	}
	return rows, nil
}

func fmtPer(progs []program, v []float64, f string) string {
	var parts []string
	for i, p := range progs {
		parts = append(parts, p.name+" "+fmt.Sprintf(f, v[i]))
	}
	return strings.Join(parts, ", ")
}

func fileSize(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size())
}
