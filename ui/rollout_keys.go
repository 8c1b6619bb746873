package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// rolloutKeys is what the rollout pane answers to; the footer shows all of
// them that apply.
func (k KeyMap) rolloutKeys() keyScope {
	return oneGroup("Rollout (2)", k.Promote, k.Pause, k.Finish, k.Abort, k.Health, k.Declare, k.ClearCriteria)
}

// enable disables the rollout actions the current state refuses, and names
// space for what it will do (pause or resume).
func (p *rolloutPane) enable(k KeyMap, now time.Time) KeyMap {
	running := p.started && !p.rollout.Ended()
	s := p.status(now)
	met, _ := p.criteria()
	if p.rollout.Paused {
		k.Pause.SetHelp(k.Pause.Help().Key, "resume")
	}
	offUnless(running && !s.Last && !p.rollout.Paused, &k.Promote)
	offUnless(running, &k.Pause, &k.Health, &k.Declare)
	offUnless(p.has && p.started && (running && s.Last || p.deploy.RollingBack()), &k.Finish)
	offUnless(p.has && p.deploy.Status.Active() && !p.deploy.RollingBack(), &k.Abort)
	offUnless((running || met) && len(p.declared) > 0, &k.ClearCriteria)
	return k
}

// handleRolloutKey handles the rollout pane's actions. A key the state
// refuses says why instead of doing nothing; each action is then checked
// against the pure rules, so a refusal a reason would lift opens a reason
// prompt instead of failing.
func (m Model) handleRolloutKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	p := &m.rollout
	// Match against the full map (a disabled binding matches nothing) and
	// ask the live one whether the action applies.
	live := p.enable(*k, m.now)
	switch {
	case key.Matches(msg, k.Promote):
		if !live.Promote.Enabled() {
			return m, m.notNow("promote")
		}
		return m.promote()
	case key.Matches(msg, k.Pause):
		if !live.Pause.Enabled() {
			return m, m.notNow("pause")
		}
		return m, m.pauseOrResume()
	case key.Matches(msg, k.Finish):
		if !live.Finish.Enabled() {
			return m, m.notNow("finish")
		}
		return m.finish()
	case key.Matches(msg, k.Abort):
		if !live.Abort.Enabled() {
			return m, m.notNow("abort")
		}
		return m.abort()
	case key.Matches(msg, k.Health):
		if !live.Health.Enabled() {
			return m, m.notNow("record an error rate")
		}
		m.healthPrompt()
	case key.Matches(msg, k.Declare):
		if !live.Declare.Enabled() {
			return m, m.notNow("declare a criterion")
		}
		m.declareChoice()
	case key.Matches(msg, k.ClearCriteria):
		if !live.ClearCriteria.Enabled() {
			return m, m.notNow("clear criteria")
		}
		id := p.deploy.ID
		m.openPrompt("clear declared rollback criteria because", "false alarm? say why (required)", "", func(m *Model, v string) (tea.Cmd, string) {
			if v == "" {
				return nil, "a reason is required"
			}
			return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				return "declared criteria cleared", m.writer.ClearCriteria(ctx, id, v, actor, at)
			}), ""
		})
	}
	return m, nil
}

func (m *Model) notNow(action string) tea.Cmd {
	if !m.rollout.has {
		m.setStatus("no deployment: press n to start one", true)
	} else if !m.rollout.started {
		m.setStatus(fmt.Sprintf("cannot %s: the rollout starts with Deployment Execution (] in the checklist)", action), true)
	} else {
		m.setStatus(fmt.Sprintf("cannot %s now (%s)", action, m.rollout.status(m.now).State), true)
	}
	return nil
}
