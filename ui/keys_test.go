package ui

import (
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

// A key means one thing wherever it can be pressed: within the global keys
// plus any one pane's (or view's) keys, no key is bound twice.
func TestKeyMapHasNoDuplicatesInAnyScope(t *testing.T) {
	k := DefaultKeyMap()
	global := []key.Binding{k.NextPane, k.PrevPane, k.Pane1, k.Pane2, k.Pane3, k.Pane4, k.NewDeploy, k.OpenIncident,
		k.NextDeploy, k.PrevDeploy, k.History, k.Metrics, k.Links, k.UTC, k.Help, k.Quit}
	scopes := map[string][]key.Binding{
		"checklist":  {k.Up, k.Down, k.Top, k.Bottom, k.PgUp, k.PgDown, k.Toggle, k.NA, k.Note, k.Collapse, k.CollapseAll, k.PrevPhase, k.NextPhase},
		"rollout":    {k.Promote, k.Pause, k.Finish, k.Abort, k.Health, k.Declare, k.ClearCriteria},
		"log":        {k.Up, k.Down, k.Top, k.Bottom, k.PgUp, k.PgDown, k.Star, k.LogNote, k.SevFilter, k.Search, k.StarredOnly},
		"escalation": {k.Up, k.Down, k.Top, k.Bottom, k.Ack, k.EscalateNow, k.SkipTo, k.Mitigate, k.Resolve, k.Commander, k.Update, k.Severity},
	}
	for name, pane := range scopes {
		seen := map[string]string{}
		for _, b := range append(append([]key.Binding{}, global...), pane...) {
			for _, ks := range b.Keys() {
				if prev, ok := seen[ks]; ok && prev != b.Help().Desc {
					t.Errorf("%s: key %q is both %q and %q", name, ks, prev, b.Help().Desc)
				}
				seen[ks] = b.Help().Desc
			}
		}
	}
	// The views that take the whole screen have their own keys.
	views := map[string][]key.Binding{
		"history": {k.Up, k.Down, k.Open, k.SwitchList, k.Search, k.StatusFilter, k.Back, k.Quit},
		"metrics": {k.Window, k.Service, k.Back, k.Quit},
	}
	for name, v := range views {
		seen := map[string]string{}
		for _, b := range v {
			for _, ks := range b.Keys() {
				if prev, ok := seen[ks]; ok {
					t.Errorf("%s: key %q is both %q and %q", name, ks, prev, b.Help().Desc)
				}
				seen[ks] = b.Help().Desc
			}
		}
	}
}
