package model

import (
	"errors"
	"fmt"
	"strings"
)

// Template is a checklist template: phases of sections of item texts.
type Template struct {
	Name   string
	Phases []TemplatePhase
}

// TemplatePhase is one phase of a template.
type TemplatePhase struct {
	Name     string
	Sections []TemplateSection
	Guidance []Guidance
}

// TemplateSection is a titled list of item texts.
type TemplateSection struct {
	Name  string
	Items []string
}

// Items flattens the template into deployment items in order.
func (t Template) Items() []Item {
	var out []Item
	pos := 0
	for _, p := range t.Phases {
		for _, s := range p.Sections {
			for _, text := range s.Items {
				pos++
				out = append(out, Item{Phase: p.Name, Section: s.Name, Position: pos, Text: text, State: ItemTodo})
			}
		}
	}
	return out
}

// AllGuidance lists the guidance of every phase, with the phase filled in.
func (t Template) AllGuidance() []Guidance {
	var out []Guidance
	for _, p := range t.Phases {
		for _, g := range p.Guidance {
			g.Phase = p.Name
			out = append(out, g)
		}
	}
	return out
}

// Validate rejects templates people could not work through.
func (t Template) Validate() error {
	if strings.TrimSpace(t.Name) == "" {
		return errors.New("template has no name")
	}
	seen := map[string]string{}
	n := 0
	for _, p := range t.Phases {
		for _, s := range p.Sections {
			for _, text := range s.Items {
				n++
				// The same words may be an item of several sections
				// (a "Docs updated" under Alpha and under Beta).
				where := p.Name + " › " + s.Name
				key := where + "\x00" + strings.ToLower(strings.TrimSpace(text))
				if _, ok := seen[key]; ok {
					return fmt.Errorf("duplicate item %q (twice in %s)", text, where)
				}
				seen[key] = where
			}
		}
	}
	if n == 0 {
		return errors.New("template has no checklist items: write them as task-list lines (- [ ] item) under headings")
	}
	return nil
}
