package model

// Every duration and countdown shown anywhere is formatted here (and
// computed by the clock rule in clock.go): a countdown as mm:ss
// (FormatCountdown), an elapsed or typical duration in
// at most two units (FormatDurationShort, Ago), a configured value exactly
// (FormatDurationExact).

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Ago is a compact "how long since" for lists and status lines: "now"
// for the first five seconds (and for anything in the future, which a
// clock skew between hosts can produce), else FormatDurationShort.
func Ago(now, t time.Time) string {
	d := Elapsed(t, now)
	if d < 5*time.Second {
		return "now"
	}
	return FormatDurationShort(d)
}

// FormatDurationExact writes a duration exactly, in Go's syntax without
// trailing zero units: 15m, 1h30m, 300ms, 1h0m5s. It is the configuration
// file's own syntax, so what 'config check' prints can be pasted back, and
// how a policy describes its delays; FormatDurationShort rounds instead, for
// reading at a glance.
func FormatDurationExact(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// FormatCountdown renders a remaining or elapsed time as "mm:ss", or
// "h:mm:ss" from one hour, and never a negative number. It truncates to the
// second: clocks computed by the clock rule (clock.go: Left, Elapsed) are
// whole seconds already, so this only matters for a configured duration
// such as a 1.5 s soak, which reads 00:01 — never more than it is.
func FormatCountdown(d time.Duration) string {
	if d <= 0 {
		return "00:00"
	}
	secs := int64(d / time.Second)
	h, m, s := secs/3600, secs/60%60, secs%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// FormatDurationShort renders a duration in at most two units, rounded
// down: "45s", "45m", "3h12m", "3h", "2d4h", "2d". Days are 24 hours.
// Negative durations get a leading "-".
func FormatDurationShort(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 {
			d++
		}
		return "-" + FormatDurationShort(-d)
	}
	switch {
	case d < time.Minute:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d < time.Hour:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d < metDay:
		h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int64(d/metDay), int64(d%metDay/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}
