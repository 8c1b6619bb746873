// Package mdtemplate reads checklist templates written as Markdown task lists
// (GFM `- [ ] item` lines under headings) with goldmark, and holds the
// built-in OctoAcme template, embedded verbatim from the seed document.
//
// Structure: a level-2 heading starts a phase ("Pre-Deployment Checklist"
// becomes the phase "Pre-Deployment"), a level-3 heading starts a section,
// task-list items are checklist items, and a plain bullet list under a
// level-3 heading is guidance shown with its phase (the seed's "When to
// Rollback" criteria). Phases without items are left out, so a whole
// document such as the seed imports cleanly.
package mdtemplate

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"flightdeck/model"
)

// BuiltinName is the name of the built-in template.
const BuiltinName = "octoacme"

//go:embed octoacme.md
var builtinSource []byte

// Builtin returns the OctoAcme deployment checklist from the seed.
func Builtin() model.Template {
	t, err := Parse(BuiltinName, builtinSource)
	if err != nil {
		// The embedded file is tested; reaching this is a build defect.
		panic("mdtemplate: built-in template is invalid: " + err.Error())
	}
	return t
}

// BuiltinSource is the Markdown the built-in template is parsed from.
func BuiltinSource() []byte { return append([]byte(nil), builtinSource...) }

var md = goldmark.New(goldmark.WithExtensions(extension.TaskList))

// Parse reads a Markdown checklist into a template named name.
func Parse(name string, src []byte) (model.Template, error) {
	doc := md.Parser().Parse(text.NewReader(src))
	t := model.Template{Name: name}
	var phase *model.TemplatePhase
	var section string
	var title string

	ensurePhase := func() *model.TemplatePhase {
		if phase == nil {
			n := title
			if n == "" {
				n = "Checklist"
			}
			t.Phases = append(t.Phases, model.TemplatePhase{Name: n})
			phase = &t.Phases[len(t.Phases)-1]
		}
		return phase
	}

	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			h := clean(inlineText(n, src))
			switch {
			case n.Level == 1:
				title = h
			case n.Level == 2:
				t.Phases = append(t.Phases, model.TemplatePhase{Name: phaseName(h)})
				phase = &t.Phases[len(t.Phases)-1]
				section = ""
			default:
				section = h
			}
		case *ast.List:
			p := ensurePhase()
			var guidance []string
			for li := n.FirstChild(); li != nil; li = li.NextSibling() {
				itemText, isTask := listItem(li, src)
				if itemText == "" {
					continue
				}
				if isTask {
					sec := section
					if sec == "" {
						sec = p.Name
					}
					if k := len(p.Sections); k == 0 || p.Sections[k-1].Name != sec {
						p.Sections = append(p.Sections, model.TemplateSection{Name: sec})
					}
					s := &p.Sections[len(p.Sections)-1]
					s.Items = append(s.Items, itemText)
				} else {
					guidance = append(guidance, itemText)
				}
			}
			if len(guidance) > 0 {
				p.Guidance = append(p.Guidance, model.Guidance{Phase: p.Name, Title: section, Lines: guidance})
			}
		}
	}

	// Keep only phases that have items; their guidance travels with them.
	kept := t.Phases[:0]
	seen := map[string]bool{}
	for _, p := range t.Phases {
		if len(p.Sections) == 0 {
			continue
		}
		if seen[p.Name] {
			return model.Template{}, fmt.Errorf("phase %q appears twice: give each level-2 heading a different name", p.Name)
		}
		seen[p.Name] = true
		kept = append(kept, p)
	}
	t.Phases = kept
	if err := t.Validate(); err != nil {
		return model.Template{}, err
	}
	return t, nil
}

// phaseName turns "Pre-Deployment Checklist" into "Pre-Deployment".
func phaseName(h string) string {
	if base, ok := strings.CutSuffix(h, " Checklist"); ok && base != "" {
		return base
	}
	return h
}

// listItem returns the text of a list item's first block and whether it is a
// task-list item. Nested lists are not separate items.
func listItem(li ast.Node, src []byte) (string, bool) {
	first := li.FirstChild()
	if first == nil {
		return "", false
	}
	isTask := false
	if c := first.FirstChild(); c != nil {
		if _, ok := c.(*extast.TaskCheckBox); ok {
			isTask = true
		}
	}
	return clean(inlineText(first, src)), isTask
}

// inlineText concatenates the text under n, keeping link text and code spans.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if tx, ok := t.(*ast.Text); ok {
					b.Write(tx.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			b.Write(c.URL(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// clean collapses whitespace and drops control characters.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
