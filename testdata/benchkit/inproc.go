package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// The in-process measures drive the dashboard through ui.Harness, as
// ui/bench_test.go does, but on the databases .ci/bench built (the Go
// benchmarks in ./ui make their own 1× year): the same reads, Update and
// View the running program performs, without a terminal.

func harnessOptions() ui.Options {
	return ui.Options{Actor: "bench", Now: time.Now, Location: time.UTC, Template: mdtemplate.Builtin()}
}

func openStore(t *target) (*data.Store, error) {
	return data.Open(context.Background(), t.db, data.Options{})
}

// bench runs f as a Go benchmark and returns ns/op and bytes allocated/op.
func bench(f func(b *testing.B)) (float64, float64) {
	r := testing.Benchmark(f)
	if r.N == 0 {
		return 0, 0
	}
	return float64(r.T.Nanoseconds()) / float64(r.N), float64(r.AllocedBytesPerOp())
}

// The floor: a bare Bubble Tea model with one 1 s tick and a one-line view
// (testdata/floor's, in process).
type floorModel struct {
	now time.Time
	set bool
}

type floorTick time.Time

func (f floorModel) Init() tea.Cmd { return nil }
func (f floorModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case floorTick:
		f.now = time.Time(msg)
	case tea.KeyMsg:
		f.set = !f.set
	}
	return f, nil
}
func (f floorModel) View() string { return "floor " + f.now.Format("15:04:05") }

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// cursorMark is the state shown on the checklist's cursor line ("▶ [x]"):
// 'x', ' ' or '-' (n/a), and 0 when no cursor line is on screen.
func cursorMark(screen string) byte {
	for _, line := range strings.Split(screen, "\n") {
		if i := strings.Index(line, "▶ ["); i >= 0 && len(line) > i+len("▶ [") {
			return line[i+len("▶ [")]
		}
	}
	return 0
}

var (
	space = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
	down  = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")}
)

func runeKey(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// toggleable moves the cursor to the first item space toggles (the demo's
// first open item ticks itself with the rollout and refuses a press).
func toggleable(h *ui.Harness) error {
	for range 20 {
		before := cursorMark(ansi.ReplaceAllString(h.View(), ""))
		h.Press(space)
		if after := cursorMark(ansi.ReplaceAllString(h.View(), "")); (before == 'x' || before == ' ') && (after == 'x' || after == ' ') && after != before {
			return nil
		}
		h.Key(down)
	}
	return errors.New("no checklist item on screen toggles with space")
}

func measureInProcess(c *config) ([]*row, error) {
	testing.Init()
	benchtime := "300ms"
	if c.quick {
		benchtime = "150ms"
	}
	if err := flag.CommandLine.Set("test.benchtime", benchtime); err != nil {
		return nil, err
	}
	e := "SQLite"
	view80 := newRow("View() at 80x24, in-process", e, "floor", "ms", bar{barAbs, 2}, bar{barFlat, flatLimit})
	view200 := newRow("View() at 200x50, in-process", e, "floor", "ms", bar{barAbs, 2}, bar{barFlat, flatLimit})
	tick := newRow("Update: one clock tick, in-process", e, "floor", "ms", bar{barFlat, flatLimit})
	tickB := newRow("Update: one clock tick, bytes allocated", e, "", "B", bar{barFlat, flatLimit})
	key := newRow("Update: one cursor key, in-process", e, "floor", "ms", bar{barFlat, flatLimit})
	keyB := newRow("Update: one cursor key, bytes allocated", e, "", "B", bar{barFlat, flatLimit})
	reload := newRow("reload after another process's commit, in-process", e, "", "ms", bar{barFlat, flatLimit})
	press := newRow("key → committed → View, in-process: mean", e, "", "ms", bar{barFlat, flatLimit})
	pressP99 := newRow("key → committed → View, in-process: p99", e, "", "ms", bar{barAbs, 20})
	metrics := newRow("metrics: `w` to 365 days, in-process", e, "", "ms")
	metricsMB := newRow("metrics: `w` to 365 days, allocated", e, "", "MB")
	for _, r := range []*row{view80, view200, tick, key} {
		r.noRatio = true
	}
	rows := []*row{view80, view200, tick, tickB, key, keyB, reload, press, pressP99, metrics, metricsMB}

	targets := c.sqliteTargets()
	stores := map[*target][2]*data.Store{}
	for _, t := range targets {
		r, err := openStore(t)
		if err != nil {
			return nil, err
		}
		w, err := openStore(t)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		defer w.Close()
		stores[t] = [2]*data.Store{r, w}
	}
	floorNow := time.Now()
	for round := range c.rounds {
		for _, t := range targets {
			st := stores[t][0]
			harness := func(w, h int) *ui.Harness { return ui.NewHarness(dashstore.New(st), harnessOptions(), w, h) }

			fl, _ := bench(func(b *testing.B) {
				f := floorModel{now: floorNow}
				for b.Loop() {
					_ = f.View()
				}
			})
			h := harness(80, 24)
			ns, _ := bench(func(b *testing.B) {
				for b.Loop() {
					_ = h.View()
				}
			})
			view80.add(t.big, ns/1e6, fl/1e6)
			h = harness(200, 50)
			ns, _ = bench(func(b *testing.B) {
				for b.Loop() {
					_ = h.View()
				}
			})
			view200.add(t.big, ns/1e6, fl/1e6)

			flt, _ := bench(func(b *testing.B) {
				var m tea.Model = floorModel{now: floorNow}
				at := floorNow
				for b.Loop() {
					at = at.Add(time.Second)
					m, _ = m.Update(floorTick(at))
				}
			})
			ns, by := bench(func(b *testing.B) {
				at := time.Now()
				for b.Loop() {
					at = at.Add(time.Second)
					h.Tick(at)
				}
			})
			tick.add(t.big, ns/1e6, flt/1e6)
			tickB.add(t.big, by, 0)

			flk, _ := bench(func(b *testing.B) {
				var m tea.Model = floorModel{now: floorNow}
				for b.Loop() {
					m, _ = m.Update(space)
				}
			})
			up := tea.KeyMsg{Type: tea.KeyUp}
			dn := tea.KeyMsg{Type: tea.KeyDown}
			ns, by = bench(func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if i%2 == 0 {
						h.Key(dn)
					} else {
						h.Key(up)
					}
				}
			})
			key.add(t.big, ns/1e6, flk/1e6)
			keyB.add(t.big, by, 0)

			// Reload: another connection commits a note, then the
			// dashboard reads what a change notice makes it read.
			writer := stores[t][1]
			h = harness(120, 40)
			var werr error
			ns, _ = bench(func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					if _, err := writer.SetItemNote(context.Background(), t.items[len(t.items)-1], model.NoteSeen{}, fmt.Sprintf("other %d-%d", round, i), "other", time.Now()); err != nil {
						werr = err
					}
					b.StartTimer()
					h.Reload()
				}
			})
			if werr != nil {
				return nil, werr
			}
			reload.add(t.big, ns/1e6, 0)

			// Key → committed → View: space on an item that toggles.
			h = harness(120, 40)
			if err := toggleable(h); err != nil {
				return nil, err
			}
			var lat []float64
			bench(func(b *testing.B) {
				for b.Loop() {
					t0 := time.Now()
					h.Press(space)
					_ = h.View()
					lat = append(lat, float64(time.Since(t0))/1e6)
				}
			})
			press.add(t.big, mean(lat), 0)
			pressP99.add(t.big, percentile(lat, 0.99), 0)

			// Metrics: M opens 30 days, w goes to 90 and then to 365.
			h = harness(200, 50)
			h.Press(runeKey("M"))
			h.Press(runeKey("w"))
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			t0 := time.Now()
			h.Press(runeKey("w"))
			v := ansi.ReplaceAllString(h.View(), "")
			d := time.Since(t0)
			runtime.ReadMemStats(&ms1)
			if !strings.Contains(v, "last 365d") {
				return nil, fmt.Errorf("metrics in-process: no 365 days after M w w:\n%s", v)
			}
			metrics.add(t.big, float64(d)/1e6, 0)
			metricsMB.add(t.big, float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), 0)
			h.Press(tea.KeyMsg{Type: tea.KeyEsc})
		}
		detail("in-process round %d of %d done", round+1, c.rounds)
	}
	return rows, nil
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
