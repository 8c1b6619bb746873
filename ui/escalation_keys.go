package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// incidentKeys is what the escalation pane answers to: the list keys and
// the actions on the selected incident, all of which the footer shows. !
// (open an incident) is global, so it works from every pane.
func (k KeyMap) incidentKeys() keyScope {
	actions := append(append(values(k.incidentActions()), values(k.postmortemActions())...), k.ScheduleMeeting)
	return keyScope{
		Groups: []keyGroup{k.listKeys(), {"Escalation (4)", actions}},
		Short:  actions,
	}
}

// incidentActions act on the selected incident, so they need one.
func (k *KeyMap) incidentActions() []*key.Binding {
	return []*key.Binding{&k.Ack, &k.EscalateNow, &k.SkipTo, &k.Commander, &k.Update, &k.Severity, &k.LinkDeploy, &k.Mitigate, &k.Resolve}
}

// enable disables movement and the incident actions while no incident is
// open (no incident, no rows).
func (p *escalationPane) enable(k KeyMap, now time.Time) KeyMap {
	offUnless(len(p.rows) > 0, &k.Up, &k.Down, &k.Top, &k.Bottom, &k.PgUp, &k.PgDown)
	offUnless(len(p.incidents) > 0, k.incidentActions()...)
	offUnless(len(p.incidents) > 0 || len(p.resolved) > 0, k.postmortemActions()...)
	_, ok := p.postmortemTarget(now)
	offUnless(ok, &k.ScheduleMeeting)
	return k
}

// postmortemCandidates are the resolved incidents P can schedule a meeting
// for, most urgent first: SEV1/SEV2 flagged (no meeting 24 h after resolve,
// resolved longest ago first), then those still in their window (the
// soonest deadline first), then those with a meeting to come (to move it),
// at most 7 (one key each in the question).
func (p *escalationPane) postmortemCandidates(now time.Time) []model.Incident {
	rank := func(inc model.Incident) int {
		switch model.PostmortemStatusAt(inc, now) {
		case model.MeetingUnscheduled:
			return 1
		case model.MeetingToSchedule:
			return 2
		case model.MeetingScheduled:
			return 3
		}
		return 0
	}
	key := func(inc model.Incident) time.Time {
		if inc.Meeting != nil {
			return inc.Meeting.At
		}
		return inc.ResolvedAt
	}
	var out []model.Incident
	for _, inc := range p.resolved {
		if rank(inc) != 0 {
			out = append(out, inc)
		}
	}
	slices.SortStableFunc(out, func(a, b model.Incident) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return key(a).Compare(key(b))
	})
	return out[:min(len(out), 7)]
}

// postmortemTarget is the most urgent candidate (P's default).
func (p *escalationPane) postmortemTarget(now time.Time) (model.Incident, bool) {
	c := p.postmortemCandidates(now)
	if len(c) == 0 {
		return model.Incident{}, false
	}
	return c[0], true
}

// schedulePostmortem opens the prompt for P: the time is read with
// model.ParseFutureTime in the zone the dashboard shows, on its clock; a
// refusal (unreadable, past, too far ahead) keeps the prompt open with it.
func (m *Model) schedulePostmortem() {
	cands := m.escalation.postmortemCandidates(m.now)
	switch len(cands) {
	case 0:
		m.setStatus("no resolved SEV1/SEV2 needs a postmortem meeting (the CLI: flightdeck incident postmortem schedule ID --at …)", true)
		return
	case 1:
		m.schedulePostmortemFor(cands[0])
		return
	}
	opts := map[string]func(m *Model) tea.Cmd{}
	var labels []string
	for i, inc := range cands {
		n := fmt.Sprint(i + 1)
		state := "to schedule"
		switch model.PostmortemStatusAt(inc, m.now) {
		case model.MeetingUnscheduled:
			state = "NOT SCHEDULED"
		case model.MeetingScheduled:
			state = "meeting " + clockTime(inc.Meeting.At, m.now, m.loc())
		}
		labels = append(labels, fmt.Sprintf("%s %s %s: %s", n, inc.Ref(), state, clean(inc.Title)))
		opts[n] = func(m *Model) tea.Cmd {
			m.schedulePostmortemFor(inc)
			return nil
		}
	}
	m.choice = choice{question: "Postmortem meeting for which incident? (press its number; any other key cancels)", list: labels, options: opts}
	m.mode = modeConfirm
}

// schedulePostmortemFor asks when inc's meeting is (or moves it).
func (m *Model) schedulePostmortemFor(inc model.Incident) {
	id, ref := inc.ID, inc.Ref()
	label := fmt.Sprintf("postmortem meeting for %s at", ref)
	initial := ""
	if inc.Meeting != nil {
		label = fmt.Sprintf("move %s's postmortem meeting (%s) to", ref, clockTime(inc.Meeting.At, m.now, m.loc()))
	}
	m.openPrompt(label, "tomorrow 10:00, +24h, 14:00", initial, func(m *Model, v string) (tea.Cmd, string) {
		now, loc := m.now, m.loc()
		at, err := model.ParseFutureTime(v, now, loc)
		if err != nil {
			return nil, err.Error()
		}
		if err := model.CheckMeetingTime(at, now); err != nil {
			return nil, strings.ReplaceAll(err.Error(), "--at ", "")
		}
		shown := clockTime(at, now, loc)
		return m.incidentWrite(func(ctx context.Context, actor string, at2 timeT) (string, error) {
			_, err := m.writer.ScheduleMeeting(ctx, id, at, "", actor, at2)
			return fmt.Sprintf("%s postmortem meeting %s (in %s)", ref, shown, model.FormatCountdown(model.Left(now, at))), err
		}), ""
	})
}

// incidentWrite runs one incident action and reloads.
func (m Model) incidentWrite(do func(ctx context.Context, actor string, at timeT) (string, error)) tea.Cmd {
	actor, at := m.opts.Actor, m.opts.Now()
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		s, err := do(ctx, actor, at)
		return s, 0, err
	})
}

func (m Model) handleEscalationKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	p := &m.escalation
	switch {
	case key.Matches(msg, k.Up):
		p.move(-1)
		return m, nil
	case key.Matches(msg, k.Down):
		p.move(1)
		return m, nil
	case key.Matches(msg, k.PgUp):
		p.move(-max(p.height-1, 1))
		return m, nil
	case key.Matches(msg, k.PgDown):
		p.move(max(p.height-1, 1))
		return m, nil
	case key.Matches(msg, k.Top):
		p.move(-len(p.rows))
		return m, nil
	case key.Matches(msg, k.Bottom):
		p.move(len(p.rows))
		return m, nil
	}
	if m.handlePostmortemKey(msg) {
		return m, nil
	}
	if key.Matches(msg, k.ScheduleMeeting) {
		m.schedulePostmortem()
		return m, nil
	}
	inc, ok := p.selectedIncident()
	if !ok {
		if key.Matches(msg, values(k.incidentActions())...) {
			m.setStatus("no open incident: ! opens one", true)
		}
		return m, nil
	}
	id, ref := inc.ID, inc.Ref()
	seen := model.SeenIncident(inc) // what every decision below is made on
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
		// The configured person is the placeholder, not a value: typing
		// writes the name of whoever was really reached, enter alone
		// records the configured one (as the store does for "").
		placeholder := "name of the person reached (optional)"
		if step.Step.Person != "" {
			placeholder = step.Step.Person + " — type to replace"
		}
		ask := func(m *Model) {
			m.openPrompt(fmt.Sprintf("%s step %d (%s): who was reached", ref, n, step.Step.ShortRole()), placeholder, "",
				func(m *Model, v string) (tea.Cmd, string) {
					return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
						return fmt.Sprintf("%s step %d acknowledged", ref, n), m.writer.AckStep(ctx, id, seen, n, v, actor, at)
					}), ""
				})
		}
		if step.State != model.StepDue && step.State != model.StepOverdue {
			// Never paged (not due yet, or not needed): acknowledging it
			// records someone as reached who was never asked; ask first
			// (review D32).
			m.choice = yesNo(fmt.Sprintf("%s step %d (%s) was never paged (%s). Acknowledge it anyway?", ref, n, step.Step.ShortRole(), step.State), func(m *Model) tea.Cmd {
				ask(m)
				return nil
			})
			m.mode = modeConfirm
			return m, nil
		}
		ask(&m)
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
				return fmt.Sprintf("%s escalated to %s", ref, label), m.writer.EscalateNow(ctx, id, seen, n, v, actor, at)
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
				return fmt.Sprintf("%s skipped to step %d", ref, n), m.writer.SkipToStep(ctx, id, seen, n, v, actor, at)
			}), ""
		})
	case key.Matches(msg, k.Mitigate):
		if inc.Status != model.IncidentOpen {
			m.setStatus(ref+" is already "+string(inc.Status), true)
			return m, nil
		}
		return m, m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			return ref + " mitigated: clocks keep running until it is resolved", m.writer.MitigateIncident(ctx, id, seen, actor, at)
		})
	case key.Matches(msg, k.Resolve):
		m.openPrompt(fmt.Sprintf("resolve %s — root cause", ref), "root cause, if known (optional), then confirm", inc.RootCause, func(m *Model, v string) (tea.Cmd, string) {
			m.choice = yesNo(fmt.Sprintf("Resolve %s %q? Its clocks stop.", ref, clean(inc.Title)), func(m *Model) tea.Cmd {
				return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
					return ref + " resolved", m.writer.ResolveIncident(ctx, id, seen, v, actor, at)
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
				return fmt.Sprintf("%s %s: %s", ref, role, clean(person)), m.writer.SetCommander(ctx, id, seen, role, person, actor, at)
			}), ""
		})
	case key.Matches(msg, k.Update):
		if m.opts.Editor != "" {
			// Conditions / Actions / Needs as sections in the editor, so
			// each may take several lines; a prompt per field over SSH.
			return m, m.updateInEditor(inc)
		}
		m.updatePrompts(inc, model.StakeholderUpdate{}, 0)
	case key.Matches(msg, k.LinkDeploy):
		m.linkPrompt(inc)
	case key.Matches(msg, k.Severity):
		opts := map[string]func(m *Model) tea.Cmd{}
		var labels []string
		for _, s := range model.Severities {
			s := s
			labels = append(labels, fmt.Sprintf("%d %s: %s", int(s), s.Name(), s.Definition()))
			opts[fmt.Sprint(int(s))] = func(m *Model) tea.Cmd {
				return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
					return fmt.Sprintf("%s is now %s", ref, s.Label()), m.writer.SetIncidentSeverity(ctx, id, seen, s, actor, at)
				})
			}
		}
		m.choice = choice{question: fmt.Sprintf("%s is %s. New severity (press its number; any other key cancels):", ref, inc.Severity.Label()), list: labels, options: opts}
		m.mode = modeConfirm
	}
	return m, nil
}

// updateInEditor writes the stakeholder update in the editor, as the
// sections incident update --body-file reads (model.ParseUpdateBody); a
// file that does not parse is refused with the reason, nothing posted.
func (m *Model) updateInEditor(inc model.Incident) tea.Cmd {
	ref, id, seen := inc.Ref(), inc.ID, model.SeenIncident(inc)
	header := fmt.Sprintf("# Stakeholder update for %s: write each section under its heading, save and quit.\n# Lines starting with # are dropped; Needs may stay empty; an empty file posts nothing.\n", ref)
	return m.editText(header, "Conditions:\n\nActions:\n\nNeeds:\n", func(m *Model, v string) tea.Cmd {
		if strings.TrimSpace(strings.NewReplacer("Conditions:", "", "Actions:", "", "Needs:", "").Replace(v)) == "" {
			m.setStatus("the update was empty: nothing posted", false)
			return nil
		}
		c, a, n, err := model.ParseUpdateBody(v)
		if err == nil && (strings.TrimSpace(c) == "" || strings.TrimSpace(a) == "") {
			err = fmt.Errorf("an update needs its Conditions and its Actions")
		}
		if err != nil {
			m.setStatus("✗ update not posted: "+err.Error()+" (u opens it again)", true)
			return nil
		}
		// An update is three lines wherever it is sent: a section's lines
		// are joined.
		join := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		u := model.StakeholderUpdate{Conditions: join(c), Actions: join(a), Needs: join(n)}
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			return ref + " stakeholder update posted", m.writer.PostUpdate(ctx, id, seen, u, actor, at)
		})
	})
}

// updatePrompts asks for Conditions, Actions and Needs in turn, then posts.
func (m *Model) updatePrompts(inc model.Incident, u model.StakeholderUpdate, step int) {
	names := []string{"Conditions (what is happening)", "Actions (what we are doing)", "Needs (what we need, or none)"}
	ref, id, seen := inc.Ref(), inc.ID, model.SeenIncident(inc)
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
			return ref + " stakeholder update posted", m.writer.PostUpdate(ctx, id, seen, nu, actor, at)
		}), ""
	})
}
