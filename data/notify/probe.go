package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// The metrics probe: the configured command runs every Interval for each
// deployment whose rollout is running — paused included, since a pause is
// when people most need the numbers; not once it completed or is rolling
// back — and prints the current error rate. The reading goes through
// RecordProbeHealth, so it feeds the rollback rule like a person's. A probe
// that gives no usable number records nothing — a broken probe must never
// read as 0% — and opens a failure spell: probe.failed once, a count after
// that, probe.recovered with the count at the next good reading. A
// Prometheus probe (prom.go) queries instead of running a command; with a
// baseline_query it needs no recorded baseline.
//
// Each (deployment, interval window) runs once per database: the claim is
// one row per deployment in the notifications table, moved forward slot by
// slot.

// Job kinds besides the model.NotifyKind ones.
const (
	probeKind      = "probe"
	noBaselineKind = "probe_no_baseline"
)

// probeJobs lists this slot's probe runs, and when the next slot starts.
func (n *Notifier) probeJobs(ctx context.Context, snap snapshot, now time.Time) ([]job, time.Time) {
	iv := n.Probe.Interval
	slot := now.UnixNano() / int64(iv)
	var out []job
	probing := false
	for _, ds := range snap.deployments {
		d := ds.d
		if d.Status != model.StatusInProgress || d.RollingBack() || !ds.hasRollout || ds.r.Ended() {
			continue
		}
		probing = true
		has, err := n.Store.HasHealth(ctx, d.ID)
		if err != nil {
			n.logf("probe: %v", err)
			continue
		}
		if !has && (n.Probe.Prometheus == nil || n.Probe.Prometheus.BaselineQuery == "") {
			out = append(out, job{
				key: fmt.Sprintf("%s:%d", noBaselineKind, d.ID), kind: noBaselineKind, depID: d.ID,
				what: fmt.Sprintf("#%d %s", d.ID, d.Service), leaseD: claimGrace,
				event: model.Event{DeploymentID: d.ID},
			})
			continue
		}
		n.mu.Lock()
		tried := n.probeSlots[d.ID] >= slot
		if !tried {
			n.probeSlots[d.ID] = slot
		}
		n.mu.Unlock()
		if tried {
			continue
		}
		env := map[string]string{}
		deploymentEnv(env, d)
		env["FLIGHTDECK_EVENT"] = "probe"
		env["FLIGHTDECK_STAGE"] = ds.r.Status(now, false).StageLabel
		out = append(out, job{
			key: fmt.Sprintf("%s:%d", probeKind, d.ID), kind: probeKind, slot: slot, depID: d.ID, env: env,
			what:  fmt.Sprintf("#%d %s %s", d.ID, d.Service, d.Version),
			event: model.Event{DeploymentID: d.ID},
		})
	}
	if !probing {
		return out, time.Time{}
	}
	return out, time.Unix(0, (slot+1)*int64(iv))
}

// doProbe runs one slot's probe if this process wins the slot.
func (n *Notifier) doProbe(ctx context.Context, j job) {
	won, err := n.Store.ClaimSlot(ctx, j.key, probeKind, n.owner, j.slot, n.Now())
	if err != nil || !won {
		if err != nil && ctx.Err() == nil {
			n.logf("probe: %v", err)
		}
		return
	}
	var rate float64
	var baseline *float64
	var reason, summary string
	var timedOut bool
	if n.Probe.Prometheus != nil {
		r := readProm(ctx, n.Probe, promVars(j.env), n.Now())
		if r.interrupted {
			n.release(j.key)
			return
		}
		for _, w := range r.warnings {
			n.logf("probe %s: Prometheus warns: %s", j.what, w)
		}
		rate, baseline, reason, timedOut = r.rate, r.baseline, r.reason, r.timedOut
		summary = "Prometheus: " + strconv.FormatFloat(rate, 'f', -1, 64) + "%"
	} else {
		res := runCommand(ctx, n.Probe.Command, commandEnv(n.Store.DSN(), j.env))
		if res.interrupted {
			n.release(j.key)
			return
		}
		rate, reason = probeValue(res)
		timedOut, summary = res.timedOut, res.Summary()
	}
	if reason != "" {
		n.probeFailed(j, timedOut, reason)
		return
	}
	_, expl, err := n.Store.RecordProbeHealthWithBaseline(ctx, j.depID, rate, baseline, data.SystemActor, n.Now())
	switch {
	case errors.Is(err, data.ErrInvalid):
		// The deployment ended, or its baseline went away, since the pass
		// looked: nothing to record and nothing anyone must hear about.
		n.finish(j.key, data.OutcomeSkipped, err.Error(), nil)
		return
	case err != nil:
		n.probeFailed(j, false, "the reading "+strconv.FormatFloat(rate, 'f', -1, 64)+"% could not be recorded: "+err.Error())
		return
	}
	n.finish(j.key, data.OutcomeOK, summary, nil)
	n.logf("probe %s: %s", j.what, expl)
	n.wake()
}

// probeFailed records a failed reading: the first of a spell writes
// probe.failed to the timeline, the later ones are only counted (the
// store's FinishProbeFailure), so a broken probe cannot bury the timeline.
func (n *Notifier) probeFailed(j job, timedOut bool, reason string) {
	outcome := data.OutcomeFailed
	if timedOut {
		outcome = data.OutcomeTimeout
	}
	reason = redact(reason, n.Probe.Secrets())
	n.mu.Lock()
	n.failed++
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, first, err := n.Store.FinishProbeFailure(ctx, j.key, n.owner, j.depID, outcome, reason, n.Now())
	switch {
	case err != nil:
		n.logf("notifier: %v", err)
	case first:
		n.logf("%s", model.TextProbeFailed(j.what, reason))
	default:
		n.logf("probe still failing for %s: %s", j.what, reason)
	}
	n.wake()
}

// doNoBaseline says once per deployment (per database) that the probe
// waits for a baseline.
func (n *Notifier) doNoBaseline(ctx context.Context, j job) {
	won, err := n.Store.Claim(ctx, j.key, noBaselineKind, n.owner, n.Now(), j.leaseD)
	if err != nil || !won {
		return
	}
	ev := j.event
	ev.Kind = model.EventProbeFailed
	ev.Text = model.TextProbeNoBaseline()
	n.finish(j.key, data.OutcomeSkipped, model.TextProbeNoBaseline(), &ev)
	n.logf("%s: %s", j.what, model.TextProbeNoBaseline())
}

// probeValue reads the error rate a probe printed: one number in percent,
// "2.4" or "2.4%". reason says why there is none; it is never a zero.
func probeValue(res Result) (rate float64, reason string) {
	if !res.OK() {
		return 0, res.Summary()
	}
	if res.overflow {
		return 0, fmt.Sprintf("it printed more than %d bytes: print only the error rate, e.g. 2.4", maxStdout)
	}
	text := strings.TrimSpace(string(res.stdout))
	if text == "" {
		return 0, "it printed nothing: print the error rate in percent, e.g. 2.4"
	}
	if lines := strings.Count(text, "\n") + 1; lines > 1 {
		return 0, fmt.Sprintf("it printed %d lines: print only the error rate in percent, e.g. 2.4", lines)
	}
	v, err := model.ParsePercent(text)
	if err != nil {
		return 0, fmt.Sprintf("it printed %s, not an error rate: %v", strconv.QuoteToGraphic(firstLine(text)), err)
	}
	return v, ""
}
