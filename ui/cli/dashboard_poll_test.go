package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// The change poll falls on the wall clock's half and whole seconds, where
// the dashboard's 1 s clock (tea.Every) wakes it anyway.
func TestNextPollOnTheHalfSecond(t *testing.T) {
	base := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct{ at, want time.Duration }{
		{0, 500 * time.Millisecond},
		{1 * time.Millisecond, 499 * time.Millisecond},
		{200 * time.Millisecond, 300 * time.Millisecond},
		{500 * time.Millisecond, 500 * time.Millisecond},
		{999 * time.Millisecond, 1 * time.Millisecond},
	} {
		if got := nextPoll(base.Add(c.at)); got != c.want {
			t.Errorf("at +%v: next poll in %v, want %v", c.at, got, c.want)
		}
	}
}

// The dashboard's watcher on SQLite: idle, only its clock's poll asks, and
// a commit elsewhere shows on the next one; after a change the watcher asks
// on the half seconds by itself for a while. serve's asks every half second.
func TestWatchPollsFromTheClockThenWhileBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "watch.db")
	open := func() *data.Store {
		st, err := data.Open(ctx, path, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, other := open(), open()
	commit := func(i int) {
		t.Helper()
		if _, err := other.StartDeployment(ctx, model.NewDeployment{Service: fmt.Sprintf("svc%d", i), Version: "v1"}, mdtemplate.Builtin(), "bob", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	signalled := func(c <-chan struct{}, within time.Duration) bool {
		select {
		case <-c:
			return true
		case <-time.After(within):
			return false
		}
	}

	changes, poll, stop, err := watch(ctx, st, true)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	commit(1)
	if signalled(changes, 1200*time.Millisecond) {
		t.Fatal("idle, the watcher asked by itself: the clock's poll is the one that asks")
	}
	poll()
	if !signalled(changes, time.Second) {
		t.Fatal("the clock's poll missed a commit")
	}
	commit(2) // busy now: the half seconds are asked without the clock
	if !signalled(changes, 1500*time.Millisecond) {
		t.Fatal("while busy, a commit was not noticed within half a second's poll")
	}

	served, stopServed, err := watchChanges(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer stopServed()
	commit(3)
	if !signalled(served, 1500*time.Millisecond) {
		t.Fatal("serve's watcher did not notice a commit")
	}
}
