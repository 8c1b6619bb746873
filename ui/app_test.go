package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

func TestMain(m *testing.M) {
	// Goldens must not depend on the terminal running the tests.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)

// newTestModel is a dashboard on st at a fixed clock and size, loaded.
func newTestModel(t *testing.T, st Store, w, h int) Model {
	t.Helper()
	clock := t0
	opts := Options{Actor: "alice", Now: func() time.Time { return clock }, Location: time.UTC, Template: mdtemplate.Builtin()}
	if h, ok := st.(HistoryStore); ok {
		opts.History = h
	}
	m := New(st, opts)
	m.arm = func(int) tea.Cmd { return nil }
	m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return update(t, m, loadCmd(st, 0, LogQuery{})())
}

// update feeds one message and runs any command it returns synchronously,
// feeding back data messages (the clock is driven by hand in tests).
func update(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	nm, cmd := m.Update(msg)
	return run(t, nm.(Model), cmd)
}

// run executes cmd (and batches of them) synchronously, feeding back the
// messages the model handles.
func run(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		return m
	}
	switch res := cmd().(type) {
	case nil, tea.QuitMsg:
	case tea.BatchMsg:
		for _, c := range res {
			m = run(t, m, c)
		}
	default:
		return update(t, m, res)
	}
	return m
}

func keys(t *testing.T, m Model, ks ...string) Model {
	t.Helper()
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "space":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "left":
			msg = tea.KeyMsg{Type: tea.KeyLeft}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "ctrl+a":
			msg = tea.KeyMsg{Type: tea.KeyCtrlA}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		m = update(t, m, msg)
	}
	return m
}

func typeText(t *testing.T, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return m
}

func seeded(t *testing.T) *fakeStore {
	t.Helper()
	st := newFakeStore()
	if _, err := st.StartDeployment(context.Background(), model.NewDeployment{Service: "checkout-api", Version: "v2.14.0"}, mdtemplate.Builtin(), "alice", t0.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return st
}

// assertFits fails when the frame is larger than the window.
func assertFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Fatalf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, lw, l)
		}
	}
}

func TestGoldenEmpty(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTestModel(t, newFakeStore(), sz[0], sz[1])
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}

func TestGoldenChecklistWorked(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			st := seeded(t)
			m := newTestModel(t, st, sz[0], sz[1])
			m = keys(t, m, "space", "down", "space", "down", "x")
			m = typeText(t, m, "no new alerts in this release")
			m = keys(t, m, "enter", "down", "e")
			m = typeText(t, m, "v2.14.0-rc3 tagged")
			m = keys(t, m, "enter")
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}

func TestChecklistActionsPersist(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 100, 30)
	if m.focus != paneChecklist {
		t.Fatal("checklist is not focused on open")
	}
	it, ok := m.checklist.selectedItem()
	if !ok || it.Text != "All automated tests passing in CI" {
		t.Fatalf("cursor on %+v, want the first open item", it)
	}
	m = keys(t, m, "space")
	items, _, _ := st.Checklist(context.Background(), 1)
	if items[0].State != model.ItemDone || items[0].By != "alice" || !items[0].At.Equal(t0) {
		t.Fatalf("after space: %+v", items[0])
	}
	if !strings.Contains(m.View(), "[x] All automated tests passing in CI") {
		t.Fatal("ticked item not shown as done")
	}
	// space again reopens.
	m = keys(t, m, "space")
	items, _, _ = st.Checklist(context.Background(), 1)
	if items[0].State != model.ItemTodo {
		t.Fatalf("after second space: %s", items[0].State)
	}
	// n/a needs a reason: an empty reason keeps the prompt open and writes nothing.
	m = keys(t, m, "x", "enter")
	if m.mode != modePrompt || !strings.Contains(m.View(), "reason is required") {
		t.Fatal("empty n/a reason accepted")
	}
	// Typing q in a prompt types a q; it does not quit.
	m = typeText(t, m, "q only")
	m = keys(t, m, "enter")
	items, _, _ = st.Checklist(context.Background(), 1)
	if items[0].State != model.ItemNA || items[0].Reason != "q only" {
		t.Fatalf("after n/a: %+v", items[0])
	}
	// esc cancels a prompt without writing.
	before := len(st.events)
	m = keys(t, m, "e")
	m = typeText(t, m, "never saved")
	m = keys(t, m, "esc")
	if len(st.events) != before || m.mode != modeNormal {
		t.Fatal("esc wrote or left the prompt open")
	}
}

func TestWriteFailureIsShownNotApplied(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 100, 30)
	st.fail = errors.New("database is locked")
	m = keys(t, m, "space")
	v := m.View()
	if !strings.Contains(v, "✗ database is locked") || strings.Contains(v, "[x] All automated") {
		t.Fatalf("failed write not reported or shown as done:\n%s", v)
	}
}

func TestGateAsksAndRecordsOverride(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 100, 30)
	m = keys(t, m, "space", "]")
	if m.mode != modeConfirm || !strings.Contains(m.View(), "19 Pre-Deployment items are still open") {
		t.Fatalf("no gate confirmation:\n%s", m.View())
	}
	m = keys(t, m, "n")
	if d, _ := m.focused(); d.Status != model.StatusPlanned {
		t.Fatal("declining started execution")
	}
	m = keys(t, m, "]", "y")
	d, _ := m.focused()
	if d.Status != model.StatusInProgress || m.checklist.list.Phases[m.checklist.phase].Name != model.PhaseExecution {
		t.Fatalf("status %s, phase %d", d.Status, m.checklist.phase)
	}
	var override *model.Event
	for i := range st.events {
		if st.events[i].Kind == model.EventGateOverride {
			override = &st.events[i]
		}
	}
	if override == nil || override.Actor != "alice" || !strings.Contains(override.Text, "19") {
		t.Fatalf("override not recorded: %+v", st.events)
	}
	// Once running, phases switch freely.
	m = keys(t, m, "[")
	if m.mode != modeNormal || m.checklist.phase != 0 {
		t.Fatal("could not go back to Pre-Deployment")
	}
}

func TestSectionsCollapse(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 100, 30)
	m = keys(t, m, "up", "enter")
	v := m.View()
	if !strings.Contains(v, "▸ Code & Build") || strings.Contains(v, "All automated tests passing") {
		t.Fatalf("section not folded:\n%s", v)
	}
	m = keys(t, m, "z")
	if !strings.Contains(m.View(), "All automated tests passing") {
		t.Fatal("section not unfolded")
	}
	m = keys(t, m, "Z")
	if strings.Count(m.View(), "▸") != 4 {
		t.Fatalf("fold all:\n%s", m.View())
	}
}

func TestStartDeploymentFromForm(t *testing.T) {
	st := newFakeStore()
	m := newTestModel(t, st, 100, 30)
	m = keys(t, m, "n", "enter")
	if !strings.Contains(m.View(), "service is empty") {
		t.Fatalf("empty form accepted:\n%s", m.View())
	}
	m = typeText(t, m, "web")
	m = keys(t, m, "tab")
	m = typeText(t, m, "v1.0.1")
	m = keys(t, m, "tab", "tab")
	// The commit is optional, but a time needs it, and both are checked.
	m = keys(t, m, "tab")
	m = typeText(t, m, "-2h")
	m = keys(t, m, "enter")
	if !strings.Contains(m.View(), "a commit time needs the commit") {
		t.Fatalf("a commit time without a commit accepted:\n%s", m.View())
	}
	m = keys(t, m, "shift+tab")
	m = typeText(t, m, "zz9")
	m = keys(t, m, "enter")
	if !strings.Contains(m.View(), `commit "zz9" is not a commit hash`) {
		t.Fatalf("a bad commit accepted:\n%s", m.View())
	}
	for range 3 {
		m = keys(t, m, "backspace")
	}
	m = typeText(t, m, "3F2A9C1")
	m = keys(t, m, "tab", "tab", "right", "enter")
	d, ok := m.focused()
	if !ok || d.Service != "web" || d.Environment != "production" || d.Strategy != model.StrategyBlueGreen {
		t.Fatalf("focused %+v", d)
	}
	// The one time grammar, at the dashboard's clock: -2h is two hours ago.
	if d.CommitSHA != "3f2a9c1" || !d.CommittedAt.Equal(t0.Add(-2*time.Hour)) {
		t.Fatalf("commit %q at %s, want 3f2a9c1 at %s", d.CommitSHA, d.CommittedAt, t0.Add(-2*time.Hour))
	}
	if it, ok := m.checklist.selectedItem(); !ok || it.Text != "All automated tests passing in CI" {
		t.Fatal("cursor not on first open item of the new deployment")
	}
}

func TestSwitchDeployments(t *testing.T) {
	st := seeded(t)
	st.StartDeployment(context.Background(), model.NewDeployment{Service: "web", Version: "v9"}, mdtemplate.Builtin(), "bob", t0)
	m := newTestModel(t, st, 120, 40)
	if d, _ := m.focused(); d.Service != "web" {
		t.Fatalf("newest not focused: %s", d.Service)
	}
	if !strings.Contains(m.View(), "+1 active") {
		t.Fatal("header does not count the other active deployment")
	}
	m = keys(t, m, "s")
	if d, _ := m.focused(); d.Service != "checkout-api" {
		t.Fatalf("switch: %s", d.Service)
	}
}

func TestUserTextIsSanitised(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 120, 40)
	st.SetItemNote(context.Background(), 1, model.NoteSeen{}, "evil \x1b[2J\x1b]0;pwned\x07 note\r\nline", "mallory\x1b[31m", t0)
	m = update(t, m, loadCmd(st, 1, LogQuery{})())
	v := m.View()
	if strings.ContainsAny(v, "\x1b\x07\r") {
		t.Fatalf("control sequence drawn: %q", v)
	}
	if !strings.Contains(v, "evil  note  line") {
		t.Fatalf("note text lost:\n%s", v)
	}
}

func TestClockTicksOnlyItsOwnChain(t *testing.T) {
	m := newTestModel(t, newFakeStore(), 80, 24)
	m.arm = tick
	nm, cmd := m.Update(tickMsg{t: t0.Add(5 * time.Second), gen: m.clockGen})
	m = nm.(Model)
	if cmd == nil || !m.now.Equal(t0.Add(5*time.Second)) {
		t.Fatal("tick did not advance the clock or re-arm")
	}
	nm, cmd = m.Update(tickMsg{t: t0.Add(9 * time.Second), gen: m.clockGen + 1})
	if cmd != nil || !nm.(Model).now.Equal(t0.Add(5*time.Second)) {
		t.Fatal("a stale tick chain was re-armed")
	}
}

func TestEverySizeFits(t *testing.T) {
	st := seeded(t)
	for _, w := range []int{1, 2, 10, 19, 20, 21, 35, 50, 79, 80, 81, 100, 119, 120, 121, 160, 200, 250} {
		for _, h := range []int{1, 2, 4, 5, 6, 8, 11, 12, 15, 23, 24, 25, 40, 50, 80} {
			m := newTestModel(t, st, w, h)
			for _, k := range []string{"", "tab", "tab", "?", "?", "n"} {
				if k != "" {
					m = keys(t, m, k)
				}
				assertFits(t, m.View(), w, h)
			}
		}
	}
}

func TestReadOnlyRefusesActions(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 100, 30)
	m.opts.ReadOnly = true
	before := len(st.events)
	for _, k := range []string{"space", "x", "e", "n", "!", "]", "2", "p", "h", "a", "3", "*", "e", "4", "a"} {
		m = keys(t, m, k)
		if m.mode != modeNormal {
			t.Fatalf("%q opened a dialog in read-only mode", k)
		}
	}
	if len(st.events) != before {
		t.Fatal("read-only dashboard wrote")
	}
	m = keys(t, m, "1", "space")
	if v := m.View(); !strings.Contains(v, "READ-ONLY view: actions are disabled") {
		t.Fatalf("no read-only notice:\n%s", v)
	}
	if d, _ := m.focused(); d.Status != model.StatusPlanned {
		t.Fatal("] started execution in read-only mode")
	}
}

func TestKeysArrivingTogetherAreSplit(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 100, 30)
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jx")})
	if m.mode != modePrompt || !strings.Contains(m.View(), "Code reviewed") {
		t.Fatalf("jx not taken as j then x:\n%s", m.View())
	}
	// Inside a prompt the runes are text.
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("qa team")})
	if m.prompt.value() != "qa team" {
		t.Fatalf("prompt value %q", m.prompt.value())
	}
}

func TestStartDeploymentWithCustomTemplate(t *testing.T) {
	st := newFakeStore()
	m := newTestModel(t, st, 100, 30)
	m = keys(t, m, "n")
	m = typeText(t, m, "api")
	m = keys(t, m, "tab")
	m = typeText(t, m, "v2")
	m = keys(t, m, "tab", "tab", "tab", "tab", "tab")
	if !strings.Contains(m.View(), "[octoacme]") {
		t.Fatalf("template field:\n%s", m.View())
	}
	m = keys(t, m, "right", "enter")
	if it, ok := m.checklist.selectedItem(); !ok || it.Text != "Fix reviewed by one engineer" {
		t.Fatalf("not started from the hotfix template: %+v", it)
	}
}
