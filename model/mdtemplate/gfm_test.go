package mdtemplate

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// extensionReader is the reader Parse used before gfm.go: goldmark with
// its TaskList and Table extensions. Their nodes are turned into this
// package's at the end, so that parse reads both trees with the same code
// and any difference comes from what the two readers recognise. (Test
// binaries may import the extension package; flightdeck does not.)
var extensionReader = sync.OnceValue(func() parser.Parser {
	return goldmark.New(
		goldmark.WithExtensions(extension.TaskList, extension.Table),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(fromExtension{}, 1000))),
	).Parser()
})

// fromExtension replaces extension task boxes and tables by taskBox and
// tableNode, keeping everything under them.
type fromExtension struct{}

func (fromExtension) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var found []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n.(type) {
		case *extast.TaskCheckBox, *extast.Table:
			if entering {
				found = append(found, n)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	for _, n := range found {
		var to ast.Node = &taskBox{}
		if _, ok := n.(*extast.Table); ok {
			to = fromExtensionTable(n, kindTable)
		}
		n.Parent().ReplaceChild(n.Parent(), n, to)
	}
}

func fromExtensionTable(n ast.Node, kind ast.NodeKind) *tableNode {
	to := newTableNode(kind)
	to.SetLines(n.Lines())
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		switch c.(type) {
		case *extast.TableHeader, *extast.TableRow:
			to.AppendChild(to, fromExtensionTable(c, kindTableRow))
		case *extast.TableCell:
			to.AppendChild(to, fromExtensionTable(c, kindTableCell))
		default: // a cell's inline content
			to.AppendChild(to, c)
		}
		c = next
	}
	return to
}

// sameAsExtension fails unless src reads the same with newReader as with
// extensionReader: template, warnings and error.
func sameAsExtension(t *testing.T, src []byte) {
	t.Helper()
	wantT, wantW, wantErr := parse(extensionReader(), "t", src)
	gotT, gotW, gotErr := parse(newReader(), "t", src)
	if errText(gotErr) != errText(wantErr) {
		t.Fatalf("%q:\nerror %v\nwith the extensions %v", src, gotErr, wantErr)
	}
	if !reflect.DeepEqual(gotT, wantT) {
		t.Fatalf("%q:\ntemplate %+v\nwith the extensions %+v", src, gotT, wantT)
	}
	if !reflect.DeepEqual(gotW, wantW) {
		t.Fatalf("%q:\nwarnings %v\nwith the extensions %v", src, gotW, wantW)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// gfmCases are the corners of task boxes and tables, for both the
// differential test and its fuzz target.
var gfmCases = []string{
	// Task boxes.
	"- [ ] a\n- [x] b\n- [X] c\n- [\t] d\n- [y] e\n- [] f\n- [  ] g\n",
	"- [\f] form feed\n- [\v] vertical tab\n- [x]\f\fafter form feeds\n",
	"- [x]glued\n- [ ](url) after\n- [x][ref] after\n\n[ref]: http://r\n",
	"- [x] defined\n- [x]\n\n[x]: http://x\n",
	"[ ]: http://space\n- [ ] space label\n",
	"- foo [ ] not first\n-  [ ] two spaces\n-     [ ] code\n-\t[ ] tab\n-\n  [ ] next line\n- [ ]\n  on the next line\n",
	"- # [ ] heading task\n- [ ] setext task\n  ---\n- > [ ] quoted\n- ```\n  [ ] fenced\n  ```\n",
	"- \\[ ] escaped\n- `[ ]` code\n- <b>[ ]</b> html\n- [ ]\\\n  hard break\n",
	"1. [x] one\n2) [ ] two\n- [ ] p\n\n  para\n- [ ] loose\n\n- [ ] list\n",
	"# One\n- [ ] a\n# Two\n- plain\n\n  [ ] a second block has no box\n",
	"* [ ] a\n  * [x] b\n    * text\n      * [ ] c\n",
	// Tables.
	"## A\n| a | b |\n|---|---|\n| 1 | 2 |\n- [ ] x\n",
	"## A\na | b\n--|--\n1 | 2\n- [ ] x\n",
	"## A\n| a |\n|:-:|\n| 1 | 2 | 3 |\n|\n| only |\n- [ ] x\n",
	"## A\n| a | b |\n|---|\n- [ ] mismatch\n",
	"## A\n| a |\n|---|---|\n- [ ] mismatch\n",
	"## A\ntext before\nmore\n| a | b |\n| - | - |\n| 1 | 2 |\n- [ ] x\n",
	"## A\nline\\\n| a |\n|---|\n- [ ] hard break before the header\n",
	"## A\n- [ ] item\\\n  | a |\n  |---|\n- [ ] item  \n  | a |\n  |---|\n",
	"## A\n| `a\\|b` | c \\| d | e \\\\| f |\n|---|---|---|\n| `x\\|\\|y` `\\\\|` | \\| |\n- [ ] x\n",
	"## A\n| a |\n| --- |\n| x \\|\n- [ ] trailing escaped pipe\n",
	"## A\n| **b** | [l](u) | <http://a.b> | &amp; | <i>h</i> |\n|-|-|-|-|-|\n- [ ] x\n",
	"## A\n| [r] |\n|---|\n\n[r]: http://r\n- [ ] x\n",
	"## A\n[r]: http://r\n| a |\n|---|\n- [ ] x\n",
	"## A\n| a | b |\n| :--- | ---: |\n| :-- |\n- [ ] x\n",
	"## A\n| a |\n|-|\n| b |\n---\n- [ ] x\n",
	"## A\n0\n-:\n-\n- [ ] x\n",
	"## A\n| a |\n    |---|\n- [ ] indented delimiter\n",
	"## A\n| a |\n   |---|\n- [ ] x\n",
	"## A\n| a |\n|-- -|\n- [ ] x\n",
	"## A\n| a |\n|:|\n- [ ] x\n",
	"## A\n| a |\n|---|\v\n- [ ] x\n",
	"## A\n| a |\n|---\v|\n- [ ] x\n",
	"## A\n| a |\n|---\f|\n- [ ] x\n",
	"## A\n|\n|-\n- [ ] x\n",
	"## A\n- | a | b |\n  |---|---|\n  | 1 | 2 |\n- [ ] x\n  | a |\n  |---|\n  | 1 |\n",
	"## A\n- [ ] a | b\n  --|--\n",
	"## A\n> | a |\n> |---|\n> | q |\n- [ ] x\n",
	"## A\n- [ ] x\n\n  | a |\n  |---|\n  | nested |\n",
	"## A\n\t| a |\n\t|---|\n- [ ] x\n",
	"- [ ] x\n  \t| a |\n  \t|---|\n",
}

// TestSameAsExtension: the built-in template, the documents in testdata,
// the fuzz seeds and corpus and the corners above read as they did with
// goldmark's extensions.
func TestSameAsExtension(t *testing.T) {
	inputs := map[string][]byte{"builtin": BuiltinSource()}
	files, _ := filepath.Glob("../../testdata/*.md")
	more, _ := filepath.Glob("../../testdata/checklists/*.md")
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = src
	}
	for i, s := range parseSeeds() {
		inputs["seed "+strconv.Itoa(i)] = s
	}
	for i, s := range gfmCases {
		inputs["case "+strconv.Itoa(i)] = []byte(s)
	}
	for name, src := range corpus(t, "FuzzParse", "FuzzParseSameAsExtension") {
		inputs[name] = src
	}
	if len(inputs) < len(gfmCases)+20 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) { sameAsExtension(t, src) })
		// With CRLF line endings too (parse makes them LF first).
		t.Run(name+" crlf", func(t *testing.T) {
			sameAsExtension(t, []byte(strings.ReplaceAll(string(src), "\n", "\r\n")))
		})
	}
}

// corpus reads the inputs go test keeps in testdata/fuzz for the targets.
func corpus(t testing.TB, targets ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, target := range targets {
		files, _ := filepath.Glob(filepath.Join("testdata/fuzz", target, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			head, lit, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
			lit, ok2 := strings.CutPrefix(lit, "[]byte(")
			lit, ok3 := strings.CutSuffix(lit, ")")
			src, err := strconv.Unquote(lit)
			if head != "go test fuzz v1" || !ok || !ok2 || !ok3 || err != nil {
				t.Fatalf("%s is not a go test fuzz v1 file of one []byte", f)
			}
			out[f] = []byte(src)
		}
	}
	return out
}

// Run locally with e.g.
//
//	go test ./model/mdtemplate -run '^$' -fuzz '^FuzzParseSameAsExtension$' -fuzztime 120s
//
// FuzzParseSameAsExtension checks that gfm.go recognises what goldmark's
// TaskList and Table extensions did, on any input.
func FuzzParseSameAsExtension(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add(s)
	}
	for _, s := range gfmCases {
		f.Add([]byte(s))
	}
	for _, src := range corpus(f, "FuzzParse") {
		f.Add(src)
	}
	f.Fuzz(sameAsExtension)
}

// What task boxes and tables become, spelled out (the differential test
// above only says it is what it was).
func TestTaskBoxesAndTables(t *testing.T) {
	cases := []struct {
		name, src string
		items     []string // section / text
		guidance  []string // lines joined by " / "
	}{
		{"boxes", "- [ ] a\n- [x] b\n- [X] c\n- [y] d\n- [] e\n- [x]glued\n- foo [ ] bar\n",
			[]string{"Checklist / a", "Checklist / b", "Checklist / c", "Checklist / glued"},
			[]string{"[y] d / [] e / foo [ ] bar"}},
		// A task box wins over a link of the same label, as in GFM; where
		// it is not a box, [x] is the link.
		{"box or link", "- [x] defined\n- see [x]\n\n[x]: http://x\n",
			[]string{"Checklist / defined"}, []string{"see x"}},
		{"box on the next line", "-\n  [ ] next line\n- [ ]\n  text below\n",
			[]string{"Checklist / next line", "Checklist / text below"}, nil},
		{"table", "| a | *b* |\n|:--|--:|\n| `c\\|d` | e \\| f |\n| 1 |\n| x | y | dropped |\n- [ ] i\n",
			[]string{"Checklist / i"}, []string{"a · b / c|d · e | f / 1 / x · y"}},
		{"table after text", "intro\n| a |\n|---|\n| b |\n- [ ] i\n",
			[]string{"Checklist / i"}, []string{"a / b"}},
		{"header does not fit", "| a | b |\n|---|\n- [ ] i\n",
			[]string{"Checklist / i"}, nil},
		{"table in a list item", "- | a | b |\n  |---|---|\n- [ ] i\n",
			[]string{"Checklist / i"}, []string{"ab"}},
		{"table under a task", "- [ ] i\n  a | b\n  --|--\n",
			[]string{"Checklist / i"}, nil},
		{"box in a second block", "# One\n- [ ] a\n# Two\n- plain\n\n  [ ] b\n",
			[]string{"One / a"}, []string{"plain"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse("t", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			var items, guidance []string
			for _, it := range tpl.Items() {
				items = append(items, it.Section+" / "+it.Text)
			}
			for _, g := range tpl.AllGuidance() {
				guidance = append(guidance, strings.Join(g.Lines, " / "))
			}
			if !reflect.DeepEqual(items, c.items) || !reflect.DeepEqual(guidance, c.guidance) {
				t.Fatalf("items %q\nguidance %q\nwant %q\n%q", items, guidance, c.items, c.guidance)
			}
			sameAsExtension(t, []byte(c.src))
		})
	}
}
