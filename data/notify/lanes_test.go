package notify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// TestHangingCommandsDelayNothing: six notifications whose command hangs
// (for a minute, well inside its timeout) must not delay the two that work,
// nor the probe. With one shared pool of four workers, the hung commands
// held every worker and the rest waited for the timeout (issue 13, #11).
func TestHangingCommandsDelayNothing(t *testing.T) {
	s, d, _ := probeSetup(t)
	dir := t.TempDir()
	notifyCmd := script(t, `case "$FLIGHTDECK_INCIDENT" in
INC-[1-6]) echo "$FLIGHTDECK_INCIDENT" >> "`+dir+`/hung"; sleep 60;;
esac
echo "$FLIGHTDECK_INCIDENT" >> "`+dir+`/sent"`)
	probeCmd := script(t, `printf 2.4`)
	opened := time.Now().Add(-time.Minute)
	for i := range 8 {
		openIncident(t, s, fmt.Sprintf("incident %d", i+1), model.SEV2, opened)
	}
	n := &Notifier{
		Store:  s,
		Notify: &config.Command{Argv: []string{notifyCmd}, Timeout: 2 * time.Minute},
		Probe:  &config.Command{Argv: []string{probeCmd}, Interval: time.Minute, Timeout: 2 * time.Minute},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() {
		cancel()
		select {
		case <-done: // quitting interrupts the hung commands at once
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}()
	lines := func(name string) []string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return strings.Fields(string(b))
	}
	// Generous: the hung commands sleep 60 s, so anything under that
	// proves they held nothing up.
	eventually(t, 30*time.Second, "INC-7 and INC-8 to be notified", func() bool {
		return len(lines("sent")) == 2
	})
	eventually(t, 30*time.Second, "the probe's reading", func() bool {
		h, _, err := s.RolloutHealth(context.Background(), d.ID)
		return err == nil && h.Has && h.ErrorRate == 2.4
	})
	eventually(t, 30*time.Second, "all six hanging commands to be running", func() bool {
		return len(lines("hung")) == 6
	})
	if sent := lines("sent"); strings.Join(sent, " ") != "INC-7 INC-8" && strings.Join(sent, " ") != "INC-8 INC-7" {
		t.Errorf("sent = %v, want INC-7 and INC-8", sent)
	}
}

// TestFullLaneRetriesWhenASlotFrees: with one slot per lane, the second
// notification is turned away while the first runs, and sent as soon as
// the first ends — not at the next MaxSleep.
func TestFullLaneRetriesWhenASlotFrees(t *testing.T) {
	s := notifyStore(t, newDB(t), data.Options{})
	dir := t.TempDir()
	cmd := script(t, `sleep 0.3; echo "$FLIGHTDECK_INCIDENT" >> "`+dir+`/sent"`)
	opened := time.Now().Add(-time.Minute)
	openIncident(t, s, "one", model.SEV2, opened)
	openIncident(t, s, "two", model.SEV2, opened)
	n := &Notifier{Store: s, Workers: 1, MaxSleep: time.Hour,
		Notify: &config.Command{Argv: []string{cmd}, Timeout: time.Minute}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, 30*time.Second, "both notifications", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "sent"))
		return len(strings.Fields(string(b))) == 2
	})
}
