package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the dashboard, each declared once here. The
// scopes in key_scopes.go and beside each pane group them; the footer, the ?
// help and the duplicate-key test are all built from those groups, and a
// binding that does not apply right now is disabled so help never lies.
type KeyMap struct {
	// global
	NextPane   key.Binding
	PrevPane   key.Binding
	Pane1      key.Binding
	Pane2      key.Binding
	Pane3      key.Binding
	Pane4      key.Binding
	NewDeploy  key.Binding
	NextDeploy key.Binding
	PrevDeploy key.Binding
	UTC        key.Binding
	Help       key.Binding
	Quit       key.Binding

	// lists
	Up     key.Binding
	Down   key.Binding
	Top    key.Binding
	Bottom key.Binding
	PgUp   key.Binding
	PgDown key.Binding

	// checklist
	Toggle      key.Binding
	NA          key.Binding
	Note        key.Binding
	Collapse    key.Binding
	CollapseAll key.Binding
	PrevPhase   key.Binding
	NextPhase   key.Binding

	// rollout
	Promote       key.Binding
	Pause         key.Binding
	Finish        key.Binding
	Abort         key.Binding
	Health        key.Binding
	Declare       key.Binding
	ClearCriteria key.Binding

	// incident log
	Star        key.Binding
	LogNote     key.Binding
	LogEdit     key.Binding
	SevFilter   key.Binding
	Search      key.Binding
	StarredOnly key.Binding

	// incidents and escalation
	OpenIncident    key.Binding
	Ack             key.Binding
	EscalateNow     key.Binding
	SkipTo          key.Binding
	Mitigate        key.Binding
	Resolve         key.Binding
	Commander       key.Binding
	Update          key.Binding
	Severity        key.Binding
	Postmortem      key.Binding
	ActionItem      key.Binding
	LinkDeploy      key.Binding
	ScheduleMeeting key.Binding

	// full-screen views
	History      key.Binding
	Metrics      key.Binding
	Links        key.Binding
	Open         key.Binding
	SwitchList   key.Binding
	StatusFilter key.Binding
	Back         key.Binding
	Window       key.Binding
	Service      key.Binding

	// dialogs. A question takes its answers from what it asks (y, or a
	// number); Confirm and Dismiss only tell the footer how to answer.
	Confirm   key.Binding
	Dismiss   key.Binding
	Cancel    key.Binding
	Submit    key.Binding
	Field     key.Binding
	FieldBack key.Binding
	CloseHelp key.Binding
}

// DefaultKeyMap returns the bindings, following the ecosystem's conventions.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextPane:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Pane1:      key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "checklist")),
		Pane2:      key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "rollout")),
		Pane3:      key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "incident log")),
		Pane4:      key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "escalation")),
		NewDeploy:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new deployment")),
		NextDeploy: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "next deployment")),
		PrevDeploy: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "previous deployment")),
		UTC:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "local/UTC times")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:    key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom: key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		PgUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PgDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),

		Toggle:      key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "done/undo")),
		NA:          key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "n/a…")),
		Note:        key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "note…")),
		Collapse:    key.NewBinding(key.WithKeys("enter", "z"), key.WithHelp("enter/z", "fold section")),
		CollapseAll: key.NewBinding(key.WithKeys("Z"), key.WithHelp("Z", "fold all")),
		PrevPhase:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "prev phase")),
		NextPhase:   key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next phase")),

		Promote:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "promote")),
		Pause:         key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "pause")),
		Finish:        key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "finish…")),
		Abort:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "abort/rollback…")),
		Health:        key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "error rate…")),
		Declare:       key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "declare criterion…")),
		ClearCriteria: key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "clear criteria…")),

		Star:        key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "star")),
		LogNote:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "note…")),
		LogEdit:     key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "note in $EDITOR…")),
		SevFilter:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "severity filter")),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		StarredOnly: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "starred only")),

		OpenIncident:    key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "open incident")),
		Ack:             key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "ack…")),
		EscalateNow:     key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "escalate now…")),
		SkipTo:          key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "skip to step…")),
		Mitigate:        key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mitigated")),
		Resolve:         key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resolve…")),
		Commander:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "commander…")),
		Update:          key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "stakeholder update…")),
		Severity:        key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "severity…")),
		LinkDeploy:      key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "link deployment…")),
		Postmortem:      key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "postmortem…")),
		ActionItem:      key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "action item…")),
		ScheduleMeeting: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "schedule postmortem…")),

		History:      key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "history")),
		Metrics:      key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "delivery metrics")),
		Links:        key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "links: runbooks, dashboards, on-call")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		SwitchList:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "deployments/incidents")),
		StatusFilter: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "status filter")),
		Back:         key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Window:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "window")),
		Service:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "service")),

		Confirm:   key.NewBinding(key.WithKeys("y"), key.WithHelp("y/key", "answer")),
		Dismiss:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("any other key", "cancel")),
		Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Submit:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Field:     key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
		FieldBack: key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "prev field")),
		CloseHelp: key.NewBinding(key.WithKeys("?", "esc"), key.WithHelp("?/esc", "close help")),
	}
}
