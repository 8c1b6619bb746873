package model

import (
	"math"
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
		got, err := ParseSince(s, now)
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
