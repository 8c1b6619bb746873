package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

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
	overdue60 := held60 // the demo hours later: the SEV2's Eng Lead step long overdue
	overdue60.Deadline, overdue60.DeadlineAt, overdue60.DeadlineDue = "INC-2002 Eng Lead OVERDUE +3:16:07", "Eng Lead OVERDUE +3:16:07", "OVERDUE +3:16:07"
	meeting := full // the postmortem meeting comes before every escalation step
	meeting.Deadline, meeting.DeadlineAt = "INC-2 postmortem in 18:55:38", "postmortem in 18:55:38"
	afterAll := headerInfo{Clock: "09:29:20", Zone: "UTC", Loaded: true, Deadline: "INC-12 postmortem in 18:55:38", DeadlineAt: "postmortem in 18:55:38"}
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
		{"60 overdue: the step's name goes before its clock's seconds", overdue60, 60,
			" HOLD FREEZE SEV2 NO COMMANDER OVERDUE +3:16:07    13:26:32"},
		{"80 overdue: the name stays while there is room", overdue60, 80,
			" HOLD FREEZE SEV2 INC-2002 NO COMMANDER Eng Lead OVERDUE +3:16:07      13:26:32"},
		{"80 quiet", quiet, 80,
			" flightdeck  #5 web v9 Pre-Deployment │ no open incidents" + strings.Repeat(" ", 9) + " 09:29:20 UTC"},
		{"200 meeting", meeting, 200,
			" flightdeck  #1 checkout-api v2.14.0 → production · canary 1/4 · 5% SOAKING │ +1 active │ FREEZE │ SEV1 INC-1 (SEV1×1 SEV3×1) │ ⚑ INC-1 NO COMMANDER │ INC-2 postmortem in 18:55:38" + strings.Repeat(" ", 7) + " 09:29:20 UTC"},
		{"120 meeting", meeting, 120,
			" #1 checkout-api 1/4 · 5% SOAKING · FREEZE · SEV1 INC-1 · ⚑ INC-1 NO COMMANDER · postmortem in 18:55:38" + strings.Repeat(" ", 3) + " 09:29:20 UTC"},
		{"80 meeting", meeting, 80,
			" FREEZE · SEV1 INC-1 · ⚑ NO COMMANDER · postmortem in 18:55:38" + strings.Repeat(" ", 4) + " 09:29:20 UTC"},
		{"60 meeting", meeting, 60,
			" FREEZE SEV1 NO COMMANDER postmortem in 18:55:38   09:29:20"},
		{"80 no incidents, a meeting: the ref goes as for a step", afterAll, 80,
			" no open incidents · postmortem in 18:55:38" + strings.Repeat(" ", 23) + " 09:29:20 UTC"},
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

// TestNextDeadlineMeeting: a scheduled postmortem meeting is the header's
// next deadline when it comes before every escalation step, or when no
// step is pending; never over a step already due; never once it has begun.
func TestNextDeadlineMeeting(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 400_000_000, time.UTC)
	now := t0.Add(10*time.Minute + 250*time.Millisecond)
	p := model.DefaultPolicy()
	acked := model.Incident{ID: 1, Severity: model.SEV1, Status: model.IncidentOpen, OpenedAt: t0,
		Acks: []model.Ack{{Step: 1, At: t0.Add(time.Minute), By: "a", Reached: "a"}}} // Eng Lead due t0+15m
	fresh := acked
	fresh.Acks = nil // On-call due now
	resolved := func(id int64, at time.Time) model.Incident {
		return model.Incident{ID: id, Severity: model.SEV1, Status: model.IncidentResolved, OpenedAt: t0.Add(-48 * time.Hour),
			ResolvedAt: t0.Add(-47 * time.Hour), Meeting: &model.PostmortemMeeting{At: at, Owner: "dana"}}
	}
	cases := []struct {
		name       string
		open, done []model.Incident
		want       string
	}{
		{"no incidents", nil, nil, ""},
		{"meeting alone", nil, []model.Incident{resolved(2, now.Add(18*time.Hour+55*time.Minute+38*time.Second))}, "INC-2 postmortem in 18:55:38"},
		{"meeting before the Eng Lead", []model.Incident{acked}, []model.Incident{resolved(2, now.Add(4*time.Minute+30*time.Second))}, "INC-2 postmortem in 04:30"},
		{"Eng Lead before the meeting", []model.Incident{acked}, []model.Incident{resolved(2, now.Add(5*time.Minute))}, "INC-1 Eng Lead in 05:00"},
		{"an overdue step beats any meeting", []model.Incident{fresh}, []model.Incident{resolved(2, now.Add(time.Second))}, "INC-1 On-call OVERDUE +10:00"},
		{"the soonest of two meetings", nil, []model.Incident{resolved(2, now.Add(3*time.Hour)), resolved(3, now.Add(2*time.Hour))}, "INC-3 postmortem in 2:00:00"},
		{"a meeting begun is not ahead", nil, []model.Incident{resolved(2, now.Add(-time.Minute))}, ""},
		{"no meeting", nil, []model.Incident{{ID: 2, Severity: model.SEV1, Status: model.IncidentResolved, ResolvedAt: t0}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, _ := nextDeadline(p, c.open, c.done, now)
			if got != c.want {
				t.Errorf("nextDeadline = %q, want %q", got, c.want)
			}
		})
	}
}
