package cli

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/octoacme/flightdeck"

// listedPackage is the part of `go list -json` the layering rules need.
type listedPackage struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
	Module     *struct{ Path string }
}

// goList lists every package of the module with its imports and deps.
func goList(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Imports,Deps,Module", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 8 {
		t.Fatalf("go list found only %d packages of %s", len(pkgs), module)
	}
	return pkgs
}

// under reports whether pkg is dir or inside it (module-relative).
func under(pkg, dir string) bool {
	p := module + "/" + dir
	return pkg == p || strings.HasPrefix(pkg, p+"/")
}

// thirdParty reports whether an import path is outside the standard
// library and outside this module.
func thirdParty(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return strings.Contains(first, ".") && !strings.HasPrefix(path, module)
}

// layerViolations applies the rules of STYLE.md ("Packages and the
// direction of dependency") to one package and returns what it breaks.
func layerViolations(p listedPackage) []string {
	var bad []string
	self := p.ImportPath
	switch {
	case under(self, "model/mdtemplate"):
		// the checklist Markdown parser may use goldmark
	case under(self, "model"):
		for _, d := range p.Deps {
			if thirdParty(d) {
				bad = append(bad, "model imports the third-party "+d+": the domain is standard library only")
			}
		}
	}
	for _, imp := range p.Imports {
		switch {
		case under(imp, "ui/cli") && self != module && !under(self, "ui/cli"):
			bad = append(bad, "imports "+imp+": only main may import the CLI")
		case under(imp, "data") && under(self, "ui") && !under(self, "ui/cli"):
			bad = append(bad, "imports "+imp+": the dashboard and the war room declare the store they need; only ui/cli wires data in")
		case under(imp, "ui") && under(self, "data"):
			bad = append(bad, "imports "+imp+": data adapters never depend on a user interface")
		case (under(imp, "ui") || under(imp, "data")) && under(self, "model"):
			bad = append(bad, "imports "+imp+": model is the innermost layer")
		}
	}
	return bad
}

// TestLayers keeps the direction of dependency: model ← data ← ui/cli and
// model ← ui ← ui/cli, with main on top.
func TestLayers(t *testing.T) {
	for _, p := range goList(t) {
		for _, v := range layerViolations(p) {
			t.Errorf("%s %s", strings.TrimPrefix(p.ImportPath, module+"/"), v)
		}
	}
}

// The rules themselves, on made-up packages, so a rule that stopped
// firing is noticed.
func TestLayerRulesFire(t *testing.T) {
	m := func(s string) string { return module + "/" + s }
	cases := []struct {
		name string
		pkg  listedPackage
		bad  bool
	}{
		{"model with goldmark", listedPackage{ImportPath: m("model"), Deps: []string{"github.com/yuin/goldmark"}}, true},
		{"mdtemplate with goldmark", listedPackage{ImportPath: m("model/mdtemplate"), Deps: []string{"github.com/yuin/goldmark"}}, false},
		{"model with stdlib", listedPackage{ImportPath: m("model"), Deps: []string{"time", "strings"}}, false},
		{"ui imports data", listedPackage{ImportPath: m("ui"), Imports: []string{m("data")}}, true},
		{"ui imports data/notify", listedPackage{ImportPath: m("ui"), Imports: []string{m("data/notify")}}, true},
		{"warroom imports data", listedPackage{ImportPath: m("ui/warroom"), Imports: []string{m("data")}}, true},
		{"cli imports data", listedPackage{ImportPath: m("ui/cli"), Imports: []string{m("data"), m("ui")}}, false},
		{"dashstore joins them", listedPackage{ImportPath: m("ui/cli/dashstore"), Imports: []string{m("data"), m("ui")}}, false},
		{"warroom imports cli", listedPackage{ImportPath: m("ui/warroom"), Imports: []string{m("ui/cli")}}, true},
		{"main imports cli", listedPackage{ImportPath: module, Imports: []string{m("ui/cli")}}, false},
		{"data imports ui", listedPackage{ImportPath: m("data/notify"), Imports: []string{m("ui")}}, true},
		{"data/demo imports data", listedPackage{ImportPath: m("data/demo"), Imports: []string{m("data"), m("model")}}, false},
		{"model imports data", listedPackage{ImportPath: m("model"), Imports: []string{m("data")}}, true},
	}
	for _, c := range cases {
		if got := len(layerViolations(c.pkg)) > 0; got != c.bad {
			t.Errorf("%s: violation %v, want %v", c.name, got, c.bad)
		}
	}
}
