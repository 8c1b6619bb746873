package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// checklistKeys is what the checklist pane answers to. The footer shows the
// item and phase actions; movement and fold-all are in the ? help.
func (k KeyMap) checklistKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{
			k.listKeys(),
			{"Checklist (1)", []key.Binding{k.Toggle, k.NA, k.Note, k.Collapse, k.CollapseAll, k.PrevPhase, k.NextPhase}},
		},
		Short: []key.Binding{k.Toggle, k.NA, k.Note, k.Collapse, k.PrevPhase, k.NextPhase},
	}
}

// enable disables the checklist keys that would do nothing now: item
// actions off an item, movement and folding without rows, a phase key at
// either end.
func (p *checklistPane) enable(k KeyMap) KeyMap {
	_, onItem := p.selectedItem()
	hasRows := len(p.rows) > 0
	offUnless(hasRows, &k.Up, &k.Down, &k.Top, &k.Bottom, &k.PgUp, &k.PgDown, &k.Collapse, &k.CollapseAll)
	offUnless(onItem, &k.Toggle, &k.NA, &k.Note)
	offUnless(p.has && p.phase > 0, &k.PrevPhase)
	offUnless(p.has && p.phase < len(p.list.Phases)-1, &k.NextPhase)
	return k
}

func (m Model) handleChecklistKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	p := &m.checklist
	switch {
	case key.Matches(msg, k.Up):
		p.move(-1)
	case key.Matches(msg, k.Down):
		p.move(1)
	case key.Matches(msg, k.PgUp):
		p.move(-max(p.listHeight()-1, 1))
	case key.Matches(msg, k.PgDown):
		p.move(max(p.listHeight()-1, 1))
	case key.Matches(msg, k.Top):
		p.move(-len(p.rows))
	case key.Matches(msg, k.Bottom):
		p.move(len(p.rows))
	case key.Matches(msg, k.CollapseAll):
		p.toggleAll()
	case key.Matches(msg, k.PrevPhase):
		p.setPhase(p.phase - 1)
	case key.Matches(msg, k.NextPhase):
		return m.nextPhase()
	case key.Matches(msg, k.Toggle):
		// Space on a section folds it, like enter.
		if it, ok := p.selectedItem(); ok {
			return m, m.setItem(it, it.State.Toggled(), "")
		}
		p.toggleSection()
	case key.Matches(msg, k.Collapse):
		p.toggleSection()
	case key.Matches(msg, k.NA):
		if it, ok := p.selectedItem(); ok {
			initial := ""
			if it.State == model.ItemNA {
				initial = it.Reason
			}
			m.openPrompt(fmt.Sprintf("n/a because (%s)", clean(it.Text)), "why this does not apply (required)", initial,
				func(m *Model, v string) (tea.Cmd, string) {
					if v == "" {
						return nil, "a reason is required for n/a"
					}
					return m.setItem(it, model.ItemNA, v), ""
				})
		}
	case key.Matches(msg, k.Note):
		if it, ok := p.selectedItem(); ok {
			m.openPrompt(fmt.Sprintf("note on %s", clean(it.Text)), "empty clears the note", it.Note,
				func(m *Model, v string) (tea.Cmd, string) { return m.setNote(it, v), "" })
		}
	}
	return m, nil
}

// nextPhase views the next phase. Leaving Pre-Deployment of a planned
// deployment starts Deployment Execution, after a confirmation that says how
// many items are still open (the override is recorded in the timeline).
func (m Model) nextPhase() (tea.Model, tea.Cmd) {
	p := &m.checklist
	d, has := m.focused()
	ph, ok := p.currentPhase()
	if !has || !ok || p.phase+1 >= len(p.list.Phases) {
		return m, nil
	}
	if d.Status != model.StatusPlanned || ph.Name != model.PhasePreDeployment || m.opts.ReadOnly {
		p.setPhase(p.phase + 1)
		return m, nil
	}
	open := ph.Progress().Open()
	q := fmt.Sprintf("Start Deployment Execution of %s?", clean(d.Title()))
	if open > 0 {
		q = fmt.Sprintf("%d Pre-Deployment items are still open. Start Deployment Execution anyway (recorded as an override)?", open)
	}
	actor, at, id := m.opts.Actor, m.opts.Now(), d.ID
	m.choice = yesNo(q, func(m *Model) tea.Cmd {
		return m.write(id, func(ctx context.Context) (string, int64, error) {
			_, err := m.writer.StartExecution(ctx, id, actor, at, open > 0)
			if err != nil {
				return "", 0, err
			}
			if open > 0 {
				return fmt.Sprintf("Deployment Execution started with %d Pre-Deployment items open (override recorded)", open), 0, nil
			}
			return "Deployment Execution started", 0, nil
		})
	})
	m.mode = modeConfirm
	return m, nil
}

func (m Model) setItem(it model.Item, state model.ItemState, reason string) tea.Cmd {
	actor, at, st := m.opts.Actor, m.opts.Now(), m.writer
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		if _, err := st.SetItemState(ctx, it.ID, it.State, state, reason, actor, at); err != nil { // decided on the item as shown
			return "", 0, err
		}
		verb := map[model.ItemState]string{model.ItemDone: "done", model.ItemTodo: "reopened", model.ItemNA: "n/a"}[state]
		return fmt.Sprintf("%s: %s", verb, clean(it.Text)), 0, nil
	})
}

func (m Model) setNote(it model.Item, v string) tea.Cmd {
	actor, at, st := m.opts.Actor, m.opts.Now(), m.writer
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		if _, err := st.SetItemNote(ctx, it.ID, model.SeenNote(it), v, actor, at); err != nil { // decided on the note as shown
			return "", 0, err
		}
		if v == "" {
			return "note cleared: " + clean(it.Text), 0, nil
		}
		return "note saved: " + clean(it.Text), 0, nil
	})
}
