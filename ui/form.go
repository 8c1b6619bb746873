package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/octoacme/flightdeck/model"
)

// deployForm starts a deployment from the dashboard: service, version,
// environment, the commit it ships and when that was committed (both
// optional: with them the deployment counts in lead time), strategy and
// checklist.
type deployForm struct {
	inputs    [formInputs]textinput.Model
	strategy  int
	templates []string // names; the first is the default
	template  int
	field     int // 0–4 inputs, 5 strategy, 6 template
	err       string
}

// The form's fields: formInputs text inputs, then the two choices.
const (
	formInputs   = 5
	formStrategy = formInputs
	formTemplate = formInputs + 1
)

var formLabels = [...]string{"Service", "Version", "Environment", "Commit", "Committed", "Strategy", "Checklist"}

// templatesMsg brings the template names into an open form.
type templatesMsg struct{ names []string }

func templatesCmd(st TemplateStore) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		names, err := st.TemplateNames(ctx)
		if err != nil {
			return nil
		}
		return templatesMsg{names: names}
	}
}

func (f deployForm) templateName() string {
	if f.template < 0 || f.template >= len(f.templates) {
		return ""
	}
	return f.templates[f.template]
}

func newDeployForm(st Styles) deployForm {
	var f deployForm
	placeholders := [formInputs]string{"e.g. checkout-api", "e.g. v2.14.0", model.DefaultEnvironment,
		"optional: the hash, e.g. 3f2a9c1", "optional: e.g. -2h, 09:12, 2026-11-25 09:12 +0100"}
	for i := range f.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = 80
		in.Cursor.SetMode(cursor.CursorStatic) // no blink: no redraws while idle
		in.Placeholder = placeholders[i]
		in.TextStyle = st.Text.Style
		in.PlaceholderStyle = st.Muted.Style
		in.Cursor.Style = st.Cursor.Style
		f.inputs[i] = in
	}
	f.inputs[0].Focus()
	return f
}

// value is the deployment the form describes; the commit time is read in
// the one time grammar (model.ParseTime), in loc, at now.
func (f deployForm) value(now time.Time, loc *time.Location) (model.NewDeployment, error) {
	n := model.NewDeployment{
		Service:     f.inputs[0].Value(),
		Version:     f.inputs[1].Value(),
		Environment: f.inputs[2].Value(),
		CommitSHA:   strings.ToLower(strings.TrimSpace(f.inputs[3].Value())),
		Strategy:    model.Strategies[f.strategy],
	}
	if n.CommitSHA != "" && !isCommitHash(n.CommitSHA) {
		return n, fmt.Errorf("commit %q is not a commit hash: give 4 to 64 hex digits, e.g. 3f2a9c1 (or leave it empty)", clean(n.CommitSHA))
	}
	if at := strings.TrimSpace(f.inputs[4].Value()); at != "" {
		if n.CommitSHA == "" {
			return n, fmt.Errorf("a commit time needs the commit: give its hash too (or leave both empty)")
		}
		t, err := model.ParseTime(at, now, loc)
		if err != nil {
			return n, fmt.Errorf("committed: %v", err)
		}
		n.CommittedAt = t
	}
	return n.Normalize()
}

// isCommitHash reports whether s is 4 to 64 lower-case hex digits. A loop,
// not a regular expression: one compiled in package initialisation was paid
// by every flightdeck process, --help included.
func isCommitHash(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (f *deployForm) focusField(i int) {
	f.field = (i + len(formLabels)) % len(formLabels)
	for j := range f.inputs {
		if j == f.field {
			f.inputs[j].Focus()
		} else {
			f.inputs[j].Blur()
		}
	}
}

func (f deployForm) update(msg tea.Msg, k KeyMap) (deployForm, tea.Cmd) {
	km, isKey := msg.(tea.KeyMsg)
	if isKey {
		switch {
		case keyMatches(km, k.Field):
			f.focusField(f.field + 1)
			return f, nil
		case keyMatches(km, k.FieldBack):
			f.focusField(f.field - 1)
			return f, nil
		}
		if f.field == formStrategy {
			switch km.String() {
			case "left", "h":
				f.strategy = (f.strategy + len(model.Strategies) - 1) % len(model.Strategies)
			case "right", "l", " ":
				f.strategy = (f.strategy + 1) % len(model.Strategies)
			}
			return f, nil
		}
		if f.field == formTemplate {
			if n := len(f.templates); n > 0 {
				switch km.String() {
				case "left", "h":
					f.template = (f.template + n - 1) % n
				case "right", "l", " ":
					f.template = (f.template + 1) % n
				}
			}
			return f, nil
		}
	}
	var cmd tea.Cmd
	if f.field < formInputs {
		f.inputs[f.field], cmd = f.inputs[f.field].Update(msg)
	}
	return f, cmd
}

// view draws the form as a dialog box at most w wide.
func (f deployForm) view(st Styles, w int) string {
	fw := st.Dialog.GetHorizontalFrameSize()
	inner := min(max(w-fw, 10), 60)
	labelW := 0 // the mark, the longest label and a space before the value
	for _, l := range formLabels {
		labelW = max(labelW, ansiWidth("▶ "+l)+1)
	}
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(fit("Start a deployment", inner)) + "\n\n")
	for i, label := range formLabels {
		mark := "  "
		if i == f.field {
			mark = "▶ "
		}
		l := st.Label.Render(pad(mark+label, labelW))
		var v string
		if i < formInputs {
			in := f.inputs[i]
			in.Width = max(inner-labelW-1, 1)
			v = in.View()
		} else if i == formTemplate {
			v = st.Muted.Render("built-in (OctoAcme)")
			if name := f.templateName(); name != "" {
				v = st.TabActive.Render("[" + clean(name) + "]")
				if len(f.templates) > 1 {
					v += st.Muted.Render(fmt.Sprintf("  ←/→ %d templates", len(f.templates)))
				}
			}
		} else {
			var opts []string
			for j, s := range model.Strategies {
				if j == f.strategy {
					opts = append(opts, st.TabActive.Render("["+string(s)+"]"))
				} else {
					opts = append(opts, st.Muted.Render(string(s)))
				}
			}
			v = strings.Join(opts, " ")
		}
		b.WriteString(fit(l+v, inner) + "\n")
	}
	b.WriteString("\n")
	if f.err != "" {
		b.WriteString(st.StatusError.Render(fit("✗ "+f.err, inner)) + "\n")
	}
	b.WriteString(st.Muted.Render(fit("tab next field · ←/→ choose · enter start · esc cancel", inner)))
	return st.Dialog.Width(inner + st.Dialog.GetHorizontalPadding()).Render(b.String())
}

// placeOver draws box centred over the background lines, cell-accurately.
func placeOver(bg []string, box string, w int) []string {
	boxLines := strings.Split(box, "\n")
	bw := lipgloss.Width(box)
	top := max((len(bg)-len(boxLines))/2, 0)
	left := max((w-bw)/2, 0)
	out := append([]string(nil), bg...)
	for i, bl := range boxLines {
		y := top + i
		if y >= len(out) {
			break
		}
		// Every box line is padded to the box's width, so nothing of the
		// screen behind shows through a shorter line.
		line := pad(out[y], w)
		leftPart := truncateCells(line, left)
		rightPart := cutCells(line, left+bw, w)
		out[y] = fit(leftPart+pad(bl, bw)+rightPart, w)
	}
	return out
}
