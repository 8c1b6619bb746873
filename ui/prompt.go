package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"flightdeck/model"
)

// promptKind is what a one-line prompt is asking for.
type promptKind int

const (
	promptNA promptKind = iota
	promptNote
)

// prompt is a one-line question drawn in the footer, vim-style, so the
// checklist stays in view while typing.
type prompt struct {
	kind     promptKind
	item     model.Item
	label    string
	input    textinput.Model
	required bool
	err      string
}

func newPrompt(kind promptKind, it model.Item, st Styles) prompt {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 500
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: no redraws while idle
	in.TextStyle = st.Text
	in.PlaceholderStyle = st.Muted
	p := prompt{kind: kind, item: it, input: in}
	switch kind {
	case promptNA:
		p.label = "n/a because"
		p.required = true
		p.input.Placeholder = "why this does not apply (required)"
		if it.State == model.ItemNA {
			p.input.SetValue(it.Reason)
		}
	case promptNote:
		p.label = "note"
		p.input.Placeholder = "empty clears the note"
		p.input.SetValue(it.Note)
	}
	p.input.CursorEnd()
	p.input.Focus()
	return p
}

func (p prompt) value() string { return strings.TrimSpace(p.input.Value()) }

func (p prompt) update(msg tea.Msg) (prompt, tea.Cmd) {
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

// view draws "n/a because ▸ text▌   enter save · esc cancel" in w cells.
func (p prompt) view(st Styles, w int) string {
	label := st.Label.Render(p.label+" “"+clean(p.item.Text)) + st.Label.Render("”: ")
	if lw := w / 3; len([]rune(clean(p.item.Text))) > lw {
		label = st.Label.Render(p.label + ": ")
	}
	hint := st.Muted.Render("  enter save · esc cancel")
	if p.err != "" {
		hint = st.StatusError.Render("  ✗ " + p.err)
	}
	room := w - ansiWidth(label) - ansiWidth(hint)
	if room < 10 {
		hint = ""
		room = w - ansiWidth(label)
	}
	p.input.Width = max(room-1, 1)
	return fit(label+p.input.View()+hint, w)
}

// confirm is a yes/no question drawn in the footer.
type confirm struct {
	question string
	onYes    func(m *Model) tea.Cmd
}
