package mdtemplate

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

func TestBuiltinMatchesSeed(t *testing.T) {
	tpl := Builtin()
	var names []string
	for _, p := range tpl.Phases {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, "|"), "Pre-Deployment|Deployment Execution|Rollback"; got != want {
		t.Fatalf("phases = %q, want %q", got, want)
	}
	counts := map[string]int{}
	for _, it := range tpl.Items() {
		counts[it.Phase]++
	}
	if counts[model.PhasePreDeployment] != 20 || counts[model.PhaseExecution] != 15 || counts[model.PhaseRollback] != 6 {
		t.Fatalf("item counts = %v, want 20/15/6", counts)
	}
	items := tpl.Items()
	if items[0].Text != "All automated tests passing in CI" || items[0].Section != "Code & Build" {
		t.Fatalf("first item = %+v", items[0])
	}
	if last := items[len(items)-1]; last.Text != "Schedule postmortem meeting within 24-48 hours" || last.Section != "Rollback Steps" {
		t.Fatalf("last item = %+v", last)
	}
	g := tpl.AllGuidance()
	if len(g) != 1 || g[0].Phase != model.PhaseRollback || g[0].Title != "When to Rollback" || len(g[0].Lines) != 4 ||
		g[0].Lines[0] != "Error rates exceed 5% increase from baseline" {
		t.Fatalf("guidance = %+v", g)
	}
}

// The seed document itself, with its purpose, strategies and incident
// sections, parses to the same three checklists. testdata holds a copy so
// the test does not depend on files outside the repository.
func TestSeedDocumentParses(t *testing.T) {
	src, err := os.ReadFile("../../testdata/octoacme-seed.md")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse("seed", src)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tpl.Items()), 41; got != want {
		t.Fatalf("seed has %d items, want %d", got, want)
	}
	b := Builtin()
	b.Name = tpl.Name
	if !reflect.DeepEqual(tpl, b) {
		t.Fatalf("seed parses to\n%+v\nbuilt-in is\n%+v", tpl, b)
	}
}

func TestParseErrors(t *testing.T) {
	many := "## A\n"
	for i := range MaxItems + 1 {
		many += fmt.Sprintf("- [ ] item %d\n", i)
	}
	cases := []struct {
		name, src string
		kind      ErrorKind
		line      int
		want      string
	}{
		{"empty", "", ErrEmpty, 0, `template "t" is empty: write the checklist as task-list lines (- [ ] item) under headings`},
		{"blank", " \n\t\n", ErrEmpty, 0, "is empty"},
		{"bom only", "\ufeff\n", ErrEmpty, 0, "is empty"},
		{"headings only", "# T\n## A\ntext\n", ErrNoItems, 0,
			`template "t" has no checklist items: write them as task-list lines (- [ ] item) under headings`},
		{"plain list only", "## A\n- one\n- two\n", ErrNoItems, 0, "its 2 plain list lines (- item) are guidance, not items"},
		{"empty task items", "## A\n- [ ]\n- [x]  \n", ErrNoItems, 0, "has no checklist items"},
		{"duplicate", "## A\n### S\n- [ ] Same thing\n- [ ] same thing\n", ErrDuplicateItem, 3,
			`template "t": duplicate item "same thing" on line 3 and line 4 (both in A › S): make each item of a section different (the same text in another section is fine)`},
		{"duplicates in a section after another", "## A\n### S\n- [ ] x\n### T\n- [ ] x\n- [ ] y\n- [ ] Y\n", ErrDuplicateItem, 6,
			`duplicate item "Y" on line 6 and line 7 (both in A › T)`},
		{"same section name twice", "## A\n### S\n- [ ] x\n### T\n- [ ] y\n### S\n- [ ] X\n", ErrDuplicateItem, 3,
			`duplicate item "X" on line 3 and line 7 (both in A › S)`},
		{"many duplicates", "## A\n- [ ] a\n- [ ] a\n- [ ] a\n- [ ] a\n- [ ] a\n", ErrDuplicateItem, 2, "; and 1 more: make each item of a section different"},
		{"duplicate nested", "## A\n- [ ] a\n  - [ ] b\n- [ ] a › b\n", ErrDuplicateItem, 3, "\"a › b\" on line 3 and line 4 (both in A › A)"},
		{"table only", "## A\n| a | b |\n|---|---|\n| 1 | 2 |\n", ErrNoItems, 0, "its 2 table rows are guidance, not items"},
		{"commented only", "## A\n<!--\n- [ ] a\n- [ ] b\n-->\n", ErrNoItems, 0, "(the task lines from line 3 are inside HTML or a comment and are not read)"},
		{"duplicate h1 phase", "# A\n- [ ] x\n# B\n- [ ] y\n# A\n- [ ] z\n", ErrDuplicatePhase, 1, "give each level-1 heading a different name"},
		{"duplicate phase", "## A\n- [ ] x\n## A\n- [ ] y\n", ErrDuplicatePhase, 1,
			`template "t": phase "A" appears twice (first on line 1): give each level-2 heading a different name`},
		{"too many items", many, ErrTooManyItems, 0, "has 1001 checklist items: a template may have at most 1000"},
		{"too large", "## A\n- [ ] x\n" + strings.Repeat("y", MaxSize), ErrTooLarge, 0, `template "t" is 1,048,589 bytes: a template may be at most 1 MiB (1,048,576 bytes) of Markdown`},
		{"nul", "## A\n- [ ] x\x00\n", ErrBinary, 2, "contains binary data (a NUL byte on line 2): give a Markdown text file"},
		{"utf-16", "\xff\xfe#\x00 \x00", ErrBinary, 1, "is UTF-16 text: save it as UTF-8"},
		{"latin-1", "## A\n- [ ] caf\xe9\n", ErrNotUTF8, 2, "is not UTF-8 text (byte 0xe9 on line 2, column 10): save it as UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t", []byte(c.src))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if pe.Kind != c.kind || pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v (kind %d, line %d), want kind %d, line %d and %q", err, pe.Kind, pe.Line, c.kind, c.line, c.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("err is not one line: %q", err)
			}
			if got := pe.In("team.md").Error(); !strings.HasPrefix(got, "team.md") || strings.Contains(got, `template "t"`) {
				t.Fatalf("In(file) = %q", got)
			}
		})
	}
}

func TestParseShapes(t *testing.T) {
	src := "# Title\n- [ ] loose item\n## Ship It Checklist\n- [x] `make` passes\n### Sec\n- [ ] see [docs](http://x) \x1b[31mnow\n  continued\n"
	tpl, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	items := tpl.Items()
	if len(items) != 3 {
		t.Fatalf("items = %+v", items)
	}
	if items[0].Phase != "Title" || items[0].Section != "Title" {
		t.Errorf("loose item placed in %q/%q", items[0].Phase, items[0].Section)
	}
	if items[1].Phase != "Ship It" || items[1].Text != "make passes" || items[1].State != model.ItemTodo {
		t.Errorf("item 1 = %+v", items[1])
	}
	if items[2].Text != "see docs now continued" {
		t.Errorf("item 2 text = %q", items[2].Text)
	}
}

func TestParseMarkdownDetails(t *testing.T) {
	src := "\ufeff# Team\n" +
		"## pre-deployment checklist\n" +
		"### Build\n" +
		"- [ ] a \\* b &amp; c &#35; \\&amp; `x\\*y &amp;` <b>bold</b> &bogus;\n" +
		"- [ ] parent\n" +
		"  - [ ] child\n" +
		"  - plain detail\n" +
		"    - [x] grandchild\n" +
		"- [ ] evil \u202ereversed\u202c &#x1b;[2J text\n" +
		"## ROLLBACK\n" +
		"### When\n" +
		"- guidance line\n" +
		"### Steps\n" +
		"- [ ] roll back\n" +
		"## Custom Phase\n" +
		"- [ ] custom item\n"
	tpl, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range tpl.Items() {
		got = append(got, it.Phase+" / "+it.Section+" / "+it.Text)
	}
	want := []string{
		"Pre-Deployment / Build / a * b & c # &amp; x\\*y &amp; bold &bogus;",
		"Pre-Deployment / Build / parent",
		"Pre-Deployment / Build / parent › child",
		"Pre-Deployment / Build / parent › grandchild",
		"Pre-Deployment / Build / evil reversed text",
		"Rollback / Steps / roll back",
		"Custom Phase / Custom Phase / custom item",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g := tpl.AllGuidance(); len(g) != 1 || g[0].Phase != "Rollback" || g[0].Title != "When" || g[0].Lines[0] != "guidance line" {
		t.Errorf("guidance = %+v", g)
	}
}

func TestParseShapeLimits(t *testing.T) {
	long := "## A\n- [ ] x\n\n" + strings.Repeat("word ", MaxParagraph/5) + "\nmore\n"
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"nested quotes", "## A\n- [ ] x\n" + strings.Repeat("> ", MaxDepth+1) + "- [ ] y\n", 3,
			`template "t" nests 12 lists or block quotes on line 3: a template may nest at most 10`},
		{"nested lists", strings.Repeat("- ", MaxDepth+1) + "[ ] y\n", 1, "nests 11 lists"},
		{"long paragraph", long, 4, `template "t" has a paragraph of over 8 KiB starting on line 4: break it into shorter items or paragraphs`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t", []byte(c.src))
			var pe *Error
			if !errors.As(err, &pe) || pe.Kind != ErrTooComplex || pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v (%+v), want line %d and %q", err, pe, c.line, c.want)
			}
		})
	}
	// At the limits, and with many short paragraphs, all is well.
	ok := strings.Repeat("> ", MaxDepth/2) + strings.Repeat("- ", MaxDepth/2) + "[ ] deep\n\n" +
		strings.Repeat(strings.Repeat("w ", MaxParagraph/2-8)+"\n\n", 4) +
		strings.Repeat("- [ ] "+strings.Repeat("v", MaxParagraph-16)+"\n", 1)
	if _, err := Parse("t", []byte(ok)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkParse measures the built-in and the worst inputs the shape
// limits still admit (goldmark is quadratic in some constructs, see
// checkShape); each should stay within a few seconds per MiB.
func BenchmarkParse(b *testing.B) {
	fill := func(unit string) []byte {
		return []byte(strings.Repeat(unit, MaxSize/len(unit)))
	}
	para := func(p string) string { return strings.Repeat(p, (MaxParagraph-64)/len(p)) + "\n\n" }
	for _, c := range []struct {
		name string
		src  []byte
	}{
		{"builtin", BuiltinSource()},
		{"unclosed-links", fill(para("[a]("))},
		{"emphasis", fill(para("*_a"))},
		{"deep-lists", fill(strings.Repeat("- ", MaxDepth) + "[ ] [a](\n")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.src)))
			for b.Loop() {
				_, _ = Parse("b", c.src)
			}
		})
	}
}
