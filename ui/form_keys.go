package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// formKeys is what the deployment and incident forms answer to besides
// their fields' own keys: every other key goes to the field in focus.
func (k KeyMap) formKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{{"Form", []key.Binding{k.Field, k.FieldBack, k.Submit, k.Cancel}}},
		Short:  []key.Binding{k.Field, k.Submit, k.Cancel},
	}
}

func (m Model) handleFormKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		return m, nil
	case key.Matches(msg, m.keys.Submit):
		n, err := m.form.value(m.opts.Now(), m.loc())
		if err != nil {
			m.form.err = err.Error()
			return m, nil
		}
		m.mode = modeNormal
		actor, at, st, tpl := m.opts.Actor, m.opts.Now(), m.writer, m.opts.Template
		tplName := m.form.templateName()
		// Focus stays on a rollout in flight: starting another deployment
		// must not take the live canary's timer off the screen.
		keep := int64(0)
		if m.rollout.started && m.rollout.deploy.ID == m.focusID && !m.rollout.rollout.Ended() {
			keep = m.focusID
		}
		start := func(o model.StartOverride) tea.Cmd {
			return m.write(0, func(ctx context.Context) (string, int64, error) {
				var err error
				if tplName != "" && tplName != tpl.Name {
					if tpl, err = m.store.Template(ctx, tplName); err != nil {
						return "", 0, err
					}
				}
				d, err := st.StartDeploymentWith(ctx, n, tpl, o, actor, at)
				if err != nil {
					return "", 0, err
				}
				status := fmt.Sprintf("started deployment #%d: %s (%s)", d.ID, clean(d.Title()), d.Strategy)
				if keep != 0 {
					return status + fmt.Sprintf(" · focus stays on #%d's rollout (s switches)", keep), keep, nil
				}
				return status, d.ID, nil
			})
		}
		inFlight := func(m *Model, o model.StartOverride) tea.Cmd {
			d, ok := model.InFlight(m.deployments, n.Service, n.Environment)
			if !ok {
				return start(o)
			}
			stage := ""
			if m.rollout.started && m.rollout.deploy.ID == d.ID {
				stage = m.rollout.rollout.StageName()
			}
			m.openPrompt(model.TextInFlightWarning(clean(d.Service), model.TextInFlight(d, stage))+" Reason",
				"why (required, recorded)", "", func(m *Model, v string) (tea.Cmd, string) {
					if v == "" {
						return nil, "a reason is required to start a second deployment beside one in flight"
					}
					o.InFlight = v
					return start(o), ""
				})
			return nil
		}
		if frozen, why := model.Freeze(m.escalation.incidents); frozen {
			m.openPrompt("FREEZE ("+why+") — start anyway because", "override reason (required, recorded)", "", func(m *Model, v string) (tea.Cmd, string) {
				if v == "" {
					return nil, "deploys are frozen: an override reason is required"
				}
				return inFlight(m, model.StartOverride{Freeze: v}), ""
			})
			return m, nil
		}
		return m, inFlight(&m, model.StartOverride{})
	}
	var cmd tea.Cmd
	*m.form, cmd = m.form.update(msg, *m.keys)
	m.form.err = ""
	return m, cmd
}
