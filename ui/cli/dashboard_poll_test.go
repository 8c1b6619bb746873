package cli

import (
	"testing"
	"time"
)

// The change poll falls on the wall clock's half and whole seconds, where
// the dashboard's 1 s clock (tea.Every) wakes it anyway.
func TestNextPollOnTheHalfSecond(t *testing.T) {
	base := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct{ at, want time.Duration }{
		{0, 500 * time.Millisecond},
		{1 * time.Millisecond, 499 * time.Millisecond},
		{200 * time.Millisecond, 300 * time.Millisecond},
		{500 * time.Millisecond, 500 * time.Millisecond},
		{999 * time.Millisecond, 1 * time.Millisecond},
	} {
		if got := nextPoll(base.Add(c.at)); got != c.want {
			t.Errorf("at +%v: next poll in %v, want %v", c.at, got, c.want)
		}
	}
}
