package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
)

// allScopes is every place keys go: each dashboard pane together with the
// global keys (exactly what the footer and the ? help are built from), each
// full-screen view and each dialog.
func allScopes(k KeyMap) map[string]keyScope {
	s := map[string]keyScope{
		"history":   k.historyKeys(),
		"detail":    k.detailKeys(),
		"metrics":   k.metricsKeys(),
		"links":     k.linksKeys(),
		"prompt":    k.promptKeys(),
		"question":  k.confirmKeys(),
		"form":      k.formKeys(),
		"help open": k.helpScreenKeys(),
	}
	for p := paneID(0); p < paneCount; p++ {
		s["pane "+paneNames[p]] = k.paneKeys(p).with(k.globalKeys())
	}
	return s
}

// A key means one thing wherever it can be pressed: within the global keys
// plus the focused pane's, and within each view and dialog, no key is
// bound twice (nor one binding listed twice).
func TestNoKeyBoundTwiceInAScope(t *testing.T) {
	for name, s := range allScopes(DefaultKeyMap()) {
		seen := map[string]string{}
		for _, g := range s.Groups {
			for _, b := range g.Keys {
				for _, ks := range b.Keys() {
					what := fmt.Sprintf("%s: %s", g.Title, b.Help().Desc)
					if prev, ok := seen[ks]; ok {
						t.Errorf("%s: key %q is both %q and %q", name, ks, prev, what)
					}
					seen[ks] = what
				}
			}
		}
	}
}

// The ? help draws exactly the groups the dashboard's scopes hold, so the
// test above checks what the help shows; a title names one group only.
func TestHelpDrawsTheScopesGroups(t *testing.T) {
	k := DefaultKeyMap()
	drawn := map[string][]key.Binding{}
	for _, g := range k.dashboardGroups() {
		if _, dup := drawn[g.Title]; dup {
			t.Errorf("the help draws %q twice", g.Title)
		}
		drawn[g.Title] = g.Keys
	}
	inScopes := map[string]bool{}
	for p := paneID(0); p < paneCount; p++ {
		for _, g := range k.paneKeys(p).with(k.globalKeys()).Groups {
			inScopes[g.Title] = true
			if keys, ok := drawn[g.Title]; !ok {
				t.Errorf("pane %s: group %q is not in the help", paneNames[p], g.Title)
			} else if !reflect.DeepEqual(keys, g.Keys) {
				t.Errorf("pane %s: group %q differs from the help's group of that title", paneNames[p], g.Title)
			}
		}
	}
	for title := range drawn {
		if !inScopes[title] {
			t.Errorf("the help draws %q, which no pane answers to", title)
		}
	}
}

// The footer picks from its scope's groups, so it never shows a key the
// help and the duplicate test do not know.
func TestFooterKeysAreInTheirScope(t *testing.T) {
	for name, s := range allScopes(DefaultKeyMap()) {
		for _, b := range s.Short {
			if !scopeHas(s, b) {
				t.Errorf("%s: the footer shows %q, which none of its groups has", name, b.Help().Desc)
			}
		}
	}
}

// Every binding of the KeyMap is in some scope: none is declared and then
// left out of the help and the duplicate test.
func TestEveryBindingIsInAScope(t *testing.T) {
	k := DefaultKeyMap()
	scopes := allScopes(k)
	v := reflect.ValueOf(k)
	for i := 0; i < v.NumField(); i++ {
		b := v.Field(i).Interface().(key.Binding)
		found := false
		for _, s := range scopes {
			found = found || scopeHas(s, b)
		}
		if !found {
			t.Errorf("KeyMap.%s is in no scope", v.Type().Field(i).Name)
		}
	}
}

func scopeHas(s keyScope, b key.Binding) bool {
	for _, g := range s.Groups {
		for _, x := range g.Keys {
			if reflect.DeepEqual(x, b) {
				return true
			}
		}
	}
	return false
}

// A read-only session offers no action: not in the footer of any pane, not
// in the ? help.
func TestReadOnlyOffersNoAction(t *testing.T) {
	m := newTestModel(t, seeded(t), 200, 50)
	m.opts.ReadOnly = true
	k := m.keys
	actions := map[string]bool{}
	for _, b := range k.actions() {
		actions[b.Help().Desc] = true
	}
	for _, p := range []string{"1", "2", "3", "4"} {
		m = keys(t, m, p)
		for _, b := range m.shortHelp() {
			if b.Enabled() && actions[b.Help().Desc] {
				t.Errorf("pane %s: the footer offers %q", p, b.Help().Desc)
			}
		}
	}
	help := keys(t, m, "?").View()
	for _, want := range []string{"fold section", "severity filter", "next pane", "history"} {
		if !strings.Contains(help, want) {
			t.Errorf("the read-only help lost %q", want)
		}
	}
	for _, gone := range []string{"promote", "done/undo", "ack…", "! open incident", "n new deployment"} {
		if strings.Contains(help, gone) {
			t.Errorf("the read-only help offers %q", gone)
		}
	}
}

// The escalation pane answers to every key of the Move group the help lists
// for it, page keys included.
func TestEscalationPagesLikeTheOtherLists(t *testing.T) {
	_, m, _, _ := withIncident(t, 100, 30)
	m = keys(t, m, "4")
	top := m.escalation.cursorIndex()
	m = update(t, m, tea.KeyMsg{Type: tea.KeyPgDown})
	if m.escalation.cursorIndex() == top {
		t.Fatal("pgdown did not move the escalation cursor")
	}
	m = update(t, m, tea.KeyMsg{Type: tea.KeyPgUp})
	if m.escalation.cursorIndex() != top {
		t.Fatalf("pgup left the cursor on row %d, not %d", m.escalation.cursorIndex(), top)
	}
}

// The ? help, drawn from the same groups, at the two golden sizes: every
// key listed, the columns packed to the width.
func TestGoldenHelp(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := keys(t, newTestModel(t, seeded(t), sz[0], sz[1]), "?")
			v := m.View()
			assertFits(t, v, sz[0], sz[1])
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// D27: a help taller than the window scrolls, and says how.
func TestHelpScrolls(t *testing.T) {
	m := keys(t, newTestModel(t, seeded(t), 100, 12), "?")
	first := m.View()
	if !strings.Contains(first, "more lines below: ↓/pgdn scrolls") {
		t.Fatalf("a cut help must say how to see the rest:\n%s", first)
	}
	for range 40 { // far past the end: clamped, not lost
		m = update(t, m, tea.KeyMsg{Type: tea.KeyPgDown})
	}
	last := m.View()
	if !strings.Contains(last, "end of the keys") || !strings.Contains(last, "t switches to UTC") {
		t.Fatalf("scrolled to the end, the last lines must show:\n%s", last)
	}
	m = update(t, m, tea.KeyMsg{Type: tea.KeyPgUp})
	if m.View() == last {
		t.Fatal("one pgup after the end must scroll back at once (the offset was not clamped)")
	}
	m = keys(t, m, "?")
	m = keys(t, m, "?")
	if m.View() != first {
		t.Fatal("reopening the help starts at the top")
	}
}
