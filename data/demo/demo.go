// Package demo fills an empty database with a year of made-up history and
// a live scenario, for `flightdeck demo`, screenshots and benchmarks. It
// plans the history, builds the rows the store's own actions would have
// written (the same model rules and model.Text… wording), hands them to
// data.Store.InsertBulk, and plays the live scenario through the ordinary
// store methods.
package demo

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// Defaults of Options: a year of history for a busy team.
const (
	DefaultDeployments = 5000
	DefaultIncidents   = 2000
	DefaultEvents      = 200_000
)

// Options shapes Generate's history.
type Options struct {
	// Seed makes the history: the same seed, Now and sizes give the same
	// database, row for row.
	Seed int64
	// Now is the end of the history and the clock of the live scenario;
	// zero means time.Now().
	Now time.Time
	// Sizes of the year of history; zero means the default. Deployments and
	// Incidents are exact; Events is a target (the live scenario adds a few
	// dozen, and rounding moves it by a percent or so).
	Deployments, Incidents, Events int
	// Template is the checklist of every deployment; zero means the built-in
	// OctoAcme template.
	Template model.Template
	// Progress, when set, hears what the generator is doing (for a line on
	// stderr while it runs).
	Progress func(step string)
}

// Summary says what Generate wrote.
type Summary struct {
	Deployments, Incidents, Events, ChecklistItems int
	// HistoryFrom and HistoryTo bound the generated year; the live scenario
	// happens after HistoryTo, relative to Now.
	HistoryFrom, HistoryTo time.Time
	Now                    time.Time
	// The live scenario: a canary mid-soak, a planned deployment, the SEV2
	// it is linked to, and a SEV3 that is mitigated but not resolved.
	Canary, Planned         int64
	Incident, MinorIncident int64
	// How long each part took.
	Plan, Insert, Live time.Duration
}

// Generate fills an empty database with a deterministic, realistic year of
// history — deployments of six services with their checklists, rollouts,
// health readings and rollbacks; incidents with escalations, stakeholder
// updates, hotfixes and resolutions; and their timeline — and then a live
// scenario relative to opt.Now: a canary of checkout-api at stage 2/4 (25%)
// six minutes into its 15-minute soak, a SEV2 linked to it opened eleven
// minutes ago with the Engineering Lead due in four minutes and no commander,
// and a planned deployment of web half through Pre-Deployment.
//
// The history is one data.Bulk, every row as the store's own actions would
// have left it (the same event texts, append-only timeline in time order),
// written by InsertBulk in one transaction; the live scenario goes through
// the ordinary store methods. A year of defaults takes a few seconds. The
// database must be empty.
func Generate(ctx context.Context, s *data.Store, opt Options) (Summary, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.Round(0).UTC().Truncate(time.Millisecond)
	opt.Deployments = cmp.Or(opt.Deployments, DefaultDeployments)
	opt.Incidents = cmp.Or(opt.Incidents, DefaultIncidents)
	opt.Events = cmp.Or(opt.Events, DefaultEvents)
	switch {
	case opt.Deployments < 20 || opt.Incidents < 4 || opt.Events < 100:
		return Summary{}, invalidf("demo sizes too small: at least 20 deployments, 4 incidents and 100 events")
	case opt.Deployments > 200_000 || opt.Incidents > 100_000 || opt.Events > 5_000_000:
		return Summary{}, invalidf("demo sizes too large: at most 200,000 deployments, 100,000 incidents and 5,000,000 events")
	case opt.Incidents > opt.Deployments:
		return Summary{}, invalidf("demo: more incidents (%d) than deployments (%d)", opt.Incidents, opt.Deployments)
	}
	if opt.Template.Name == "" {
		opt.Template = mdtemplate.Builtin()
	}
	if err := opt.Template.Validate(); err != nil {
		return Summary{}, invalidf("demo template: %w", err)
	}
	progress := func(step string) {
		if opt.Progress != nil {
			opt.Progress(step)
		}
	}

	// InsertBulk checks again in its transaction; this spares the planning.
	c, err := s.Counts(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("generate demo: %w", err)
	}
	if c.Deployments+c.Incidents+c.Events > 0 {
		return Summary{}, fmt.Errorf("generate demo: %s already holds data: the demo goes into an empty database", s.Path())
	}

	sum := Summary{Now: opt.Now}
	t := time.Now()
	progress("planning a year of history")
	g, err := newGen(opt, s)
	if err != nil {
		return sum, err
	}
	if err := g.plan(); err != nil {
		return sum, fmt.Errorf("generate demo: %w", err)
	}
	bulk, err := g.build()
	if err != nil {
		return sum, fmt.Errorf("generate demo: %w", err)
	}
	sum.Plan = time.Since(t)

	t = time.Now()
	progress(fmt.Sprintf("writing %d deployments, %d incidents, %d events", len(bulk.Deployments), len(bulk.Incidents), len(bulk.Events)))
	if err := s.InsertBulk(ctx, bulk); err != nil {
		return sum, fmt.Errorf("generate demo: %w", err)
	}
	sum.Insert = time.Since(t)
	sum.HistoryFrom, sum.HistoryTo = g.start, g.horizon

	t = time.Now()
	progress("starting the live scenario")
	liveItems, err := g.live(ctx, s, &sum)
	if err != nil {
		return sum, fmt.Errorf("generate demo: live scenario: %w", err)
	}
	sum.Live = time.Since(t)

	if c, err = s.Counts(ctx); err != nil {
		return sum, fmt.Errorf("generate demo: %w", err)
	}
	sum.Deployments, sum.Incidents, sum.Events = int(c.Deployments), int(c.Incidents), int(c.Events)
	sum.ChecklistItems = len(bulk.Items) + liveItems
	return sum, nil
}

// invalidError is a refusal of the options: it matches data.ErrInvalid, as
// the store's refusals of bad input do.
type invalidError struct{ err error }

func (e invalidError) Error() string        { return e.err.Error() }
func (e invalidError) Unwrap() error        { return e.err }
func (e invalidError) Is(target error) bool { return target == data.ErrInvalid }

func invalidf(format string, a ...any) error { return invalidError{fmt.Errorf(format, a...)} }
