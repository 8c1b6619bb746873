package ui

import (
	"fmt"
	"time"
)

// clockTime shows t as a wall-clock time in loc: "14:02" today, "Nov 24 14:02"
// on other days.
func clockTime(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	lt, ln := t.In(loc), now.In(loc)
	if lt.Year() == ln.Year() && lt.YearDay() == ln.YearDay() {
		return lt.Format("15:04")
	}
	if lt.Year() == ln.Year() {
		return lt.Format("Jan 2 15:04")
	}
	return lt.Format("2006-01-02 15:04")
}

// ago is a compact "how long since": "now", "42s", "12m", "3h05m", "2d".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "now"
	case d < 5*time.Second:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// zoneName is the short name of loc at now, e.g. "UTC" or "CET".
func zoneName(now time.Time, loc *time.Location) string {
	name, _ := now.In(loc).Zone()
	return name
}

// agoPhrase is "just now" or "12m ago".
func agoPhrase(now, t time.Time) string {
	if a := ago(now, t); a != "now" {
		return a + " ago"
	}
	return "just now"
}

// shortDur is a compact duration: "45s", "12m", "3h05m", "2d4h".
func shortDur(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}
