package model

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 30, 0, 400_000_000, time.UTC)
	cases := []struct {
		since time.Duration
		want  string
	}{
		{-time.Minute, "now"}, // clock skew between hosts
		{0, "now"},
		{4 * time.Second, "now"},
		{4*time.Second + 400*time.Millisecond, "now"}, // 09:29:56.0 → 09:30:00.4: four shown seconds
		{4*time.Second + 401*time.Millisecond, "5s"},  // 09:29:55.999: the clock rule counts shown seconds
		{5 * time.Second, "5s"},
		{59*time.Second + 400*time.Millisecond, "59s"},
		{59*time.Second + 600*time.Millisecond, "1m"}, // 09:29:00.8 was shown as 09:29:00
		{time.Minute, "1m"},
		{3*time.Hour + 5*time.Minute + 59*time.Second, "3h5m"},
		{26*time.Hour + 10*time.Minute, "1d2h"}, // the same in the dashboard and the CLI
		{48 * time.Hour, "2d"},
	}
	for _, c := range cases {
		if got := Ago(now, now.Add(-c.since)); got != c.want {
			t.Errorf("Ago(%v ago) = %q, want %q", c.since, got, c.want)
		}
	}
}

func TestFormatDurationExact(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute:          "15m",
		90 * time.Minute:          "1h30m",
		time.Hour:                 "1h",
		300 * time.Millisecond:    "300ms",
		time.Hour + 5*time.Second: "1h0m5s",
		90 * time.Second:          "1m30s",
		0:                         "0s",
	} {
		if got := FormatDurationExact(d); got != want {
			t.Errorf("FormatDurationExact(%v) = %q, want %q", d, got, want)
		}
	}
}
