package model

import "time"

// Ago is a compact "how long since" for lists and status lines: "now"
// for the first five seconds (and for anything in the future, which a
// clock skew between hosts can produce), else FormatDurationShort.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 5*time.Second {
		return "now"
	}
	return FormatDurationShort(d)
}
