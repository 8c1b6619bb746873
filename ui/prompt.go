package ui

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// prompt is a one-line question drawn in the footer, vim-style, so the panes
// stay in view while typing. submit runs on enter with the trimmed value; a
// non-empty error message keeps the prompt open and shows why.
type prompt struct {
	label  string
	input  textinput.Model
	submit func(m *Model, value string) (tea.Cmd, string)
	err    string
	// selected: the pre-filled value is selected, as in a GUI text field:
	// typing replaces it, a movement key or backspace starts editing it.
	selected bool
}

// PromptMaxLen is the longest answer a prompt takes, in characters: the
// store's limit for notes and reasons (data.MaxTextLen; a ui/cli test keeps
// them equal). The input holds one character more, so a longer paste is
// refused on enter with a message instead of being cut without a word.
const PromptMaxLen = 500

func newPrompt(st Styles, label, placeholder, initial string, submit func(m *Model, value string) (tea.Cmd, string)) prompt {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = PromptMaxLen + 1
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: no redraws while idle
	in.TextStyle = st.Text.Style
	in.PlaceholderStyle = st.Muted.Style
	in.Cursor.Style = st.Cursor.Style
	in.Placeholder = placeholder
	in.SetValue(initial)
	in.CursorEnd()
	in.Focus()
	return prompt{label: label, input: in, submit: submit, selected: initial != ""}
}

func (p prompt) value() string { return strings.TrimSpace(p.input.Value()) }

func (p prompt) update(msg tea.Msg) (prompt, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok && p.selected {
		p.selected = false
		if km.Type == tea.KeyRunes || km.Type == tea.KeySpace {
			p.input.SetValue("")
		}
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

// maxPromptLines bounds a wrapped prompt or question, so the panes stay in
// view above it.
const maxPromptLines = 6

// lines draws the prompt in w cells: the question wrapped onto as many lines
// as it needs (never cut mid-question, up to maxPromptLines), the input after
// its last line when at least promptMinInput cells are left (else on a line
// of its own), then "enter save · esc cancel" or the error if it fits.
func (p prompt) lines(st Styles, w int) []string {
	const promptMinInput = 24
	label := clean(p.label) + ":"
	wrapped := strings.Split(ansi.Wordwrap(label, w, ""), "\n")
	if len(wrapped) > maxPromptLines-1 {
		wrapped = wrapped[:maxPromptLines-1]
		wrapped[len(wrapped)-1] = fit(wrapped[len(wrapped)-1]+" …", w)
	}
	out := make([]string, 0, len(wrapped)+1)
	for _, l := range wrapped[:len(wrapped)-1] {
		out = append(out, st.Label.Render(fit(l, w)))
	}
	last := wrapped[len(wrapped)-1] + " "
	if w-ansiWidth(last) < promptMinInput {
		out = append(out, st.Label.Render(fit(last, w)))
		last = ""
	}
	hint := "  enter save · esc cancel"
	if p.selected {
		hint = "  typing replaces · enter keeps · esc cancel"
	}
	hintStyle := st.Muted
	if p.err != "" {
		hint, hintStyle = "  ✗ "+clean(p.err), st.StatusError
	}
	room := w - ansiWidth(last)
	inputW := room - ansiWidth(hint)
	errLine := ""
	if inputW < promptMinInput {
		if p.err != "" { // an error is never dropped: it goes on its own line
			errLine = hintStyle.Render(fit(strings.TrimSpace(hint), w))
		}
		hint, inputW = "", room
	}
	p.input.Width = max(inputW-1, 1)
	out = append(out, fit(st.Label.Render(last)+p.input.View()+hintStyle.Render(hint), w))
	if errLine != "" {
		out = append(out, errLine)
	}
	return out
}

// view is the prompt's first line, for callers with room for one.
func (p prompt) view(st Styles, w int) string { return p.lines(st, w)[0] }

// choice is a question answered with one key, drawn in the footer: a yes/no
// confirmation or a pick among a few options. Any other key cancels.
type choice struct {
	question string
	list     []string // the options, one a line under the question
	options  map[string]func(m *Model) tea.Cmd
}

// lines draws the question wrapped to w and then its options, one a line,
// so none is cut at 80 columns.
func (c choice) lines(st Styles, w int) []string {
	var out []string
	for _, l := range strings.Split(ansi.Wordwrap(clean(c.question), w, ""), "\n") {
		out = append(out, st.Warn.Render(fit(l, w)))
	}
	for _, o := range c.list {
		out = append(out, st.Text.Render(fit("  "+clean(o), w)))
	}
	if len(out) > maxPromptLines+2 {
		out = out[:maxPromptLines+2]
	}
	return out
}

func yesNo(question string, onYes func(m *Model) tea.Cmd) choice {
	return choice{question: question + " y/N", options: map[string]func(m *Model) tea.Cmd{"y": onYes, "Y": onYes}}
}

// promptKeys and confirmKeys are all a prompt or a question answers to:
// while a prompt has focus every other key is text.
func (k KeyMap) promptKeys() keyScope { return oneGroup("Prompt", k.Submit, k.Cancel) }

func (k KeyMap) confirmKeys() keyScope { return oneGroup("Question", k.Confirm, k.Dismiss) }

func (m *Model) openPrompt(label, placeholder, initial string, submit func(m *Model, v string) (tea.Cmd, string)) {
	p := newPrompt(m.styles, label, placeholder, initial, submit)
	m.prompt = &p
	m.mode = modePrompt
	m.dialogs++
}

func (m Model) handlePromptKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		return m, nil
	case key.Matches(msg, m.keys.Submit):
		if utf8.RuneCountInString(m.prompt.value()) > PromptMaxLen {
			m.prompt.err = fmt.Sprintf("too long: keep it to %d characters — nothing saved", PromptMaxLen)
			return m, nil
		}
		opened := m.dialogs
		cmd, errMsg := m.prompt.submit(&m, m.prompt.value())
		if errMsg != "" {
			m.prompt.err = errMsg
			return m, nil
		}
		if m.dialogs == opened && m.mode == modePrompt { // submit may have opened another dialog
			m.mode = modeNormal
			// What was typed comes back if the write is refused (the
			// database unreachable, a stale decision): never retyped.
			cmd = keepPromptOnRefusal(cmd, *m.prompt)
		}
		m.status = ""
		return m, cmd
	}
	var cmd tea.Cmd
	*m.prompt, cmd = m.prompt.update(msg)
	m.prompt.err = ""
	return m, cmd
}

// keepPromptOnRefusal marks the write cmd runs (directly or in a batch) with
// the prompt that asked for it, so a refused write reopens the prompt with
// the text as typed and the refusal beside it.
func keepPromptOnRefusal(cmd tea.Cmd, p prompt) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case snapshotMsg:
			if msg.writeErr != nil {
				msg.retry = &p
			}
			return msg
		case tea.BatchMsg:
			for i := range msg {
				msg[i] = keepPromptOnRefusal(msg[i], p)
			}
			return msg
		default:
			return msg
		}
	}
}

// reopenRefused puts a refused prompt back, its text as typed, when nothing
// else took the footer meanwhile. Not after a stale decision: the state the
// question was asked about is gone, and the refusal says who changed what;
// the action must be decided again on what the screen shows now.
func (m *Model) reopenRefused(p *prompt, err error) {
	if p == nil || m.mode != modeNormal || errors.Is(err, model.ErrStale) {
		return
	}
	again := *p
	m.prompt = &again
	m.prompt.selected = false
	m.prompt.err = "not saved: " + err.Error()
	m.prompt.input.Focus()
	m.mode = modePrompt
	m.dialogs++
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
