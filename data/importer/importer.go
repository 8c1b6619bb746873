// Package importer reads a history kept elsewhere — the JSON that
// flightdeck export writes, or CSV files with documented columns — into a
// data.Bulk for (*data.Store).ImportHistory, validating every row. It reads
// no files itself: the CLI hands it their bytes.
//
// What it takes is history that is over: deployments that completed, rolled
// back or were aborted, and resolved incidents. An active deployment needs
// its checklist and rollout, an open incident its escalation clocks; those
// start with deploy start / incident open --at instead. From JSON such rows
// are left out and listed (Plan.Skipped); in CSV they are errors.
package importer

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// File is one input: its name (for messages and the imported events) and
// its content.
type File struct {
	Name string
	Data []byte
}

// Options are the clock and zone the times are read with.
type Options struct {
	Now time.Time      // "now" for the time grammar; nothing may be after it (beyond model.ClockSkew)
	Loc *time.Location // zone of times written without one (nil: UTC)
	// Actor is who the rows are recorded as started and opened by when a
	// file does not say, and the actor of the imported events.
	Actor string
	// MaxErrors caps the errors collected (0: DefaultMaxErrors).
	MaxErrors int
}

// DefaultMaxErrors is how many row errors are reported before the rest are
// only counted.
const DefaultMaxErrors = 50

// Row is where an imported row came from.
type Row struct {
	File string
	Line int    // CSV line; 0 for JSON
	Path string // JSON: "deployments[12] (id 13)"
}

// String is "deploys.csv line 14" or "export.json deployments[12] (id 13)".
func (r Row) String() string {
	if r.Line > 0 {
		return fmt.Sprintf("%s line %d", r.File, r.Line)
	}
	return r.File + " " + r.Path
}

// Plan is what an import would write.
type Plan struct {
	// Bulk holds the rows with the import's own ids (1…n) and one
	// deploy.imported / incident.imported event per row.
	Bulk data.Bulk
	// DeploymentRows[i] and IncidentRows[i] say where Bulk's rows came from.
	DeploymentRows, IncidentRows []Row
	// Skipped lists JSON rows left out because they are not over yet.
	Skipped []string
	// From and To span the deployments: the first start, the last finish.
	From, To time.Time
}

// Errors is every bad row found (up to the cap); More counts the rest.
type Errors struct {
	List []string
	More int
}

func (e *Errors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the rows: nothing imported", len(e.List)+e.More)
	for _, l := range e.List {
		b.WriteString("\n  " + l)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", e.More)
	}
	return b.String()
}

// Is makes Errors a data.ErrInvalid (bad input, exit 2).
func (e *Errors) Is(target error) bool { return target == data.ErrInvalid }

type collector struct {
	errs *Errors
	max  int
}

func (c *collector) addf(format string, a ...any) {
	if len(c.errs.List) >= c.max {
		c.errs.More++
		return
	}
	c.errs.List = append(c.errs.List, fmt.Sprintf(format, a...))
}

// reader accumulates rows from every file.
type reader struct {
	opt     Options
	entered time.Time
	c       collector
	plan    *Plan
	// Cross-file references, resolved after every file is read.
	depByRef   map[string]int64 // deployments CSV "id" column → local id
	depByName  map[string][]int64
	incByRef   map[string]int64
	pendingInc []pendingLink // incidents' deployment column
	pendingFix []pendingLink // deployments' hotfix_for column
	depKeys    map[string]Row
	incKeys    map[string]Row
}

type pendingLink struct {
	index int // into Bulk.Incidents or Bulk.Deployments
	ref   string
	at    string // "incidents.csv:4"
}

// Read reads every file into one Plan, or returns *Errors naming every bad
// row (file:line: what is wrong and how to fix it).
func Read(files []File, opt Options) (*Plan, error) {
	if opt.Loc == nil {
		opt.Loc = time.UTC
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = DefaultMaxErrors
	}
	opt.Now = opt.Now.Round(0).UTC().Truncate(time.Millisecond)
	if strings.TrimSpace(opt.Actor) == "" {
		opt.Actor = "import"
	}
	r := &reader{opt: opt, entered: opt.Now, c: collector{errs: &Errors{}, max: opt.MaxErrors}, plan: &Plan{},
		depByRef: map[string]int64{}, depByName: map[string][]int64{}, incByRef: map[string]int64{},
		depKeys: map[string]Row{}, incKeys: map[string]Row{}}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files to import: give a flightdeck export JSON or CSV files")
	}
	for _, f := range files {
		trimmed := bytes.TrimLeft(f.Data, " \t\r\n\ufeff")
		trimmed = bytes.TrimPrefix(trimmed, []byte("\ufeff"))
		switch {
		case len(trimmed) == 0:
			r.c.addf("%s: the file is empty", f.Name)
		case trimmed[0] == '{':
			r.readJSON(f.Name, trimmed)
		default:
			r.readCSV(f.Name, f.Data)
		}
	}
	r.resolve()
	if len(r.c.errs.List) > 0 {
		return nil, r.c.errs
	}
	r.events()
	return r.plan, nil
}

// resolve links incidents to deployments and hotfixes to incidents by the
// references the CSV files use.
func (r *reader) resolve() {
	b := &r.plan.Bulk
	link := func(p pendingLink, id int64) {
		inc, d := &b.Incidents[p.index], b.Deployments[id-1]
		if inc.OpenedAt.Before(d.CreatedAt) {
			// A change cannot fail before it starts going out: a wrong link.
			r.c.addf("%s: opened_at %s is before deployment %q started (%s): an incident a deployment caused opens after it starts — check the deployment column",
				p.at, inc.OpenedAt.Format("2006-01-02 15:04:05 MST"), p.ref, d.CreatedAt.Format("2006-01-02 15:04:05 MST"))
			return
		}
		inc.DeploymentID = id
	}
	for _, p := range r.pendingInc {
		if id, ok := r.depByRef[p.ref]; ok {
			link(p, id)
			continue
		}
		switch ids := r.depByName[strings.ToLower(p.ref)]; len(ids) {
		case 1:
			link(p, ids[0])
		case 0:
			r.c.addf("%s: deployment %q is not in the files imported: give the id column of a deployments row, or SERVICE@VERSION", p.at, p.ref)
		default:
			r.c.addf("%s: deployment %q matches %d deployments (one per environment?): give the id column of the deployments row", p.at, p.ref, len(ids))
		}
	}
	for _, p := range r.pendingFix {
		id, ok := r.incByRef[strings.ToLower(p.ref)]
		if !ok {
			r.c.addf("%s: hotfix_for %q is not the ref of an incident in the files imported", p.at, p.ref)
			continue
		}
		b.Deployments[p.index].HotfixFor = id
	}
}

// events writes one imported event per row, dated when the deployment
// finished and the incident opened, and the span of the deployments.
func (r *reader) events() {
	b := &r.plan.Bulk
	for i, d := range b.Deployments {
		what := fmt.Sprintf("%s %s", d.Title(), d.Status.Label())
		b.Events = append(b.Events, model.Event{At: d.FinishedAt, Actor: r.opt.Actor, Kind: model.EventDeployImported, DeploymentID: d.ID,
			Text: model.TextImported(what, r.plan.DeploymentRows[i].String(), r.entered)})
		if r.plan.From.IsZero() || d.CreatedAt.Before(r.plan.From) {
			r.plan.From = d.CreatedAt
		}
		if d.FinishedAt.After(r.plan.To) {
			r.plan.To = d.FinishedAt
		}
	}
	for i, inc := range b.Incidents {
		what := fmt.Sprintf("%s %q resolved after %s", inc.Severity.Label(), inc.Title,
			model.FormatDurationShort(inc.ResolvedAt.Sub(inc.OpenedAt)))
		b.Events = append(b.Events, model.Event{At: inc.OpenedAt, Actor: r.opt.Actor, Kind: model.EventIncidentImported,
			IncidentID: inc.ID, DeploymentID: inc.DeploymentID, Severity: inc.Severity,
			Text: model.TextImported(what, r.plan.IncidentRows[i].String(), r.entered)})
	}
	// The timeline is written in time order (Bulk.Events).
	sortEvents(b.Events)
}
