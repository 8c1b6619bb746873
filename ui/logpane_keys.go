package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// logKeys is what the incident log answers to. The footer shows the
// actions, and G while scrolled back: it returns to the newest events.
func (k KeyMap) logKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{
			k.listKeys(),
			{"Incident log (3)", []key.Binding{k.Star, k.LogNote, k.LogEdit, k.SevFilter, k.Search, k.StarredOnly}},
		},
		Short: []key.Binding{k.Star, k.LogNote, k.SevFilter, k.Search, k.StarredOnly, k.Bottom},
	}
}

// enable disables movement and starring in an empty log, and G while the
// log already follows the newest events. Filters, search and notes always
// apply: they are how an empty log fills again.
func (p *logPane) enable(k KeyMap) KeyMap {
	on := len(p.events) > 0
	offUnless(on, &k.Up, &k.Down, &k.Top, &k.PgUp, &k.PgDown, &k.Star)
	offUnless(on && !p.following, &k.Bottom)
	return k
}

func (m Model) handleLogKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	p := &m.log
	older := func(q LogQuery, ok bool) tea.Cmd {
		if !ok {
			return nil
		}
		return olderCmd(m.store, q)
	}
	switch {
	case key.Matches(msg, k.Up):
		return m, older(p.move(-1))
	case key.Matches(msg, k.Down):
		return m, older(p.move(1))
	case key.Matches(msg, k.PgUp):
		return m, older(p.move(-max(p.height-1, 1)))
	case key.Matches(msg, k.PgDown):
		return m, older(p.move(max(p.height-1, 1)))
	case key.Matches(msg, k.Top):
		return m, older(p.move(-len(p.events)))
	case key.Matches(msg, k.Bottom):
		p.following = true
		return m, m.load(m.focusID)
	case key.Matches(msg, k.Star):
		e, ok := p.selected()
		if !ok {
			return m, nil
		}
		return m, m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			if e.Starred {
				return "unstarred", m.writer.StarEvent(ctx, e.ID, false, actor, at)
			}
			return "starred: it goes in the incident report", m.writer.StarEvent(ctx, e.ID, true, actor, at)
		})
	case key.Matches(msg, k.SevFilter):
		p.query.MinSeverity = (p.query.MinSeverity + 1) % 5
		return m, m.refilter()
	case key.Matches(msg, k.StarredOnly):
		p.query.StarredOnly = !p.query.StarredOnly
		return m, m.refilter()
	case key.Matches(msg, k.Search):
		m.openPrompt("search the log", "text or name; empty clears", p.query.Search, func(m *Model, v string) (tea.Cmd, string) {
			m.log.query.Search = v
			return m.refilter(), ""
		})
	case key.Matches(msg, k.LogNote):
		return m.logNote()
	case key.Matches(msg, k.LogEdit):
		return m.logNoteInEditor()
	}
	return m, nil
}

// refilter reloads the newest page for the log's new filter.
func (m *Model) refilter() tea.Cmd {
	m.log.following = true
	m.log.events = nil
	return m.load(m.focusID)
}

// logNote adds a note to an incident's timeline: the incident of the
// selected line, else the most urgent open one. "@-5m" or "@14:02" at the
// start backdates it.
func (m Model) logNote() (tea.Model, tea.Cmd) {
	inc, found := m.noteTarget()
	if !found {
		m.setStatus("notes go on an incident's timeline: ! opens one", true)
		return m, nil
	}
	ref, id := inc.Ref(), inc.ID
	m.openPrompt(fmt.Sprintf("note on %s", ref), "text; start with @-5m or @14:02 to backdate (@14:02! before it opened)", "", func(m *Model, v string) (tea.Cmd, string) {
		at, force := m.opts.Now(), false
		if strings.HasPrefix(v, "@") {
			when, rest, _ := strings.Cut(v[1:], " ")
			// "@14:02!" dates the note before the incident opened on purpose.
			when, force = strings.CutSuffix(when, "!")
			t, err := model.ParseWhen(when, at, m.loc())
			if err != nil {
				return nil, err.Error()
			}
			at, v = t, strings.TrimSpace(rest)
		}
		if v == "" {
			return nil, "the note is empty"
		}
		// Refused here, the prompt stays open with the text to fix.
		if err := inc.CheckNoteTime(at, force); err != nil {
			return nil, err.Error()
		}
		actor := m.opts.Actor
		return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
			return "note added to " + ref, 0, m.writer.AddIncidentNote(ctx, id, v, actor, at, force)
		}), ""
	})
	return m, nil
}

// noteTarget is the incident a note goes on: the selected line's, else the
// most urgent open one.
func (m Model) noteTarget() (model.Incident, bool) {
	if e, ok := m.log.selected(); ok && e.IncidentID != 0 && !m.log.following {
		for _, i := range m.escalation.incidents {
			if i.ID == e.IncidentID {
				return i, true
			}
		}
	}
	if len(m.escalation.incidents) > 0 {
		return m.escalation.incidents[0], true
	}
	return model.Incident{}, false
}

// editorHeader starts the file the editor opens; lines starting with # are
// dropped when it is read back.
const editorHeader = "# Note on %s: write it below, save and quit. Lines starting with # are dropped;\n# an empty note is not saved. Line breaks are kept.\n"

// logNoteInEditor suspends the dashboard and runs the editor (editText)
// for a note of several lines on the note's incident (noteTarget); the
// note is saved, dated now, when the editor exits.
func (m Model) logNoteInEditor() (tea.Model, tea.Cmd) {
	if m.opts.Editor == "" {
		m.setStatus("no editor here (over SSH it would run on the server): use e for a one-line note, or flightdeck incident note ID --body-file - on your side", true)
		return m, nil
	}
	inc, found := m.noteTarget()
	if !found {
		m.setStatus("notes go on an incident's timeline: ! opens one", true)
		return m, nil
	}
	id, ref := inc.ID, inc.Ref()
	cmd := m.editText(fmt.Sprintf(editorHeader, ref), "", func(m *Model, text string) tea.Cmd {
		if text == "" {
			m.setStatus("the note was empty: nothing saved", false)
			return nil
		}
		actor, at, w := m.opts.Actor, m.opts.Now(), m.writer
		return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
			return "note added to " + ref, 0, w.AddIncidentNote(ctx, id, text, actor, at, false)
		})
	})
	return m, cmd
}
