package model

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

func TestIncidentTimes(t *testing.T) {
	open := time.Date(2026, 12, 1, 9, 30, 12, 900_000_000, time.UTC)
	at := func(d time.Duration) time.Time { return open.Add(d) }
	cases := []struct {
		name          string
		inc           Incident
		tta, ttm, ttr time.Duration
		has           [3]bool
	}{
		{"open, nothing yet", Incident{OpenedAt: open}, 0, 0, 0, [3]bool{}},
		// 09:30:12.9 → 09:31:00.1 is shown 09:30:12 → 09:31:00: 48 s, not 47.2
		{"sub-second ack", Incident{OpenedAt: open, Acks: []Ack{{Step: 2, At: at(5 * time.Minute)}, {Step: 1, At: at(47200 * time.Millisecond)}}},
			48 * time.Second, 0, 0, [3]bool{true, false, false}},
		{"mitigated then resolved", Incident{OpenedAt: open, Acks: []Ack{{Step: 1, At: at(100 * time.Millisecond)}},
			MitigatedAt: at(12*time.Minute + 50*time.Millisecond), ResolvedAt: at(time.Hour + 2*time.Minute + 3*time.Second)},
			time.Second, 12 * time.Minute, time.Hour + 2*time.Minute + 3*time.Second, [3]bool{true, true, true}},
		{"same second ack", Incident{OpenedAt: open, Acks: []Ack{{Step: 1, At: at(50 * time.Millisecond)}}}, 0, 0, 0, [3]bool{true, false, false}},
		{"resolved without mitigation", Incident{OpenedAt: open, ResolvedAt: at(7*time.Minute + 99*time.Millisecond)},
			0, 7 * time.Minute, 7 * time.Minute, [3]bool{false, true, true}},
		{"clock skew: ack before opening", Incident{OpenedAt: open, Acks: []Ack{{Step: 1, At: at(-3 * time.Second)}}}, 0, 0, 0, [3]bool{true, false, false}},
	}
	for _, c := range cases {
		got := Times(c.inc)
		if got.TTA != c.tta || got.TTM != c.ttm || got.TTR != c.ttr || [3]bool{got.HasTTA, got.HasTTM, got.HasTTR} != c.has {
			t.Errorf("%s: got TTA %v TTM %v TTR %v has %v %v %v", c.name, got.TTA, got.TTM, got.TTR, got.HasTTA, got.HasTTM, got.HasTTR)
		}
	}
}

func TestPeakSeverity(t *testing.T) {
	inc := Incident{Severity: SEV3, SeverityHistory: []SeverityChange{{From: SEV2, To: SEV1}, {From: SEV1, To: SEV3}}}
	if p := PeakSeverity(inc); p != SEV1 {
		t.Errorf("peak %v, want SEV1", p)
	}
	if p := PeakSeverity(Incident{Severity: SEV4}); p != SEV4 {
		t.Errorf("peak %v, want SEV4", p)
	}
}

func TestPostmortemStatusRule(t *testing.T) {
	cases := []struct {
		from, to PostmortemStatus
		reason   string
		ok       bool
	}{
		{"", PostmortemInReview, "", true},
		{PostmortemDraft, PostmortemPublished, "", false},
		{PostmortemInReview, PostmortemPublished, "", true},
		{PostmortemInReview, PostmortemDraft, "", false},
		{PostmortemInReview, PostmortemDraft, "impact numbers missing", true},
		{PostmortemPublished, PostmortemDraft, "wrong root cause", true},
		{PostmortemPublished, PostmortemInReview, "x", false},
	}
	for _, c := range cases {
		if err := c.from.CheckNext(c.to, c.reason); (err == nil) != c.ok {
			t.Errorf("%q → %q (%q): %v", c.from, c.to, c.reason, err)
		}
	}
}

// TestReportGolden: a realistic SEV2 → SEV1 → SEV2 canary incident with the
// whole postmortem written; the golden is read as a reviewer reads it.
func TestReportGolden(t *testing.T) {
	open := time.Date(2026, 12, 1, 9, 30, 12, 400_000_000, time.UTC)
	at := func(d time.Duration) time.Time { return open.Add(d) }
	inc := Incident{ID: 16, Title: "checkout returns 500s after v2.14.0 canary", Severity: SEV2, Status: IncidentResolved,
		OpenedAt: open, OpenedBy: "pipeline", MitigatedAt: at(11*time.Minute + 48*time.Second), ResolvedAt: at(52*time.Minute + 5*time.Second),
		Commander: "dana", Scribe: "lee", DeploymentID: 41,
		RootCause: "v2.14.0 shipped the new payment client with a connection pool of 2 per pod; the canary's share of traffic exhausted it within minutes.",
		SeverityHistory: []SeverityChange{{At: at(3*time.Minute + 300*time.Millisecond), From: SEV2, To: SEV1, By: "dana"},
			{At: at(20 * time.Minute), From: SEV1, To: SEV2, By: "dana"}},
		Acks:        []Ack{{Step: 1, At: at(47 * time.Second), By: "sam", Reached: "sam"}},
		Escalations: []ManualEscalation{{Kind: ManualEscalateNow, Step: 2, At: at(4 * time.Minute), By: "dana", Reason: "SEV1, need the eng lead"}},
		ActionItems: []ActionItem{
			{Position: 1, Text: "alert on payment client pool saturation", Owner: "sam", Due: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC), Kind: ActionDetect},
			{Position: 2, Text: "load-test pool size in the canary stage", Owner: "lee", Due: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC), Kind: ActionPrevent,
				Done: true, DoneAt: at(26 * time.Hour), DoneBy: "lee"},
			{Position: 3, Text: "auto-rollback when the canary's 5xx rate doubles", Kind: ActionMitigate},
		},
		Postmortem: Postmortem{
			Summary:      "For 12 minutes checkout returned HTTP 500 to 4% of requests: the v2.14.0 canary's payment client ran out of connections. The canary was rolled back and checkout recovered.",
			Impact:       "About 1,900 checkout attempts failed (4% of traffic, the canary's share) from 09:29 to 09:42 UTC; no payments were taken twice.",
			Detection:    "The canary's 5xx health criterion fired and the pipeline opened the incident.",
			DetectedAt:   at(-90 * time.Second),
			Contributing: "The staging load test uses one pod, so a per-pod pool limit never shows there.",
			WentWell:     "The health criterion caught it within two minutes.",
			WentWrong:    "Step 2 was paged by hand; the SEV1 upgrade took three minutes.",
			Lucky:        "It happened at 09:30, not during the evening peak.",
			Owner:        "dana", Status: PostmortemInReview, StatusAt: at(27 * time.Hour), StatusBy: "dana",
		},
	}
	dep := Deployment{ID: 41, Service: "checkout-api", Version: "v2.14.0", Environment: "production", Strategy: StrategyCanary, Status: StatusRolledBack}
	events := []Event{
		{At: open, Actor: "pipeline", Text: "opened SEV2: checkout returns 500s after v2.14.0 canary"},
		{At: at(47 * time.Second), Actor: "sam", Text: "step 1 acknowledged (reached sam)"},
		{At: at(3*time.Minute + 300*time.Millisecond), Actor: "dana", Text: "severity SEV2 → SEV1", Starred: true},
		{At: at(3*time.Minute + 900*time.Millisecond), Actor: "dana", Text: "note: pool exhaustion in payment client logs"},
		{At: at(11*time.Minute + 48*time.Second), Actor: "dana", Text: "mitigated", Starred: true},
		{At: at(52*time.Minute + 5*time.Second), Actor: "dana", Text: "resolved"},
	}
	r := IncidentReport(ReportInput{Incident: inc, Deployment: &dep, Events: events, Policy: DefaultPolicy(), Now: at(28 * time.Hour)})
	for i, l := range strings.Split(r, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %d has trailing spaces: %q", i+1, l)
		}
		if !strings.HasPrefix(l, "|") && !strings.HasPrefix(l, "- ") && len([]rune(l)) > reportWidth { // table and timeline rows stay one line each, so a diff shows one change a line
			t.Errorf("line %d is %d characters, not wrapped: %q", i+1, len([]rune(l)), l)
		}
	}
	path := filepath.Join("testdata", "report_postmortem.md")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./model -run TestReportGolden -update)", err)
	}
	if r != string(want) {
		t.Errorf("report differs from %s:\n%s", path, r)
	}
}

func TestParseFutureTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 30, 10, 250_000_000, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"+2h", now.Add(2 * time.Hour), ""},
		{"in 90m", now.Add(90 * time.Minute), ""},
		{"16:00", time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC), ""},
		{"09:00", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), ""}, // passed today: tomorrow
		{"tomorrow 10:00", time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), ""},
		{"2026-12-03 11:15 +0100", time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC), ""},
		{"tomorrow", time.Time{}, "say when tomorrow"},
		{"25:00", time.Time{}, "HH:MM"},
	} {
		got, err := ParseFutureTime(tc.in, now, time.UTC)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%q = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if err := CheckMeetingTime(now.Add(-5*time.Minute), now); err == nil || !strings.Contains(err.Error(), "is in the past") {
		t.Errorf("a past meeting: %v", err)
	}
	if err := CheckMeetingTime(now.Add(91*24*time.Hour), now); err == nil {
		t.Errorf("a meeting 91 days ahead was accepted")
	}
}

// TestPostmortemStatusAt: the 24–48 h window after resolution, by the clock
// rule, with sub-second times.
func TestPostmortemStatusAt(t *testing.T) {
	resolved := time.Date(2026, 12, 1, 9, 30, 0, 700_000_000, time.UTC)
	sev1 := Incident{ID: 3, Severity: SEV1, Status: IncidentResolved, ResolvedAt: resolved}
	sev3 := Incident{ID: 4, Severity: SEV3, Status: IncidentResolved, ResolvedAt: resolved}
	raised := sev3
	raised.SeverityHistory = []SeverityChange{{From: SEV3, To: SEV2}, {From: SEV2, To: SEV3}}
	open := Incident{ID: 5, Severity: SEV1, Status: IncidentOpen}
	meet := sev1
	meet.Meeting = &PostmortemMeeting{At: resolved.Add(30 * time.Hour)}
	for _, tc := range []struct {
		name string
		inc  Incident
		at   time.Duration
		want MeetingState
		flag string
	}{
		{"open", open, 0, MeetingNotNeeded, ""},
		{"SEV3 never major", sev3, 30 * time.Hour, MeetingNotNeeded, ""},
		{"SEV3 that was SEV2", raised, 30 * time.Hour, MeetingUnscheduled, "postmortem not scheduled"},
		{"just resolved", sev1, time.Second, MeetingToSchedule, ""},
		{"a second before 24 h (same shown second)", sev1, 24*time.Hour - 500*time.Millisecond, MeetingUnscheduled, "postmortem not scheduled"},
		{"23h59m59s", sev1, 24*time.Hour - time.Second - 500*time.Millisecond, MeetingToSchedule, ""},
		{"past 48 h", sev1, 49 * time.Hour, MeetingUnscheduled, "postmortem NOT SCHEDULED"},
		{"scheduled", meet, 25 * time.Hour, MeetingScheduled, ""},
		{"held", meet, 31 * time.Hour, MeetingHeld, ""},
	} {
		now := resolved.Add(tc.at)
		if got := PostmortemStatusAt(tc.inc, now); got != tc.want {
			t.Errorf("%s: state %d, want %d", tc.name, got, tc.want)
		}
		if f := PostmortemFlag(tc.inc, now); (tc.flag == "") != (f == "") || !strings.Contains(f, tc.flag) {
			t.Errorf("%s: flag %q, want %q", tc.name, f, tc.flag)
		}
	}
}
