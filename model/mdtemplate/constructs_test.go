package mdtemplate

import (
	"reflect"
	"strings"
	"testing"
)

// Each construct real checklists use (issue 16): what it becomes.
func TestParseConstructs(t *testing.T) {
	long := strings.Repeat("word ", 80) // 400 characters
	cases := []struct {
		name, src string
		items     []string // phase / section / text
		guidance  []string // phase / title / lines joined by " | "
		warnings  []string
	}{
		{"same text in two sections", "## Release\n### Alpha\n- [ ] Docs updated\n### Beta\n- [ ] docs updated\n",
			[]string{"Release / Alpha / Docs updated", "Release / Beta / docs updated"}, nil, nil},
		{"nested under a task", "## A\n- [ ] Alpha\n  - [ ] KEP PR\n    - [ ] merged\n  - note\n- [ ] Beta\n  - [ ] KEP PR\n",
			[]string{"A / A / Alpha", "A / A / Alpha › KEP PR", "A / A / Alpha › KEP PR › merged", "A / A / Beta", "A / A / Beta › KEP PR"}, nil, nil},
		{"nested under a plain bullet", "## A\n- PRs by stage:\n  - [ ] Alpha\n",
			[]string{"A / A / Alpha"}, []string{"A /  / PRs by stage:"}, nil},
		{"html comment", "## A\n<!--\n- [ ] hidden\n-->\n- [ ] shown <!-- inline -->\n",
			[]string{"A / A / shown"}, nil, []string{"line 3: 1 task line in an HTML comment (<!-- … -->) ignored: move them out of the comment to import them"}},
		{"details with a blank line", "## A\n<details>\n<summary>More</summary>\n\n- [ ] inside\n\n</details>\n",
			[]string{"A / A / inside"}, nil, nil},
		{"details without a blank line", "## A\n- [ ] outside\n<details><summary>More</summary>\n- [ ] swallowed\n</details>\n",
			[]string{"A / A / outside"}, nil, []string{"line 4: 1 task line inside an HTML block not read: leave a blank line after the HTML tag (e.g. after </summary>) so the list is Markdown"}},
		{"h1 title, h2 phases, h3 h4 sections", "# T\n## Pre-Deployment\n### Build\n- [ ] a\n#### Deep\n- [ ] b\n## Rollback checklist\n- [ ] c\n",
			[]string{"Pre-Deployment / Build / a", "Pre-Deployment / Deep / b", "Rollback / Rollback / c"}, nil, nil},
		{"several h1 are phases", "# Before\n## Code\n- [ ] a\n# After\n### Watch\n- [ ] b\n",
			[]string{"Before / Code / a", "After / Watch / b"}, nil, nil},
		{"one h1, h3 only: one phase", "# Ship\n### One\n- [ ] a\n### Two\n- [ ] b\n",
			[]string{"Ship / One / a", "Ship / Two / b"}, nil, nil},
		{"h4 only, no title", "#### One\n- [ ] a\n#### Two\n- [ ] a\n",
			[]string{"Checklist / One / a", "Checklist / Two / a"}, nil, nil},
		{"h2 phases over an itemless h1", "# Doc\n## A\n- [ ] a\n## B\n- [ ] b\n",
			[]string{"A / A / a", "B / B / b"}, nil, nil},
		{"table", "## A\n### Levels\n| Check | Level |\n|---|---|\n| Unit test | C |\n| | |\n- [ ] a\n",
			[]string{"A / Levels / a"}, []string{"A / Levels / Check · Level | Unit test · C"}, nil},
		{"front matter", "---\nname: Release\nabout: x\n---\n\n### Steps\n- [ ] tag\n",
			[]string{"Checklist / Steps / tag"}, nil, nil},
		{"long item", "## A\n- [ ] " + long + "\n",
			[]string{"A / A / " + strings.TrimSpace(strings.Repeat("word ", 59)) + " …"}, nil,
			[]string{"line 2: item of 399 characters cut to 300 (ending \"…\"): shorten it, or move the detail into a plain list line (- text) under it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, warns, err := Inspect("t", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			var items, guidance, ws []string
			for _, it := range tpl.Items() {
				items = append(items, it.Phase+" / "+it.Section+" / "+it.Text)
			}
			for _, g := range tpl.AllGuidance() {
				guidance = append(guidance, g.Phase+" / "+g.Title+" / "+strings.Join(g.Lines, " | "))
			}
			for _, w := range warns {
				ws = append(ws, w.String())
			}
			if !reflect.DeepEqual(items, c.items) || !reflect.DeepEqual(guidance, c.guidance) || !reflect.DeepEqual(ws, c.warnings) {
				t.Fatalf("items %q\nguidance %q\nwarnings %q\nwant %q\n%q\n%q", items, guidance, ws, c.items, c.guidance, c.warnings)
			}
			if len(items) > 0 && len([]rune(tpl.Items()[0].Text)) > MaxItemLen {
				t.Fatalf("item over %d characters", MaxItemLen)
			}
		})
	}
}
