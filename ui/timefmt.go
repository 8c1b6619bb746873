package ui

import (
	"time"

	"github.com/octoacme/flightdeck/model"
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

// ago is a compact "how long since" (model.Ago): "now", "42s", "3h5m".
func ago(now, t time.Time) string { return model.Ago(now, t) }

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
