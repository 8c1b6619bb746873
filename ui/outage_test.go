package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/model"
)

// The store's wording, as data.UnreachableText and a refused write say it
// (the real store's lines are checked in outage_store_test.go).
const (
	testOutage  = "database unreachable since 14:01:30 — retrying"
	testRefusal = "update checklist item: database unreachable since 14:01:30: nothing was changed (db:5432/fd: connection refused)"
)

// down makes the fake behave as a store whose server went away: reads and
// writes fail, and it reports the outage.
func down(st *fakeStore) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.outage = testOutage
	st.readFail = errors.New("list deployments: database unreachable since 14:01:30 (db:5432/fd: connection refused)")
	st.fail = errors.New(testRefusal)
}

func up(st *fakeStore) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.outage, st.readFail, st.fail = "", nil, nil
}

// footer is the last two lines of the frame: the status line and the key
// help (or the prompt and what is under it).
func footer(m Model) []string {
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	return lines[len(lines)-2:]
}

// TestOutageStatusLine: while the store cannot reach its database, the
// screen keeps the last state it read, the status line says since when
// (outranking a failing sender, and any message older than the outage),
// a key clears only newer messages, and the line clears by itself when a
// read succeeds again.
func TestOutageStatusLine(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}} {
		t.Run("", func(t *testing.T) {
			st := seeded(t)
			st.failingSenders = []model.SenderFailure{{Name: "chat", FailingSince: t0.Add(-time.Hour), LastError: "HTTP 503"}}
			m := newTestModel(t, st, sz[0], sz[1])
			m = keys(t, m, "space") // an action whose ✓ is showing when the outage begins
			if f := footer(m); !strings.HasPrefix(f[0], "✓ ") {
				t.Fatalf("no ✓ after the action: %q", f)
			}
			before := ansi.Strip(m.View())

			down(st)
			m = update(t, m, dataChangedMsg{}) // the change feed lost the server
			v := ansi.Strip(m.View())
			if f := footer(m); !strings.HasPrefix(f[0], "✗ "+testOutage) {
				t.Fatalf("%dx%d: status line %q, want the outage", sz[0], sz[1], f[0])
			}
			if strings.Contains(v, "could not read") || strings.Contains(v, "FAILING") {
				t.Errorf("the outage line shares the screen with a read error or a sender:\n%s", v)
			}
			// The last state read stays: everything but the footer (and
			// the clock, which did not move) is as it was.
			if a, b := strings.Split(before, "\n"), strings.Split(v, "\n"); strings.Join(a[:len(a)-2], "\n") != strings.Join(b[:len(b)-2], "\n") {
				t.Errorf("the screen changed during the outage:\nbefore\n%s\nafter\n%s", before, v)
			}

			// An action is refused with the store's words, and nothing
			// changes; the next key brings the outage line back.
			m = keys(t, m, "j", "space")
			if f := footer(m); !strings.HasPrefix(strings.Join(f, " "), "✗ update checklist item: database unreachable since 14:01:30: nothing was") {
				t.Fatalf("refusal not shown: %q", f)
			}
			if it := st.items[1]; it.State != model.ItemTodo {
				t.Fatalf("item changed during the outage: %+v", it)
			}
			m = keys(t, m, "k")
			if f := footer(m); !strings.HasPrefix(f[0], "✗ "+testOutage) {
				t.Fatalf("after a key: %q", f)
			}

			// A prompt open during the outage keeps it in view.
			m = keys(t, m, "e")
			if f := footer(m); !strings.Contains(f[0], "note") || !strings.HasPrefix(f[1], "✗ "+testOutage) {
				t.Fatalf("prompt footer %q", f)
			}
			m = keys(t, m, "esc")

			// The server answers again: the next read clears the line.
			up(st)
			m = update(t, m, dataChangedMsg{})
			f := footer(m)
			if strings.Contains(strings.Join(f, "\n"), "unreachable") {
				t.Fatalf("outage still shown after a good read: %q", f)
			}
			if f[0] != pad("✓ database reachable again at 14:02:00", sz[0]) {
				t.Errorf("recovery line %q", f[0])
			}
			m = keys(t, m, "j")
			if f := footer(m); !strings.HasPrefix(f[0], "✗ notifications to chat FAILING") {
				t.Errorf("the failing sender is not back after the outage: %q", f)
			}
		})
	}
}

// TestOutageRetriedByTheClock: while unreachable, the dashboard reads
// again every outageRetry even if no change signal comes, so the line
// clears by itself; while the database answers, the clock reads nothing.
func TestOutageRetriedByTheClock(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 120, 40)
	reads := func() int { st.mu.Lock(); defer st.mu.Unlock(); return st.snapshotReads }
	tickAt := func(m Model, d time.Duration) Model {
		return update(t, m, tickMsg{t: t0.Add(d), gen: m.clockGen})
	}
	n := reads()
	m = tickAt(m, 10*time.Second)
	if reads() != n {
		t.Fatalf("the clock read the database while it answered")
	}
	down(st)
	m = update(t, m, dataChangedMsg{}) // at t0: the outage is seen
	m.lastLoad = t0.Add(10 * time.Second)
	n = reads()
	m = tickAt(m, 14*time.Second)
	if reads() != n {
		t.Fatalf("retried %v after the last read, before outageRetry", 4*time.Second)
	}
	up(st)
	m = tickAt(m, 15*time.Second)
	if reads() != n+1 {
		t.Fatalf("%d reads after outageRetry, want 1", reads()-n)
	}
	if f := footer(m); strings.Contains(f[0], "unreachable") || !strings.Contains(f[0], "reachable again") {
		t.Fatalf("after the retry: %q", f)
	}
}

// TestNothingReadYetIsNotEmpty: when the very first read fails the panes
// say so rather than show an empty dashboard ("no active deployment",
// no incidents) that would read as the truth.
func TestNothingReadYetIsNotEmpty(t *testing.T) {
	st := seeded(t)
	down(st)
	m := newTestModel(t, st, 120, 40)
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "not read yet: the database did not answer") || strings.Contains(v, "no active deployment") {
		t.Fatalf("first read failed:\n%s", v)
	}
	if f := footer(m); !strings.HasPrefix(f[0], "✗ "+testOutage) {
		t.Fatalf("status %q", f[0])
	}
	up(st)
	m = update(t, m, dataChangedMsg{})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "checkout-api") {
		t.Fatalf("not loaded after the database answered:\n%s", v)
	}
}
