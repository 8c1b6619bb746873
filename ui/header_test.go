package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// The header keeps FREEZE, HOLD, NO COMMANDER, the worst incident and the
// next deadline at every width down to 80 columns (and the one-pane layout
// below it), dropping decoration first (D21).
func TestHeaderLine(t *testing.T) {
	full := headerInfo{
		Clock: "09:29:20", Zone: "UTC", Loaded: true,
		HasDeploy: true, ID: 1, Service: "checkout-api", Version: "v2.14.0", Env: "production", Strategy: "canary",
		Stage: "1/4 · 5%", State: "SOAKING", Others: 1,
		Freeze: true, Worst: "SEV1 INC-1", Counts: "SEV1×1 SEV3×1", NoCommander: "INC-1",
		Deadline: "INC-1 Eng Lead in 14:10", DeadlineAt: "Eng Lead in 14:10",
	}
	held := full
	held.State, held.Hold = "", "HOLD: INC-1 SEV1 open"
	held60 := held // the demo at 60 columns: a longer incident ref
	held60.ID, held60.Worst, held60.NoCommander, held60.Clock = 5002, "SEV2 INC-2002", "INC-2002", "13:26:32"
	held60.Hold, held60.Deadline, held60.DeadlineAt = "HOLD: INC-2002 SEV2 open", "INC-2002 Eng Lead in 03:53", "Eng Lead in 03:53"
	quiet := headerInfo{Clock: "09:29:20", Zone: "UTC", Loaded: true, HasDeploy: true, ID: 5, Service: "web", Version: "v9", Env: "production",
		Strategy: "blue-green", Stage: "Pre-Deployment"}
	cases := []struct {
		name string
		h    headerInfo
		w    int
		want string // the whole line, trailing spaces trimmed
	}{
		{"200: everything but the switch hint", full, 200,
			" flightdeck  #1 checkout-api v2.14.0 → production · canary 1/4 · 5% SOAKING │ +1 active │ FREEZE │ SEV1 INC-1 (SEV1×1 SEV3×1) │ ⚑ INC-1 NO COMMANDER │ INC-1 Eng Lead in 14:10" + strings.Repeat(" ", 12) + " 09:29:20 UTC"},
		{"120: decoration goes first", full, 120,
			" #1 checkout-api 1/4 · 5% SOAKING │ FREEZE │ SEV1 INC-1 │ ⚑ INC-1 NO COMMANDER │ INC-1 Eng Lead in 14:10" + strings.Repeat(" ", 2) + " 09:29:20 UTC"},
		{"80: the safety flags stay", full, 80,
			" #1 · FREEZE · SEV1 INC-1 · ⚑ NO COMMANDER · Eng Lead in 14:10" + strings.Repeat(" ", 4) + " 09:29:20 UTC"},
		{"80 held: HOLD stays", held, 80,
			" #1 HOLD FREEZE SEV1 INC-1 ⚑ NO COMMANDER Eng Lead in 14:10" + strings.Repeat(" ", 7) + " 09:29:20 UTC"},
		{"60: one pane", full, 60,
			" FREEZE SEV1 INC-1 NO COMMANDER Eng Lead in 14:10  09:29:20"},
		{"60 held: every flag and the deadline, their labels gone", held60, 60,
			" HOLD FREEZE SEV2 NO COMMANDER Eng Lead in 03:53   13:26:32"},
		{"80 quiet", quiet, 80,
			" flightdeck  #5 web v9 Pre-Deployment │ no open incidents" + strings.Repeat(" ", 9) + " 09:29:20 UTC"},
		{"tiny: the clock alone", full, 16, " 09:29:20 UTC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			title, mid, clock := headerLine(c.h, c.w)
			line := title + mid + clock
			if got := strings.TrimRight(line, " "); got != c.want {
				t.Errorf("header at %d:\n got %q\nwant %q", c.w, got, c.want)
			}
			if got := ansi.StringWidth(line); got != c.w {
				t.Errorf("width %d, want %d: %q", got, c.w, line)
			}
			if got := strings.TrimRight(line, " "); got != c.want {
				t.Errorf("header at %d:\n got %q\nwant %q", c.w, got, c.want)
			}
		})
	}
}

// Header goldens at 80x24 and 120x40 with a soaking canary, a freeze, a
// SEV1 without commander and its Eng Lead deadline.
func TestGoldenHeaderSafetyFlags(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			st, m, _, _ := executing(t, sz[0], sz[1])
			m = keys(t, m, "!")
			m = typeText(t, m, "checkout 5xx")
			m = keys(t, m, "tab", "1", "enter")
			m = keys(t, m, "a", "enter") // on-call reached: the next deadline is the Eng Lead's
			if len(st.incidents) != 1 || st.incidents[0].Severity != model.SEV1 {
				t.Fatalf("incidents %+v", st.incidents)
			}
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			head, _, _ := strings.Cut(v, "\n")
			for _, want := range []string{"FREEZE", "SEV1 INC-1", "NO COMMANDER", "Eng Lead in 15:00"} {
				if !strings.Contains(head, want) {
					t.Errorf("header lacks %q: %q", want, head)
				}
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
}
