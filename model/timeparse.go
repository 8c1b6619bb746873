package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The one time grammar of every time flag (--at, --committed-at, --since,
// --until) and of the import files. ParseTime reads:
//
//	now                                    now
//	-5m, -2h, -2d, -1h30m, 5m ago, 2d ago  that long before now (units s m h
//	                                       d w y; a day is 24 h, a week 7
//	                                       days, a year 365 days: durations,
//	                                       not calendar days, across DST)
//	14:02, 14:02:30                        that clock time today in loc
//	2026-11-25                             that day, 00:00 in loc
//	2026-11-25 14:02[:30[.123]]            that time in loc
//	2026-11-25 14:02[:30] +0100            with a zone: +0100, +01:00, +01,
//	   (also …+01:00, …Z, … UTC)           Z or UTC, with or without a space
//	                                       (git's %ci is this form)
//	2026-11-25T14:02:00Z, …T14:02:00.5+01:00  RFC 3339 (git's %cI), with or
//	                                       without fractional seconds
//
// A time without a zone is read in loc (the CLI passes the local zone, which
// TZ sets; nil means UTC). A wall time that loc skips (the spring-forward
// gap) or repeats (the autumn fall-back hour) is refused with the two
// offsets to choose from: guessing would move the time by an hour.
//
// A clock time today that has not come yet (beyond ClockSkew) is refused
// rather than read as yesterday: "14:20" typed at 14:10 is far more often a
// typo than a day-old event, and a silent day's shift is a wrong timeline
// nobody notices; the message gives yesterday's full form to paste.
//
// ParseTime does not refuse other future times (a metrics window may end
// later); NotFuture does, for actions. The result is in UTC with no
// monotonic reading.
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.Round(0)
	in := strings.TrimSpace(s)
	bad := func(why string) error {
		if why != "" {
			why += "; "
		}
		return fmt.Errorf("cannot read the time %q: %s%s", in, why, TimeForms)
	}
	low := strings.ToLower(in)
	switch {
	case in == "":
		return time.Time{}, bad("it is empty")
	case low == "now":
		return now.UTC(), nil
	case strings.HasPrefix(low, "+"):
		return time.Time{}, fmt.Errorf("%s is in the future: backdate with a minus, e.g. -5m for five minutes ago", in)
	case strings.HasPrefix(low, "-"):
		d, ok := parseAgo(low[1:])
		if !ok {
			return time.Time{}, bad("")
		}
		return now.Add(-d).UTC(), nil
	case strings.HasSuffix(low, " ago"):
		d, ok := parseAgo(strings.TrimSpace(strings.TrimSuffix(low, " ago")))
		if !ok {
			return time.Time{}, bad("")
		}
		return now.Add(-d).UTC(), nil
	}
	if _, ok := parseAgo(low); ok {
		return time.Time{}, bad(fmt.Sprintf("a bare duration is ambiguous: write -%s or %s ago", in, in))
	}
	if len(in) <= len("15:04:05.000000000") && !strings.Contains(in, "-") && strings.Contains(in, ":") {
		h, m, sec, ns, ok := parseClock(in)
		if !ok {
			return time.Time{}, bad("a time of day is HH:MM or HH:MM:SS, 00:00 to 23:59:59")
		}
		today := now.In(loc)
		t, err := wallTime(today.Year(), today.Month(), today.Day(), h, m, sec, ns, loc, in)
		if err != nil {
			return time.Time{}, err
		}
		if t.After(now.Add(ClockSkew)) {
			return time.Time{}, fmt.Errorf("%s today has not come yet (it is %s now); for yesterday give the date: %q",
				in, today.Format("15:04 MST"), t.AddDate(0, 0, -1).In(loc).Format("2006-01-02 15:04:05 -0700"))
		}
		return t.UTC(), nil
	}
	t, err := parseDateTime(in, loc)
	if err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// TimeForms lists the accepted forms: every time error ends with it.
const TimeForms = `use now, -5m / -2h / -2d (or "5m ago"), 14:02 (today), 2026-11-25, "2026-11-25 14:02[:05] [+0100|+01:00|Z|UTC]" or RFC 3339 (2026-11-25T14:02:05Z)`

// ClockSkew is how far after now a time may be and still be taken for now:
// two hosts' clocks (a CI runner and the database's host) disagree by that
// much. NotFuture clamps such a time to now.
const ClockSkew = time.Minute

// NotFuture refuses t when it is more than ClockSkew after now (what names
// the time in the message, e.g. "--at"), and returns a time up to ClockSkew
// ahead as now: an action cannot be recorded after the moment it is typed.
func NotFuture(what string, t, now time.Time) (time.Time, error) {
	now = now.Round(0).UTC()
	if t.After(now.Add(ClockSkew)) {
		return time.Time{}, fmt.Errorf("%s %s is in the future (it is %s now): record what already happened, e.g. -5m",
			what, t.UTC().Format("2006-01-02 15:04:05 MST"), now.Format("2006-01-02 15:04:05 MST"))
	}
	if t.After(now) {
		return now, nil
	}
	return t.UTC(), nil
}

// parseAgo reads a duration of one or more number+unit parts ("5m",
// "1h30m", "2d", "1.5h"); units s, m, h, d, w, y. ok is false for anything
// else, and for durations over 100 years.
func parseAgo(s string) (time.Duration, bool) {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, false
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		j := i
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		var unit time.Duration
		switch s[i:j] {
		case "s":
			unit = time.Second
		case "m":
			unit = time.Minute
		case "h":
			unit = time.Hour
		case "d":
			unit = metDay
		case "w":
			unit = metWeek
		case "y":
			unit = 365 * metDay
		default:
			return 0, false
		}
		total += n * float64(unit)
		s = s[j:]
	}
	const maxAgo = 100 * 365 * float64(metDay)
	if total > maxAgo {
		return 0, false
	}
	return time.Duration(total), true
}

// parseClock reads HH:MM[:SS[.frac]].
func parseClock(s string) (h, m, sec, ns int, ok bool) {
	for _, layout := range []string{"15:04", "15:04:05", "15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), true
		}
	}
	return 0, 0, 0, 0, false
}

// parseDateTime reads the dated forms.
func parseDateTime(in string, loc *time.Location) (time.Time, error) {
	bad := func(why string) error {
		if why != "" {
			why += "; "
		}
		return fmt.Errorf("cannot read the time %q: %s%s", in, why, TimeForms)
	}
	s := in
	if len(s) < len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return time.Time{}, bad("")
	}
	date, rest := s[:10], strings.TrimSpace(s[10:])
	day, err := time.Parse("2006-01-02", date)
	if err != nil {
		return time.Time{}, bad("the date is not a calendar day (YYYY-MM-DD)")
	}
	if rest == "" {
		return wallTime(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc, in)
	}
	if rest[0] == 'T' || rest[0] == 't' {
		rest = rest[1:]
	}
	// The clock: up to the first character that starts a zone.
	end := 0
	for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == ':' || rest[end] == '.') {
		end++
	}
	clock, zone := rest[:end], strings.TrimSpace(rest[end:])
	h, m, sec, ns, ok := parseClock(clock)
	if !ok {
		return time.Time{}, bad("the time of day is HH:MM or HH:MM:SS")
	}
	if zone == "" {
		return wallTime(day.Year(), day.Month(), day.Day(), h, m, sec, ns, loc, in)
	}
	off, ok := parseZone(zone)
	if !ok {
		return time.Time{}, bad(fmt.Sprintf("the zone %q is not +0100, +01:00, Z or UTC", zone))
	}
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, sec, ns, time.FixedZone("", off)).UTC(), nil
}

// parseZone reads Z, UTC, GMT, ±hh, ±hhmm or ±hh:mm as seconds east of UTC.
func parseZone(z string) (int, bool) {
	switch strings.ToUpper(z) {
	case "Z", "UTC", "GMT":
		return 0, true
	}
	if len(z) < 3 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	digits := strings.Replace(z[1:], ":", "", 1)
	if strings.Contains(z[1:], ":") && len(z) != 6 {
		return 0, false
	}
	if len(digits) != 2 && len(digits) != 4 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	hh, _ := strconv.Atoi(digits[:2])
	mm := 0
	if len(digits) == 4 {
		mm, _ = strconv.Atoi(digits[2:])
	}
	if hh > 14 || mm > 59 {
		return 0, false
	}
	off := hh*3600 + mm*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// wallTime is the instant a wall clock in loc shows, refusing a wall time
// that loc skips or shows twice (DST).
func wallTime(y int, mo time.Month, d, h, m, sec, ns int, loc *time.Location, in string) (time.Time, error) {
	wall := time.Date(y, mo, d, h, m, sec, ns, time.UTC)
	var found []time.Time
	for _, probe := range []time.Time{wall.Add(-12 * time.Hour), wall.Add(12 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		u := wall.Add(-time.Duration(off) * time.Second)
		if w := u.In(loc); w.Hour() == h && w.Minute() == m && w.Second() == sec && w.Day() == d {
			if len(found) == 0 || !found[0].Equal(u) {
				found = append(found, u)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0].UTC(), nil
	case 0:
		before, after := offsetName(wall.Add(-12*time.Hour), loc), offsetName(wall.Add(12*time.Hour), loc)
		return time.Time{}, fmt.Errorf("%q does not exist in %s: the clocks jumped from %s to %s; give a zone, e.g. %q",
			in, loc, before, after, wall.Format("2006-01-02 15:04")+" "+before)
	}
	a, b := offsetName(found[0], loc), offsetName(found[1], loc)
	return time.Time{}, fmt.Errorf("%q happens twice in %s (clocks went back): give the zone, %q or %q",
		in, loc, wall.Format("2006-01-02 15:04")+" "+a, wall.Format("2006-01-02 15:04")+" "+b)
}

func offsetName(t time.Time, loc *time.Location) string { return t.In(loc).Format("-0700") }
