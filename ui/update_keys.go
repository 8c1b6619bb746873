package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	// Bubble Tea v1 delivers keys that arrive together (fast typing, tmux
	// send-keys, a slow SSH link) as one message of several runes. Outside
	// text inputs each rune is its own command, so take them one by one.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typing() {
		var cmds []tea.Cmd
		var model tea.Model = m
		for _, r := range msg.Runes {
			var cmd tea.Cmd
			model, cmd = model.(Model).handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
			cmds = append(cmds, cmd)
		}
		return model, tea.Batch(cmds...)
	}
	switch m.mode {
	case modePrompt:
		return m.handlePromptKey(msg)
	case modeConfirm:
		return m.handleConfirmKey(msg)
	case modeForm:
		return m.handleFormKey(msg)
	case modeIncidentForm:
		return m.handleIncidentFormKey(msg)
	case modeHelp:
		switch {
		case key.Matches(msg, m.keys.Quit) && msg.String() == "q":
			return m, tea.Quit
		case key.Matches(msg, m.keys.Help), key.Matches(msg, m.keys.Cancel):
			m.mode = modeNormal
		}
		return m, nil
	}

	// A key press clears the last message.
	m.status, m.statusErr = "", false
	if m.screen != screenDashboard {
		return m.handleScreenKey(msg)
	}
	if m.blockedReadOnly(msg) {
		return m, nil
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
		return m, nil
	case key.Matches(msg, k.NextPane):
		m.setFocus(m.focus + 1)
		return m, nil
	case key.Matches(msg, k.PrevPane):
		m.setFocus(m.focus - 1)
		return m, nil
	case key.Matches(msg, k.Pane1):
		m.setFocus(paneChecklist)
		return m, nil
	case key.Matches(msg, k.Pane2):
		m.setFocus(paneRollout)
		return m, nil
	case key.Matches(msg, k.Pane3):
		m.setFocus(paneLog)
		return m, nil
	case key.Matches(msg, k.Pane4):
		m.setFocus(paneEscalation)
		return m, nil
	case key.Matches(msg, k.UTC):
		m.utc = !m.utc
		return m, nil
	case key.Matches(msg, k.OpenIncident):
		return m.openIncidentForm()
	case key.Matches(msg, k.History):
		return m.openHistory()
	case key.Matches(msg, k.Metrics):
		return m.openMetrics()
	case key.Matches(msg, k.Links):
		m.screen = screenLinks
		m.relayout()
		return m, nil
	case key.Matches(msg, k.NewDeploy):
		m.form = newDeployForm(m.styles)
		m.mode = modeForm
		return m, templatesCmd(m.store)
	case key.Matches(msg, k.NextDeploy), key.Matches(msg, k.PrevDeploy):
		return m.cycleDeployment(key.Matches(msg, k.NextDeploy))
	}
	switch m.focus {
	case paneChecklist:
		return m.checklistKey(msg)
	case paneRollout:
		return m.rolloutKey(msg)
	case paneLog:
		return m.logKey(msg)
	case paneEscalation:
		return m.escalationKey(msg)
	}
	return m, nil
}

func (m Model) cycleDeployment(next bool) (tea.Model, tea.Cmd) {
	n := len(m.deployments)
	if n < 2 {
		m.setStatus("only one active deployment", false)
		if n == 0 {
			m.setStatus("no active deployments: press n to start one", false)
		}
		return m, nil
	}
	i := 0
	for j, d := range m.deployments {
		if d.ID == m.focusID {
			i = j
		}
	}
	if next {
		i = (i + 1) % n
	} else {
		i = (i + n - 1) % n
	}
	return m, m.load(m.deployments[i].ID)
}

func (m Model) checklistKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	p := &m.checklist
	switch {
	case key.Matches(msg, k.Up):
		p.move(-1)
	case key.Matches(msg, k.Down):
		p.move(1)
	case key.Matches(msg, k.PgUp):
		p.move(-max(p.listHeight()-1, 1))
	case key.Matches(msg, k.PgDown):
		p.move(max(p.listHeight()-1, 1))
	case key.Matches(msg, k.Top):
		p.move(-len(p.rows))
	case key.Matches(msg, k.Bottom):
		p.move(len(p.rows))
	case key.Matches(msg, k.CollapseAll):
		p.toggleAll()
	case key.Matches(msg, k.PrevPhase):
		p.setPhase(p.phase - 1)
	case key.Matches(msg, k.NextPhase):
		return m.nextPhase()
	case key.Matches(msg, k.Toggle):
		if it, ok := p.selectedItem(); ok {
			return m, m.setItem(it, it.State.Toggled(), "")
		}
		p.toggleSection()
	case key.Matches(msg, k.Collapse):
		p.toggleSection()
	case key.Matches(msg, k.NA):
		if it, ok := p.selectedItem(); ok {
			initial := ""
			if it.State == model.ItemNA {
				initial = it.Reason
			}
			m.openPrompt(fmt.Sprintf("n/a because (%s)", clean(it.Text)), "why this does not apply (required)", initial,
				func(m *Model, v string) (tea.Cmd, string) {
					if v == "" {
						return nil, "a reason is required for n/a"
					}
					return m.setItem(it, model.ItemNA, v), ""
				})
		}
	case key.Matches(msg, k.Note):
		if it, ok := p.selectedItem(); ok {
			m.openPrompt(fmt.Sprintf("note on %s", clean(it.Text)), "empty clears the note", it.Note,
				func(m *Model, v string) (tea.Cmd, string) { return m.setNote(it, v), "" })
		}
	}
	return m, nil
}

// nextPhase views the next phase. Leaving Pre-Deployment of a planned
// deployment starts Deployment Execution, after a confirmation that says how
// many items are still open (the override is recorded in the timeline).
func (m Model) nextPhase() (tea.Model, tea.Cmd) {
	p := &m.checklist
	d, has := m.focused()
	ph, ok := p.currentPhase()
	if !has || !ok || p.phase+1 >= len(p.list.Phases) {
		return m, nil
	}
	if d.Status != model.StatusPlanned || ph.Name != model.PhasePreDeployment || m.opts.ReadOnly {
		p.setPhase(p.phase + 1)
		return m, nil
	}
	open := ph.Progress().Open()
	q := fmt.Sprintf("Start Deployment Execution of %s?", clean(d.Title()))
	if open > 0 {
		q = fmt.Sprintf("%d Pre-Deployment items are still open. Start Deployment Execution anyway (recorded as an override)?", open)
	}
	actor, at, id := m.opts.Actor, m.opts.Now(), d.ID
	m.choice = yesNo(q, func(m *Model) tea.Cmd {
		return m.write(id, func(ctx context.Context) (string, int64, error) {
			_, err := m.store.StartExecution(ctx, id, actor, at, open > 0)
			if err != nil {
				return "", 0, err
			}
			if open > 0 {
				return fmt.Sprintf("Deployment Execution started with %d Pre-Deployment items open (override recorded)", open), 0, nil
			}
			return "Deployment Execution started", 0, nil
		})
	})
	m.mode = modeConfirm
	return m, nil
}

func (m Model) setItem(it model.Item, state model.ItemState, reason string) tea.Cmd {
	actor, at, st := m.opts.Actor, m.opts.Now(), m.store
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		if _, err := st.SetItemState(ctx, it.ID, state, reason, actor, at); err != nil {
			return "", 0, err
		}
		verb := map[model.ItemState]string{model.ItemDone: "done", model.ItemTodo: "reopened", model.ItemNA: "n/a"}[state]
		return fmt.Sprintf("%s: %s", verb, clean(it.Text)), 0, nil
	})
}

func (m *Model) openPrompt(label, placeholder, initial string, submit func(m *Model, v string) (tea.Cmd, string)) {
	m.prompt = newPrompt(m.styles, label, placeholder, initial, submit)
	m.mode = modePrompt
	m.dialogs++
}

func (m Model) setNote(it model.Item, v string) tea.Cmd {
	actor, at, st := m.opts.Actor, m.opts.Now(), m.store
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		if _, err := st.SetItemNote(ctx, it.ID, v, actor, at); err != nil {
			return "", 0, err
		}
		if v == "" {
			return "note cleared: " + clean(it.Text), 0, nil
		}
		return "note saved: " + clean(it.Text), 0, nil
	})
}

func (m Model) handlePromptKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		return m, nil
	case key.Matches(msg, m.keys.Submit):
		opened := m.dialogs
		cmd, errMsg := m.prompt.submit(&m, m.prompt.value())
		if errMsg != "" {
			m.prompt.err = errMsg
			return m, nil
		}
		if m.dialogs == opened && m.mode == modePrompt { // submit may have opened another dialog
			m.mode = modeNormal
		}
		m.status = ""
		return m, cmd
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.update(msg)
	m.prompt.err = ""
	return m, cmd
}

func (m Model) handleConfirmKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	m.mode = modeNormal
	if f, ok := m.choice.options[msg.String()]; ok {
		m.status = ""
		cmd := f(&m)
		return m, cmd
	}
	m.setStatus("cancelled", false)
	return m, nil
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

// typing reports whether a text input has the keys.
func (m Model) typing() bool {
	return m.mode == modePrompt || m.mode == modeForm || m.mode == modeIncidentForm
}
