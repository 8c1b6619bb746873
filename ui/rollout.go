package ui

import (
	"fmt"
	"time"

	"flightdeck/model"
)

// rolloutView shows where the focused deployment's rollout is. Stage timers
// are computed from stored times, never counted.
func rolloutView(st Styles, d model.Deployment, has bool, list model.Checklist, now time.Time, loc *time.Location, w, h int) []string {
	if w <= 0 || h <= 0 {
		return nil
	}
	if !has {
		return wrapLines(st, w, h, []styledLine{
			{st.Text, "No rollout running."},
			{st.Muted, "Start a deployment with n, then ] to begin Deployment Execution."},
		})
	}
	pre := model.Progress{}
	exec := model.Progress{}
	if i := list.PhaseIndex(model.PhasePreDeployment); i >= 0 {
		pre = list.Phases[i].Progress()
	}
	if i := list.PhaseIndex(model.PhaseExecution); i >= 0 {
		exec = list.Phases[i].Progress()
	}
	head := fmt.Sprintf("%s · %s · %s", clean(string(d.Strategy)), clean(d.Environment), d.Status.Label())
	switch d.Status {
	case model.StatusPlanned:
		msg := "Pre-Deployment done · ] in the checklist starts Deployment Execution"
		if pre.Open() > 0 {
			msg = fmt.Sprintf("Not started · %d Pre-Deployment open · ] in the checklist starts Deployment Execution", pre.Open())
		}
		return wrapLines(st, w, h, []styledLine{{st.Accent, head}, {st.Text, msg}})
	default:
		since := fmt.Sprintf("Deployment Execution since %s (%s ago) · %s done", clockTime(d.ExecutionAt, now, loc), ago(now, d.ExecutionAt), exec)
		return wrapLines(st, w, h, []styledLine{{st.Accent, head}, {st.Text, since}})
	}
}
