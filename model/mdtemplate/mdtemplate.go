// Package mdtemplate reads checklist templates written as Markdown task lists
// (GFM `- [ ] item` lines under headings) with goldmark's CommonMark parser,
// plus GFM's task boxes and tables (gfm.go), and holds the built-in OctoAcme
// template, embedded verbatim from the seed document.
//
// Headings: a level-2 heading with items under it makes level-2 headings
// phases ("Pre-Deployment Checklist" becomes the phase "Pre-Deployment") and
// a level-1 heading the title; when several level-1 headings have items
// under them, level-1 headings are the phases instead; when no level-1 or
// level-2 heading does, the document is one phase named after its title
// (or "Checklist"). Any heading deeper than the phases names the section
// of the items under it. Phases without items are left out, so a whole
// document such as the seed imports cleanly.
//
// Items: task-list lines are items; the same text may appear in different
// sections, not twice in one. A nested task line is an item of the same
// section whose text carries its task parents: "Parent › Child". Items over
// MaxItemLen characters are cut with " …" (a warning). Plain bullets and
// table rows are guidance shown with their phase (the seed's "When to
// Rollback" criteria). HTML is not read: comments are ignored, and inside
// <details> the Markdown after a blank line is read as usual. YAML front
// matter (GitHub issue templates) is skipped.
package mdtemplate

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
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

// md is the Markdown reader (newReader), built on first use: most
// flightdeck processes (a CLI action, --help) never read a template.
var md = sync.OnceValue(newReader)

// Parse reads a Markdown checklist into a template named name. Every
// error is an *Error naming the template; see checkSource for what is
// refused before parsing.
func Parse(name string, src []byte) (model.Template, error) {
	t, _, err := Inspect(name, src)
	return t, err
}

// Warning is something Inspect read past without refusing the document:
// task lines commented out or hidden in HTML, items cut to MaxItemLen.
type Warning struct {
	Line int    // 1-based line
	Text string // one line: what was done and how to change it
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Text) }

// MaxItemLen is the longest item text, in characters, nested prefix
// included; longer items are cut at a word and end with " …".
const MaxItemLen = 300

// where an item was found, for duplicate reports.
type itemPos struct {
	line           int
	phase, section string
}

// Inspect is Parse that also returns the warnings about what was read past.
func Inspect(name string, src []byte) (model.Template, []Warning, error) {
	t, w, err := parse(md(), name, src)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return model.Template{}, nil, e.In(fmt.Sprintf("template %q", name))
		}
		return model.Template{}, nil, err
	}
	return t, w, nil
}

// taskLine is a line that reads as a GFM task item (compiled on first use,
// as md).
var taskLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s{0,12}(?:[-*+]|[0-9]{1,9}[.)])[ \t]+\[[ xX]\](?:[ \t]|$)`)
})

// headingPlan says which heading level starts a phase (see the package
// comment): 1 when several level-1 headings have items under them, 2 when
// a level-2 heading does, else 0 (one phase; every heading is a section).
func headingPlan(doc ast.Node) int {
	var stack [7]bool // stack[l]: a level-l heading is open
	var open [7]ast.Node
	has := map[ast.Node]bool{}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			for l := n.Level; l <= 6; l++ {
				stack[l], open[l] = false, nil
			}
			stack[n.Level], open[n.Level] = true, n
		case *ast.List:
			if !listHasTask(n) {
				continue
			}
			for l := 1; l <= 6; l++ {
				if stack[l] {
					has[open[l]] = true
				}
			}
		}
	}
	h1 := 0
	h2 := false
	for h := range has {
		switch h.(*ast.Heading).Level {
		case 1:
			h1++
		case 2:
			h2 = true
		}
	}
	switch {
	case h1 >= 2:
		return 1
	case h2:
		return 2
	}
	return 0
}

func listHasTask(n ast.Node) bool {
	found := false
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if _, ok := c.(*taskBox); ok && entering {
			found = true
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}

func parse(reader parser.Parser, name string, src []byte) (model.Template, []Warning, error) {
	if err := checkSource(src); err != nil {
		return model.Template{}, nil, err
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
		return model.Template{}, nil, err
	}
	src = blankFrontMatter(src)
	doc := reader.Parse(text.NewReader(src))
	phaseLevel := headingPlan(doc)
	t := model.Template{Name: name}
	var warnings []Warning
	var phase *model.TemplatePhase
	var section string
	var title string
	phaseLine := map[string]int{} // first line of each phase name
	var dupPhase *Error
	seen := map[string]itemPos{} // phase, section, lowercased text → first place
	var dups []string
	dupLine := 0
	plain, rows, items := 0, 0, 0

	ensurePhase := func() *model.TemplatePhase {
		if phase == nil {
			t.Phases = append(t.Phases, model.TemplatePhase{Name: cmp.Or(title, "Checklist")})
			phase = &t.Phases[len(t.Phases)-1]
		}
		return phase
	}
	addItem := func(p *model.TemplatePhase, itemText string, line int) {
		items++
		if r := []rune(itemText); len(r) > MaxItemLen {
			cut := string(r[:MaxItemLen-2])
			if i := strings.LastIndexByte(cut, ' '); i > MaxItemLen/2 {
				cut = cut[:i]
			}
			itemText = strings.TrimSpace(cut) + " …"
			warnings = append(warnings, Warning{line, fmt.Sprintf("item of %d characters cut to %d (ending \"…\"): shorten it, or move the detail into a plain list line (- text) under it", len(r), MaxItemLen)})
		}
		sec := cmp.Or(section, p.Name)
		if k := len(p.Sections); k == 0 || p.Sections[k-1].Name != sec {
			p.Sections = append(p.Sections, model.TemplateSection{Name: sec})
		}
		s := &p.Sections[len(p.Sections)-1]
		s.Items = append(s.Items, itemText)
		key := p.Name + "\x00" + sec + "\x00" + strings.ToLower(itemText)
		if first, ok := seen[key]; ok {
			if dupLine == 0 {
				dupLine = first.line
			}
			dups = append(dups, fmt.Sprintf("%q on line %d and line %d (both in %s › %s)",
				itemText, first.line, line, p.Name, sec))
		} else {
			seen[key] = itemPos{line, p.Name, sec}
		}
	}

	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			h := clean(inlineText(n, src))
			switch {
			case n.Level == phaseLevel:
				pn := phaseName(cmp.Or(h, title, "Checklist"))
				t.Phases = append(t.Phases, model.TemplatePhase{Name: pn})
				phase = &t.Phases[len(t.Phases)-1]
				section = ""
				if _, ok := phaseLine[pn]; !ok {
					phaseLine[pn] = nodeLine(n, src)
				}
			case n.Level == 1:
				title = h
			case n.Level < phaseLevel:
				// Shallower than the phases (a title): no section yet.
				section = ""
			default:
				section = h
			}
		case *ast.List:
			p := ensurePhase()
			var guidance []string
			for li := n.FirstChild(); li != nil; li = li.NextSibling() {
				itemText, isTask, line := listItem(li, src)
				prefix := ""
				switch {
				case isTask && itemText != "":
					addItem(p, itemText, line)
					prefix = itemText + " › "
				case !isTask && itemText != "":
					plain++
					guidance = append(guidance, itemText)
				}
				// Task items nested under an item are items too, in
				// document order, named after their task parents.
				forNestedTasks(li, src, prefix, func(text string, line int) { addItem(p, text, line) })
			}
			if len(guidance) > 0 {
				p.Guidance = append(p.Guidance, model.Guidance{Phase: p.Name, Title: section, Lines: guidance})
			}
		case *tableNode: // a table; its rows and cells are inside it
			p := ensurePhase()
			var lines []string
			for r := n.FirstChild(); r != nil; r = r.NextSibling() {
				var cells []string
				for c := r.FirstChild(); c != nil; c = c.NextSibling() {
					if v := clean(inlineText(c, src)); v != "" {
						cells = append(cells, v)
					}
				}
				if len(cells) > 0 {
					rows++
					lines = append(lines, strings.Join(cells, " · "))
				}
			}
			if len(lines) > 0 {
				p.Guidance = append(p.Guidance, model.Guidance{Phase: p.Name, Title: section, Lines: lines})
			}
		case *ast.HTMLBlock:
			warnings = append(warnings, htmlWarnings(n, src)...)
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
				": phase %q appears twice (first on line %d): give each level-%d heading a different name", p.Name, phaseLine[p.Name], cmp.Or(phaseLevel, 2))
		}
		kept = append(kept, p)
	}
	t.Phases = kept
	switch {
	case items == 0 && (plain > 0 || rows > 0):
		var what []string
		if plain > 0 {
			what = append(what, fmt.Sprintf("%d plain list lines (- item)", plain))
		}
		if rows > 0 {
			what = append(what, fmt.Sprintf("%d table rows", rows))
		}
		return model.Template{}, nil, newError(ErrNoItems, 0,
			" has no checklist items: write them as task-list lines (- [ ] item) under headings; its %s are guidance, not items", strings.Join(what, " and "))
	case items == 0:
		return model.Template{}, nil, newError(ErrNoItems, 0, " has no checklist items: write them as task-list lines (- [ ] item) under headings%s", commentedHint(warnings))
	case items > MaxItems:
		return model.Template{}, nil, newError(ErrTooManyItems, 0, " has %d checklist items: a template may have at most %d", items, MaxItems)
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
		return model.Template{}, nil, newError(ErrDuplicateItem, dupLine, ": duplicate %s %s%s: make each item of a section different (the same text in another section is fine)", word, strings.Join(dups, "; "), more)
	case dupPhase != nil:
		return model.Template{}, nil, dupPhase
	}
	if err := t.Validate(); err != nil {
		// Unreachable: the checks above are Validate's, with lines.
		return model.Template{}, nil, fmt.Errorf("template %q: %w", name, err)
	}
	return t, warnings, nil
}

// commentedHint points at task lines hidden in HTML when nothing else was read.
func commentedHint(w []Warning) string {
	if len(w) == 0 {
		return ""
	}
	return fmt.Sprintf(" (the task lines from line %d are inside HTML or a comment and are not read)", w[0].Line)
}

// htmlWarnings reports task lines inside an HTML block: commented out (a
// template's instructions often are), or swallowed by a tag such as
// <details> with no blank line after it.
func htmlWarnings(n *ast.HTMLBlock, src []byte) []Warning {
	lines := n.Lines()
	var first, count int
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		if taskLine().Match(seg.Value(src)) {
			if count == 0 {
				first = lineOf(src, seg.Start)
			}
			count++
		}
	}
	if count == 0 {
		return nil
	}
	if n.HTMLBlockType == ast.HTMLBlockType2 {
		return []Warning{{first, fmt.Sprintf("%s in an HTML comment (<!-- … -->) ignored: move them out of the comment to import them", plural(count, "task line", "task lines"))}}
	}
	return []Warning{{first, fmt.Sprintf("%s inside an HTML block not read: leave a blank line after the HTML tag (e.g. after </summary>) so the list is Markdown", plural(count, "task line", "task lines"))}}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// blankFrontMatter blanks a YAML front matter block (--- … --- on the
// first lines, as in GitHub issue templates), keeping line numbers.
func blankFrontMatter(src []byte) []byte {
	if !bytes.HasPrefix(src, []byte("---\n")) {
		return src
	}
	rest := src[4:]
	off := 4
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		l := rest
		if i >= 0 {
			l = rest[:i]
		}
		if s := string(bytes.TrimRight(l, " \t")); s == "---" || s == "..." {
			end := off + len(l)
			out := append([]byte(nil), src...)
			for j := 0; j < end; j++ {
				if out[j] != '\n' {
					out[j] = ' '
				}
			}
			return out
		}
		if i < 0 {
			break
		}
		rest, off = rest[i+1:], off+i+1
	}
	return src
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
		if _, ok := c.(*taskBox); ok {
			isTask = true
		}
	}
	return clean(inlineText(first, src)), isTask, nodeLine(first, src)
}

// forNestedTasks calls fn for every task-list item in lists nested inside
// list item li, depth first in document order. A sub-item's text is
// prefixed with its task ancestors' ("Parent › Child"); plain bullets in
// between add nothing.
func forNestedTasks(li ast.Node, src []byte, prefix string, fn func(text string, line int)) {
	for c := li.FirstChild(); c != nil; c = c.NextSibling() {
		list, ok := c.(*ast.List)
		if !ok {
			continue
		}
		for sub := list.FirstChild(); sub != nil; sub = sub.NextSibling() {
			p := prefix
			if text, isTask, line := listItem(sub, src); isTask && text != "" {
				fn(prefix+text, line)
				p = prefix + text + " › "
			}
			forNestedTasks(sub, src, p, fn)
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
			cell := inTableCell(c)
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				switch t := t.(type) {
				case *ast.Text:
					v := t.Segment.Value(src)
					if cell {
						// GFM: "\|" is a pipe even in code, which keeps
						// backslash escapes otherwise.
						v = bytes.ReplaceAll(v, []byte(`\|`), []byte("|"))
					}
					b.Write(v)
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
