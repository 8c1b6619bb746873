package cli

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/model/mdtemplate"
)

const teamTemplate = `# Team API
## Pre-Deployment
### Build
- [ ] Tests green
- [ ] Changelog written
## Rollback Checklist
### When to Rollback
- p99 latency doubles
### Steps
- [ ] Revert the release
## Aftercare
- [ ] Tell support
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLITemplateImportListShowStart(t *testing.T) {
	db := cliDB(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "Team API.md", teamTemplate)

	code, out, errOut := fd(t, db, "template", "import", file)
	if code != exitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	want := `imported template "team-api" from ` + file + `: 3 phases, 4 items
  Pre-Deployment: 2 items (Build)
  Rollback: 1 item (Steps); guidance: When to Rollback
  Aftercare: 1 item (Aftercare)
`
	if out != want {
		t.Errorf("import printed\n%s\nwant\n%s", out, want)
	}
	if errOut != "start a deployment with it: flightdeck deploy start SERVICE VERSION --template team-api\n"+`note: flightdeck acts on the phases Pre-Deployment, Deployment Execution, Rollback (Pre-Deployment gates the rollout); "Aftercare" is kept as a plain checklist`+"\n" {
		t.Errorf("import noted %q", errOut)
	}

	// The seed document itself imports with all 41 items.
	out = fdOK(t, db, "template", "import", "../../testdata/octoacme-seed.md")
	if !strings.HasPrefix(out, `imported template "octoacme-seed" from ../../testdata/octoacme-seed.md: 3 phases, 41 items`+"\n") {
		t.Errorf("seed import printed %q", out)
	}

	out = fdScreen(t, db, "template", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME") ||
		!strings.Contains(lines[1], "octoacme ") || !strings.Contains(lines[1], "built in") ||
		!strings.Contains(lines[2], "octoacme-seed") || !strings.Contains(lines[2], "41") || !strings.Contains(lines[2], "alice, ") ||
		!strings.Contains(lines[3], "team-api") || !strings.HasSuffix(lines[3], "Pre-Deployment · Rollback · Aftercare") {
		t.Errorf("template list:\n%s", out)
	}

	var list []map[string]any
	if err := json.Unmarshal([]byte(fdOK(t, db, "template", "list", "--json")), &list); err != nil || len(list) != 3 {
		t.Fatalf("list --json: %v %v", err, list)
	}
	if b := list[0]; b["name"] != "octoacme" || b["builtin"] != true || b["items"] != 41.0 || b["imported_by"] != nil || b["imported_at"] != nil {
		t.Errorf("built-in: %v", b)
	}
	if tm := list[2]; tm["name"] != "team-api" || tm["builtin"] != false || tm["items"] != 4.0 || tm["imported_by"] != "alice" ||
		tm["imported_at"] == nil || tm["problem"] != nil || len(tm["phases"].([]any)) != 3 {
		t.Errorf("team-api: %v", tm)
	}

	out = fdOK(t, db, "template", "show", "team-api")
	for _, want := range []string{"template team-api — 4 items in 3 phases (imported by alice, ",
		"\nPre-Deployment (2)\n  Build\n    [ ] Tests green\n    [ ] Changelog written\n",
		"\nRollback (1)\n  When to Rollback (guidance)\n    · p99 latency doubles\n  Steps\n    [ ] Revert the release\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if out := fdOK(t, db, "template", "show", "octoacme"); !strings.HasPrefix(out, "template octoacme — 41 items in 3 phases (built in)\n") {
		t.Errorf("show octoacme: %q", out)
	}
	if out := fdOK(t, db, "template", "show", "team-api", "--markdown"); out != teamTemplate {
		t.Errorf("show --markdown: %q", out)
	}
	if out := fdOK(t, db, "template", "show", "octoacme", "--markdown"); out != string(mdtemplate.BuiltinSource()) {
		t.Errorf("show octoacme --markdown differs from the built-in source")
	}

	out = fdOK(t, db, "deploy", "start", "api", "v1", "--template", "team-api")
	if out != "started deployment #1: api v1 → production (canary), 4 checklist items from template team-api\n" {
		t.Errorf("deploy start --template printed %q", out)
	}
	if out := fdOK(t, db, "deploy", "status"); !strings.Contains(out, "progress: Pre-Deployment 0/2 ◀ · Rollback 0/1 · Aftercare 0/1") {
		t.Errorf("status:\n%s", out)
	}
	fdOK(t, db, "check", "Tests green")
	// The default is still the built-in.
	if out := fdOK(t, db, "deploy", "start", "web", "v2"); !strings.HasSuffix(out, ", 41 checklist items\n") {
		t.Errorf("deploy start printed %q", out)
	}

	// A re-import needs --replace; the deployment keeps its checklist.
	fdFail(t, db, exitUsage, `flightdeck: template "team-api" already exists (imported by alice, `, "template", "import", file)
	fdFail(t, db, exitUsage, `: pass --replace to replace it`, "template", "import", file)
	writeFile(t, dir, "Team API.md", "## Pre-Deployment\n- [ ] Only this\n")
	if out := fdOK(t, db, "template", "import", file, "--replace"); !strings.HasPrefix(out, `replaced template "team-api" from `+file+`: 1 phase, 1 item`) {
		t.Errorf("replace printed %q", out)
	}
	if out := fdOK(t, db, "deploy", "status", "--deploy", "1"); !strings.Contains(out, "Pre-Deployment 1/2") {
		t.Errorf("replacing the template changed deployment #1:\n%s", out)
	}

	var doc struct {
		Deployments []struct {
			Template string `json:"template"`
		} `json:"deployments"`
		Templates []struct {
			Name       string `json:"name"`
			Source     string `json:"source"`
			Items      int    `json:"items"`
			ImportedBy string `json:"imported_by"`
		} `json:"templates"`
		Events []struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "export")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Templates) != 2 || doc.Templates[1].Name != "team-api" || doc.Templates[1].Items != 1 ||
		doc.Templates[1].Source != "## Pre-Deployment\n- [ ] Only this\n" || doc.Templates[1].ImportedBy != "alice" {
		t.Errorf("export templates: %+v", doc.Templates)
	}
	if doc.Deployments[0].Template != "team-api" || doc.Deployments[1].Template != "octoacme" {
		t.Errorf("export deployments: %+v", doc.Deployments)
	}
	var imports []string
	for _, e := range doc.Events {
		if e.Kind == "template.imported" {
			imports = append(imports, e.Text)
		}
	}
	if len(imports) != 3 || !strings.HasPrefix(imports[2], `replaced template "team-api": 1 phase, 1 item (was 4 items`) {
		t.Errorf("template events: %q", imports)
	}
}

func TestCLITemplateErrors(t *testing.T) {
	db := emptyDB(t)
	dir := t.TempDir()
	w := func(name, content string) string { return writeFile(t, dir, name, content) }
	big := w("big.md", "## A\n- [ ] x\n"+strings.Repeat("y", mdtemplate.MaxSize))
	cases := []struct {
		name string
		code int
		want string
		args []string
	}{
		{"missing file", exitUsage, "flightdeck: " + filepath.Join(dir, "nope.md") + " does not exist: give the path of a Markdown file",
			[]string{filepath.Join(dir, "nope.md")}},
		{"directory", exitUsage, "flightdeck: " + dir + " is a directory: give the Markdown file to import, e.g. " + filepath.Join(dir, "checklist.md"),
			[]string{dir}},
		{"unreadable", exitFail, "flightdeck: cannot read " + filepath.Join(big, "x.md") + ": not a directory",
			[]string{filepath.Join(big, "x.md")}},
		{"empty", exitUsage, "flightdeck: " + w("empty.md", "") + " is empty: write the checklist as task-list lines (- [ ] item) under headings",
			[]string{filepath.Join(dir, "empty.md")}},
		{"blank", exitUsage, "blank.md is empty", []string{w("blank.md", "\n  \n")}},
		{"no items", exitUsage, "flightdeck: " + w("prose.md", "# Notes\n\nJust text.\n") +
			" has no checklist items: write them as task-list lines (- [ ] item) under headings", []string{filepath.Join(dir, "prose.md")}},
		{"plain list", exitUsage, "plain.md has no checklist items: write them as task-list lines (- [ ] item) under headings; its 2 plain list lines (- item) are guidance, not items",
			[]string{w("plain.md", "## A\n- one\n- two\n")}},
		{"duplicates", exitUsage, `dup.md:3: duplicate item "tests green" on line 3 and line 4 (both in Pre-Deployment › Build): make each item of a section different (the same text in another section is fine)`,
			[]string{w("dup.md", "## Pre-Deployment\n### Build\n- [ ] Tests green\n- [ ] tests green\n## Rollback\n### Steps\n- [ ] tests green\n")}},
		{"duplicate phase", exitUsage, `dupphase.md:1: phase "A" appears twice (first on line 1): give each level-2 heading a different name`,
			[]string{w("dupphase.md", "## A\n- [ ] x\n## A\n- [ ] y\n")}},
		{"too large", exitUsage, "flightdeck: " + big + " is 1,048,589 bytes: a template may be at most 1 MiB (1,048,576 bytes) of Markdown", []string{big}},
		{"latin-1", exitUsage, "latin1.md:2 is not UTF-8 text (byte 0xe9 on line 2, column 10): save it as UTF-8",
			[]string{w("latin1.md", "## A\n- [ ] caf\xe9\n")}},
		{"binary", exitUsage, "image.md:3 contains binary data (a NUL byte on line 3): give a Markdown text file",
			[]string{w("image.md", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}},
		{"utf-16", exitUsage, "utf16.md:1 is UTF-16 text: save it as UTF-8", []string{w("utf16.md", "\xff\xfe#\x00 \x00A\x00")}},
		{"too deep", exitUsage, "deep.md:1 nests 11 lists or block quotes on line 1: a template may nest at most 10",
			[]string{w("deep.md", strings.Repeat("> ", 10)+"- [ ] x\n")}},
		{"bad name", exitUsage, "flightdeck: --name: template name \"Team API\" is not valid: use 1 to 40 lowercase letters",
			[]string{w("ok.md", teamTemplate), "--name", "Team API"}},
		{"underivable name", exitUsage, "cannot make a template name from " + w("équipe.md", teamTemplate) + ": pass --name NAME",
			[]string{filepath.Join(dir, "équipe.md")}},
		{"built-in by name", exitUsage, "flightdeck: octoacme is the built-in template and cannot be replaced: import under another name with --name NAME",
			[]string{w("ok2.md", teamTemplate), "--name", "octoacme", "--replace"}},
		{"built-in by file name", exitUsage, "octoacme is the built-in template and cannot be replaced", []string{w("OctoAcme.md", teamTemplate)}},
		{"no file", exitUsage, "template import needs one Markdown FILE", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fdFail(t, db, c.code, c.want, append([]string{"template", "import"}, c.args...)...)
		})
	}
	// Nothing was imported, and nothing is on the timeline.
	if out := fdOK(t, db, "template", "list"); strings.Count(out, "\n") != 2 {
		t.Errorf("after errors:\n%s", out)
	}

	if os.Geteuid() != 0 {
		locked := w("locked.md", teamTemplate)
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		fdFail(t, db, exitFail, "flightdeck: cannot read "+locked+": permission denied", "template", "import", locked)
	}

	fdFail(t, db, exitUsage, `flightdeck: no template named "nope": the templates are octoacme (import one with flightdeck template import FILE.md)`,
		"deploy", "start", "api", "v1", "--template", "nope")
	fdFail(t, db, exitUsage, `no template named "nope": the templates are octoacme`, "template", "show", "nope")
	fdFail(t, db, exitUsage, "template show needs a template NAME", "template", "show")
	fdFail(t, db, exitUsage, `unknown template command "remove"`, "template", "remove", "x")
	if out := fdScreen(t, db, "deploy", "status"); !strings.Contains(out, "no active deployments") {
		t.Errorf("a refused start started something:\n%s", out)
	}
}

// `template import --dry-run` prints what it would create, with warnings
// naming file:line, and writes nothing; then `check "same text"` on a
// deployment from it names both items by id and section.
func TestCLITemplateImportDryRunAndSameText(t *testing.T) {
	db := cliDB(t)
	dir := t.TempDir()
	src := "# Release\n## Pre-Deployment\n### Alpha\n- [ ] Docs updated\n  - [ ] website\n### Beta\n- [ ] Docs updated\n" +
		"<!--\n- [ ] later\n-->\n| Level | Needs |\n|---|---|\n| C | tests |\n"
	file := writeFile(t, dir, "rel.md", src)
	code, out, errOut := fd(t, db, "template", "import", file, "--dry-run")
	if code != exitOK {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	want := `would import template "rel" from ` + file + `: 1 phase, 3 items (dry run: nothing written)
  Pre-Deployment: 3 items
    Alpha: 2 items
    Beta: 1 item
    guidance Beta: 2 lines
warning: ` + file + `:9: 1 task line in an HTML comment (<!-- … -->) ignored: move them out of the comment to import them
`
	if out != want {
		t.Errorf("dry run printed\n%s\nwant\n%s", out, want)
	}
	if errOut != "import it: flightdeck template import "+file+" --name rel\n" {
		t.Errorf("dry run hinted %q", errOut)
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("dry run touched the database: %v", err)
	}
	var js struct {
		Action string `json:"action"`
		Items  int    `json:"items"`
	}
	jsonOut := fdOK(t, db, "template", "import", file, "--dry-run", "--json")
	if err := json.Unmarshal([]byte(jsonOut), &js); err != nil || js.Action != "dry-run" || js.Items != 3 {
		t.Fatalf("--json: %v %+v\n%s", err, js, jsonOut)
	}

	fdOK(t, db, "template", "import", file)
	fdOK(t, db, "deploy", "start", "api", "v1", "--template", "rel")
	code, _, errOut = fd(t, db, "check", "docs updated")
	if code != exitUsage || !strings.Contains(errOut, `"docs updated" is 2 items, in different sections (#1 Pre-Deployment › Alpha; #3 Pre-Deployment › Beta): use the item id`) {
		t.Fatalf("check same text: exit %d: %s", code, errOut)
	}
	if out := fdOK(t, db, "check", "3"); !strings.Contains(out, "Docs updated") {
		t.Fatalf("check by id printed %q", out)
	}
}
