package send

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Backoff is how Deliver spaces its attempts: the first retry after about
// Initial, each next one twice as long, never more than Max, at most
// Attempts attempts in all. Each wait is jittered (between half and all of
// it) so that several processes retrying one endpoint do not march in step.
type Backoff struct {
	Initial, Max time.Duration
	Attempts     int
}

// DefaultBackoff: 1s, 2s, 4s, 8s, 16s between six attempts (about half a
// minute in all).
var DefaultBackoff = Backoff{Initial: time.Second, Max: 30 * time.Second, Attempts: 6}

// delay is the wait before attempt number next (2, 3, …), jitter included.
func (b Backoff) delay(next int) time.Duration {
	d := b.Initial
	for i := 2; i < next && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Deliver sends n through s, retrying a retryable failure (network error,
// timeout, 408, 429, 5xx) with exponential backoff and jitter, honouring a
// server's Retry-After up to b.Max; a permanent failure (another 4xx, a
// notice s cannot take) is never retried. It stops when ctx ends. It
// returns how many attempts were made and the last error (nil once one
// succeeded); a zero Backoff is DefaultBackoff.
func Deliver(ctx context.Context, s Sender, n model.Notice, b Backoff) (attempts int, err error) {
	if b == (Backoff{}) {
		b = DefaultBackoff
	}
	b.Attempts = max(b.Attempts, 1)
	b.Initial = max(b.Initial, 0)
	b.Max = max(b.Max, b.Initial)
	for attempts = 1; ; attempts++ {
		err = s.Send(ctx, n)
		if err == nil || !Retryable(err) || attempts >= b.Attempts || ctx.Err() != nil {
			return attempts, err
		}
		wait := b.delay(attempts + 1)
		var e *Error
		if errors.As(err, &e) && e.RetryAfter > wait {
			wait = min(e.RetryAfter, b.Max)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempts, err
		case <-t.C:
		}
	}
}
