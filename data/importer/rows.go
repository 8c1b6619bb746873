package importer

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// depRow is one deployment as a file gives it, before validation; times are
// as typed.
type depRow struct {
	at                                 string // "deploys.csv:14"
	row                                Row
	service, version, env, strategy    string
	status                             string
	started, execution, finished       string
	rollback, stability, updated       string
	commit, committed, startedBy, tmpl string
	hotfixRef                          string // CSV: an incident's ref
	hotfixID                           int64  // JSON: resolved by the caller
}

// incRow is one incident as a file gives it.
type incRow struct {
	at                             string
	row                            Row
	title, severity                string
	opened, mitigated, resolved    string
	deploymentRef                  string
	rootCause, commander, openedBy string
	security                       bool
	securityAt                     string
	sevHistory                     []model.SeverityChange
}

var commitPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`) })

// timeCell reads a cell in the shared time grammar; "" is zero. Nothing may
// be after now.
func (r *reader) timeCell(at, col, s string, required bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			r.c.addf("%s: %s is empty: every row needs it (%s)", at, col, model.TimeForms)
			return time.Time{}, false
		}
		return time.Time{}, true
	}
	t, err := model.ParseTime(s, r.opt.Now, r.opt.Loc)
	if err != nil {
		r.c.addf("%s: %s: %v", at, col, err)
		return time.Time{}, false
	}
	if t, err = model.NotFuture(col, t, r.opt.Now); err != nil {
		r.c.addf("%s: %v", at, err)
		return time.Time{}, false
	}
	return t.Truncate(time.Millisecond), true
}

func (r *reader) textCell(at, col, s string, required bool) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		r.c.addf("%s: %s is empty: every row needs it", at, col)
		return "", false
	}
	if err := model.CheckLine(col, s); err != nil {
		r.c.addf("%s: %v", at, err)
		return "", false
	}
	return s, true
}

// parseStatus accepts the terminal statuses, forgiving case, "-" and " ".
func parseStatus(s string) (model.Status, bool) {
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch model.Status(norm) {
	case model.StatusCompleted, model.StatusRolledBack, model.StatusAborted:
		return model.Status(norm), true
	}
	return "", false
}

// addDeployment validates one row and appends it; it returns the local id
// (0 when the row is bad).
func (r *reader) addDeployment(d depRow) int64 {
	ok := true
	keep := func(v string, good bool) string { ok = ok && good; return v }
	service := keep(r.textCell(d.at, "service", d.service, true))
	version := keep(r.textCell(d.at, "version", d.version, true))
	env := keep(r.textCell(d.at, "environment", d.env, false))
	if env == "" {
		env = model.DefaultEnvironment
	}
	startedBy := keep(r.textCell(d.at, "started_by", d.startedBy, false))
	tmpl := keep(r.textCell(d.at, "template", d.tmpl, false))
	st := model.StrategyCanary
	if strings.TrimSpace(d.strategy) != "" {
		var err error
		if st, err = model.ParseStrategy(d.strategy); err != nil {
			r.c.addf("%s: strategy: %v", d.at, err)
			ok = false
		}
	}
	status, good := parseStatus(d.status)
	if !good {
		if strings.TrimSpace(d.status) == "" {
			r.c.addf("%s: status is empty: use completed, rolled_back or aborted", d.at)
		} else if s := model.Status(strings.ToLower(strings.TrimSpace(d.status))); s.Active() {
			r.c.addf("%s: status %s: only deployments that are over can be imported (completed, rolled_back, aborted); start a live one with flightdeck deploy start --at", d.at, d.status)
		} else {
			r.c.addf("%s: status %q is not completed, rolled_back or aborted", d.at, d.status)
		}
		ok = false
	}
	commit := strings.TrimSpace(d.commit)
	if commit != "" && !commitPattern().MatchString(commit) {
		r.c.addf("%s: commit %q is not a commit hash: 4 to 64 hex digits", d.at, commit)
		ok = false
	}
	started, g1 := r.timeCell(d.at, "started_at", d.started, true)
	finished, g2 := r.timeCell(d.at, "finished_at", d.finished, true)
	committed, g3 := r.timeCell(d.at, "committed_at", d.committed, false)
	execution, g4 := r.timeCell(d.at, "execution_at", d.execution, false)
	rollback, g5 := r.timeCell(d.at, "rollback_at", d.rollback, false)
	stability, g6 := r.timeCell(d.at, "stability_at", d.stability, false)
	updated, g7 := r.timeCell(d.at, "updated_at", d.updated, false)
	ok = ok && g1 && g2 && g3 && g4 && g5 && g6 && g7
	if g1 && g2 && !started.IsZero() && !finished.IsZero() && finished.Before(started) {
		r.c.addf("%s: finished_at %s is before started_at %s", d.at, strings.TrimSpace(d.finished), strings.TrimSpace(d.started))
		ok = false
	}
	if g1 && g3 && !committed.IsZero() && !started.IsZero() && committed.After(started) {
		r.c.addf("%s: committed_at %s is after started_at %s: a deployment ships commits made before it started", d.at,
			strings.TrimSpace(d.committed), strings.TrimSpace(d.started))
		ok = false
	}
	if g1 && g4 && !execution.IsZero() && (execution.Before(started) || (!finished.IsZero() && execution.After(finished))) {
		r.c.addf("%s: execution_at %s is not between started_at and finished_at", d.at, strings.TrimSpace(d.execution))
		ok = false
	}
	if !ok {
		return 0
	}
	key := strings.ToLower(service) + "\x00" + strings.ToLower(env) + "\x00" + version + "\x00" + started.Format(time.RFC3339Nano)
	if prev, dup := r.depKeys[key]; dup {
		r.c.addf("%s: the same deployment (service, environment, version and started_at) as %s", d.at, prev)
		return 0
	}
	r.depKeys[key] = d.row
	if execution.IsZero() && status != model.StatusAborted {
		// A CSV row has one start: it went out (Deployment Execution) then.
		execution = started
	}
	if updated.IsZero() || updated.Before(finished) {
		updated = finished
	}
	b := &r.plan.Bulk
	id := int64(len(b.Deployments) + 1)
	b.Deployments = append(b.Deployments, model.Deployment{
		ID: id, Service: service, Version: version, Environment: env, Strategy: st, Status: status,
		Template: cmp.Or(tmpl, "import"), StartedBy: cmp.Or(startedBy, r.opt.Actor),
		CreatedAt: started, UpdatedAt: updated, ExecutionAt: execution, RollbackAt: rollback, StabilityAt: stability,
		FinishedAt: finished, CommitSHA: commit, CommittedAt: committed, HotfixFor: d.hotfixID,
	})
	r.plan.DeploymentRows = append(r.plan.DeploymentRows, d.row)
	name := strings.ToLower(service + "@" + version)
	r.depByName[name] = append(r.depByName[name], id)
	if h := strings.TrimSpace(d.hotfixRef); h != "" {
		r.pendingFix = append(r.pendingFix, pendingLink{index: len(b.Deployments) - 1, ref: h, at: d.at})
	}
	return id
}

// addIncident validates one row and appends it; it returns the local id (0
// when the row is bad). deploymentID is a reference already resolved (JSON).
func (r *reader) addIncident(n incRow, deploymentID int64) int64 {
	ok := true
	keep := func(v string, good bool) string { ok = ok && good; return v }
	title := keep(r.textCell(n.at, "title", n.title, true))
	rootCause := keep(r.textCell(n.at, "root_cause", n.rootCause, false))
	commander := keep(r.textCell(n.at, "commander", n.commander, false))
	openedBy := keep(r.textCell(n.at, "opened_by", n.openedBy, false))
	if title != "" {
		if _, err := model.ValidateIncidentTitle(title); err != nil {
			r.c.addf("%s: %v", n.at, err)
			ok = false
		}
	}
	sev, err := model.ParseSeverity(n.severity)
	if err != nil {
		r.c.addf("%s: %v", n.at, err)
		ok = false
	}
	opened, g1 := r.timeCell(n.at, "opened_at", n.opened, true)
	mitigated, g2 := r.timeCell(n.at, "mitigated_at", n.mitigated, false)
	resolved, g3 := r.timeCell(n.at, "resolved_at", n.resolved, false)
	securityAt, g4 := r.timeCell(n.at, "security_at", n.securityAt, false)
	ok = ok && g1 && g2 && g3 && g4
	if n.security && securityAt.IsZero() {
		securityAt = opened // flagged when it was opened
	}
	if g3 && strings.TrimSpace(n.resolved) == "" {
		r.c.addf("%s: resolved_at is empty: only resolved incidents can be imported; open a live one with flightdeck incident open --at", n.at)
		ok = false
	}
	if g1 && g2 && !mitigated.IsZero() && mitigated.Before(opened) {
		r.c.addf("%s: mitigated_at %s is before opened_at %s", n.at, strings.TrimSpace(n.mitigated), strings.TrimSpace(n.opened))
		ok = false
	}
	if g1 && g3 && !resolved.IsZero() && resolved.Before(opened) {
		r.c.addf("%s: resolved_at %s is before opened_at %s", n.at, strings.TrimSpace(n.resolved), strings.TrimSpace(n.opened))
		ok = false
	} else if g2 && g3 && !mitigated.IsZero() && !resolved.IsZero() && resolved.Before(mitigated) {
		r.c.addf("%s: resolved_at %s is before mitigated_at %s", n.at, strings.TrimSpace(n.resolved), strings.TrimSpace(n.mitigated))
		ok = false
	}
	if !ok {
		return 0
	}
	key := title + "\x00" + opened.Format(time.RFC3339Nano)
	if prev, dup := r.incKeys[key]; dup {
		r.c.addf("%s: the same incident (title and opened_at) as %s", n.at, prev)
		return 0
	}
	r.incKeys[key] = n.row
	b := &r.plan.Bulk
	id := int64(len(b.Incidents) + 1)
	b.Incidents = append(b.Incidents, model.Incident{
		ID: id, Title: title, Severity: sev, Status: model.IncidentResolved, Security: n.security, SecurityAt: securityAt, DeploymentID: deploymentID,
		Commander: commander, OpenedAt: opened, MitigatedAt: mitigated, ResolvedAt: resolved, OpenedBy: cmp.Or(openedBy, r.opt.Actor),
		RootCause: rootCause, SeverityHistory: n.sevHistory,
	})
	r.plan.IncidentRows = append(r.plan.IncidentRows, n.row)
	if ref := strings.TrimSpace(n.deploymentRef); ref != "" {
		r.pendingInc = append(r.pendingInc, pendingLink{index: len(b.Incidents) - 1, ref: ref, at: n.at})
	}
	return id
}

func sortEvents(evs []model.Event) {
	slices.SortStableFunc(evs, func(a, b model.Event) int { return a.At.Compare(b.At) })
}
