package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The rollout part of `deploy status`: text for people, and the `rollout`,
// `health` and `stability` objects of --json. Every figure is computed from
// the stored times and `now`, like the dashboard's.

type rolloutJSON struct {
	Stage            int             `json:"stage"` // 1-based, as in "2/4"
	StageCount       int             `json:"stage_count"`
	Label            string          `json:"label"`       // "2/4 · 25%"
	StageLabel       string          `json:"stage_label"` // "25%"
	Percent          *int            `json:"percent"`     // null when the audience is not a share of traffic
	State            string          `json:"state"`
	Paused           bool            `json:"paused"`
	SoakSeconds      int64           `json:"soak_seconds"`
	RemainingSeconds int64           `json:"remaining_seconds"` // whole seconds, as the countdown shows it (model/clock.go)
	WaitingSeconds   int64           `json:"waiting_seconds"`   // since the soak ended, waiting for a human
	EndsAt           jsonTime        `json:"ends_at"`           // null while paused or ended
	Next             *string         `json:"next"`              // null on the last stage
	ETA              jsonTime        `json:"eta"`               // when the last soak ends if every stage is promoted promptly
	StartedAt        jsonTime        `json:"started_at"`
	StageStartedAt   jsonTime        `json:"stage_started_at"`
	StageTimes       []stageTimeJSON `json:"stage_times"`
	Holds            []string        `json:"holds"`          // open SEV1/SEV2 incidents holding it: "INC-1 SEV1 open"
	HealthUnknown    string          `json:"health_unknown"` // why health is unknown ("" when a fresh reading backs it)
	LiveAt           jsonTime        `json:"live_at"`        // when the first stage took traffic; null: not live yet
}

type stageTimeJSON struct {
	Stage          int      `json:"stage"` // 1-based
	Label          string   `json:"label"`
	StartedAt      jsonTime `json:"started_at"`
	EndedAt        jsonTime `json:"ended_at"` // null for the current stage
	SoakingSeconds int64    `json:"soaking_seconds"`
	WaitingSeconds int64    `json:"waiting_seconds"`
	PausedSeconds  int64    `json:"paused_seconds"`
	Override       string   `json:"override"`
}

type healthJSON struct {
	ErrorRate   *float64       `json:"error_rate"` // null before the first reading
	Baseline    *float64       `json:"baseline"`
	At          jsonTime       `json:"at"`
	Rule        string         `json:"rule"`
	Evaluation  string         `json:"evaluation"`   // the rule's verdict in words
	CriteriaMet bool           `json:"criteria_met"` // the rule or a declaration
	Reasons     []string       `json:"reasons"`      // one line per met criterion
	Declared    []declaredJSON `json:"declared"`
	// Probe is the metrics probe's failure spell; null while it reads fine.
	Probe *probeFailingJSON `json:"probe_failing"`
}

type probeFailingJSON struct {
	Since    jsonTime `json:"since"`
	Attempts int      `json:"attempts"` // failed readings since then (0: not counted)
	Reason   string   `json:"reason"`   // the latest one's
	Text     string   `json:"text"`     // "probe failing since 09:55:23, 12 attempts: …" (UTC)
}

type declaredJSON struct {
	Criterion string   `json:"criterion"`
	Label     string   `json:"label"`
	Reason    string   `json:"reason"`
	By        string   `json:"by"`
	At        jsonTime `json:"at"`
}

type stabilityJSON struct {
	StartedAt        jsonTime `json:"started_at"`
	EndsAt           jsonTime `json:"ends_at"`
	RemainingSeconds int64    `json:"remaining_seconds"`
}

// seconds is a clock in whole seconds, truncated like model.FormatCountdown
// (clocks from the clock rule are whole seconds already), so JSON and text
// agree: remaining_seconds 0 exactly when the text says the soak is served.
func seconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(d / time.Second)
}

func newRolloutJSON(v rolloutView, now time.Time) *rolloutJSON {
	if !v.has {
		return nil
	}
	st := v.status(now)
	out := &rolloutJSON{
		Stage: st.Stage + 1, StageCount: st.StageCount, Label: st.Label, StageLabel: st.StageLabel,
		State: string(st.State), Paused: v.r.Paused, SoakSeconds: seconds(st.Soak),
		RemainingSeconds: seconds(st.Remaining), WaitingSeconds: seconds(st.Waiting),
		EndsAt: jsonTime(st.EndsAt), ETA: jsonTime(st.ETA),
		StartedAt: jsonTime(v.r.StartedAt), StageStartedAt: jsonTime(v.r.StageStartedAt),
		StageTimes: []stageTimeJSON{}, Holds: []string{}, LiveAt: jsonTime(v.r.LiveAt),
	}
	for _, in := range v.g.Holding() {
		out.Holds = append(out.Holds, fmt.Sprintf("%s %s %s", in.Ref(), in.Severity.Label(), in.Status))
	}
	if c := v.g.CheckHealth(v.r, now); !v.r.Ended() && !c.Fresh {
		out.HealthUnknown = c.Text(now, time.UTC)
	}
	if st.Percent != model.NoPercent {
		p := st.Percent
		out.Percent = &p
	}
	if st.Next != "" {
		n := st.Next
		out.Next = &n
	}
	for _, t := range v.r.StageTimes(now) {
		out.StageTimes = append(out.StageTimes, stageTimeJSON{
			Stage: t.Stage + 1, Label: t.Label, StartedAt: jsonTime(t.StartedAt), EndedAt: jsonTime(t.EndedAt),
			SoakingSeconds: seconds(t.Soaking), WaitingSeconds: seconds(t.Waiting), PausedSeconds: seconds(t.Paused), Override: t.Override,
		})
	}
	return out
}

func newHealthJSON(v rolloutView) healthJSON {
	_, eval := v.rule.Evaluate(v.h)
	out := healthJSON{Rule: v.rule.String(), Evaluation: eval, CriteriaMet: v.met, Reasons: v.why, Declared: []declaredJSON{}}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	if v.h.Has {
		rate, base := v.h.ErrorRate, v.h.BaselineErrorRate
		out.ErrorRate, out.Baseline, out.At = &rate, &base, jsonTime(v.h.At)
	}
	if h := v.h; !h.ProbeFailingSince.IsZero() && (!h.Has || h.ProbeFailingSince.After(h.At)) {
		out.Probe = &probeFailingJSON{Since: jsonTime(h.ProbeFailingSince), Attempts: h.ProbeFailures, Reason: model.SanitizeLine(h.ProbeReason),
			Text: model.ProbeFailingText(h.ProbeFailingSince, h.ProbeFailures, h.ProbeReason, time.UTC)}
	}
	for _, d := range v.declared {
		out.Declared = append(out.Declared, declaredJSON{Criterion: string(d.Criterion), Label: d.Criterion.Label(), Reason: d.Reason, By: d.By, At: jsonTime(d.At)})
	}
	return out
}

func newStabilityJSON(d model.Deployment, now time.Time) *stabilityJSON {
	rem, ok := d.StabilityRemaining(now)
	if !ok {
		return nil
	}
	return &stabilityJSON{StartedAt: jsonTime(d.StabilityAt), EndsAt: jsonTime(d.StabilityEndsAt()), RemainingSeconds: seconds(rem)}
}

// writeRolloutText adds the rollout, health, criteria, stability and
// per-stage lines to a deployment's status.
func writeRolloutText(w io.Writer, v rolloutView, now time.Time) {
	if v.has {
		st := v.status(now)
		fmt.Fprintf(w, "   rollout:  %s — %s\n", st.Label, stateText(v, st, now))
		if !v.r.Ended() {
			next := "finish"
			if st.Next != "" {
				next = st.Next
			}
			fmt.Fprintf(w, "   next:     %s · ETA to finish %s\n", next, clockSec(st.ETA, now))
		}
	}
	c := v.g.CheckHealth(v.r, now)
	if v.h.Has && v.has && !v.r.Ended() && !c.Fresh {
		_, eval := v.rule.Evaluate(v.h)
		fmt.Fprintf(w, "   health:   UNKNOWN — %s; last: %s, recorded %s\n", c.Text(now, time.UTC), eval, clockSec(v.h.At, now))
	} else if v.h.Has {
		_, eval := v.rule.Evaluate(v.h)
		fmt.Fprintf(w, "   health:   %s, recorded %s\n", eval, clockSec(v.h.At, now))
	} else {
		fmt.Fprintf(w, "   health:   no error rate recorded (rule: %s): flightdeck deploy health --error-rate PCT --baseline PCT\n", v.rule)
	}
	if h := v.h; !h.ProbeFailingSince.IsZero() && (!h.Has || h.ProbeFailingSince.After(h.At)) && !(v.has && !v.r.Ended() && h.Has) {
		// (The UNKNOWN line above says it already while the rollout runs.)
		fmt.Fprintf(w, "   probe:    %s\n", model.ProbeFailingText(h.ProbeFailingSince, h.ProbeFailures, h.ProbeReason, time.UTC))
	}
	if v.d.Status.Active() { // afterwards the criteria are history, not a call to act
		for _, why := range v.why {
			fmt.Fprintf(w, "   ROLLBACK CRITERIA MET: %s\n", model.SanitizeLine(why))
		}
	}
	if v.d.RollingBack() || v.d.Status == model.StatusRolledBack {
		fmt.Fprintf(w, "   stability: %s\n", stabilityText(v.d, now))
	}
	if v.has {
		writeStageTimes(w, v.r, now)
	}
}

func stateText(v rolloutView, st model.RolloutStatus, now time.Time) string {
	left := model.FormatCountdown(st.Remaining) + " left"
	switch st.State {
	case model.RolloutSoaking:
		return fmt.Sprintf("soaking, %s (ends %s)", left, clockSec(st.EndsAt, now))
	case model.RolloutReady:
		what := "READY TO PROMOTE"
		if st.Last {
			what = "READY TO FINISH"
		}
		return fmt.Sprintf("%s (soak served, waiting %s)", what, model.FormatCountdown(st.Waiting))
	case model.RolloutPaused:
		return fmt.Sprintf("paused, %s of the soak (flightdeck deploy resume)", left)
	case model.RolloutHold:
		return "HOLD: " + v.g.HoldText() + " — promote and finish need --reason"
	case model.RolloutCriteriaMet:
		hold := "ROLLBACK CRITERIA MET, " + left
		if st.Remaining == 0 {
			hold = "ROLLBACK CRITERIA MET, soak served"
		}
		if v.r.Paused {
			hold += " (paused)"
		}
		return hold + " — promote needs --reason; flightdeck deploy clear-criteria --reason TEXT clears it"
	case model.RolloutNotLive:
		return fmt.Sprintf("not live yet: the %s soak starts when %q is ticked (flightdeck deploy live)", model.FormatCountdown(st.Soak), model.LiveItemText)
	case model.RolloutNeedsHealth:
		return fmt.Sprintf("soak served, NEEDS A HEALTH READING: %s (flightdeck deploy health --error-rate PCT)", v.g.CheckHealth(v.r, now).Text(now, time.UTC))
	case model.RolloutRollingBack:
		return "rolling back since " + clockSec(v.r.AbortedAt, now)
	case model.RolloutRolledBack:
		return "rolled back at " + clockSec(v.r.RolledBackAt, now)
	case model.RolloutComplete:
		return "complete at " + clockSec(v.r.CompletedAt, now)
	}
	return string(st.State)
}

func stabilityText(d model.Deployment, now time.Time) string {
	rem, ok := d.StabilityRemaining(now)
	switch {
	case !ok:
		return fmt.Sprintf("watch not started: it starts when %q is ticked", model.StabilityItemText)
	case rem > 0:
		return fmt.Sprintf("%s left of the %d-minute watch (ends %s)", model.FormatCountdown(rem),
			int(model.StabilityWatch/time.Minute), clockSec(d.StabilityEndsAt(), now))
	}
	return "watch served (ended " + clockSec(d.StabilityEndsAt(), now) + ")"
}

// writeStageTimes shows where the rollout's time went, stage by stage: the
// soak the plan asked for, or waiting for someone to promote.
func writeStageTimes(w io.Writer, r model.Rollout, now time.Time) {
	n := len(r.Plan.Stages)
	for i, t := range r.StageTimes(now) {
		head := "   stages:   "
		if i > 0 {
			head = "             "
		}
		line := fmt.Sprintf("%s%-16s soaking %s · waiting %s", head, fmt.Sprintf("%d/%d · %s", t.Stage+1, n, model.SanitizeLine(t.Label)),
			model.FormatCountdown(t.Soaking), model.FormatCountdown(t.Waiting))
		if t.Paused > 0 {
			line += " · paused " + model.FormatCountdown(t.Paused)
		}
		if t.Override != "" {
			line += " · override: " + model.SanitizeLine(t.Override)
		}
		if t.EndedAt.IsZero() && !r.Ended() {
			line += " (now)"
		}
		fmt.Fprintln(w, line)
	}
}
