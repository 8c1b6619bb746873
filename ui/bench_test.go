package ui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/demo"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// Benchmarks of DESIGN §6 on the demo generator's year of history (5,000
// deployments, 2,000 incidents, 200,000 events), each beside the same
// measurement of a bare Bubble Tea program with one 1 s tick (the floor).
//
//	go test -run '^$' -bench . -benchmem ./ui

var (
	benchOnce sync.Once
	benchDB   string
	benchErr  error
	benchNow  = time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)
)

// demoDB generates the year of history once per run, into a file that
// outlives the benchmark that made it (removed at exit by the OS temp dir
// policy; it is ~70 MB).
func demoDB(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flightdeck-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchDB = filepath.Join(dir, "demo.db")
		st, err := data.Open(context.Background(), benchDB, data.Options{})
		if err != nil {
			benchErr = err
			return
		}
		defer st.Close()
		_, benchErr = demo.Generate(context.Background(), st, demo.Options{Seed: 1, Now: benchNow})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB
}

func benchOptions() ui.Options {
	return ui.Options{Actor: "bench", Now: func() time.Time { return benchNow.Add(time.Second) }, Location: time.UTC, Template: mdtemplate.Builtin()}
}

func openBench(b *testing.B) *data.Store {
	b.Helper()
	st, err := data.Open(context.Background(), demoDB(b), data.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkStartToFirstFrame: open + migrate + first query + first View.
func BenchmarkStartToFirstFrame(b *testing.B) {
	db := demoDB(b)
	b.ResetTimer()
	for b.Loop() {
		st, err := data.Open(context.Background(), db, data.Options{})
		if err != nil {
			b.Fatal(err)
		}
		h := ui.NewHarness(dashstore.New(st), benchOptions(), 120, 40)
		_ = h.View()
		st.Close()
	}
}

// benchView is one whole frame drawn from scratch (after a key or a
// reload); BenchmarkIdleSecond is the frame after a tick.
func benchView(b *testing.B, w, hgt int) {
	h := ui.NewHarness(dashstore.New(openBench(b)), benchOptions(), w, hgt)
	b.ResetTimer()
	for b.Loop() {
		_ = h.ViewAfresh()
	}
}

func BenchmarkView80x24(b *testing.B)  { benchView(b, 80, 24) }
func BenchmarkView200x50(b *testing.B) { benchView(b, 200, 50) }

// BenchmarkUpdateTick is the work of one clock tick (View not included).
func BenchmarkUpdateTick(b *testing.B) {
	h := ui.NewHarness(dashstore.New(openBench(b)), benchOptions(), 200, 50)
	t := benchNow
	b.ResetTimer()
	for b.Loop() {
		t = t.Add(time.Second)
		h.Tick(t)
	}
}

// BenchmarkUpdateKey is one cursor move (Update alone).
func BenchmarkUpdateKey(b *testing.B) {
	h := ui.NewHarness(dashstore.New(openBench(b)), benchOptions(), 200, 50)
	down := tea.KeyMsg{Type: tea.KeyDown}
	up := tea.KeyMsg{Type: tea.KeyUp}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			h.Key(down)
		} else {
			h.Key(up)
		}
	}
}

// BenchmarkKeyToScreen: space on a checklist item → the transaction commits
// (synchronous=FULL) → the dashboard reloads → the frame shows it.
func BenchmarkKeyToScreen(b *testing.B) {
	h := ui.NewHarness(dashstore.New(openBench(b)), benchOptions(), 120, 40)
	space := tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		h.Press(space)
		_ = h.View()
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
}

// BenchmarkCommitAction is one committed action through the store.
func BenchmarkCommitAction(b *testing.B) {
	st := openBench(b)
	ctx := context.Background()
	deps, err := st.ActiveDeployments(ctx)
	if err != nil || len(deps) == 0 {
		b.Fatal("no active deployment in the demo", err)
	}
	items, _, err := st.Checklist(ctx, deps[0].ID)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := st.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, fmt.Sprintf("bench note %d", i), "bench", benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangeNoticed: another connection commits; the watcher notices
// (one PRAGMA data_version) and the dashboard reloads from the database.
func BenchmarkChangeNoticed(b *testing.B) {
	reader := openBench(b)
	writer := openBench(b)
	ctx := context.Background()
	w, err := reader.Watch(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	h := ui.NewHarness(dashstore.New(reader), benchOptions(), 120, 40)
	deps, _ := writer.ActiveDeployments(ctx)
	items, _, _ := writer.Checklist(ctx, deps[0].ID)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if _, err := writer.SetItemNote(ctx, items[1].ID, model.NoteSeen{}, fmt.Sprintf("from another process %d", i), "other", benchNow); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		changed, err := w.Changed(ctx)
		if err != nil || !changed {
			b.Fatal("change not noticed", err)
		}
		h.Reload()
		_ = h.View()
	}
}

// BenchmarkReload is the read a change notification triggers when the
// change is elsewhere (a commit that touched none of what is on screen):
// the snapshot reads and Update, View not included.
func BenchmarkReload(b *testing.B) {
	h := ui.NewHarness(dashstore.New(openBench(b)), benchOptions(), 200, 50)
	b.ResetTimer()
	for b.Loop() {
		h.Reload()
	}
}

// BenchmarkIdlePoll is the cost of one change check when nothing changed.
func BenchmarkIdlePoll(b *testing.B) {
	st := openBench(b)
	w, err := st.Watch(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.Changed(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// The floor: a bare Bubble Tea program with one 1 s tick and a one-line view.
type floorModel struct{ now time.Time }

type floorTick time.Time

func (f floorModel) Init() tea.Cmd { return nil }
func (f floorModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if t, ok := msg.(floorTick); ok {
		f.now = time.Time(t)
	}
	return f, nil
}
func (f floorModel) View() string { return "floor " + f.now.Format("15:04:05") }

func BenchmarkFloorView(b *testing.B) {
	f := floorModel{now: benchNow}
	for b.Loop() {
		_ = f.View()
	}
}

func BenchmarkFloorUpdateTick(b *testing.B) {
	var m tea.Model = floorModel{now: benchNow}
	t := benchNow
	for b.Loop() {
		t = t.Add(time.Second)
		m, _ = m.Update(floorTick(t))
	}
}

// idleHarness is the idle-cost scenario of .ci/idle-cost.sh: a canary
// soaking and a SEV1 counting down, on a fresh database, w x h.
func idleHarness(b *testing.B, w, h int) (*ui.Harness, time.Time) {
	b.Helper()
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(b.TempDir(), "idle.db"), data.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	at := benchNow
	d, err := st.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v2.14.0"}, mdtemplate.Builtin(), "bench", at)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.StartExecution(ctx, d.ID, "bench", at, true); err != nil {
		b.Fatal(err)
	}
	if _, err := st.GoLive(ctx, d.ID, "bench", at); err != nil {
		b.Fatal(err)
	}
	if _, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx (idle-cost run)", Severity: model.SEV1}, "bench", at); err != nil {
		b.Fatal(err)
	}
	now := at.Add(90 * time.Second)
	opts := ui.Options{Actor: "bench", Now: func() time.Time { return now }, Location: time.UTC, Template: mdtemplate.Builtin()}
	return ui.NewHarness(dashstore.New(st), opts, w, h), now
}

// benchIdleSecond is the dashboard's work in one idle second: the tick and
// the frame it draws (what Bubble Tea's renderer then sends is not
// included).
func benchIdleSecond(b *testing.B, w, h int) {
	hs, t := idleHarness(b, w, h)
	b.ResetTimer()
	for b.Loop() {
		t = t.Add(time.Second)
		hs.Tick(t)
		_ = hs.View()
	}
}

func BenchmarkIdleSecond80x24(b *testing.B)  { benchIdleSecond(b, 80, 24) }
func BenchmarkIdleSecond200x50(b *testing.B) { benchIdleSecond(b, 200, 50) }

// BenchmarkFloorIdleSecond is the floor's tick and frame.
func BenchmarkFloorIdleSecond(b *testing.B) {
	var m tea.Model = floorModel{now: benchNow}
	t := benchNow
	for b.Loop() {
		t = t.Add(time.Second)
		m, _ = m.Update(floorTick(t))
		_ = m.View()
	}
}
