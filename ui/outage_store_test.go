package ui_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// TestGoldenOutage: a dashboard on a real PostgreSQL store whose server
// is stopped under it. The screen keeps the last state read, the status
// line says what the store says (data.UnreachableText), an action is
// refused with the store's message and changes nothing, and once the
// server is back the next read clears the line. The wall-clock instant of
// the outage, the port and the database's random suffix are masked in the
// goldens (each by text of the same width, so wrapping is unchanged).
func TestGoldenOutage(t *testing.T) {
	ctx := context.Background()
	cluster := pgtest.StartCluster(t)
	dsn := pgtest.NewDatabase(t, cluster.DSN())
	st, err := data.Open(ctx, dsn, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	d, err := st.StartDeployment(ctx, model.NewDeployment{Service: "checkout-api", Version: "v2.14.0"}, mdtemplate.Builtin(), "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenIncident(ctx, model.NewIncident{Title: "checkout 5xx", Severity: model.SEV2, DeploymentID: d.ID}, "alice", at.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	now := at.Add(11*time.Minute + 5*time.Second)
	opts := ui.Options{Actor: "bob", Now: func() time.Time { return now }, Location: time.UTC, Template: mdtemplate.Builtin()}
	sizes := [][2]int{{120, 40}, {80, 24}}
	hs := make([]*ui.Harness, len(sizes))
	before := make([]string, len(sizes))
	for i, sz := range sizes {
		hs[i] = ui.NewHarness(dashstore.New(st), opts, sz[0], sz[1])
		before[i] = hs[i].View()
	}

	cluster.Stop(t)
	since, _, isDown := st.Unreachable()
	if isDown {
		t.Fatalf("down before anything tried the server (since %v)", since)
	}
	space := tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
	for i, sz := range sizes {
		h := hs[i]
		t.Run(fmt.Sprintf("down/%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h.Reload() // what the change feed's loss of the server sets off
			v := h.View()
			want := "✗ " + outageText(t, st)
			if status := statusLine(v); status != want {
				t.Fatalf("status line %q, want %q", status, want)
			}
			if body(v) != body(before[i]) {
				t.Errorf("the screen changed when the read failed:\n%s", v)
			}
			golden.RequireEqual(t, []byte(mask(v)))
		})
		t.Run(fmt.Sprintf("refused/%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h.Press(space) // tick the focused item
			v := h.View()
			flat := strings.Join(strings.Fields(ansi.Strip(v)), " ")
			since, _, _ := st.Unreachable()
			want := "✗ update checklist item: database unreachable since " + since.Local().Format("15:04:05") + ": nothing was changed (127.0.0.1:"
			if i := strings.Index(flat, want); i < 0 || !strings.HasSuffix(flat, ": connection refused)") {
				t.Fatalf("refusal not shown whole, want %q… connection refused):\n%s", want, v)
			}
			golden.RequireEqual(t, []byte(mask(v)))
			h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
			if status := statusLine(h.View()); status != "✗ "+outageText(t, st) {
				t.Fatalf("after the next key the status line is %q", status)
			}
		})
	}

	// What was typed into a prompt is not lost with the refusal: the
	// prompt comes back with the text and says it was not saved.
	t.Run("typed note kept", func(t *testing.T) {
		h := hs[0]
		h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
		for _, r := range "canary 5xx climbing" {
			h.Press(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		h.Press(tea.KeyMsg{Type: tea.KeyEnter})
		flat := strings.Join(strings.Fields(ansi.Strip(h.View())), " ")
		if !strings.Contains(flat, "canary 5xx climbing") || !strings.Contains(flat, "✗ not saved: save note: database unreachable since") {
			t.Fatalf("the refused note is not back in its prompt:\n%s", h.View())
		}
		h.Press(tea.KeyMsg{Type: tea.KeyEsc})
		if strings.Contains(ansi.Strip(h.View()), "canary 5xx climbing") {
			t.Fatalf("esc did not close the prompt:\n%s", h.View())
		}
	})

	cluster.Start(t)
	for i, sz := range sizes {
		h := hs[i]
		t.Run(fmt.Sprintf("back/%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h.Reload() // what the change feed's reconnection sets off
			v := h.View()
			if status := statusLine(v); status != "✓ database reachable again at 09:41:05" {
				t.Fatalf("status line %q after the server came back", status)
			}
			if strings.Contains(v, "unreachable") {
				t.Fatalf("still unreachable:\n%s", v)
			}
		})
	}
	items, _, err := st.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.State != model.ItemTodo {
			t.Fatalf("item %q is %s: the refused action changed it", it.Text, it.State)
		}
	}
}

func outageText(t *testing.T, st *data.Store) string {
	t.Helper()
	since, _, down := st.Unreachable()
	if !down {
		t.Fatal("the store does not report the outage")
	}
	return data.UnreachableText(since)
}

func lines(v string) []string { return strings.Split(ansi.Strip(v), "\n") }

// statusLine is the frame's status line, trimmed.
func statusLine(v string) string {
	l := lines(v)
	return strings.TrimSpace(l[len(l)-2])
}

// body is the frame above the footer.
func body(v string) string {
	l := lines(v)
	return strings.Join(l[:len(l)-2], "\n")
}

var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`unreachable since \d\d:\d\d:\d\d`), "unreachable since 09:41:05"},
	{regexp.MustCompile(`127\.0\.0\.1:\d{5}`), "127.0.0.1:54321"},
	{regexp.MustCompile(`_[0-9a-f]{8}\?sslmode`), "_00000000?sslmode"},
	{regexp.MustCompile(`_[0-9a-f]{8}: connection`), "_00000000: connection"},
}

// mask replaces what differs from run to run by text of the same width.
func mask(v string) string {
	for _, m := range masks {
		v = m.re.ReplaceAllString(v, m.with)
	}
	return v
}
