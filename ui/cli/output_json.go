package cli

import "github.com/octoacme/flightdeck/model"

// The --json shapes of the write commands that print neither a deployment
// nor an incident. Keys are snake_case and stable; see the README.

// checkJSON is `check --json`: the item after the change.
type checkJSON struct {
	DeploymentID int64 `json:"deployment_id"`
	itemJSON
}

func newCheckJSON(d model.Deployment, it model.Item) checkJSON {
	return checkJSON{DeploymentID: d.ID, itemJSON: itemJSON{ID: it.ID, Phase: it.Phase, Section: it.Section, Position: it.Position,
		Text: it.Text, State: string(it.State), Reason: it.Reason, By: it.By, At: jsonTime(it.At), Note: it.Note,
		NoteBy: it.NoteBy, NoteAt: jsonTime(it.NoteAt)}}
}

// starJSON is `incident star --json`.
type starJSON struct {
	EventID int64 `json:"event_id"`
	Starred bool  `json:"starred"`
}

// backupJSON is `backup --json`.
type backupJSON struct {
	Path        string `json:"path"`
	Bytes       int64  `json:"bytes"`
	Deployments int64  `json:"deployments"`
	Incidents   int64  `json:"incidents"`
	Events      int64  `json:"events"`
}

// templateDetailJSON is `template show --json` and `template import --json`.
type templateDetailJSON struct {
	Name   string              `json:"name"`
	Action string              `json:"action,omitempty"` // template import: "imported" or "replaced"
	Items  int                 `json:"items"`
	Phases []templatePhaseJSON `json:"phases"`
}

type templatePhaseJSON struct {
	Name     string                `json:"name"`
	Sections []templateSectionJSON `json:"sections"`
	Guidance []guidanceJSON        `json:"guidance"`
}

type templateSectionJSON struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
}

type guidanceJSON struct {
	Title string   `json:"title"`
	Lines []string `json:"lines"`
}

func newTemplateDetailJSON(tpl model.Template, action string) templateDetailJSON {
	out := templateDetailJSON{Name: tpl.Name, Action: action, Items: len(tpl.Items()), Phases: []templatePhaseJSON{}}
	for _, p := range tpl.Phases {
		pj := templatePhaseJSON{Name: p.Name, Sections: []templateSectionJSON{}, Guidance: []guidanceJSON{}}
		for _, s := range p.Sections {
			pj.Sections = append(pj.Sections, templateSectionJSON{Name: s.Name, Items: append([]string{}, s.Items...)})
		}
		for _, g := range p.Guidance {
			pj.Guidance = append(pj.Guidance, guidanceJSON{Title: g.Title, Lines: append([]string{}, g.Lines...)})
		}
		out.Phases = append(out.Phases, pj)
	}
	return out
}
