package ui

import "github.com/charmbracelet/bubbles/key"

// keyGroup is a titled set of bindings: one column of the ? help.
type keyGroup struct {
	Title string
	Keys  []key.Binding
}

// keyScope is everything one part of the screen answers to while it has
// the keys. Groups are what the ? help lists and the duplicate-key test
// checks; Short is the few of them the footer reminds of. Short only picks
// from Groups (a test keeps it so), so the footer cannot show a key that
// the help and the test do not know.
type keyScope struct {
	Groups []keyGroup
	Short  []key.Binding
}

// oneGroup is a scope whose footer shows all of its keys.
func oneGroup(title string, keys ...key.Binding) keyScope {
	return keyScope{Groups: []keyGroup{{title, keys}}, Short: keys}
}

// with is s and o answering at once: a pane's keys, then the global ones.
func (s keyScope) with(o keyScope) keyScope {
	return keyScope{
		Groups: append(append([]keyGroup{}, s.Groups...), o.Groups...),
		Short:  append(append([]key.Binding{}, s.Short...), o.Short...),
	}
}

// offUnless disables bs when on is false. Panes and the read-only mode only
// ever take bindings away from the full map, never add them.
func offUnless(on bool, bs ...*key.Binding) {
	if on {
		return
	}
	for _, b := range bs {
		b.SetEnabled(false)
	}
}

// values copies bindings named by pointer, so one list can both disable
// a set of bindings and make a group of them.
func values(bs []*key.Binding) []key.Binding {
	out := make([]key.Binding, len(bs))
	for i, b := range bs {
		out[i] = *b
	}
	return out
}

// globalKeys work whichever pane is focused (handleGlobalKey takes them
// before the pane does). The footer ends with the everyday ones.
func (k KeyMap) globalKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{
			{"Panes", []key.Binding{k.NextPane, k.PrevPane, k.Pane1, k.Pane2, k.Pane3, k.Pane4}},
			{"Everywhere", []key.Binding{k.NewDeploy, k.NextDeploy, k.PrevDeploy, k.OpenIncident, k.History, k.Metrics, k.Links, k.UTC, k.Help, k.Quit}},
		},
		Short: []key.Binding{k.OpenIncident, k.NewDeploy, k.NextPane, k.History, k.Metrics, k.Help, k.Quit},
	}
}

// listKeys move the cursor in every list pane and in the history list.
func (k KeyMap) listKeys() keyGroup {
	return keyGroup{"Move", []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PgUp, k.PgDown}}
}

// paneKeys is pane p's own scope; each pane declares it beside its code.
func (k KeyMap) paneKeys(p paneID) keyScope {
	switch p {
	case paneChecklist:
		return k.checklistKeys()
	case paneRollout:
		return k.rolloutKeys()
	case paneLog:
		return k.logKeys()
	case paneEscalation:
		return k.incidentKeys()
	}
	return keyScope{}
}

// dashboardGroups are the ? help's columns: each pane's groups in pane
// order, then the global ones. A group that several panes share (Move) is
// listed once.
func (k KeyMap) dashboardGroups() []keyGroup {
	var out []keyGroup
	seen := map[string]bool{}
	for p := paneID(0); p < paneCount; p++ {
		for _, g := range k.paneKeys(p).Groups {
			if !seen[g.Title] {
				seen[g.Title] = true
				out = append(out, g)
			}
		}
	}
	return append(out, k.globalKeys().Groups...)
}

// liveKeys is the key map as it applies now: the focused pane disables what
// would do nothing, and a read-only session every action.
func (m Model) liveKeys() KeyMap {
	k := *m.keys
	switch m.focus {
	case paneChecklist:
		k = m.checklist.enable(k)
	case paneRollout:
		k = m.rollout.enable(k, m.now)
	case paneLog:
		k = m.log.enable(k)
	case paneEscalation:
		k = m.escalation.enable(k, m.now)
	}
	return m.readOnlyKeys(k)
}

// scopeNow is what the keys do right now: the open dialog's, the
// full-screen view's, or the focused pane's and the global ones.
func (m Model) scopeNow() keyScope {
	k := *m.keys
	switch m.mode {
	case modePrompt:
		return k.promptKeys()
	case modeConfirm:
		return k.confirmKeys()
	case modeForm, modeIncidentForm:
		return k.formKeys()
	case modeHelp:
		return k.helpScreenKeys()
	}
	if m.screen != screenDashboard {
		return m.screenKeys()
	}
	k = m.liveKeys()
	return k.paneKeys(m.focus).with(k.globalKeys())
}
