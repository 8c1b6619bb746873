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
// definitions shown) and the security flag. It links to the focused
// deployment when there is one.
type incidentForm struct {
	title    textinput.Model
	sev      model.Severity
	security bool
	field    int // 0 title, 1 severity, 2 security
	deploy   model.Deployment
	linked   bool
	err      string
}

func newIncidentForm(st Styles, d model.Deployment, linked bool) incidentForm {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = model.MaxIncidentTitle
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Placeholder = "what is broken, e.g. checkout 5xx after v2.14.0"
	in.TextStyle = st.Text
	in.PlaceholderStyle = st.Muted
	in.Cursor.Style = st.Cursor
	in.Focus()
	return incidentForm{title: in, sev: model.SEV2, deploy: d, linked: linked}
}

func (f incidentForm) value() model.NewIncident {
	n := model.NewIncident{Title: f.title.Value(), Severity: f.sev, Security: f.security}
	if f.linked {
		n.DeploymentID = f.deploy.ID
	}
	return n
}

func (f incidentForm) update(msg tea.Msg, k KeyMap) (incidentForm, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case keyMatches(km, k.Field):
			f.field = (f.field + 1) % 3
		case keyMatches(km, k.FieldBack):
			f.field = (f.field + 2) % 3
		case f.field == 1:
			switch km.String() {
			case "1", "2", "3", "4":
				f.sev = model.Severity(km.Runes[0] - '0')
			case "left", "h":
				f.sev = max(f.sev-1, model.SEV1)
			case "right", "l":
				f.sev = min(f.sev+1, model.SEV4)
			}
		case f.field == 2:
			if s := km.String(); s == " " || s == "left" || s == "right" || s == "y" || s == "n" {
				f.security = s == "y" || (s != "n" && !f.security)
			}
		default:
			var cmd tea.Cmd
			f.title, cmd = f.title.Update(msg)
			return f, cmd
		}
		if f.field == 0 {
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
	link := "not linked to a deployment"
	if f.linked {
		link = fmt.Sprintf("linked to #%d %s", f.deploy.ID, clean(f.deploy.Title()))
	}
	b.WriteString(fit(st.Muted.Render(pad("", 11)+link), inner) + "\n\n")
	if f.err != "" {
		b.WriteString(st.StatusError.Render(fit("✗ "+f.err, inner)) + "\n")
	}
	b.WriteString(st.Muted.Render(fit("tab next field · 1–4 or ←/→ severity · space security · enter open · esc cancel", inner)))
	return st.Dialog.Width(inner + st.Dialog.GetHorizontalPadding()).Render(b.String())
}

func (m Model) openIncidentForm() (tea.Model, tea.Cmd) {
	d, has := m.focused()
	m.iform = newIncidentForm(m.styles, d, has)
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
			inc, err := m.store.OpenIncident(ctx, n, actor, at)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("opened %s %s: %s", inc.Ref(), inc.Severity.Label(), clean(inc.Title)), nil
		})
	}
	var cmd tea.Cmd
	m.iform, cmd = m.iform.update(msg, m.keys)
	m.iform.err = ""
	return m, cmd
}
