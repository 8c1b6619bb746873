package mdtemplate

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/model"
)

// Run locally with e.g.
//
//	go test ./model/mdtemplate -run '^$' -fuzz '^FuzzParse$' -fuzztime 20s
//
// FuzzParse checks what `flightdeck template import` relies on: Parse never
// panics; it fails only with a one-line *Error; what it accepts validates
// and holds no control characters; and it is deterministic, deaf to a
// byte-order mark and to CRLF line endings.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, err := Parse("fuzz", src)
		if err != nil {
			checkParseError(t, err)
			// The same input gives the same error.
			if _, again := Parse("fuzz", src); again == nil || again.Error() != err.Error() {
				t.Fatalf("second parse: %v, first: %v", again, err)
			}
			return
		}
		checkTemplate(t, tpl)
		again, err := Parse("fuzz", src)
		if err != nil || !reflect.DeepEqual(again, tpl) {
			t.Fatalf("second parse differs: %v\n%+v\n%+v", err, again, tpl)
		}
		if !bytes.HasPrefix(src, bom) && len(src)+len(bom) <= MaxSize {
			withBOM, err := Parse("fuzz", append(append([]byte(nil), bom...), src...))
			if err != nil || !reflect.DeepEqual(withBOM, tpl) {
				t.Fatalf("a byte-order mark changes the template: %v\n%+v\n%+v", err, withBOM, tpl)
			}
		}
		if !bytes.ContainsRune(src, '\r') {
			crlf := bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
			if len(crlf) <= MaxSize {
				got, err := Parse("fuzz", crlf)
				if err != nil || !reflect.DeepEqual(got, tpl) {
					t.Fatalf("CRLF line endings change the template: %v\n%+v\n%+v", err, got, tpl)
				}
			}
		}
	})
}

// parseSeeds are the inputs the Markdown fuzz targets start from: the
// built-in template, the seed document and one of each construct.
func parseSeeds() [][]byte {
	seeds := [][]byte{BuiltinSource()}
	if seed, err := os.ReadFile("../../testdata/octoacme-seed.md"); err == nil {
		seeds = append(seeds, seed)
	}
	for _, s := range []string{
		"",
		"\ufeff",
		"- [ ] one\n",
		"# T\n- [ ] loose\n## A Checklist\n### S\n- [x] done already\n- plain guidance\n",
		"## A\n- [ ] x\n## A\n- [ ] y\n",
		"## A\n### S\n- [ ] Same\n- [ ] same\n",
		"## A\n- [ ] p\n  - [ ] c\n    - [ ] g\n  - detail\n",
		"## A\n- [ ] \\* &amp; &#x1b;[2J &#0; \u202e `co\\de` <b>x</b> [l](u) <http://x.y>\n",
		"##\n- [ ] empty heading\n###\n- [ ] empty section\n",
		"> - [ ] quoted\n\n```\n- [ ] fenced\n```\n    - [ ] indented code\n",
		"1. [ ] ordered\n2. [x] list\n* [ ] star\n+ [ ] plus\n",
		"<!-- - [ ] comment -->\n<div>\n- [ ] html\n</div>\n",
		"## A\n- [ ] caf\xe9\n",
		"## A\n- [ ] nul\x00\n",
		"\xff\xfe#\x00",
		"- [ ]\n- [x]\n- [ ]   \n",
		"Setext phase\n------------\n- [ ] item\n",
		"## Rollback\n### When to Rollback\n- a\n- b\n### Steps\n- [ ] undo\n",
		"---\nname: x\n---\n# A\n- [ ] a\n# B\n### S\n- [ ] a\n",
		"## A\n| a | b |\n|---|---|\n| 1 | |\n- [ ] p\n  - [ ] c\n<details><summary>s</summary>\n- [ ] hidden\n</details>\n",
		"#### A\n- [ ] " + strings.Repeat("long ", 100) + "\n#### B\n- [ ] " + strings.Repeat("long ", 100) + "x\n",
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func checkParseError(t *testing.T, err error) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %q is a %T, not an *Error", err, err)
	}
	if pe.Kind < ErrEmpty || pe.Kind > ErrTooComplex || pe.Line < 0 {
		t.Fatalf("error %q: kind %d, line %d", err, pe.Kind, pe.Line)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `template "fuzz"`) || !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
		t.Fatalf("error is not one clean line naming the template: %q", msg)
	}
}

func checkTemplate(t *testing.T, tpl model.Template) {
	t.Helper()
	if err := tpl.Validate(); err != nil {
		t.Fatalf("accepted template does not validate: %v", err)
	}
	if tpl.Name != "fuzz" {
		t.Fatalf("name = %q", tpl.Name)
	}
	n := len(tpl.Items())
	if n < 1 || n > MaxItems {
		t.Fatalf("%d items", n)
	}
	phases := map[string]bool{}
	for _, p := range tpl.Phases {
		checkText(t, "phase", p.Name)
		if phases[p.Name] {
			t.Fatalf("phase %q twice", p.Name)
		}
		phases[p.Name] = true
		if len(p.Sections) == 0 {
			t.Fatalf("phase %q has no sections", p.Name)
		}
		for _, s := range p.Sections {
			checkText(t, "section", s.Name)
			if len(s.Items) == 0 {
				t.Fatalf("section %q has no items", s.Name)
			}
			for _, it := range s.Items {
				checkText(t, "item", it)
			}
		}
		for _, g := range p.Guidance {
			if g.Phase != p.Name {
				t.Fatalf("guidance of %q says phase %q", p.Name, g.Phase)
			}
			if g.Title != "" {
				checkText(t, "guidance title", g.Title)
			}
			for _, l := range g.Lines {
				checkText(t, "guidance", l)
			}
		}
	}
}

// checkText: what reaches a terminal is non-empty, valid UTF-8, trimmed,
// single-spaced, with no control characters or bidi overrides.
func checkText(t *testing.T, what, s string) {
	t.Helper()
	bad := strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
	})
	if s == "" || bad || !utf8.ValidString(s) || s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
		t.Fatalf("%s text %q is not clean", what, s)
	}
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// FuzzTemplateName checks CheckName against the documented pattern, and
// that a name made from any file name is stable and, when valid, survives
// being used as a file name again.
func FuzzTemplateName(f *testing.F) {
	for _, s := range []string{"", "octoacme", "team-api", "-x", "a-", "A", "a_b", "Team API.md", "dir/Team API_v2.md",
		`C:\x\y.MD`, ".md", "..", "/", "é.md", "a\x00b", "a\nb", strings.Repeat("a", 40), strings.Repeat("a", 41), "İstanbul.md"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckName(s)
		if (err == nil) != namePattern.MatchString(s) {
			t.Fatalf("CheckName(%q) = %v, pattern says %v", s, err, namePattern.MatchString(s))
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("CheckName error is not one line: %q", err)
		}
		n := NameFromPath(s)
		if strings.ContainsAny(n, "/\\ _.") || strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-") || strings.Contains(n, "--") {
			t.Fatalf("NameFromPath(%q) = %q", s, n)
		}
		if again := NameFromPath(n + ".md"); again != n {
			t.Fatalf("NameFromPath(%q) = %q, but NameFromPath(%q) = %q", s, n, n+".md", again)
		}
		if CheckName(n) == nil && strings.ToLower(n) != n {
			t.Fatalf("valid name %q is not lowercase", n)
		}
	})
}
