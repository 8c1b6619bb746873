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
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/octoacme/flightdeck/model"
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

// Parse reads a Markdown checklist into a template named name. Every
// error is an *Error naming the template; see checkSource for what is
// refused before parsing.
func Parse(name string, src []byte) (model.Template, error) {
	t, err := parse(name, src)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return model.Template{}, e.In(fmt.Sprintf("template %q", name))
		}
		return model.Template{}, err
	}
	return t, nil
}

// where an item was found, for duplicate reports.
type itemPos struct {
	line           int
	phase, section string
}

func parse(name string, src []byte) (model.Template, error) {
	if err := checkSource(src); err != nil {
		return model.Template{}, err
	}
	// Editors on Windows start UTF-8 files with a byte-order mark, which
	// would turn a first "# Title" line into plain text.
	src = bytes.TrimPrefix(src, bom)
	// CommonMark ends lines at LF, CRLF or CR, but goldmark misreads some
	// CRLF constructs (a task box on a list item's second line), so the
	// parser only ever sees LF.
	if bytes.IndexByte(src, '\r') >= 0 {
		src = bytes.ReplaceAll(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	}
	if err := checkShape(src); err != nil {
		return model.Template{}, err
	}
	doc := md.Parser().Parse(text.NewReader(src))
	t := model.Template{Name: name}
	var phase *model.TemplatePhase
	var section string
	var title string
	phaseLine := map[string]int{} // first line of each phase name
	var dupPhase *Error
	seen := map[string]itemPos{} // lowercased item text → first place
	var dups []string
	dupLine := 0
	plain, items := 0, 0

	ensurePhase := func() *model.TemplatePhase {
		if phase == nil {
			t.Phases = append(t.Phases, model.TemplatePhase{Name: cmp.Or(title, "Checklist")})
			phase = &t.Phases[len(t.Phases)-1]
		}
		return phase
	}
	addItem := func(p *model.TemplatePhase, itemText string, line int) {
		items++
		sec := cmp.Or(section, p.Name)
		if k := len(p.Sections); k == 0 || p.Sections[k-1].Name != sec {
			p.Sections = append(p.Sections, model.TemplateSection{Name: sec})
		}
		s := &p.Sections[len(p.Sections)-1]
		s.Items = append(s.Items, itemText)
		key := strings.ToLower(itemText)
		if first, ok := seen[key]; ok {
			if dupLine == 0 {
				dupLine = first.line
			}
			dups = append(dups, fmt.Sprintf("%q on line %d (%s › %s) and line %d (%s › %s)",
				itemText, first.line, first.phase, first.section, line, p.Name, sec))
		} else {
			seen[key] = itemPos{line, p.Name, sec}
		}
	}

	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			h := clean(inlineText(n, src))
			switch {
			case n.Level == 1:
				title = h
			case n.Level == 2:
				pn := phaseName(cmp.Or(h, title, "Checklist"))
				t.Phases = append(t.Phases, model.TemplatePhase{Name: pn})
				phase = &t.Phases[len(t.Phases)-1]
				section = ""
				if _, ok := phaseLine[pn]; !ok {
					phaseLine[pn] = nodeLine(n, src)
				}
			default:
				section = h
			}
		case *ast.List:
			p := ensurePhase()
			var guidance []string
			for li := n.FirstChild(); li != nil; li = li.NextSibling() {
				itemText, isTask, line := listItem(li, src)
				switch {
				case isTask && itemText != "":
					addItem(p, itemText, line)
				case !isTask && itemText != "":
					plain++
					guidance = append(guidance, itemText)
				}
				// Task items nested under an item are items too, in
				// document order, so none is silently dropped.
				forNestedTasks(li, src, func(text string, line int) { addItem(p, text, line) })
			}
			if len(guidance) > 0 {
				p.Guidance = append(p.Guidance, model.Guidance{Phase: p.Name, Title: section, Lines: guidance})
			}
		}
	}

	// Keep only phases that have items; their guidance travels with them.
	kept := t.Phases[:0]
	withItems := map[string]int{}
	for _, p := range t.Phases {
		if len(p.Sections) == 0 {
			continue
		}
		if withItems[p.Name]++; withItems[p.Name] == 2 && dupPhase == nil {
			dupPhase = newError(ErrDuplicatePhase, phaseLine[p.Name],
				": phase %q appears twice (first on line %d): give each level-2 heading a different name", p.Name, phaseLine[p.Name])
		}
		kept = append(kept, p)
	}
	t.Phases = kept
	switch {
	case items == 0 && plain > 0:
		return model.Template{}, newError(ErrNoItems, 0,
			" has no checklist items: write them as task-list lines (- [ ] item) under headings; its %d plain list lines (- item) are not items", plain)
	case items == 0:
		return model.Template{}, newError(ErrNoItems, 0, " has no checklist items: write them as task-list lines (- [ ] item) under headings")
	case items > MaxItems:
		return model.Template{}, newError(ErrTooManyItems, 0, " has %d checklist items: a template may have at most %d", items, MaxItems)
	case len(dups) > 0:
		more := ""
		if len(dups) > 3 {
			more = fmt.Sprintf("; and %d more", len(dups)-3)
			dups = dups[:3]
		}
		word := "item"
		if len(dups) > 1 {
			word = "items"
		}
		return model.Template{}, newError(ErrDuplicateItem, dupLine, ": duplicate %s %s%s: make each item different", word, strings.Join(dups, "; "), more)
	case dupPhase != nil:
		return model.Template{}, dupPhase
	}
	if err := t.Validate(); err != nil {
		// Unreachable: the checks above are Validate's, with lines.
		return model.Template{}, fmt.Errorf("template %q: %w", name, err)
	}
	return t, nil
}

// phaseName turns "Pre-Deployment Checklist" into "Pre-Deployment", and
// spells flightdeck's own phases the way the workflow expects them
// ("rollback" is the Rollback phase).
func phaseName(h string) string {
	if n := len(h) - len(" checklist"); n > 0 && strings.EqualFold(h[n:], " checklist") {
		h = h[:n]
	}
	for _, known := range KnownPhases {
		if strings.EqualFold(h, known) {
			return known
		}
	}
	return h
}

// KnownPhases are the phases the deployment workflow acts on: the
// Pre-Deployment gate, the rollout, the rollback view. A template may have
// other phases; their items are listed and ticked like any other.
var KnownPhases = []string{model.PhasePreDeployment, model.PhaseExecution, model.PhaseRollback}

// listItem returns the text of a list item's first block, whether it is a
// task-list item, and its line. Nested lists are not part of the text.
func listItem(li ast.Node, src []byte) (string, bool, int) {
	first := li.FirstChild()
	if first == nil {
		return "", false, nodeLine(li, src)
	}
	isTask := false
	if c := first.FirstChild(); c != nil {
		if _, ok := c.(*extast.TaskCheckBox); ok {
			isTask = true
		}
	}
	return clean(inlineText(first, src)), isTask, nodeLine(first, src)
}

// forNestedTasks calls fn for every task-list item in lists nested inside
// list item li, depth first in document order.
func forNestedTasks(li ast.Node, src []byte, fn func(text string, line int)) {
	for c := li.FirstChild(); c != nil; c = c.NextSibling() {
		list, ok := c.(*ast.List)
		if !ok {
			continue
		}
		for sub := list.FirstChild(); sub != nil; sub = sub.NextSibling() {
			if text, isTask, line := listItem(sub, src); isTask && text != "" {
				fn(text, line)
			}
			forNestedTasks(sub, src, fn)
		}
	}
}

// nodeLine is the 1-based source line where block n starts (0 if unknown).
func nodeLine(n ast.Node, src []byte) int {
	for ; n != nil; n = n.FirstChild() {
		if n.Type() != ast.TypeBlock {
			break
		}
		if lines := n.Lines(); lines != nil && lines.Len() > 0 {
			return lineOf(src, lines.At(0).Start)
		}
	}
	return 0
}

// inlineText concatenates the text under n, keeping link text and code
// spans, with backslash escapes and character references resolved as a
// Markdown renderer would.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			if c.IsRaw() {
				b.Write(c.Segment.Value(src))
			} else {
				b.Write(unescape(c.Segment.Value(src)))
			}
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				switch t := t.(type) {
				case *ast.Text:
					b.Write(t.Segment.Value(src))
				case *ast.String:
					b.Write(t.Value)
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			b.Write(c.URL(src))
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// unescape resolves backslash escapes of ASCII punctuation and HTML
// character references (&amp; &#35; &#x1F680;) in one pass, so an escaped
// "\&amp;" stays literal.
func unescape(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v) && util.IsPunct(v[i+1]):
			out = append(out, v[i+1])
			i++
		case c == '&':
			end := bytes.IndexByte(v[i:min(len(v), i+34)], ';')
			if end > 1 {
				ref := v[i : i+end+1]
				if r := util.ResolveEntityNames(util.ResolveNumericReferences(ref)); !bytes.Equal(r, ref) {
					out = append(out, r...)
					i += end
					continue
				}
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// clean is one line of sanitised text (model.SanitizeLine) with its
// whitespace collapsed.
func clean(s string) string {
	return strings.Join(strings.Fields(model.SanitizeLine(s)), " ")
}
