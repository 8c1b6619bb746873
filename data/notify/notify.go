package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/data/config"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// Notifier watches the database for moments someone must hear about — an
// escalation step due, a stage ready to promote, rollback criteria met —
// and runs the configured notify command for each, once per database
// however many flightdeck processes run one; it also runs the metrics probe
// (probe.go). Every dashboard (and `flightdeck notify --watch`) runs one in
// a goroutine: every job runs in a goroutine of its own, bounded by its
// command's timeout, with the notify command and the probe in separate
// lanes, so a hanging command never blocks the screen, the other command
// or the other notifications.
//
// Exactly once: a worker first claims the event's key in the notifications
// table; only the process whose INSERT wins runs the command, and it writes
// the outcome (notify.sent / notify.failed) to the timeline.
type Notifier struct {
	Store   *data.Store
	Policy  model.EscalationPolicy
	Updates model.UpdatePolicy // when stakeholder updates fall due
	// Senders are where notices go (config.Effective.Senders); none: the
	// notifier records nothing and sends nothing, and only probes.
	Senders []config.Sender
	Probe   *config.Probe // nil: no probe
	Now     func() time.Time
	Changes <-chan struct{} // commits seen by a watcher; nil: wake by the clock only
	// Log, when set, gets one line per thing done (headless mode).
	Log func(format string, a ...any)
	// Workers bounds the commands of one kind (notify; probe) running at
	// once (default 16). A job that finds its lane full is not queued
	// behind the others — it stays unclaimed and the next pass, woken as
	// soon as a slot frees, tries it again — so commands that hang delay
	// nothing but themselves until their timeout kills them.
	Workers int
	// MaxSleep bounds the time between passes (default 30s): the pass
	// computes the next deadline, but the clock may jump.
	MaxSleep time.Duration
	// Backoff paces the retries of a failed delivery (default 1s doubling
	// to 30s; a server's Retry-After is honoured; no wait is longer than
	// half the sender's lease, 30s); GiveUpAfter gives a notice up when it
	// has failed for that long (default 1h); OnceAttempts bounds the
	// attempts of Once (default 3).
	// A wait never exceeds half the sender lease (30s).
	Backoff      Backoff
	GiveUpAfter  time.Duration
	OnceAttempts int

	initOnce sync.Once
	initErr  error
	owner    string
	routes   []*route
	recorded map[string]bool          // deadlines this process has recorded
	lanes    map[string]chan struct{} // per command: a slot per running job
	kick     chan struct{}            // a job wrote something a pass should see at once
	wg       sync.WaitGroup           // running jobs

	mu         sync.Mutex
	inflight   map[string]bool
	probeSlots map[int64]int64 // deployment → last slot tried by this process
	failed     int             // commands that failed (for notify --once)
	turnedAway bool            // a job found its lane full: pass again when one ends
}

// job is one thing to claim and run.
type job struct {
	key    string
	kind   string // a model.NotifyKind, or probeKind / noBaselineKind
	env    map[string]string
	what   string // for the timeline: "escalation_due INC-3 step 2 (Engineering Lead)"
	event  model.Event
	slot   int64 // probe: the interval window
	depID  int64 // probe: the deployment
	leaseD time.Duration
}

// claimGrace is added to a command's timeout to make its lease: a claim
// older than that, never finished, belonged to a process that died.
const claimGrace = 30 * time.Second

func (n *Notifier) init() error {
	n.initOnce.Do(n.setup)
	return n.initErr
}

func (n *Notifier) setup() {
	if n.Now == nil {
		n.Now = time.Now
	}
	if n.Workers <= 0 {
		n.Workers = 16
	}
	if n.MaxSleep <= 0 {
		n.MaxSleep = 30 * time.Second
	}
	if len(n.Policy.Steps) == 0 {
		n.Policy = n.Store.Policy()
	}
	host, _ := os.Hostname()
	var nonce [4]byte
	_, _ = rand.Read(nonce[:])
	n.owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(nonce[:]))
	n.lanes = map[string]chan struct{}{
		laneNotify: make(chan struct{}, n.Workers),
		laneProbe:  make(chan struct{}, n.Workers),
	}
	n.kick = make(chan struct{}, 1)
	n.inflight = map[string]bool{}
	n.probeSlots = map[int64]int64{}
	n.recorded = map[string]bool{}
	if n.Backoff.Initial <= 0 {
		n.Backoff = Backoff{Initial: time.Second, Max: 30 * time.Second}
	}
	if n.GiveUpAfter <= 0 {
		n.GiveUpAfter = time.Hour
	}
	if n.OnceAttempts <= 0 {
		n.OnceAttempts = 3
	}
	for _, c := range n.Senders {
		if c.Timeout <= 0 {
			c.Timeout = defaultSendTimeout
			if c.Command != nil {
				c.Timeout = c.Command.Timeout
			}
		}
		s, err := newSender(c, n.Store.DSN())
		if err != nil {
			n.initErr = err
			return
		}
		n.routes = append(n.routes, &route{cfg: c, s: s, kick: make(chan struct{}, 1),
			kinds: eventKindsFor(func(k model.NoticeKind) bool { return c.Events[k] })})
	}
}

// defaultSendTimeout bounds one delivery attempt when the sender sets none.
const defaultSendTimeout = 10 * time.Second

// newSender builds the sender c configures.
func newSender(c config.Sender, dbPath string) (Sender, error) {
	if c.Type == config.SenderCommand {
		if c.Command == nil {
			return nil, fmt.Errorf("sender %s: no command", c.Name)
		}
		return commandSender{name: c.Name, cmd: c.Command, dbPath: dbPath}, nil
	}
	return httpSender(c)
}

func (n *Notifier) logf(format string, a ...any) {
	if n.Log != nil {
		n.Log(format, a...)
	}
}

// The lanes: the notify command's jobs, and the probe's (its readings and
// the no-baseline notices it raises).
const (
	laneNotify = "notify"
	laneProbe  = "probe"
)

func (j job) lane() string {
	if j.kind == probeKind || j.kind == noBaselineKind {
		return laneProbe
	}
	return laneNotify
}

// Run passes over the database until ctx ends: at every commit another
// process makes (Changes), at the next deadline it computed, and at least
// every MaxSleep.
func (n *Notifier) Run(ctx context.Context) {
	if err := n.init(); err != nil {
		n.logf("notifier: %v", err)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	var routes sync.WaitGroup
	defer func() { cancel(); n.wg.Wait(); routes.Wait() }()
	for _, r := range n.routes {
		routes.Go(func() { n.runRoute(ctx, r) })
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-n.Changes:
		case <-n.kick:
		}
		next, err := n.pass(ctx)
		sleep := n.MaxSleep
		if err != nil && ctx.Err() == nil {
			// Most likely a lock held too long elsewhere: a deadline must
			// not wait MaxSleep for that.
			n.logf("notifier: %v", err)
			sleep = min(sleep, 2*time.Second)
		}
		if !next.IsZero() {
			sleep = min(sleep, max(next.Sub(n.Now()), 50*time.Millisecond))
		}
		timer.Reset(sleep) // Go ≥ 1.23: no stale tick survives a Reset
	}
}

// Once makes one pass, delivers what every sender has pending and waits for
// every command it started; it reports how many deliveries and probe runs
// failed (for `flightdeck notify --once`).
func (n *Notifier) Once(ctx context.Context) (failed int, err error) {
	if err := n.init(); err != nil {
		return 0, err
	}
	n.mu.Lock()
	before := n.failed
	n.mu.Unlock()
	_, err = n.pass(ctx)
	n.wg.Wait()
	for _, r := range n.routes {
		if _, derr := n.drain(ctx, r, true); derr != nil && err == nil {
			err = derr
		}
		n.releaseRoute(r)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.failed - before, err
}

// pass computes what is due now, enqueues what nobody has claimed yet, and
// returns when something next becomes due (zero: nothing scheduled).
func (n *Notifier) pass(ctx context.Context) (time.Time, error) {
	now := n.Now().UTC()
	snap, err := n.snapshot(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var jobs []job
	var next time.Time
	if len(n.routes) > 0 {
		if next, err = n.recordDeadlines(ctx, snap, now); err != nil {
			return next, err
		}
		defer n.kickRoutes()
	}
	if n.Probe != nil {
		pj, pnext := n.probeJobs(ctx, snap, now)
		jobs = append(jobs, pj...)
		next = earliest(next, pnext)
	}
	// One cheap read drops what is already claimed, so the write lock is
	// taken only for new work.
	keys := make([]string, 0, len(jobs))
	for _, j := range jobs {
		if j.kind != probeKind {
			keys = append(keys, j.key)
		}
	}
	open, err := n.Store.Unclaimed(ctx, keys, now, n.maxLease())
	if err != nil {
		return next, err
	}
	isOpen := make(map[string]bool, len(open))
	for _, k := range open {
		isOpen[k] = true
	}
	for _, j := range jobs {
		if j.kind != probeKind && !isOpen[j.key] {
			continue
		}
		n.start(ctx, j)
	}
	return next, nil
}

func (n *Notifier) maxLease() time.Duration {
	var d time.Duration
	if n.Probe != nil {
		d = n.Probe.Timeout
	}
	return d + claimGrace
}

func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// start runs j in a goroutine of its own unless it is already running
// here; when j's lane is full it is turned away (it is not claimed, so the
// pass after a slot frees runs it).
func (n *Notifier) start(ctx context.Context, j job) {
	lane := n.lanes[j.lane()]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inflight[j.key] {
		return
	}
	select {
	case lane <- struct{}{}:
	default:
		n.turnedAway = true
		return
	}
	n.inflight[j.key] = true
	n.wg.Add(1)
	go n.do(ctx, j) // do ends with done, which frees the slot
}

// wake asks for a pass now: a probe reading may have met the rollback
// criteria, and that must not wait for the next tick.
func (n *Notifier) wake() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *Notifier) done(j job) {
	n.mu.Lock()
	<-n.lanes[j.lane()]
	delete(n.inflight, j.key)
	again := n.turnedAway
	n.turnedAway = false
	n.mu.Unlock()
	if again {
		n.wake()
	}
	n.wg.Done()
}

// do claims j and, when this process won it, runs it and records the outcome.
func (n *Notifier) do(ctx context.Context, j job) {
	defer n.done(j)
	switch j.kind {
	case probeKind:
		n.doProbe(ctx, j)
		return
	case noBaselineKind:
		n.doNoBaseline(ctx, j)
		return
	}
	// Every other job kind is gone: notices go through the outbox.
}

// finish records an outcome even when ctx has just ended (the command ran).
func (n *Notifier) finish(key, outcome, detail string, ev *model.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := n.Store.FinishClaim(ctx, key, n.owner, outcome, detail, ev, n.Now()); err != nil {
		n.logf("notifier: %v", err)
	}
}

func (n *Notifier) release(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = n.Store.ReleaseClaim(ctx, key, n.owner)
}

// snapshot is what the notifier decides from, read fresh on every pass.
type snapshot struct {
	incidents   []model.Incident
	deployments []deployState
}

type deployState struct {
	d          model.Deployment
	r          model.Rollout
	hasRollout bool
	health     model.Health
	declared   []model.Declaration
	episode    int64
}

func (n *Notifier) snapshot(ctx context.Context) (snapshot, error) {
	var s snapshot
	var err error
	if len(n.routes) > 0 {
		if s.incidents, err = n.Store.OpenIncidents(ctx); err != nil {
			return s, err
		}
	}
	deps, err := n.Store.ActiveDeployments(ctx)
	if err != nil {
		return s, err
	}
	for _, d := range deps {
		ds := deployState{d: d}
		if ds.r, ds.hasRollout, err = n.Store.Rollout(ctx, d.ID); err != nil {
			return s, err
		}
		s.deployments = append(s.deployments, ds)
	}
	return s, nil
}

// ErrNothingToRun is returned when the configuration has neither a sender
// nor a probe.
var ErrNothingToRun = errors.New("nothing to run: the configuration has no notifications and no probe (see flightdeck config example)")

// New builds the notifier for a store from the configuration; nil when there
// is nothing to run (no sender and no probe configured).
func New(st *data.Store, cfg config.Effective, now func() time.Time) *Notifier {
	if len(cfg.Senders) == 0 && cfg.Probe == nil {
		return nil
	}
	return &Notifier{Store: st, Policy: cfg.Policy, Updates: cfg.Updates, Senders: cfg.Senders, Probe: cfg.Probe, Now: now}
}
