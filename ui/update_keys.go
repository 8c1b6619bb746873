package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// handleKey only routes a key; what a key does lives with whoever owns it.
// ctrl+c quits from anywhere. An open dialog takes every other key: that is
// the mode gate, so while a text input has focus only esc, enter and ctrl+c
// mean more than text (q in a note types a q). A full-screen view takes its
// own keys. On the dashboard the global keys come first, then the focused
// pane's.
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
		return m.handleHelpKey(msg)
	}

	// A key press clears the last message.
	m.status, m.statusErr = "", false
	if m.screen != screenDashboard {
		return m.handleScreenKey(msg)
	}
	if m.blockedReadOnly(msg) {
		return m, nil
	}
	if next, cmd, ok := m.handleGlobalKey(msg); ok {
		return next, cmd
	}
	// p and f mean promote and finish only in the rollout pane; elsewhere
	// they say where they work rather than doing nothing.
	if m.focus != paneRollout {
		for _, b := range []key.Binding{m.keys.Promote, m.keys.Finish} {
			if key.Matches(msg, b) {
				m.setStatus(b.Help().Key+" works in the rollout pane (2)", false)
				return m, nil
			}
		}
	}
	switch m.focus {
	case paneChecklist:
		return m.handleChecklistKey(msg)
	case paneRollout:
		return m.handleRolloutKey(msg)
	case paneLog:
		return m.handleLogKey(msg)
	case paneEscalation:
		return m.handleEscalationKey(msg)
	}
	return m, nil
}

// handleGlobalKey handles the keys of globalKeys; ok is false for any other
// key, which then goes to the focused pane.
func (m Model) handleGlobalKey(msg tea.KeyMsg) (_ tea.Model, _ tea.Cmd, ok bool) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit, true
	case key.Matches(msg, k.Help):
		m.mode, m.helpTop = modeHelp, 0
	case key.Matches(msg, k.NextPane):
		m.setFocus(m.focus + 1)
	case key.Matches(msg, k.PrevPane):
		m.setFocus(m.focus - 1)
	case key.Matches(msg, k.Pane1):
		m.setFocus(paneChecklist)
	case key.Matches(msg, k.Pane2):
		m.setFocus(paneRollout)
	case key.Matches(msg, k.Pane3):
		m.setFocus(paneLog)
	case key.Matches(msg, k.Pane4):
		m.setFocus(paneEscalation)
	case key.Matches(msg, k.UTC):
		m.utc = !m.utc
	case key.Matches(msg, k.OpenIncident):
		next, cmd := m.openIncidentForm()
		return next, cmd, true
	case key.Matches(msg, k.History):
		next, cmd := m.openHistory()
		return next, cmd, true
	case key.Matches(msg, k.Metrics):
		next, cmd := m.openMetrics()
		return next, cmd, true
	case key.Matches(msg, k.Links):
		m.screen = screenLinks
		m.relayout()
	case key.Matches(msg, k.NewDeploy):
		f := newDeployForm(m.styles)
		m.form = &f
		m.mode = modeForm
		return m, templatesCmd(m.store), true
	case key.Matches(msg, k.NextDeploy), key.Matches(msg, k.PrevDeploy):
		next, cmd := m.cycleDeployment(key.Matches(msg, k.NextDeploy))
		return next, cmd, true
	default:
		return m, nil, false
	}
	return m, nil, true
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

// typing reports whether a text input has the keys.
func (m Model) typing() bool {
	return m.mode == modePrompt || m.mode == modeForm || m.mode == modeIncidentForm
}
