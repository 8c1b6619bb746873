package mdtemplate

import (
	"os"
	"strings"
	"testing"

	"flightdeck/model"
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
// sections, parses to the same three checklists.
func TestSeedDocumentParses(t *testing.T) {
	src, err := os.ReadFile("../../../shared/seed/000_c01db880cf261bd3.txt")
	if err != nil {
		t.Skip("seed not beside the repository:", err)
	}
	tpl, err := Parse("seed", src)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tpl.Items()), len(Builtin().Items()); got != want {
		t.Fatalf("seed has %d items, built-in %d", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"empty", "", "no checklist items"},
		{"plain list only", "## A\n- one\n- two\n", "no checklist items"},
		{"duplicate", "## A\n### S\n- [ ] Same thing\n- [ ] same thing\n", "duplicate item"},
		{"duplicate phase", "## A\n- [ ] x\n## A\n- [ ] y\n", "appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
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
	if items[2].Text != "see docs [31mnow continued" {
		t.Errorf("item 2 text = %q", items[2].Text)
	}
}
