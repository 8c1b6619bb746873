package notify

// What the notifier tells people about, and how the event reaches the
// command: only in environment variables.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data/config"

	"github.com/octoacme/flightdeck/model"
)

// noticesDue is the pure part: every notification due at now, with its
// claim key, and when the next one becomes due.
//
// Keys make "once" mean the right thing: an escalation step is keyed by its
// due time (a step re-scheduled by a new severity change is a new event), a
// stage by its index, rollback criteria by the event that made them met (a
// new spell after a false alarm notifies again).
func noticesDue(s snapshot, pol model.EscalationPolicy, rule model.RollbackRule, now time.Time) ([]job, time.Time) {
	var out []job
	var next time.Time
	for _, inc := range s.incidents {
		if !inc.Status.Active() {
			continue
		}
		for _, st := range pol.Ladder(inc, now) {
			switch st.State {
			case model.StepPending:
				next = earliest(next, st.Due)
				continue
			case model.StepDue, model.StepOverdue:
			default:
				continue
			}
			out = append(out, escalationJob(inc, st, s.deployments))
		}
	}
	for _, ds := range s.deployments {
		d := ds.d
		if !d.Status.Active() || d.RollingBack() {
			continue
		}
		met, why := model.CriteriaMet(rule, ds.health, ds.declared)
		ended := ds.hasRollout && ds.r.Ended()
		if met && !ended {
			out = append(out, rollbackJob(ds, why, now))
		}
		if !ds.hasRollout || ended {
			continue
		}
		// The one state the dashboard shows: no "ready" while a SEV1/SEV2 on
		// it holds it, or without a fresh reading. (Incidents are read only
		// when notifications are configured, which is when this is sent.)
		st := ds.r.Assess(now, model.Gate{Criteria: why, Incidents: model.LinkedIncidents(s.incidents, d.ID), Health: ds.health, HealthMaxAge: s.maxAge})
		switch st.State {
		case model.RolloutReady:
			out = append(out, readyJob(ds, st))
		case model.RolloutSoaking:
			next = earliest(next, st.EndsAt)
		}
	}
	return out, next
}

func deploymentEnv(env map[string]string, d model.Deployment) {
	env["FLIGHTDECK_DEPLOYMENT"] = strconv.FormatInt(d.ID, 10)
	env["FLIGHTDECK_SERVICE"] = d.Service
	env["FLIGHTDECK_VERSION"] = d.Version
	env["FLIGHTDECK_ENVIRONMENT"] = d.Environment
}

func escalationJob(inc model.Incident, st model.StepStatus, deps []deployState) job {
	env := map[string]string{
		"FLIGHTDECK_EVENT":    string(model.NotifyEscalationDue),
		"FLIGHTDECK_INCIDENT": inc.Ref(),
		"FLIGHTDECK_TITLE":    inc.Title,
		"FLIGHTDECK_SEVERITY": inc.Severity.Label(),
		"FLIGHTDECK_STEP":     strconv.Itoa(st.Step.Number),
		"FLIGHTDECK_ROLE":     st.Step.Role,
		"FLIGHTDECK_PERSON":   st.Step.Person,
		"FLIGHTDECK_DUE":      st.Due.UTC().Format(time.RFC3339),
	}
	if inc.DeploymentID != 0 {
		env["FLIGHTDECK_DEPLOYMENT"] = strconv.FormatInt(inc.DeploymentID, 10)
		for _, ds := range deps {
			if ds.d.ID == inc.DeploymentID {
				deploymentEnv(env, ds.d)
			}
		}
	}
	who := st.Step.Role
	if st.Step.Person != "" {
		who += " (" + st.Step.Person + ")"
	}
	env["FLIGHTDECK_MESSAGE"] = fmt.Sprintf("%s %s “%s”: escalate to %s — due %s, not acknowledged",
		inc.Ref(), inc.Severity.Label(), inc.Title, who, st.Due.UTC().Format("15:04 UTC"))
	return job{
		key:   fmt.Sprintf("%s:%d:%d:%d", model.NotifyEscalationDue, inc.ID, st.Step.Number, st.Due.UnixMilli()),
		kind:  string(model.NotifyEscalationDue),
		env:   env,
		what:  fmt.Sprintf("escalation due: %s step %d, %s", inc.Ref(), st.Step.Number, who),
		event: model.Event{IncidentID: inc.ID, Severity: inc.Severity, DeploymentID: inc.DeploymentID},
	}
}

func readyJob(ds deployState, st model.RolloutStatus) job {
	d := ds.d
	env := map[string]string{
		"FLIGHTDECK_EVENT": string(model.NotifyStageReady),
		"FLIGHTDECK_STAGE": st.StageLabel,
		"FLIGHTDECK_DUE":   st.EndsAt.UTC().Format(time.RFC3339),
	}
	deploymentEnv(env, d)
	action := "ready to promote to " + st.Next
	if st.Last {
		action = "ready to finish"
	}
	env["FLIGHTDECK_MESSAGE"] = fmt.Sprintf("%s (#%d): stage %s soaked %s — %s", d.Title(), d.ID, st.Label, model.FormatDurationShort(st.Soak), action)
	return job{
		key:   fmt.Sprintf("%s:%d:%d", model.NotifyStageReady, d.ID, st.Stage),
		kind:  string(model.NotifyStageReady),
		env:   env,
		what:  fmt.Sprintf("stage ready: #%d %s stage %s, %s", d.ID, d.Service, st.Label, action),
		event: model.Event{DeploymentID: d.ID},
	}
}

func rollbackJob(ds deployState, why []string, now time.Time) job {
	d := ds.d
	env := map[string]string{
		"FLIGHTDECK_EVENT": string(model.NotifyRollbackCriteria),
		"FLIGHTDECK_DUE":   now.UTC().Format(time.RFC3339),
	}
	deploymentEnv(env, d)
	if ds.hasRollout {
		env["FLIGHTDECK_STAGE"] = ds.r.Status(now, true).StageLabel
	}
	env["FLIGHTDECK_MESSAGE"] = fmt.Sprintf("%s (#%d): ROLLBACK CRITERIA MET — %s", d.Title(), d.ID, strings.Join(why, "; "))
	return job{
		key:   fmt.Sprintf("%s:%d:%d", model.NotifyRollbackCriteria, d.ID, ds.episode),
		kind:  string(model.NotifyRollbackCriteria),
		env:   env,
		what:  fmt.Sprintf("rollback criteria met: #%d %s", d.ID, d.Service),
		event: model.Event{DeploymentID: d.ID},
	}
}

// notifyVars are every variable a notify or probe command may get; all are
// set (empty when they do not apply), so a script under `set -u` works, and
// values inherited from the parent's environment never leak in.
var notifyVars = []string{
	"FLIGHTDECK_EVENT", "FLIGHTDECK_MESSAGE", "FLIGHTDECK_INCIDENT", "FLIGHTDECK_TITLE",
	"FLIGHTDECK_SEVERITY", "FLIGHTDECK_STEP", "FLIGHTDECK_ROLE", "FLIGHTDECK_PERSON",
	"FLIGHTDECK_DEPLOYMENT", "FLIGHTDECK_SERVICE", "FLIGHTDECK_VERSION", "FLIGHTDECK_ENVIRONMENT",
	"FLIGHTDECK_STAGE", "FLIGHTDECK_DUE",
}

// commandEnv is this process's environment with the event's variables —
// the only way event data reaches a command: never through argv or a shell
// string. FLIGHTDECK_DB names the database so a script can call flightdeck.
func commandEnv(dbPath string, vars map[string]string) []string {
	drop := map[string]bool{"FLIGHTDECK_DB": true}
	for _, k := range notifyVars {
		drop[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	for _, k := range notifyVars {
		env = append(env, k+"="+envValue(vars[k]))
	}
	return append(env, "FLIGHTDECK_DB="+dbPath)
}

// envValue keeps a value to one line of printable text (model.SanitizeLine,
// the one sanitiser): a NUL would make the variable impossible to pass, a
// newline would break naive scripts, and an escape sequence would reach
// whatever terminal or chat the script prints to.
func envValue(s string) string { return model.SanitizeLine(s) }

// Test runs the notify command once with FLIGHTDECK_EVENT=test, so a
// team can check its webhook without waiting for an incident; nothing is
// claimed or written.
func Test(ctx context.Context, c *config.Command, dbPath string) Result {
	return runCommand(ctx, c, commandEnv(dbPath, map[string]string{
		"FLIGHTDECK_EVENT":   "test",
		"FLIGHTDECK_MESSAGE": "flightdeck notify test: if you can read this, notifications reach you",
		"FLIGHTDECK_DUE":     time.Now().UTC().Format(time.RFC3339),
	}))
}
