package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

const teamMD = `# Team API
## Pre-Deployment
### Build
- [ ] Tests green
- [ ] Changelog written
## Rollback Checklist
### When to Rollback
- p99 latency doubles
### Steps
- [ ] Revert the release
`

func TestImportTemplate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()

	tpl, err := s.ImportTemplate(ctx, "team-api", []byte(teamMD), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Name != "team-api" || len(tpl.Items()) != 3 || len(tpl.Phases) != 2 || tpl.Phases[1].Name != model.PhaseRollback {
		t.Fatalf("imported %+v", tpl)
	}
	got, err := s.Template(ctx, "team-api")
	if err != nil || !reflect.DeepEqual(got, tpl) {
		t.Fatalf("Template = %+v, %v; want %+v", got, err, tpl)
	}
	if src, err := s.TemplateSource(ctx, "team-api"); err != nil || string(src) != teamMD {
		t.Fatalf("TemplateSource = %q, %v", src, err)
	}
	if b, err := s.Template(ctx, mdtemplate.BuiltinName); err != nil || !reflect.DeepEqual(b, mdtemplate.Builtin()) {
		t.Fatalf("built-in: %v", err)
	}
	if _, err := s.Template(ctx, "nope"); !errors.Is(err, ErrNotFound) || err.Error() != `template "nope" not found` {
		t.Fatalf("unknown template: %v", err)
	}

	list, err := s.Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []TemplateInfo{
		{Name: "octoacme", Builtin: true, Phases: []string{"Pre-Deployment", "Deployment Execution", "Rollback"}, Items: 41},
		{Name: "team-api", Phases: []string{"Pre-Deployment", "Rollback"}, Items: 3, ImportedBy: "alice", ImportedAt: t0},
	}
	if !reflect.DeepEqual(list, want) {
		t.Fatalf("Templates =\n%+v\nwant\n%+v", list, want)
	}

	// The same name again needs ReplaceTemplate.
	_, err = s.ImportTemplate(ctx, "team-api", []byte("- [ ] other\n"), "bob", t0.Add(time.Minute))
	if !errors.Is(err, ErrExists) || !errors.Is(err, ErrInvalid) ||
		err.Error() != `template "team-api" already exists (imported by alice, 2026-11-25 14:02 UTC)` {
		t.Fatalf("re-import: %v", err)
	}
	if _, err := s.ReplaceTemplate(ctx, "team-api", []byte("- [ ] other\n"), "bob", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Template(ctx, "team-api"); len(got.Items()) != 1 || got.Items()[0].Text != "other" {
		t.Fatalf("after replace: %+v", got)
	}
	// Replace also creates.
	if _, err := s.ReplaceTemplate(ctx, "fresh", []byte("- [ ] x\n"), "bob", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}

	var texts []string
	for _, e := range events(t, s, 0) {
		if e.Kind == model.EventTemplateImported {
			texts = append(texts, e.Actor+": "+e.Text)
		}
	}
	if got := strings.Join(texts, "\n"); got != `alice: imported template "team-api": 2 phases, 3 items
bob: replaced template "team-api": 1 phase, 1 item (was 3 items, imported by alice)
bob: imported template "fresh": 1 phase, 1 item` {
		t.Errorf("events:\n%s", got)
	}
}

func TestImportTemplateRefuses(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, src, actor string
		want             string
	}{
		{"octoacme", teamMD, "alice", `template "octoacme" is built in and cannot be replaced: import under another name`},
		{"Team", teamMD, "alice", `template name "Team" is not valid`},
		{"", teamMD, "alice", `template name "" is not valid`},
		{"-x", teamMD, "alice", `template name "-x" is not valid`},
		{strings.Repeat("a", 41), teamMD, "alice", "is not valid"},
		{"t", teamMD, " ", "no actor given"},
		{"t", "", "alice", `template "t" is empty`},
		{"t", "## A\n- one\n", "alice", `template "t" has no checklist items`},
		{"t", "- [ ] a\n- [ ] A\n", "alice", `template "t": duplicate item "A" on line 1`},
		{"t", "- [ ] caf\xe9\n", "alice", `template "t" is not UTF-8 text`},
		{"t", "- [ ] \x00\n", "alice", `template "t" contains binary data`},
	} {
		for _, replace := range []bool{false, true} {
			var err error
			if replace {
				_, err = s.ReplaceTemplate(ctx, c.name, []byte(c.src), c.actor, t0)
			} else {
				_, err = s.ImportTemplate(ctx, c.name, []byte(c.src), c.actor, t0)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("import %q (replace %v): %v, want ErrInvalid and %q", c.name, replace, err, c.want)
			}
		}
	}
	// Source problems keep their kind for callers that name the file.
	_, err := s.ImportTemplate(ctx, "t", []byte("## A\n- one\n"), "alice", t0)
	var pe *mdtemplate.Error
	if !errors.As(err, &pe) || pe.Kind != mdtemplate.ErrNoItems {
		t.Errorf("err = %v, want an *mdtemplate.Error", err)
	}
	list, err := s.Templates(ctx)
	if err != nil || len(list) != 1 || !list[0].Builtin {
		t.Errorf("after refusals: %+v %v", list, err)
	}
	if evs := events(t, s, 0); len(evs) != 0 {
		t.Errorf("refusals wrote events: %+v", evs)
	}
}

func TestSeedImports(t *testing.T) {
	s := newStore(t)
	src, err := os.ReadFile("../testdata/octoacme-seed.md")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := s.ImportTemplate(context.Background(), "seed", src, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tpl.Items()); n != 41 {
		t.Fatalf("seed has %d items, want 41", n)
	}
}

// A deployment keeps the checklist it started with when its template is
// replaced.
func TestDeploymentWithImportedTemplate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tpl, err := s.ImportTemplate(ctx, "team-api", []byte(teamMD), "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1"}, tpl, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceTemplate(ctx, "team-api", []byte("- [ ] only this\n"), "bob", t0); err != nil {
		t.Fatal(err)
	}
	items, guidance, err := s.Checklist(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, it := range items {
		texts = append(texts, it.Phase+"/"+it.Section+"/"+it.Text)
	}
	if got := strings.Join(texts, "|"); got != "Pre-Deployment/Build/Tests green|Pre-Deployment/Build/Changelog written|Rollback/Steps/Revert the release" {
		t.Errorf("items: %s", got)
	}
	if len(guidance) != 1 || guidance[0].Title != "When to Rollback" || guidance[0].Lines[0] != "p99 latency doubles" {
		t.Errorf("guidance: %+v", guidance)
	}
	if got, _ := s.Deployment(ctx, d.ID); got.Template != "team-api" {
		t.Errorf("deployment template = %q", got.Template)
	}
}

func TestTemplateReadOnly(t *testing.T) {
	path := tempDB(t)
	openStore(t, path).Close()
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.ImportTemplate(context.Background(), "t", []byte(teamMD), "alice", t0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only import: %v", err)
	}
}

func TestExportTemplates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.ImportTemplate(ctx, "team-api", []byte(teamMD), "alice", t0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Templates []map[string]any `json:"templates"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"name": "team-api", "source": teamMD, "items": 3.0, "imported_by": "alice", "imported_at": "2026-11-25T14:02:00.000Z"}}
	if !reflect.DeepEqual(doc.Templates, want) {
		t.Errorf("templates = %v", doc.Templates)
	}
}

// FuzzImportTemplate checks that what Parse accepts is stored and read back
// unchanged, and that everything else is refused as invalid input without
// touching the database. Run with
//
//	go test ./data -run '^$' -fuzz '^FuzzImportTemplate$' -fuzztime 20s
func FuzzImportTemplate(f *testing.F) {
	f.Add("team", []byte(teamMD))
	f.Add("octoacme", mdtemplate.BuiltinSource())
	f.Add("x", []byte("- [ ] a\n- [ ] a\n"))
	f.Add("Bad Name", []byte("- [ ] a\n"))
	f.Add("t", []byte("- [ ] caf\xe9 \x00\n"))
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, name string, src []byte) {
		want, perr := mdtemplate.Parse(name, src)
		got, err := s.ReplaceTemplate(ctx, name, src, "fuzz", t0)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ReplaceTemplate(%q): %v is not ErrInvalid", name, err)
			}
			if perr == nil && mdtemplate.CheckName(name) == nil && name != mdtemplate.BuiltinName {
				t.Fatalf("ReplaceTemplate(%q) refused what Parse accepts: %v", name, err)
			}
			return
		}
		if perr != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("ReplaceTemplate(%q) = %+v; Parse = %+v, %v", name, got, want, perr)
		}
		back, err := s.Template(ctx, name)
		if err != nil || !reflect.DeepEqual(back, want) {
			t.Fatalf("read back %q: %+v, %v", name, back, err)
		}
	})
}
