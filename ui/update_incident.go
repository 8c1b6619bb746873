package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// incidentWrite runs one incident action and reloads.
func (m Model) incidentWrite(do func(ctx context.Context, actor string, at timeT) (string, error)) tea.Cmd {
	actor, at := m.opts.Actor, m.opts.Now()
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		s, err := do(ctx, actor, at)
		return s, 0, err
	})
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

func (m Model) escalationKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	p := &m.escalation
	switch {
	case key.Matches(msg, k.Up):
		p.move(-1)
		return m, nil
	case key.Matches(msg, k.Down):
		p.move(1)
		return m, nil
	case key.Matches(msg, k.Top):
		p.move(-len(p.rows))
		return m, nil
	case key.Matches(msg, k.Bottom):
		p.move(len(p.rows))
		return m, nil
	}
	inc, ok := p.selectedIncident()
	if !ok {
		if key.Matches(msg, k.Ack, k.EscalateNow, k.SkipTo, k.Mitigate, k.Resolve, k.Commander, k.Update, k.Severity) {
			m.setStatus("no open incident: ! opens one", true)
		}
		return m, nil
	}
	id, ref := inc.ID, inc.Ref()
	switch {
	case key.Matches(msg, k.Ack):
		_, step, ok := p.targetStep(m.now)
		if !ok {
			m.setStatus("nothing to acknowledge on "+ref, true)
			return m, nil
		}
		if err := p.policy.CheckAck(inc, step.Step.Number, m.now); err != nil {
			m.setStatus("✗ "+err.Error(), true)
			return m, nil
		}
		n := step.Step.Number
		m.openPrompt(fmt.Sprintf("%s step %d (%s): who was reached", ref, n, step.Step.ShortRole()), "name of the person reached (optional)", step.Step.Person,
			func(m *Model, v string) (tea.Cmd, string) {
				return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
					return fmt.Sprintf("%s step %d acknowledged", ref, n), m.store.AckStep(ctx, id, n, v, actor, at)
				}), ""
			})
	case key.Matches(msg, k.EscalateNow):
		n := 0
		label := "next step"
		if p.cursorRow > 0 {
			n = p.cursorRow
			label = fmt.Sprintf("step %d", n)
		} else if s, ok := p.policy.NextEscalation(inc, m.now); ok {
			n = s.Number
			label = fmt.Sprintf("step %d (%s)", n, s.ShortRole())
		}
		m.openPrompt(fmt.Sprintf("escalate %s to %s now because", ref, label), "reason (required)", "", func(m *Model, v string) (tea.Cmd, string) {
			if _, err := m.escalation.policy.CheckManual(inc, model.ManualEscalateNow, n, v, m.now); err != nil {
				return nil, err.Error()
			}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				return fmt.Sprintf("%s escalated to %s", ref, label), m.store.EscalateNow(ctx, id, n, v, actor, at)
			}), ""
		})
	case key.Matches(msg, k.SkipTo):
		if p.cursorRow == 0 {
			m.setStatus("move the cursor to the step to skip to, then K", true)
			return m, nil
		}
		n := p.cursorRow
		m.openPrompt(fmt.Sprintf("skip %s to step %d because", ref, n), "reason (required)", "", func(m *Model, v string) (tea.Cmd, string) {
			if _, err := m.escalation.policy.CheckManual(inc, model.ManualSkipTo, n, v, m.now); err != nil {
				return nil, err.Error()
			}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				return fmt.Sprintf("%s skipped to step %d", ref, n), m.store.SkipToStep(ctx, id, n, v, actor, at)
			}), ""
		})
	case key.Matches(msg, k.Mitigate):
		if inc.Status != model.IncidentOpen {
			m.setStatus(ref+" is already "+string(inc.Status), true)
			return m, nil
		}
		return m, m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			return ref + " mitigated: clocks keep running until it is resolved", m.store.MitigateIncident(ctx, id, actor, at)
		})
	case key.Matches(msg, k.Resolve):
		m.openPrompt(fmt.Sprintf("resolve %s — root cause", ref), "root cause, if known (optional), then confirm", inc.RootCause, func(m *Model, v string) (tea.Cmd, string) {
			m.choice = yesNo(fmt.Sprintf("Resolve %s %q? Its clocks stop.", ref, clean(inc.Title)), func(m *Model) tea.Cmd {
				return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
					return ref + " resolved", m.store.ResolveIncident(ctx, id, v, actor, at)
				})
			})
			m.mode = modeConfirm
			return nil, ""
		})
	case key.Matches(msg, k.Commander):
		m.openPrompt(fmt.Sprintf("%s incident commander", ref), "name (use 'scribe: NAME' or 'comms: NAME' for the other roles)", "", func(m *Model, v string) (tea.Cmd, string) {
			role, person := "commander", v
			if r, rest, ok := strings.Cut(v, ":"); ok && (strings.EqualFold(strings.TrimSpace(r), "scribe") || strings.EqualFold(strings.TrimSpace(r), "comms")) {
				role, person = strings.ToLower(strings.TrimSpace(r)), strings.TrimSpace(rest)
			}
			if person == "" {
				return nil, "a name is required"
			}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				return fmt.Sprintf("%s %s: %s", ref, role, clean(person)), m.store.SetCommander(ctx, id, role, person, actor, at)
			}), ""
		})
	case key.Matches(msg, k.Update):
		m.updatePrompts(inc, model.StakeholderUpdate{}, 0)
	case key.Matches(msg, k.Severity):
		opts := map[string]func(m *Model) tea.Cmd{}
		var labels []string
		for _, s := range model.Severities {
			s := s
			labels = append(labels, fmt.Sprintf("%d %s", int(s), s.Name()))
			opts[fmt.Sprint(int(s))] = func(m *Model) tea.Cmd {
				return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
					return fmt.Sprintf("%s is now %s", ref, s.Label()), m.store.SetIncidentSeverity(ctx, id, s, actor, at)
				})
			}
		}
		m.choice = choice{question: fmt.Sprintf("%s is %s. New severity: %s (other key cancels)", ref, inc.Severity.Label(), strings.Join(labels, " · ")), options: opts}
		m.mode = modeConfirm
	}
	return m, nil
}

// updatePrompts asks for Conditions, Actions and Needs in turn, then posts.
func (m *Model) updatePrompts(inc model.Incident, u model.StakeholderUpdate, step int) {
	names := []string{"Conditions (what is happening)", "Actions (what we are doing)", "Needs (what we need, or none)"}
	ref, id := inc.Ref(), inc.ID
	m.openPrompt(fmt.Sprintf("%s update %d/3 — %s", ref, step+1, names[step]), "", "", func(m *Model, v string) (tea.Cmd, string) {
		switch step {
		case 0:
			u.Conditions = v
		case 1:
			u.Actions = v
		case 2:
			u.Needs = v
		}
		if step < 2 {
			m.updatePrompts(inc, u, step+1)
			return nil, ""
		}
		nu, err := u.Normalize()
		if err != nil {
			return nil, err.Error()
		}
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			return ref + " stakeholder update posted", m.store.PostUpdate(ctx, id, nu, actor, at)
		}), ""
	})
}

func (m Model) logKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
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
				return "unstarred", m.store.StarEvent(ctx, e.ID, false, actor, at)
			}
			return "starred: it goes in the incident report", m.store.StarEvent(ctx, e.ID, true, actor, at)
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
	var inc model.Incident
	found := false
	if e, ok := m.log.selected(); ok && e.IncidentID != 0 && !m.log.following {
		for _, i := range m.escalation.incidents {
			if i.ID == e.IncidentID {
				inc, found = i, true
			}
		}
	}
	if !found && len(m.escalation.incidents) > 0 {
		inc, found = m.escalation.incidents[0], true
	}
	if !found {
		m.setStatus("notes go on an incident's timeline: ! opens one", true)
		return m, nil
	}
	ref, id := inc.Ref(), inc.ID
	m.openPrompt(fmt.Sprintf("note on %s", ref), "text; start with @-5m or @14:02 to backdate", "", func(m *Model, v string) (tea.Cmd, string) {
		at := m.opts.Now()
		if strings.HasPrefix(v, "@") {
			when, rest, _ := strings.Cut(v[1:], " ")
			t, err := model.ParseWhen(when, at, m.loc())
			if err != nil {
				return nil, err.Error()
			}
			at, v = t, strings.TrimSpace(rest)
		}
		if v == "" {
			return nil, "the note is empty"
		}
		actor := m.opts.Actor
		return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
			return "note added to " + ref, 0, m.store.AddIncidentNote(ctx, id, v, actor, at)
		}), ""
	})
	return m, nil
}
