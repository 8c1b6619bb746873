package model

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	// now has a sub-second part: relative forms keep it, clock forms do not.
	now := time.Date(2026, 11, 25, 14, 30, 0, 250_000_000, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no zoneinfo: %v", err)
	}
	utc := func(y int, mo time.Month, d, h, m, s, ns int) time.Time {
		return time.Date(y, mo, d, h, m, s, ns, time.UTC)
	}
	cases := []struct {
		in   string
		loc  *time.Location
		want time.Time
		err  string
	}{
		{"now", nil, now, ""},
		{" NOW ", nil, now, ""},
		{"-5m", nil, now.Add(-5 * time.Minute), ""},
		{"-2h", nil, now.Add(-2 * time.Hour), ""},
		{"-2d", nil, now.Add(-48 * time.Hour), ""},
		{"-1w", nil, now.Add(-7 * 24 * time.Hour), ""},
		{"-1h30m", nil, now.Add(-90 * time.Minute), ""},
		{"-1.5h", nil, now.Add(-90 * time.Minute), ""},
		{"-90s", nil, now.Add(-90 * time.Second), ""},
		{"5m ago", nil, now.Add(-5 * time.Minute), ""},
		{"2d ago", nil, now.Add(-48 * time.Hour), ""},
		{"14:02", nil, utc(2026, 11, 25, 14, 2, 0, 0), ""},
		{"14:02:30", nil, utc(2026, 11, 25, 14, 2, 30, 0), ""},
		{"14:02:30.125", nil, utc(2026, 11, 25, 14, 2, 30, 125_000_000), ""},
		{"9:05", nil, utc(2026, 11, 25, 9, 5, 0, 0), ""},
		{"15:02", berlin, utc(2026, 11, 25, 14, 2, 0, 0), ""}, // CET is +0100 in November
		{"14:31", nil, utc(2026, 11, 25, 14, 31, 0, 0), ""},   // inside ClockSkew: today
		{"14:32", nil, time.Time{}, `14:32 today has not come yet (it is 14:30 UTC now); for yesterday give the date: "2026-11-24 14:32:00 +0000"`},
		{"2026-11-25", nil, utc(2026, 11, 25, 0, 0, 0, 0), ""},
		{"2026-11-25", berlin, utc(2026, 11, 24, 23, 0, 0, 0), ""},
		{"2026-11-25 09:12", nil, utc(2026, 11, 25, 9, 12, 0, 0), ""},
		{"2026-11-25 09:12:07", berlin, utc(2026, 11, 25, 8, 12, 7, 0), ""},
		{"2026-11-25 09:12:07.5", nil, utc(2026, 11, 25, 9, 12, 7, 500_000_000), ""},
		{"2026-11-25 09:12:00 +0100", nil, utc(2026, 11, 25, 8, 12, 0, 0), ""}, // git %ci
		{"2026-11-25 09:12:00 -0530", nil, utc(2026, 11, 25, 14, 42, 0, 0), ""},
		{"2026-11-25 09:12 +01:00", nil, utc(2026, 11, 25, 8, 12, 0, 0), ""},
		{"2026-11-25 09:12+01:00", nil, utc(2026, 11, 25, 8, 12, 0, 0), ""},
		{"2026-11-25 09:12 +01", nil, utc(2026, 11, 25, 8, 12, 0, 0), ""},
		{"2026-11-25 09:12 Z", berlin, utc(2026, 11, 25, 9, 12, 0, 0), ""},
		{"2026-11-25 09:12 UTC", berlin, utc(2026, 11, 25, 9, 12, 0, 0), ""},
		{"2026-11-25T09:12:00+01:00", nil, utc(2026, 11, 25, 8, 12, 0, 0), ""}, // git %cI
		{"2026-11-25T09:12:00Z", berlin, utc(2026, 11, 25, 9, 12, 0, 0), ""},
		{"2026-11-25t09:12:00z", nil, utc(2026, 11, 25, 9, 12, 0, 0), ""},
		{"2026-11-25T09:12:00.123456789Z", nil, utc(2026, 11, 25, 9, 12, 0, 123_456_789), ""},
		{"2026-11-25T09:12:00.5-02:00", nil, utc(2026, 11, 25, 11, 12, 0, 500_000_000), ""},
		{"2027-01-01", nil, utc(2027, 1, 1, 0, 0, 0, 0), ""}, // the future is the caller's to refuse
		// DST: Berlin springs forward 2026-03-29 02:00 → 03:00 and falls back 2026-10-25 03:00 → 02:00.
		{"2026-03-29 01:59:59", berlin, utc(2026, 3, 29, 0, 59, 59, 0), ""},
		{"2026-03-29 03:00", berlin, utc(2026, 3, 29, 1, 0, 0, 0), ""},
		{"2026-03-29 02:30", berlin, time.Time{}, `"2026-03-29 02:30" does not exist in Europe/Berlin: the clocks jumped from +0100 to +0200; give a zone, e.g. "2026-03-29 02:30 +0100"`},
		{"2026-03-29 02:30 +0100", berlin, utc(2026, 3, 29, 1, 30, 0, 0), ""},
		{"2026-10-25 02:30", berlin, time.Time{}, `"2026-10-25 02:30" happens twice in Europe/Berlin (clocks went back): give the zone, "2026-10-25 02:30 +0200" or "2026-10-25 02:30 +0100"`},
		{"2026-10-25 02:30 +0200", berlin, utc(2026, 10, 25, 0, 30, 0, 0), ""},
		{"2026-10-25 03:00", berlin, utc(2026, 10, 25, 2, 0, 0, 0), ""},
		{"2026-10-25", berlin, utc(2026, 10, 24, 22, 0, 0, 0), ""},
		// Refused, each with the list of forms.
		{"", nil, time.Time{}, `cannot read the time "": it is empty; ` + TimeForms},
		{"5m", nil, time.Time{}, `cannot read the time "5m": a bare duration is ambiguous: write -5m or 5m ago; ` + TimeForms},
		{"+5m", nil, time.Time{}, "is in the future: backdate with a minus"},
		{"-5x", nil, time.Time{}, `cannot read the time "-5x": ` + TimeForms},
		{"-", nil, time.Time{}, TimeForms},
		{"ago", nil, time.Time{}, TimeForms},
		{"-1000y", nil, time.Time{}, TimeForms},
		{"25:00", nil, time.Time{}, "HH:MM or HH:MM:SS"},
		{"2026-02-30", nil, time.Time{}, "not a calendar day"},
		{"2026-11-25 25:00", nil, time.Time{}, "HH:MM or HH:MM:SS"},
		{"2026-11-25 09:12 CET", nil, time.Time{}, `the zone "CET" is not +0100`},
		{"2026-11-25 09:12 +2500", nil, time.Time{}, "is not +0100"},
		{"2026/11/25", nil, time.Time{}, TimeForms},
		{"yesterday", nil, time.Time{}, TimeForms},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in, now, c.loc)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseTime(%q) = %v, %v; want error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q, %v) = %v, %v; want %v", c.in, c.loc, got, err, c.want)
		}
	}
}

func TestNotFuture(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 30, 0, 250_000_000, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want time.Time
		err  string
	}{
		{now.Add(-time.Hour), now.Add(-time.Hour), ""},
		{now, now, ""},
		{now.Add(ClockSkew), now, ""}, // another host's clock: taken as now
		{now.Add(ClockSkew + time.Millisecond), time.Time{}, "--at 2026-11-25 14:31:00 UTC is in the future (it is 2026-11-25 14:30:00 UTC now)"},
	} {
		got, err := NotFuture("--at", c.at, now)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("NotFuture(%v) = %v, %v; want %q", c.at, got, err, c.err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) {
			t.Errorf("NotFuture(%v) = %v, %v; want %v", c.at, got, err, c.want)
		}
	}
}
