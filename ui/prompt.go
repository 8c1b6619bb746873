package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// prompt is a one-line question drawn in the footer, vim-style, so the panes
// stay in view while typing. submit runs on enter with the trimmed value; a
// non-empty error message keeps the prompt open and shows why.
type prompt struct {
	label  string
	input  textinput.Model
	submit func(m *Model, value string) (tea.Cmd, string)
	err    string
}

func newPrompt(st Styles, label, placeholder, initial string, submit func(m *Model, value string) (tea.Cmd, string)) prompt {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 500
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: no redraws while idle
	in.TextStyle = st.Text
	in.PlaceholderStyle = st.Muted
	in.Cursor.Style = st.Cursor
	in.Placeholder = placeholder
	in.SetValue(initial)
	in.CursorEnd()
	in.Focus()
	return prompt{label: label, input: in, submit: submit}
}

func (p prompt) value() string { return strings.TrimSpace(p.input.Value()) }

func (p prompt) update(msg tea.Msg) (prompt, tea.Cmd) {
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

// view draws "label: text▌   enter save · esc cancel" in w cells.
func (p prompt) view(st Styles, w int) string {
	label := st.Label.Render(clean(p.label) + ": ")
	if ansiWidth(label) > w*2/3 {
		label = st.Label.Render(fit(clean(p.label), w/2) + ": ")
	}
	hint := st.Muted.Render("  enter save · esc cancel")
	if p.err != "" {
		hint = st.StatusError.Render("  ✗ " + clean(p.err))
	}
	room := w - ansiWidth(label) - ansiWidth(hint)
	if room < 10 {
		hint = ""
		room = w - ansiWidth(label)
	}
	p.input.Width = max(room-1, 1)
	return fit(label+p.input.View()+hint, w)
}

// choice is a question answered with one key, drawn in the footer: a yes/no
// confirmation or a pick among a few options. Any other key cancels.
type choice struct {
	question string
	options  map[string]func(m *Model) tea.Cmd
}

func yesNo(question string, onYes func(m *Model) tea.Cmd) choice {
	return choice{question: question + " y/N", options: map[string]func(m *Model) tea.Cmd{"y": onYes, "Y": onYes}}
}

// promptKeys and confirmKeys are all a prompt or a question answers to:
// while a prompt has focus every other key is text.
func (k KeyMap) promptKeys() keyScope { return oneGroup("Prompt", k.Submit, k.Cancel) }

func (k KeyMap) confirmKeys() keyScope { return oneGroup("Question", k.Confirm, k.Dismiss) }

func (m *Model) openPrompt(label, placeholder, initial string, submit func(m *Model, v string) (tea.Cmd, string)) {
	m.prompt = newPrompt(m.styles, label, placeholder, initial, submit)
	m.mode = modePrompt
	m.dialogs++
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
