package model

import (
	"math"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the times, durations and numbers people type.

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"-5m", "14:02", "14:02:30", "2026-11-25T14:00:00Z", "now", "", "5m", "-1h30m", "25:99", "-99999999h"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseWhen(s, now, time.UTC)
		if err != nil {
			return
		}
		if got.After(now) {
			t.Fatalf("ParseWhen(%q) = %v, after now", s, got)
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseWhen(%q) not UTC", s)
		}
	})
}

func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"30d", "12w", "24h", "1y", "2026-01-01", "0d", "-3d", "m", "9999999999d"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSince(s, now, time.UTC)
		if err == nil && !got.Before(now) {
			t.Fatalf("ParseSince(%q) = %v, not before now", s, got)
		}
	})
}

func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"7.2", "7.2%", "-1", "101", "NaN", "Inf", "", "1e2", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParsePercent(s)
		if err == nil && (math.IsNaN(v) || v < 0 || v > 100) {
			t.Fatalf("ParsePercent(%q) = %v", s, v)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "-5m", "5m ago", "14:02", "2026-11-25", "2026-11-25 09:12:00 +0100", "2026-11-25T09:12:00.5Z",
		"2026-03-29 02:30", "2026-10-25 02:30", "2026-11-25 09:12 +01:00", "-1.5h", "9999-12-31 23:59:59 -1400", "0000-01-01"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 14, 30, 0, 250_000_000, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{time.UTC, berlin} {
			got, err := ParseTime(s, now, loc)
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("ParseTime(%q): empty error", s)
				}
				continue
			}
			if got.Location() != time.UTC {
				t.Fatalf("ParseTime(%q) not UTC", s)
			}
			// Relative forms never land after now.
			if strings.HasPrefix(strings.TrimSpace(s), "-") && got.After(now) {
				t.Fatalf("ParseTime(%q) = %v, after now", s, got)
			}
			// What it returns, written as RFC 3339, reads back as the same instant.
			if back, err := ParseTime(got.Format(time.RFC3339Nano), now, loc); (err != nil || !back.Equal(got)) && got.Year() >= 0 && got.Year() <= 9999 {
				t.Fatalf("ParseTime(%q) = %v, which reads back as %v, %v", s, got, back, err)
			}
		}
	})
}
