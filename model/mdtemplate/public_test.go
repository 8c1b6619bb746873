package mdtemplate

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The public checklists in testdata/checklists (sources and licences in
// SOURCES.md) import with the counts read off each file, or are refused
// for the reason SOURCES.md gives.
func TestPublicChecklists(t *testing.T) {
	cases := []struct {
		file     string
		phases   string // "Phase:items" joined by |
		sections int
		warnings []string
		refused  string
	}{
		{file: "home-assistant-pr-template.md", phases: "Type of change:6|Checklist:15", sections: 2},
		{file: "kubernetes-kep-template.md", phases: "Release Signoff:14|Production Readiness Review Questionnaire:7", sections: 4,
			warnings: []string{"line 13: 7 task lines in an HTML comment"}},
		{file: "kubernetes-enhancement-issue.md", phases: "Checklist:4", sections: 1,
			warnings: []string{"line 21: 8 task lines in an HTML comment"}},
		{file: "mercari-design-checklist.md", refused: "its 13 table rows are guidance, not items"},
		{file: "mercari-pre-production-checklist.md", refused: "its 82 table rows are guidance, not items"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			src, err := os.ReadFile("../../testdata/checklists/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			tpl, warns, err := Inspect("pub", src)
			if c.refused != "" {
				var pe *Error
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("err = %v, want %q", err, c.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			sections := 0
			for _, p := range tpl.Phases {
				n := 0
				for _, s := range p.Sections {
					n += len(s.Items)
				}
				sections += len(p.Sections)
				got = append(got, p.Name+":"+itoa(n))
			}
			if strings.Join(got, "|") != c.phases || sections != c.sections {
				t.Fatalf("phases %s (%d sections), want %s (%d)", strings.Join(got, "|"), sections, c.phases, c.sections)
			}
			if len(warns) != len(c.warnings) {
				t.Fatalf("warnings %v, want %v", warns, c.warnings)
			}
			for i, w := range c.warnings {
				if !strings.HasPrefix(warns[i].String(), w) {
					t.Fatalf("warning %q, want %q", warns[i], w)
				}
			}
		})
	}
	// Nested items carry their parent (the KEP's test-plan sub-items).
	src, _ := os.ReadFile("../../testdata/checklists/kubernetes-kep-template.md")
	tpl, _ := Parse("kep", src)
	want := "(R) Graduation criteria is in place › (R) all GA Endpoints must be hit by Conformance Tests within one minor version of promotion to GA"
	found := false
	for _, it := range tpl.Items() {
		found = found || it.Text == want
	}
	if !found {
		t.Fatalf("no item %q in %+v", want, tpl.Items())
	}
}

func itoa(n int) string { return fmt.Sprint(n) }
