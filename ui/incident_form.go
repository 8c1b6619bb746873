package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// incidentForm opens an incident: title, severity (with the seed's
// definitions shown), the security flag and the deployment that caused it.
// The link is a choice that starts at "none": the focused deployment is
// offered first, never chosen silently, because a link makes it a change
// failure in the metrics.
type incidentForm struct {
	title    textinput.Model
	sev      model.Severity
	security bool
	field    int                // one of the formField… below
	links    []model.Deployment // offered: the focused one first, then the other active ones
	link     int                // 0: none; i: links[i-1]
	err      string
}

// The incident form's fields, in tab order.
const (
	formFieldTitle = iota
	formFieldSeverity
	formFieldSecurity
	formFieldLink
	formFields
)

// linkChoices is the focused deployment first, then the other active ones.
func linkChoices(deps []model.Deployment, focused model.Deployment, has bool) []model.Deployment {
	var out []model.Deployment
	if has {
		out = append(out, focused)
	}
	for _, d := range deps {
		if !has || d.ID != focused.ID {
			out = append(out, d)
		}
	}
	return out
}

func newIncidentForm(st Styles, links []model.Deployment) incidentForm {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = model.MaxIncidentTitle
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Placeholder = "what is broken, e.g. checkout 5xx after v2.14.0"
	in.TextStyle = st.Text.Style
	in.PlaceholderStyle = st.Muted.Style
	in.Cursor.Style = st.Cursor.Style
	in.Focus()
	return incidentForm{title: in, sev: model.SEV2, links: links}
}

func (f incidentForm) value() model.NewIncident {
	n := model.NewIncident{Title: f.title.Value(), Severity: f.sev, Security: f.security}
	if f.link > 0 {
		n.DeploymentID = f.links[f.link-1].ID
	}
	return n
}

func (f incidentForm) update(msg tea.Msg, k KeyMap) (incidentForm, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case keyMatches(km, k.Field):
			f.field = (f.field + 1) % formFields
		case keyMatches(km, k.FieldBack):
			f.field = (f.field + formFields - 1) % formFields
		case f.field == formFieldLink:
			n := len(f.links) + 1
			switch km.String() {
			case "left", "h", "up", "k":
				f.link = (f.link + n - 1) % n
			case "right", "l", "down", "j", " ":
				f.link = (f.link + 1) % n
			case "0", "n":
				f.link = 0
			}
		case f.field == formFieldSeverity:
			switch km.String() {
			case "1", "2", "3", "4":
				f.sev = model.Severity(km.Runes[0] - '0')
			case "left", "h":
				f.sev = max(f.sev-1, model.SEV1)
			case "right", "l":
				f.sev = min(f.sev+1, model.SEV4)
			}
		case f.field == formFieldSecurity:
			if s := km.String(); s == " " || s == "left" || s == "right" || s == "y" || s == "n" {
				f.security = s == "y" || (s != "n" && !f.security)
			}
		default:
			var cmd tea.Cmd
			f.title, cmd = f.title.Update(msg)
			return f, cmd
		}
		if f.field == formFieldTitle {
			f.title.Focus()
		} else {
			f.title.Blur()
		}
	}
	return f, nil
}

func (f incidentForm) view(st Styles, w int) string {
	fw := st.Dialog.GetHorizontalFrameSize()
	inner := min(max(w-fw, 10), 72)
	mark := func(i int) string {
		if i == f.field {
			return "▶ "
		}
		return "  "
	}
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(fit("Open an incident", inner)) + "\n\n")
	t := f.title
	t.Width = max(inner-12, 1)
	b.WriteString(fit(st.Label.Render(pad(mark(0)+"Title", 11))+t.View(), inner) + "\n")
	var sevs []string
	for _, s := range model.Severities {
		if s == f.sev {
			sevs = append(sevs, sevStyle(st, s).Render("["+s.Label()+"]"))
		} else {
			sevs = append(sevs, st.Muted.Render(s.Label()))
		}
	}
	b.WriteString(fit(st.Label.Render(pad(mark(1)+"Severity", 11))+strings.Join(sevs, " "), inner) + "\n")
	b.WriteString(fit(st.Muted.Render(pad("", 11)+f.sev.Name()+": "+f.sev.Definition()), inner) + "\n")
	sec := "no"
	if f.security {
		sec = st.Danger.Render("YES — Security Lead is due at once")
	}
	b.WriteString(fit(st.Label.Render(pad(mark(2)+"Security", 11))+sec, inner) + "\n")
	b.WriteString(f.linkView(st, inner, mark(formFieldLink)))
	b.WriteString("\n")
	if f.err != "" {
		b.WriteString(st.StatusError.Render(fit("✗ "+f.err, inner)) + "\n")
	}
	hints := [formFields]string{
		"tab next field · enter open · esc cancel",
		"1–4 or ←/→ severity · tab next field · enter open · esc cancel",
		"space security yes/no · tab next field · enter open · esc cancel",
		"←/→ choose what caused it · tab next field · enter open · esc cancel",
	}
	b.WriteString(st.Muted.Render(fit(hints[f.field], inner)))
	return st.Dialog.Width(inner + st.Dialog.GetHorizontalPadding()).Render(b.String())
}

// linkView lists the link choices, one a line, the chosen one marked ●
// (readable without colour); a link counts in the change fail rate, which
// the line under them says.
func (f incidentForm) linkView(st Styles, inner int, mark string) string {
	const labelW = 11
	var b strings.Builder
	opts := []string{"none: not caused by a deployment"}
	for i, d := range f.links {
		o := fmt.Sprintf("#%d %s", d.ID, clean(d.Title()))
		if i == 0 {
			o += " (focused)"
		}
		opts = append(opts, o)
	}
	// At most four lines of choices; a longer list scrolls with the choice.
	first := max(0, min(f.link-3, len(opts)-4))
	for i := first; i < len(opts) && i < first+4; i++ {
		label := ""
		if i == first {
			label = mark + "Link"
		}
		dot, style := "○ ", st.Muted
		if i == f.link {
			dot, style = "● ", st.Text
		}
		b.WriteString(fit(st.Label.Render(pad(label, labelW))+style.Render(dot+opts[i]), inner) + "\n")
	}
	if n := len(opts) - 4; n > 0 {
		b.WriteString(fit(st.Muted.Render(pad("", labelW)+fmt.Sprintf("%d choices: ←/→ for more", len(opts))), inner) + "\n")
	}
	note := "a link counts it as a change failure (SEV1/SEV2)"
	if len(f.links) == 0 {
		note = "no active deployment; link one later with L in the escalation pane"
	}
	b.WriteString(fit(st.Muted.Render(pad("", labelW)+note), inner) + "\n")
	return b.String()
}

func (m Model) openIncidentForm() (tea.Model, tea.Cmd) {
	d, has := m.focused()
	f := newIncidentForm(m.styles, linkChoices(m.deployments, d, has))
	m.iform = &f
	m.mode = modeIncidentForm
	return m, nil
}

func (m Model) handleIncidentFormKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		return m, nil
	case key.Matches(msg, m.keys.Submit):
		n, err := m.iform.value().Normalize()
		if err != nil {
			m.iform.err = err.Error()
			return m, nil
		}
		m.mode = modeNormal
		m.setFocus(paneEscalation)
		return m, m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			inc, err := m.writer.OpenIncident(ctx, n, actor, at)
			if err != nil {
				return "", err
			}
			link := " · not linked to a deployment"
			if inc.DeploymentID != 0 {
				link = fmt.Sprintf(" · linked to #%d", inc.DeploymentID)
			}
			return fmt.Sprintf("opened %s %s: %s%s", inc.Ref(), inc.Severity.Label(), clean(inc.Title), link), nil
		})
	}
	var cmd tea.Cmd
	*m.iform, cmd = m.iform.update(msg, *m.keys)
	m.iform.err = ""
	return m, cmd
}
