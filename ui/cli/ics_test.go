package cli

import (
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/octoacme/flightdeck/model"
)

// The invite is checked by a second, independent parser
// (github.com/emersion/go-ical, which refuses a calendar missing PRODID or
// VERSION, an event missing UID or DTSTAMP, and bad line folding), plus
// byte-level checks of RFC 5545 §3.1: CRLF line ends, no line over 75
// octets.
func TestMeetingInviteParsesStrictly(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 3, 44, 250e6, time.UTC)
	inc := model.Incident{ID: 4, Title: "checkout 500s; a long title, with commas, to force folding past seventy-five octets", Severity: model.SEV1,
		ResolvedAt: now.Add(-time.Hour)}
	m := model.PostmortemMeeting{At: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Owner: "dana@example.com", Sequence: 2}
	out := meetingInvite(inc, m, "", []model.Link{{Name: "doc", Unset: true}, {Name: "runbook", URL: "https://wiki.example.com/inc"}}, now)
	for i, line := range strings.SplitAfter(out, "\r\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\r\n") || strings.Contains(strings.TrimSuffix(line, "\r\n"), "\n") {
			t.Fatalf("line %d not CRLF-terminated: %q", i+1, line)
		}
		if n := len(strings.TrimSuffix(line, "\r\n")); n > 75 {
			t.Fatalf("line %d is %d octets (max 75): %q", i+1, n, line)
		}
	}
	cal, err := goical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("go-ical refuses the invite: %v\n%s", err, out)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	start, err := ev.DateTimeStart(time.UTC)
	if err != nil || !start.Equal(m.At) {
		t.Fatalf("DTSTART = %v (%v), want %v", start, err, m.At)
	}
	get := func(name string) string {
		p := ev.Props.Get(name)
		if p == nil {
			t.Fatalf("no %s:\n%s", name, out)
		}
		return p.Value
	}
	if uid := get(goical.PropUID); uid != "INC-4-postmortem@flightdeck" {
		t.Errorf("UID %q", uid)
	}
	if d := get(goical.PropDuration); d != "PT1H" {
		t.Errorf("DURATION %q", d)
	}
	if s := get(goical.PropDateTimeStamp); s != "20261201T150344Z" {
		t.Errorf("DTSTAMP %q", s)
	}
	if s := get(goical.PropSequence); s != "2" {
		t.Errorf("SEQUENCE %q", s)
	}
	if s, _ := ev.Props.Text(goical.PropSummary); !strings.Contains(s, "checkout 500s; a long title, with commas") {
		t.Errorf("SUMMARY %q (unescaped wrong?)", s)
	}
	if u := get(goical.PropURL); u != "https://wiki.example.com/inc" {
		t.Errorf("URL %q: want the first set link", u)
	}
	if o := get(goical.PropOrganizer); o != "mailto:dana@example.com" {
		t.Errorf("ORGANIZER %q", o)
	}
}
