package model

import "time"

// The clock rule. Every countdown, elapsed time, end time and "due" that
// flightdeck shows — dashboard panes and header, CLI text and JSON,
// reports, timeline texts — is computed with the functions in this file,
// so that what one screen shows agrees with itself and with every other
// screen at every second:
//
//  1. An instant is shown as the second it falls in (truncated, never
//     rounded): 09:33:37.6 is shown as 09:33:37.
//  2. Time left until an end is the difference of the shown seconds:
//     Left(now, end) = ⌊end⌋ − ⌊now⌋, in whole seconds, never negative. So
//     the shown clock plus the time left is the end shown, at every second.
//  3. A deadline is reached from the start of the second it is shown as:
//     Reached(now, end) is ⌊now⌋ ≥ ⌊end⌋. Nothing reads "in 00:01" during
//     the second its deadline is shown as reached, and "00:00 left" and
//     "reached" always appear together.
//  4. Time since a start (elapsed, overdue) is the difference of the shown
//     seconds too: Elapsed(start, now) = ⌊now⌋ − ⌊start⌋. It is never
//     rounded up: a step is "+01:00" overdue exactly one minute (of shown
//     seconds) after its deadline, "+00:00" during the deadline's second.
//
// Consequences the tests hold: a 15-minute clock started at any sub-second
// offset shows 15:00 at its start and never 15:01; a soak's elapsed plus
// left is always the soak; a pause stores the remaining time that was shown
// and a resume shows exactly that again.

// ShownAt is the second an instant is shown as: t truncated to the second.
func ShownAt(t time.Time) time.Time { return t.Truncate(time.Second) }

// Left is the time left at now until end, in whole seconds, as shown:
// ShownAt(end) − ShownAt(now), never negative.
func Left(now, end time.Time) time.Duration {
	return max(ShownAt(end).Sub(ShownAt(now)), 0)
}

// Reached reports whether the deadline end is reached at now: from the
// start of the second end is shown as.
func Reached(now, end time.Time) bool {
	return !ShownAt(now).Before(ShownAt(end))
}

// Elapsed is the time from start to now, in whole seconds, as shown:
// ShownAt(now) − ShownAt(start), never negative (a now before start, from
// a clock skewed between hosts, is no time at all).
func Elapsed(start, now time.Time) time.Duration {
	return max(ShownAt(now).Sub(ShownAt(start)), 0)
}

// FormatLeftOrOverdue is a deadline as one phrase: "in 04:59" before it
// is reached, "OVERDUE +00:00" from its second on.
func FormatLeftOrOverdue(now, due time.Time) (text string, reached bool) {
	if !Reached(now, due) {
		return "in " + FormatCountdown(Left(now, due)), false
	}
	return "OVERDUE +" + FormatCountdown(Elapsed(due, now)), true
}
