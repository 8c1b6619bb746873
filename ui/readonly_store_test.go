package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// A dashboard on ReadOnly(st) holds no Writer: the type has no write
// method, and even a write command issued past the key guard runs nothing.
func TestReadOnlyStoreHasNoWritePath(t *testing.T) {
	st := seeded(t)
	ro := ReadOnly(st)
	if _, ok := ro.(Writer); ok {
		t.Fatalf("%T implements Writer", ro)
	}
	w := reflect.TypeOf((*Writer)(nil)).Elem()
	for i := range w.NumMethod() {
		if _, ok := reflect.TypeOf(ro).MethodByName(w.Method(i).Name); ok {
			t.Errorf("%T has the write method %s", ro, w.Method(i).Name)
		}
	}

	opts := Options{Actor: "alice", Now: func() time.Time { return t0 }, Location: time.UTC, Template: mdtemplate.Builtin(), History: st}
	m := New(ro, opts)
	if m.writer != nil || !m.opts.ReadOnly {
		t.Fatalf("dashboard on a read-only store: writer %v, ReadOnly %v", m.writer, m.opts.ReadOnly)
	}
	m.arm = func(int) tea.Cmd { return nil }
	m = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	m = update(t, m, loadCmd(ro, 0, LogQuery{})())
	before := len(st.events)
	ran := false
	msg := m.write(0, func(context.Context) (string, int64, error) { ran = true; return "done", 0, nil })()
	if ran || len(st.events) != before {
		t.Fatal("a write ran on a read-only dashboard")
	}
	sm, ok := msg.(snapshotMsg)
	if !ok || sm.writeErr == nil || !strings.Contains(sm.writeErr.Error(), "READ-ONLY") {
		t.Fatalf("write on a read-only dashboard: %#v", msg)
	}

	// A full store with ReadOnly set gets no writer either.
	if m := New(st, Options{ReadOnly: true}); m.writer != nil {
		t.Fatal("ReadOnly option kept a writer")
	}
	if m := New(st, Options{}); m.writer == nil {
		t.Fatal("a writable dashboard lost its writer")
	}
}
