package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The clock rule end to end (model/clock.go): at 80x24, with the soak
// started from the CLI, the header clock plus the time left is the soak end
// shown, on every frame across several seconds; a pause and resume from the
// CLI keep the promised time.

var (
	e2eHeaderClock = regexp.MustCompile(`(\d\d:\d\d:\d\d) UTC`)
	e2eSoakLine    = regexp.MustCompile(`(\d\d):(\d\d) left · soak ends (\d\d:\d\d:\d\d)`)
)

// soakFrame reads the header clock, the time left and the end from one
// screen; ok is false when the screen does not show both.
func soakFrame(s string) (clock time.Time, left time.Duration, end time.Time, ok bool) {
	lines := strings.SplitN(s, "\n", 2)
	h := e2eHeaderClock.FindStringSubmatch(lines[0])
	m := e2eSoakLine.FindStringSubmatch(s)
	if h == nil || m == nil {
		return clock, 0, end, false
	}
	clock, _ = time.Parse(time.TimeOnly, h[1])
	end, _ = time.Parse(time.TimeOnly, m[3])
	mm, _ := time.ParseDuration(m[1] + "m")
	ss, _ := time.ParseDuration(m[2] + "s")
	return clock, mm + ss, end, true
}

func TestE2EClockPlusLeftIsTheEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")
	cli(t, db, "deploy", "promote", "--reason", "pre-deployment done by hand")
	cli(t, db, "deploy", "live")                                               // the canary takes traffic: its soak starts
	cli(t, db, "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4") // a fresh reading: only the soak needs a reason
	x := newTmux(t)
	x.start(80, 24, flightdeckBin(t), "--db", db)
	x.waitText("left → ")
	x.keys("2") // the rollout pane, in full
	x.waitText("left · soak ends")

	seen := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < 4 && time.Now().Before(deadline) {
		s := x.screen()
		clock, left, end, ok := soakFrame(s)
		if !ok {
			continue
		}
		if !clock.Add(left).Equal(end) {
			// A capture can catch a frame half drawn: judge a screen only
			// when the next capture shows the same.
			if again := x.screen(); again == s {
				t.Fatalf("%s + %s left ≠ soak end %s:\n%s", clock.Format(time.TimeOnly), left, end.Format(time.TimeOnly), s)
			}
			continue
		}
		if left > 15*time.Minute {
			t.Fatalf("a 15-minute soak shows %s left:\n%s", left, s)
		}
		seen[clock.Format(time.TimeOnly)] = true
		time.Sleep(100 * time.Millisecond) // polling interval
	}
	if len(seen) < 4 {
		t.Fatalf("saw the invariant at only %d distinct seconds", len(seen))
	}

	// Pause from the CLI: the dashboard promises what the CLI said, and the
	// resume gives exactly that back.
	out := cli(t, db, "deploy", "pause")
	m := regexp.MustCompile(`with (\d\d:\d\d) of the soak left`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("deploy pause said: %s", out)
	}
	x.waitText("PAUSED since ")
	x.waitText(m[1] + " left wh") // "… left when resumed", cut at 80 columns
	out = cli(t, db, "deploy", "resume")
	if !strings.Contains(out, ": "+m[1]+" left, ends ") {
		t.Fatalf("paused with %s left; deploy resume said: %s", m[1], out)
	}
	x.waitFor("the soak running again", func(s string) bool {
		clock, left, end, ok := soakFrame(s)
		return ok && clock.Add(left).Equal(end)
	})
	x.keys("q")
	x.waitExit()
}
