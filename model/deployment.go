// Package model is flightdeck's domain model: deployments, checklists and the
// timeline, with the pure rules that govern them. It uses the standard library
// only and never reads the clock: every rule that depends on time takes `now`.
//
// (Bubble Tea models live in package ui; "model" here means the domain.)
package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is where a deployment is in its life.
type Status string

// Deployment statuses: planned → in_progress → completed | rolled_back | aborted.
const (
	StatusPlanned    Status = "planned"
	StatusInProgress Status = "in_progress"
	StatusCompleted  Status = "completed"
	StatusRolledBack Status = "rolled_back"
	StatusAborted    Status = "aborted"
)

// Active reports whether a deployment still needs attention.
func (s Status) Active() bool { return s == StatusPlanned || s == StatusInProgress }

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPlanned, StatusInProgress, StatusCompleted, StatusRolledBack, StatusAborted:
		return true
	}
	return false
}

// Label is the status as people read it.
func (s Status) Label() string { return strings.ReplaceAll(string(s), "_", " ") }

// Strategy is how a release reaches production.
type Strategy string

// Rollout strategies from the seed's "Progressive Delivery Strategies".
const (
	StrategyCanary      Strategy = "canary"
	StrategyBlueGreen   Strategy = "blue-green"
	StrategyFeatureFlag Strategy = "feature-flag"
	StrategyAllAtOnce   Strategy = "all-at-once"
)

// Strategies lists every strategy in the order they are offered.
var Strategies = []Strategy{StrategyCanary, StrategyBlueGreen, StrategyFeatureFlag, StrategyAllAtOnce}

// ParseStrategy accepts a strategy name, forgiving case and "_"/" " for "-".
func ParseStrategy(s string) (Strategy, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	norm = strings.NewReplacer("_", "-", " ", "-").Replace(norm)
	for _, st := range Strategies {
		if norm == string(st) {
			return st, nil
		}
	}
	names := make([]string, len(Strategies))
	for i, st := range Strategies {
		names[i] = string(st)
	}
	return "", fmt.Errorf("unknown strategy %q: use one of %s", s, strings.Join(names, ", "))
}

// DefaultEnvironment is used when a deployment names none.
const DefaultEnvironment = "production"

// Deployment is one release of one service to one environment.
type Deployment struct {
	ID          int64
	Service     string
	Version     string
	Environment string
	Strategy    Strategy
	Status      Status
	Template    string // name of the checklist template it was started from
	StartedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExecutionAt time.Time // when it entered Deployment Execution; zero before
	RollbackAt  time.Time // when the rollout was aborted and rollback began; zero otherwise
	StabilityAt time.Time // when "Verify previous version is running correctly" was ticked: the stability watch starts
	FinishedAt  time.Time // zero while active
	CommitSHA   string    // optional
	CommittedAt time.Time // optional, for lead time: the deployed commit's time
	HotfixFor   int64     // the incident this deployment fixes (DORA rework rate); 0 when none

	// Commits are the changes it ships (see Commit), newest first; empty
	// for deployments recorded without git (their CommittedAt alone counts).
	// Loaded only where a reader needs them (metrics, export, history show).
	Commits []Commit
}

// NewDeployment is what a person or pipeline supplies to start a deployment.
type NewDeployment struct {
	Service     string
	Version     string
	Environment string
	Strategy    Strategy
	CommitSHA   string
	CommittedAt time.Time

	// Commits are the changes it ships, read from git (position 0 is
	// CommitSHA); empty without git. CommitsSince is the commit of the
	// service's previous completed deployment to the environment they were
	// listed from ("" for a first deployment): the store refuses the start
	// as stale when another deployment completed since.
	Commits      []Commit
	CommitsSince string
}

// Normalize trims fields, fills defaults and validates; the error names the
// field and how to fix it.
func (n NewDeployment) Normalize() (NewDeployment, error) {
	n.Service = strings.TrimSpace(n.Service)
	n.Version = strings.TrimSpace(n.Version)
	n.Environment = strings.TrimSpace(n.Environment)
	n.CommitSHA = strings.TrimSpace(n.CommitSHA)
	if n.Service == "" {
		return n, fmt.Errorf("service is empty: name the service being deployed")
	}
	if n.Version == "" {
		return n, fmt.Errorf("version is empty: give the version being deployed (e.g. v1.4.2)")
	}
	for _, f := range []struct{ name, v string }{{"service", n.Service}, {"version", n.Version}, {"environment", n.Environment}, {"commit", n.CommitSHA}} {
		if err := CheckLine(f.name, f.v); err != nil {
			return n, err
		}
		if len([]rune(f.v)) > 80 {
			return n, fmt.Errorf("%s is longer than 80 characters", f.name)
		}
	}
	if n.Environment == "" {
		n.Environment = DefaultEnvironment
	}
	if n.Strategy == "" {
		n.Strategy = StrategyCanary
	}
	if _, err := ParseStrategy(string(n.Strategy)); err != nil {
		return n, err
	}
	if len(n.Commits) > 0 {
		if n.CommitSHA == "" {
			return n, fmt.Errorf("commits are listed but no deployed commit is given")
		}
		if err := ValidateCommits(n.Commits, n.CommitSHA); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Title is the one-line name of a deployment: "api v1.4.2 → production".
func (d Deployment) Title() string {
	return fmt.Sprintf("%s %s → %s", d.Service, d.Version, d.Environment)
}

// CurrentPhase is the checklist phase the deployment is in, derived from its
// status: planned deployments prepare, running ones execute, ones that are
// rolling back or rolled back work the Rollback checklist.
func (d Deployment) CurrentPhase() string {
	switch {
	case d.Status == StatusPlanned:
		return PhasePreDeployment
	case d.Status == StatusRolledBack, !d.RollbackAt.IsZero():
		return PhaseRollback
	default:
		return PhaseExecution
	}
}

// RollingBack reports whether the deployment is active and rolling back.
func (d Deployment) RollingBack() bool { return d.Status.Active() && !d.RollbackAt.IsZero() }

// StabilityWatch is how long the seed says to watch after a rollback
// ("Monitor for 15 minutes to confirm stability").
const StabilityWatch = 15 * time.Minute

// StabilityItemText is the Rollback step whose completion starts the watch.
const StabilityItemText = "Verify previous version is running correctly"

// StartsStabilityWatch reports whether ticking it done starts the watch.
func StartsStabilityWatch(it Item) bool {
	return it.Phase == PhaseRollback && strings.EqualFold(strings.TrimSpace(it.Text), StabilityItemText)
}

// StabilityRemaining is the time left on the stability watch by the clock
// rule (Left: whole seconds, 0 from the second its end is shown as) and
// whether a watch has started.
func (d Deployment) StabilityRemaining(now time.Time) (time.Duration, bool) {
	if d.StabilityAt.IsZero() {
		return 0, false
	}
	return min(Left(now, d.StabilityEndsAt()), StabilityWatch), true
}

// StabilityEndsAt is when the stability watch ends; zero before it started.
func (d Deployment) StabilityEndsAt() time.Time {
	if d.StabilityAt.IsZero() {
		return time.Time{}
	}
	return d.StabilityAt.Add(StabilityWatch)
}

// InFlight returns the deployment of service to environment among deps
// that is in flight — past Pre-Deployment, not yet completed, rolled back
// or aborted (the oldest when several) — the one a new deployment of the
// same service would run beside: starting a second needs a recorded reason.
// Planned deployments are not in flight: nothing of theirs runs yet.
func InFlight(deps []Deployment, service, environment string) (Deployment, bool) {
	var found Deployment
	for _, d := range deps {
		if d.Status != StatusInProgress || !strings.EqualFold(d.Service, service) || !strings.EqualFold(d.Environment, environment) {
			continue
		}
		if found.ID == 0 || d.ID < found.ID {
			found = d
		}
	}
	return found, found.ID != 0
}

// StageName is the label of the stage a running rollout is at ("25%"),
// "" before it started or after it ended.
func (r Rollout) StageName() string {
	if !r.Started() || r.Ended() || r.Stage < 0 || r.Stage >= len(r.Plan.Stages) {
		return ""
	}
	return r.Plan.Stages[r.Stage].Label
}

// StartOverride holds the recorded reasons that let a deployment start past
// a gate: Freeze past an open SEV1/SEV2's change freeze, InFlight beside
// another deployment of the same service and environment still in flight.
// An empty reason leaves its gate closed.
type StartOverride struct {
	Freeze   string
	InFlight string
}

// The seed's checklist items that state rollout facts; the store keeps them
// and the rollout in step (see CheckItemFact).
const (
	// LiveItemText, ticked, makes the rollout's first stage live: its soak
	// starts then, not when Deployment Execution began.
	LiveItemText = "Deploy to staging/canary environment first"
	// GradualItemText ticks itself when the rollout reaches its last stage
	// (100%), and cannot be ticked before without marking it n/a with a reason.
	GradualItemText = "Gradually roll out to production (if using progressive delivery)"
	// FreezeItemText cannot be ticked while a change freeze is on.
	FreezeItemText = "Verify deployment window and change freeze status"
	// MonitorItemText cannot be ticked before the stability watch is over
	// with a healthy reading taken since it started.
	MonitorItemText = "Monitor for 15 minutes to confirm stability"
)

// IsItem reports whether it is the item with the seed's text in phase,
// forgiving case and surrounding space (templates are typed by people).
func IsItem(it Item, phase, text string) bool {
	return it.Phase == phase && strings.EqualFold(strings.TrimSpace(it.Text), text)
}

// Stability is the post-rollback watch as of now: served, and whether a
// healthy reading taken since the watch started backs "stable".
type Stability struct {
	Started   bool
	Remaining time.Duration
	EndsAt    time.Time
	Healthy   bool // a reading taken since the watch started meets no rollback rule
	Reading   bool // any reading since the watch started
}

// Stable reports whether the watch is over and a reading since its start is healthy.
func (s Stability) Stable() bool { return s.Started && s.Remaining == 0 && s.Healthy }

// StabilityOf judges the watch from the latest reading h under rule.
func (d Deployment) StabilityOf(now time.Time, h Health, rule RollbackRule) Stability {
	rem, ok := d.StabilityRemaining(now)
	s := Stability{Started: ok, Remaining: rem}
	if !ok {
		return s
	}
	s.EndsAt = d.StabilityEndsAt()
	if h.Has && !h.At.Before(d.StabilityAt) {
		s.Reading = true
		met, _ := rule.Evaluate(h)
		s.Healthy = !met && h.ProbeFailingSince.IsZero()
	}
	return s
}

// CheckItemFact refuses ticking an item whose text states a rollout fact
// that is not true yet. frozen is the change freeze's reason ("" when none);
// r is the deployment's rollout (zero when none); st its stability watch.
// Marking the item n/a with a reason stays possible: that is the recorded
// override.
func CheckItemFact(it Item, state ItemState, r Rollout, frozen string, st Stability) error {
	if state != ItemDone {
		return nil
	}
	switch {
	case IsItem(it, PhaseExecution, FreezeItemText) && frozen != "":
		return fmt.Errorf("a change freeze is on (%s): the freeze status does not check out — resolve the incident first, or mark it n/a with a reason", frozen)
	case IsItem(it, PhaseExecution, GradualItemText) && r.Started() && r.Stage < len(r.Plan.Stages)-1 && r.CompletedAt.IsZero():
		return fmt.Errorf("the rollout is at %s: this item ticks itself when the rollout reaches its last stage (%s) — or mark it n/a with a reason",
			r.stageLabel(), r.Plan.Stages[len(r.Plan.Stages)-1].Label)
	case IsItem(it, PhaseRollback, MonitorItemText):
		switch {
		case !st.Started:
			return fmt.Errorf("the stability watch has not started: tick “%s” first, then watch %d minutes — or mark it n/a with a reason",
				StabilityItemText, int(StabilityWatch/time.Minute))
		case st.Remaining > 0:
			return fmt.Errorf("the stability watch has %s left (ends %s UTC): tick it when the watch is over — or mark it n/a with a reason",
				FormatCountdown(st.Remaining), textClock(st.EndsAt))
		case !st.Healthy:
			return errors.New("no healthy reading since the stability watch started: record one (h, or flightdeck deploy health) — or mark it n/a with a reason")
		}
	}
	return nil
}
