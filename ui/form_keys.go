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
		n, err := m.form.value().Normalize()
		if err != nil {
			m.form.err = err.Error()
			return m, nil
		}
		m.mode = modeNormal
		actor, at, st, tpl := m.opts.Actor, m.opts.Now(), m.store, m.opts.Template
		tplName := m.form.templateName()
		start := func(reason string) tea.Cmd {
			return m.write(0, func(ctx context.Context) (string, int64, error) {
				var d model.Deployment
				var err error
				if tplName != "" && tplName != tpl.Name {
					if tpl, err = st.Template(ctx, tplName); err != nil {
						return "", 0, err
					}
				}
				if reason != "" {
					d, err = st.StartDeploymentOverride(ctx, n, tpl, reason, actor, at)
				} else {
					d, err = st.StartDeployment(ctx, n, tpl, actor, at)
				}
				if err != nil {
					return "", 0, err
				}
				return fmt.Sprintf("started deployment #%d: %s (%s)", d.ID, clean(d.Title()), d.Strategy), d.ID, nil
			})
		}
		if frozen, why := model.Freeze(m.escalation.incidents); frozen {
			m.openPrompt("FREEZE ("+why+") — start anyway because", "override reason (required, recorded)", "", func(m *Model, v string) (tea.Cmd, string) {
				if v == "" {
					return nil, "deploys are frozen: an override reason is required"
				}
				return start(v), ""
			})
			return m, nil
		}
		return m, start("")
	}
	var cmd tea.Cmd
	m.form, cmd = m.form.update(msg, m.keys)
	m.form.err = ""
	return m, cmd
}
