package notify

// The outbox loop: one goroutine per configured sender delivers, in
// timeline order, every event the sender routes. Only the process holding
// the sender's lease (data.LeaseOutbox) delivers, so each notice reaches
// each sender once per database; the cursor moves one event at a time.
//
// Errors: a retryable one (network, timeout, 5xx, a command that exited
// non-zero) is retried on the same notice with backoff (a Retry-After is
// honoured) — later notices
// wait, so order holds — until it succeeds or GiveUpAfter passes; a
// permanent one (4xx, a command that cannot start) gives the notice up at
// once. Either way the first failure of a spell writes notify.failed to the
// timeline (the status line shows it), later ones only count, and the first
// delivery after writes notify.recovered.

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/data/notify/send"
	"github.com/octoacme/flightdeck/model"
)

// Sender delivers one notice in one attempt (package send's senders and
// the notify command).
type Sender interface {
	Name() string
	Send(ctx context.Context, n model.Notice) error
}

// route is one sender with its configuration and its loop's wake-up.
type route struct {
	cfg   config.Sender
	s     Sender
	kinds []model.EventKind
	kick  chan struct{}
}

// Backoff is how the outbox retries a notice: Initial, doubling to Max,
// with jitter.
type Backoff struct {
	Initial, Max time.Duration
}

func (b Backoff) delay(attempt int) time.Duration {
	d := b.Initial
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	// ±20 % so processes that failed together do not retry together.
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1))
}

const (
	outboxLease = time.Minute
	outboxBatch = 50
)

func (n *Notifier) kickRoutes() {
	for _, r := range n.routes {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// runRoute delivers for r until ctx ends.
func (n *Notifier) runRoute(ctx context.Context, r *route) {
	defer n.releaseRoute(r)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-r.kick:
		}
		wait, err := n.drain(ctx, r, false)
		if err != nil && ctx.Err() == nil {
			n.logf("notify %s: %v", r.cfg.Name, err)
			wait = min(wait, 2*time.Second)
		}
		timer.Reset(wait)
	}
}

func (n *Notifier) releaseRoute(r *route) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = n.Store.ReleaseOutbox(ctx, r.cfg.Name, n.owner)
}

// drain delivers what r has pending, in order, while this process holds
// the lease; it returns how long to wait before looking again. once (for
// notify --once) gives up a retryable failure after the backoff's attempts
// within one pass instead of waiting, leaving the notice for later.
func (n *Notifier) drain(ctx context.Context, r *route, once bool) (time.Duration, error) {
	idle := outboxLease / 3
	for ctx.Err() == nil {
		st, won, err := n.Store.LeaseOutbox(ctx, r.cfg.Name, n.owner, n.Now(), outboxLease)
		if err != nil {
			return idle, err
		}
		if !won {
			// Another process delivers; look again when its lease could
			// have run out (it renews it as it goes).
			return max(min(time.Until(st.LeaseUntil), idle), 100*time.Millisecond), nil
		}
		evs, err := n.Store.OutboxEvents(ctx, st.Cursor, r.kinds, outboxBatch)
		if err != nil || len(evs) == 0 {
			return idle, err
		}
		b := newNoticeBuilder(n.Store)
		for _, e := range evs {
			ok, err := n.deliverOne(ctx, r, b, &st, e, once)
			if err != nil || !ok {
				return time.Second, err
			}
		}
	}
	return idle, ctx.Err()
}

// deliverOne delivers event e to r (retrying as the rule says) and moves
// the cursor past it; ok is false when this process should stop draining
// (the lease moved, ctx ended, or once gave up).
func (n *Notifier) deliverOne(ctx context.Context, r *route, b *noticeBuilder, st *data.OutboxState, e model.Event, once bool) (bool, error) {
	step := data.OutboxStep{From: st.Cursor, To: e.ID}
	notice, isNotice, err := b.build(ctx, e)
	if err != nil {
		return false, err
	}
	if !isNotice || !r.cfg.Routes(notice) {
		step.Skipped, step.At = true, n.Now()
		step.Failing = st.Failing()
		step.Error = st.LastError
		return n.advance(r, st, step)
	}
	first := time.Now()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
		err := r.s.Send(actx, notice)
		cancel()
		if ctx.Err() != nil {
			return false, nil // quitting: the notice stays for the next holder
		}
		step.At = n.Now()
		if err == nil {
			step.Delivered, step.Failing, step.Error = true, false, ""
			if st.Failing() {
				step.Event = &model.Event{Kind: model.EventNotifyRecovered, IncidentID: e.IncidentID, Severity: e.Severity,
					DeploymentID: e.DeploymentID, Text: model.TextNotifyRecovered(r.cfg.Name, st.FailingSince, st.Lost)}
			}
			n.logf("notify %s: delivered %s %s", r.cfg.Name, notice.Kind, notice.Key)
			return n.advance(r, st, step)
		}
		msg := n.redact(r, err.Error())
		retry := Retryable(err) && time.Since(first) < n.GiveUpAfter
		step.Failing, step.Error = true, msg
		step.Lost = !retry
		step.Event = nil
		if !st.Failing() {
			what := string(notice.Kind)
			if notice.Incident != nil {
				what += " " + notice.Incident.Ref
			} else if notice.Deployment != nil {
				what += " #" + itoa(notice.Deployment.ID)
			}
			tail := "; retrying"
			if !retry {
				tail = "; not retried (fix the sender's configuration)"
			}
			step.Event = &model.Event{Kind: model.EventNotifyFailed, IncidentID: e.IncidentID, Severity: e.Severity,
				DeploymentID: e.DeploymentID, Text: model.TextNotifyFailed(r.cfg.Name+" ("+what+")", msg+tail)}
		}
		n.logf("notify %s: %s %s failed (attempt %d): %s", r.cfg.Name, notice.Kind, notice.Key, attempt, msg)
		if ok, err := n.advance(r, st, step); err != nil || !ok {
			return false, err
		}
		if step.Lost {
			n.mu.Lock()
			n.failed++
			n.mu.Unlock()
			return true, nil
		}
		if once && attempt >= n.OnceAttempts {
			n.mu.Lock()
			n.failed++
			n.mu.Unlock()
			return false, nil
		}
		wait := n.Backoff.delay(attempt)
		var se *send.Error
		if errors.As(err, &se) && se.RetryAfter > wait {
			wait = se.RetryAfter // the server said when (429, 503)
		}
		// Never past half the lease: a wait must not hand the sender to
		// another process that would retry at once.
		wait = min(wait, outboxLease/2)
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(wait):
		}
		// Renew the lease before the next attempt (and learn whether
		// another process took over meanwhile).
		cur, won, err := n.Store.LeaseOutbox(ctx, r.cfg.Name, n.owner, n.Now(), outboxLease)
		if err != nil || !won || cur.Cursor != step.From {
			return false, err
		}
		*st = cur
		step.From = cur.Cursor
	}
}

// advance records step and updates st to match; ok is false when another
// process holds the sender now.
func (n *Notifier) advance(r *route, st *data.OutboxState, step data.OutboxStep) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ok, err := n.Store.AdvanceOutbox(ctx, r.cfg.Name, n.owner, step, outboxLease)
	if err != nil || !ok {
		return false, err
	}
	if step.Delivered || step.Lost || step.Skipped {
		st.Cursor = step.To
	}
	switch {
	case step.Failing && !st.Failing():
		st.FailingSince, st.Lost = step.At, 0
	case !step.Failing:
		st.FailingSince, st.Lost = time.Time{}, 0
	}
	if step.Lost {
		st.Lost++
	}
	st.LastError = step.Error
	return true, nil
}

// redact removes the sender's secrets from a message (the senders do too;
// this is the last line before the timeline and the log).
func (n *Notifier) redact(r *route, msg string) string { return redactSecrets(msg, r.cfg.Secrets) }

// Retryable reports whether a failed attempt is worth another: errors say
// so with a Retryable method; anything else (a network error) is.
func Retryable(err error) bool {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return true
}

// httpSender builds the webhook, slack and pagerduty senders (package send).
func httpSender(c config.Sender) (Sender, error) { return send.New(c, nil) }

// Test sends a test notice to the named sender ("" : every sender) and
// reports each outcome; nothing is recorded.
func Test(ctx context.Context, senders []config.Sender, name, dbPath string, now time.Time) (map[string]error, error) {
	out := map[string]error{}
	for _, c := range senders {
		if name != "" && c.Name != name {
			continue
		}
		s, err := newSender(c, dbPath)
		if err != nil {
			return nil, err
		}
		timeout := c.Timeout
		if timeout <= 0 {
			timeout = defaultSendTimeout
		}
		tctx, cancel := context.WithTimeout(ctx, timeout)
		err = s.Send(tctx, testNotice(now))
		cancel()
		if err != nil {
			err = errors.New(redactSecrets(err.Error(), c.Secrets))
		}
		out[c.Name] = err
	}
	if len(out) == 0 {
		return nil, errNoSender
	}
	return out, nil
}
