package cli

// Starting the notifier beside a dashboard (or serve): it shares the
// change signal and stops before the watcher does.

import (
	"context"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/notify"
)

// startBackground starts the notifier of a long-running process (dashboard,
// serve) when the configuration asks for one and the store can write. It
// returns the change channel the caller should read instead of changes (it
// is shared with the notifier) and a stop function that ends the notifier,
// giving back the events of any command it had to interrupt.
func startBackground(ctx context.Context, a *app, st *data.Store, changes <-chan struct{}) (<-chan struct{}, func()) {
	cfg, err := a.config()
	if err != nil || a.readOnly {
		return changes, func() {}
	}
	n := notify.New(st, cfg, a.now)
	if n == nil {
		return changes, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	outs := fanOut(ctx, changes, 2)
	n.Changes = outs[1]
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	return outs[0], func() { cancel(); <-done }
}

// fanOut copies each signal of in to k channels (capacity one each, so
// bursts coalesce and a slow reader never blocks the others).
func fanOut(ctx context.Context, in <-chan struct{}, k int) []<-chan struct{} {
	outs := make([]chan struct{}, k)
	ro := make([]<-chan struct{}, k)
	for i := range outs {
		outs[i] = make(chan struct{}, 1)
		ro[i] = outs[i]
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-in:
				if !ok {
					return
				}
				for _, o := range outs {
					select {
					case o <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return ro
}
