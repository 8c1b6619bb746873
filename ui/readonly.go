package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// actions are the keys that write; a read-only dashboard (the war-room TV)
// refuses them and says why, and disables them so neither the footer nor
// the ? help offers them. Moving, folding, switching panes and phases,
// filtering and searching still work. Pointers, so one list serves both
// the refusal and the disabling.
func (k *KeyMap) actions() []*key.Binding {
	return []*key.Binding{
		&k.NewDeploy, &k.OpenIncident,
		&k.Toggle, &k.NA, &k.Note,
		&k.Promote, &k.Pause, &k.Finish, &k.Abort, &k.Health, &k.Declare, &k.ClearCriteria,
		&k.Star, &k.LogNote, &k.LogEdit,
		&k.Ack, &k.EscalateNow, &k.SkipTo, &k.Mitigate, &k.Resolve, &k.Commander, &k.Update, &k.Severity, &k.LinkDeploy,
		&k.Postmortem, &k.ActionItem,
		&k.ScheduleMeeting,
	}
}

// readOnlyKeys is k with every action disabled when the session is read-only.
func (m Model) readOnlyKeys(k KeyMap) KeyMap {
	if !m.opts.ReadOnly {
		return k // (no &k here: k stays on the stack, drawn every frame)
	}
	return withoutActions(k)
}

func withoutActions(k KeyMap) KeyMap {
	offUnless(false, k.actions()...)
	return k
}

// readOnlyNotice says why actions are refused.
func (m Model) readOnlyNotice() string {
	why := m.opts.ReadOnlyWhy
	if why == "" {
		why = "started with --read-only"
	}
	return "READ-ONLY view: actions are disabled (" + why + ")"
}

// blockedReadOnly reports whether msg is an action refused in read-only mode.
// Space on a checklist section still folds it.
func (m *Model) blockedReadOnly(msg tea.KeyMsg) bool {
	if !m.opts.ReadOnly {
		return false
	}
	if m.focus == paneChecklist && key.Matches(msg, m.keys.Toggle) {
		if _, onItem := m.checklist.selectedItem(); !onItem {
			return false
		}
	}
	k := m.keys
	for _, b := range k.actions() {
		if key.Matches(msg, *b) {
			m.setStatus("✗ "+m.readOnlyNotice(), true)
			return true
		}
	}
	return false
}
