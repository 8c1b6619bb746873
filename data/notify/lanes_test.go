package notify

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// TestHangingSenderDelaysNothingElse: a sender whose command hangs (well
// inside its timeout) holds up only its own later notices (order is kept
// per sender); another sender and the probe go on. With one shared pool,
// hung commands once held every worker (issue 13, #11).
func TestHangingSenderDelaysNothingElse(t *testing.T) {
	s, d, _ := probeSetup(t)
	dir := t.TempDir()
	hung := script(t, `echo "$FLIGHTDECK_INCIDENT" >> "`+dir+`/hung"; sleep 60`)
	ok := script(t, `echo "$FLIGHTDECK_INCIDENT" >> "`+dir+`/sent"`)
	probeCmd := script(t, `printf 2.4`)
	opened := time.Now().Add(-time.Minute)
	for i := range 3 {
		openIncident(t, s, fmt.Sprintf("incident %d", i+1), model.SEV2, opened)
	}
	n := &Notifier{
		Store: s,
		Senders: []config.Sender{
			cmdSender("stuck", []string{hung}, 2*time.Minute, model.NoticeIncidentOpened),
			cmdSender("chat", []string{ok}, 10*time.Second, model.NoticeIncidentOpened),
		},
		Probe: config.CommandProbe(&config.Command{Argv: []string{probeCmd}, Interval: time.Minute, Timeout: 2 * time.Minute}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() {
		cancel()
		select {
		case <-done: // quitting interrupts the hung command at once
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}()
	eventually(t, 30*time.Second, "chat to get all three, in order", func() bool {
		return fmt.Sprint(lines(t, filepath.Join(dir, "sent"))) == "[INC-1 INC-2 INC-3]"
	})
	eventually(t, 30*time.Second, "the probe's reading", func() bool {
		h, _, err := s.RolloutHealth(context.Background(), d.ID)
		return err == nil && h.Has && h.ErrorRate == 2.4
	})
	// The stuck sender's lane starts on its own schedule: wait for it to be
	// inside INC-1, then it must hold there.
	eventually(t, 30*time.Second, "the stuck sender to start on INC-1", func() bool {
		return len(lines(t, filepath.Join(dir, "hung"))) > 0
	})
	if got := lines(t, filepath.Join(dir, "hung")); fmt.Sprint(got) != "[INC-1]" {
		t.Errorf("the stuck sender ran %v: later notices must wait for the first (order)", got)
	}
}
