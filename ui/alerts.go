package ui

import (
	"context"
	"fmt"
	"maps"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// alertState remembers what was last seen, so each alert rings the bell
// once, on the transition, and not again on every tick or reload.
type alertState struct {
	primed  bool
	readyAt string // "deployment/stage" whose soak end was last announced
	met     map[int64]bool
	overdue map[string]bool // "incident/step" already announced overdue
}

// checkAlerts runs on every tick and reload: a soak that has just ended
// rings the bell once and records "ready to promote" (once per stage, even
// with several dashboards); rollback criteria that have just become met ring
// the bell once (the store wrote their timeline event with the reading).
func (m *Model) checkAlerts() tea.Cmd {
	if !m.loaded {
		return nil
	}
	primed := m.alerts.primed
	ring := m.overdueAlerts(primed)
	cmds := m.rolloutAlerts(primed, &ring)
	m.alerts.primed = true
	if ring && m.opts.Bell != nil {
		bell := m.opts.Bell
		cmds = append(cmds, func() tea.Msg { bell(); return nil })
	}
	return tea.Batch(cmds...)
}

// overdueAlerts rings once when an escalation step becomes overdue (for
// SEV1/SEV2, or any step the policy scheduled beyond the first).
func (m *Model) overdueAlerts(primed bool) bool {
	ring, owned := false, false
	// The map is the previous Model's too: changed on a copy, and only
	// when something changes (a tick mostly changes nothing).
	own := func() {
		if !owned {
			m.alerts.overdue, owned = maps.Clone(m.alerts.overdue), true
			if m.alerts.overdue == nil {
				m.alerts.overdue = map[string]bool{}
			}
		}
	}
	for _, inc := range m.escalation.incidents {
		for _, s := range m.escalation.policy.Ladder(inc, m.now) {
			k := fmt.Sprintf("%d/%d", inc.ID, s.Step.Number)
			if s.State != model.StepOverdue {
				if m.alerts.overdue[k] {
					own()
					delete(m.alerts.overdue, k)
				}
				continue
			}
			if !m.alerts.overdue[k] {
				own()
				m.alerts.overdue[k] = true
				ring = ring || primed
			}
		}
	}
	return ring
}

func (m *Model) rolloutAlerts(primed bool, ring *bool) []tea.Cmd {
	p := &m.rollout
	if !p.has || !p.started || p.rollout.Ended() {
		return nil
	}
	s := p.status(m.now)
	id := p.deploy.ID
	met, _ := p.criteria()
	ready := s.Remaining == 0 && !p.rollout.Paused
	key := fmt.Sprintf("%d/%d", id, s.Stage)

	var cmds []tea.Cmd
	if ready && m.alerts.readyAt != key {
		m.alerts.readyAt = key
		if primed {
			*ring = true
		}
		if st := m.writer; st != nil { // a read-only dashboard records nothing
			stage, at := s.Stage, p.rollout.StageStartedAt.Add(s.Soak+p.rollout.PausedTotal)
			cmds = append(cmds, func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
				defer cancel()
				// Best effort: the event is a record of the clock, the
				// state itself is always recomputed from stored times.
				_, _ = st.MarkReady(ctx, id, stage, at)
				return nil
			})
		}
	}
	if met && !m.alerts.met[id] && primed {
		*ring = true
	}
	if have, ok := m.alerts.met[id]; !ok || have != met {
		m.alerts.met = maps.Clone(m.alerts.met) // the previous Model's map stays as it was
		if m.alerts.met == nil {
			m.alerts.met = map[int64]bool{}
		}
		m.alerts.met[id] = met
	}
	return cmds
}
