package model

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)

func TestParseStrategy(t *testing.T) {
	cases := []struct {
		in   string
		want Strategy
		err  bool
	}{
		{"canary", StrategyCanary, false},
		{" Blue_Green ", StrategyBlueGreen, false},
		{"feature flag", StrategyFeatureFlag, false},
		{"ALL-AT-ONCE", StrategyAllAtOnce, false},
		{"yolo", "", true},
		{"", "", true},
	}
	for _, c := range cases {
		got, err := ParseStrategy(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseStrategy(%q) = %q, %v", c.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "canary, blue-green, feature-flag, all-at-once") {
			t.Errorf("error does not list the choices: %v", err)
		}
	}
}

func TestNewDeploymentNormalize(t *testing.T) {
	cases := []struct {
		name string
		in   NewDeployment
		want NewDeployment
		err  string
	}{
		{"defaults", NewDeployment{Service: " api ", Version: "v1"}, NewDeployment{Service: "api", Version: "v1", Environment: "production", Strategy: StrategyCanary}, ""},
		{"kept", NewDeployment{Service: "api", Version: "v1", Environment: "staging", Strategy: StrategyAllAtOnce}, NewDeployment{Service: "api", Version: "v1", Environment: "staging", Strategy: StrategyAllAtOnce}, ""},
		{"no service", NewDeployment{Version: "v1"}, NewDeployment{}, "service is empty"},
		{"no version", NewDeployment{Service: "api", Version: "  "}, NewDeployment{}, "version is empty"},
		{"control chars", NewDeployment{Service: "api\x1b[2J", Version: "v1"}, NewDeployment{}, "control character"},
		{"too long", NewDeployment{Service: strings.Repeat("a", 81), Version: "v1"}, NewDeployment{}, "longer than 80"},
		{"bad strategy", NewDeployment{Service: "api", Version: "v1", Strategy: "big-bang"}, NewDeployment{}, "unknown strategy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.in.Normalize()
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestCurrentPhase(t *testing.T) {
	for st, want := range map[Status]string{
		StatusPlanned: PhasePreDeployment, StatusInProgress: PhaseExecution, StatusCompleted: PhaseExecution,
		StatusAborted: PhaseExecution, StatusRolledBack: PhaseRollback,
	} {
		if got := (Deployment{Status: st}).CurrentPhase(); got != want {
			t.Errorf("%s: %s, want %s", st, got, want)
		}
	}
	if !StatusPlanned.Active() || !StatusInProgress.Active() || StatusCompleted.Active() {
		t.Error("Active is wrong")
	}
}

func TestValidateChange(t *testing.T) {
	if err := ValidateChange(ItemNA, " "); err != ErrReasonRequired {
		t.Fatalf("n/a without reason: %v", err)
	}
	for _, s := range []ItemState{ItemTodo, ItemDone} {
		if err := ValidateChange(s, ""); err != nil {
			t.Fatal(err)
		}
	}
	if ValidateChange(ItemNA, "no infra change") != nil || ValidateChange("maybe", "") == nil {
		t.Fatal("validation wrong")
	}
	if ItemTodo.Toggled() != ItemDone || ItemDone.Toggled() != ItemTodo || ItemNA.Toggled() != ItemTodo {
		t.Fatal("Toggled wrong")
	}
	for in, want := range map[string]ItemState{"done": ItemDone, "N/A": ItemNA, "na": ItemNA, " todo": ItemTodo} {
		if got, err := ParseItemState(in); err != nil || got != want {
			t.Errorf("ParseItemState(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseItemState("skip"); err == nil {
		t.Error("bad state accepted")
	}
}

func items() []Item {
	mk := func(id int64, ph, sec, text string, st ItemState) Item {
		return Item{ID: id, Phase: ph, Section: sec, Position: int(id), Text: text, State: st, At: t0}
	}
	return []Item{
		mk(1, "Pre", "Build", "Tests pass", ItemDone),
		mk(2, "Pre", "Build", "Code reviewed", ItemNA),
		mk(3, "Pre", "Infra", "Capacity validated", ItemTodo),
		mk(4, "Exec", "Steps", "Deploy to canary", ItemTodo),
		mk(5, "Exec", "Steps", "Run smoke tests on canary", ItemTodo),
		mk(6, "Exec", "Verify", "Smoke tests passed in production", ItemTodo),
	}
}

func TestGroupAndProgress(t *testing.T) {
	c := Group(items(), []Guidance{{Phase: "Exec", Title: "When", Lines: []string{"a", "b"}}, {Phase: "Nope", Lines: []string{"x"}}})
	if len(c.Phases) != 2 || c.Phases[0].Name != "Pre" || c.Phases[1].Name != "Exec" {
		t.Fatalf("phases %+v", c.Phases)
	}
	if got := c.Phases[0].Progress(); got != (Progress{Done: 1, NA: 1, Total: 3}) || got.String() != "2/3" || got.Open() != 1 {
		t.Fatalf("progress %+v %s", got, got)
	}
	if len(c.Phases[0].Sections) != 2 || len(c.Phases[0].Sections[0].Items) != 2 {
		t.Fatalf("sections %+v", c.Phases[0].Sections)
	}
	if g := c.Phases[1].Guidance; len(g) != 3 || g[0] != "When:" {
		t.Fatalf("guidance %q", g)
	}
	if si, ii := c.Phases[0].FirstOpen(); si != 1 || ii != 0 {
		t.Fatalf("FirstOpen = %d,%d", si, ii)
	}
	if c.PhaseIndex("Exec") != 1 || c.PhaseIndex("x") != -1 {
		t.Fatal("PhaseIndex")
	}
}

func TestFindItem(t *testing.T) {
	cases := []struct {
		q      string
		wantID int64
		err    string
	}{
		{"3", 3, ""},
		{"#4", 4, ""},
		{"tests pass", 1, ""},
		{"CAPACITY", 3, ""},
		{"smoke tests", 0, "matches 2 items"},
		{"Run smoke tests on canary", 5, ""},
		{"smoke tests passed", 6, ""},
		{"99", 0, "there is no item #99 on this checklist (items here are #1–#6)"},
		{"nothing like it", 0, "no checklist item matches"},
		{"ca", 0, `"ca" is too short to pick an item by its text`},
		{"", 0, "no item given"},
	}
	for _, c := range cases {
		it, err := FindItem(items(), c.q)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.q, err, c.err)
			}
			continue
		}
		if err != nil || it.ID != c.wantID {
			t.Errorf("%q: got #%d, %v; want #%d", c.q, it.ID, err, c.wantID)
		}
	}
}

// The same item text in two sections (issue 16): the exact text names no
// one item, so the message lists each with its id, phase and section.
func TestFindItemSameTextInTwoSections(t *testing.T) {
	list := []Item{
		{ID: 7, Phase: "Release", Section: "Alpha", Text: "Docs updated"},
		{ID: 9, Phase: "Release", Section: "Beta", Text: "Docs updated"},
		{ID: 11, Phase: "Release", Section: "Beta", Text: "Docs updated on the website"},
	}
	_, err := FindItem(list, "docs updated")
	want := `"docs updated" is 2 items, in different sections (#7 Release › Alpha; #9 Release › Beta): use the item id`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	_, err = FindItem(list, "docs")
	want = `"docs" matches 3 items (#7 Release › Alpha: Docs updated; #9 Release › Beta: Docs updated; #11 Release › Beta: Docs updated on the website): use more words or the item id`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if it, err := FindItem(list, "9"); err != nil || it.ID != 9 {
		t.Fatalf("by id: #%d, %v", it.ID, err)
	}
	if it, err := FindItem(list, "on the website"); err != nil || it.ID != 11 {
		t.Fatalf("unique words: #%d, %v", it.ID, err)
	}
}

// Issue 13 defect 9: "check 0" ticked whichever item mentioned a 0.
func TestFindItemNumberIsAnID(t *testing.T) {
	list := []Item{
		{ID: 12, Text: "Deploy v2.0 to canary"},
		{ID: 13, Text: "Error rate below 1%"},
	}
	for _, q := range []string{"0", "#0", "-1", "1", "2", "00012"} {
		if it, err := FindItem(list, q); err == nil && q != "00012" {
			t.Errorf("FindItem(%q) = #%d %q, want no item", q, it.ID, it.Text)
		} else if err != nil && !strings.Contains(err.Error(), "(items here are #12–#13)") {
			t.Errorf("FindItem(%q) error %q does not say which ids exist", q, err)
		}
	}
	for _, q := range []string{"1%", ".0", "%"} {
		if it, err := FindItem(list, q); err == nil {
			t.Errorf("FindItem(%q) = #%d, want too short", q, it.ID)
		}
	}
	if it, err := FindItem(list, "v2.0"); err != nil || it.ID != 12 {
		t.Errorf("FindItem(v2.0) = #%d, %v", it.ID, err)
	}
	if it, err := FindItem(list, "13"); err != nil || it.ID != 13 {
		t.Errorf("FindItem(13) = #%d, %v", it.ID, err)
	}
}

func TestTemplateItemsAndValidate(t *testing.T) {
	tpl := Template{Name: "t", Phases: []TemplatePhase{
		{Name: "A", Sections: []TemplateSection{{Name: "S", Items: []string{"one", "two"}}}, Guidance: []Guidance{{Title: "G", Lines: []string{"g"}}}},
		{Name: "B", Sections: []TemplateSection{{Name: "T", Items: []string{"three"}}}},
	}}
	its := tpl.Items()
	if len(its) != 3 || its[2].Position != 3 || its[2].Phase != "B" || its[0].State != ItemTodo {
		t.Fatalf("items %+v", its)
	}
	if g := tpl.AllGuidance(); len(g) != 1 || g[0].Phase != "A" {
		t.Fatalf("guidance %+v", g)
	}
	if err := tpl.Validate(); err != nil {
		t.Fatal(err)
	}
	// The same words in another section are another item.
	tpl.Phases[1].Sections[0].Items = []string{"ONE "}
	if err := tpl.Validate(); err != nil {
		t.Fatalf("same text in another section refused: %v", err)
	}
	tpl.Phases[0].Sections[0].Items = []string{"one", "two", "ONE "}
	if err := tpl.Validate(); err == nil || err.Error() != `duplicate item "ONE " (twice in A › S)` {
		t.Fatalf("duplicate in one section: %v", err)
	}
	if err := (Template{Name: "x"}).Validate(); err == nil {
		t.Fatal("empty template accepted")
	}
}
