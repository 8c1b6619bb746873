package earlyinit

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The ordering argument in the package doc holds only while this package
// imports nothing but syscall.
func TestImportsOnlySyscall(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if imp.Path.Value != `"syscall"` {
				t.Errorf("%s imports %s: earlyinit must import only syscall to initialise before Bubble Tea", f, imp.Path.Value)
			}
		}
	}
}

func TestRestoreRemovesOnlyOurCI(t *testing.T) {
	if os.Getenv("CI") != "" && os.Getenv("CI") != marker {
		t.Skip("CI is set by the environment")
	}
	os.Setenv("CI", marker)
	set, prevPresent = true, false
	Restore()
	if _, ok := os.LookupEnv("CI"); ok {
		t.Fatal("Restore left CI set")
	}
	os.Setenv("CI", marker) // the environment had CI= (empty)
	set, prev, prevPresent = true, "", true
	Restore()
	if v, ok := os.LookupEnv("CI"); !ok || v != "" {
		t.Fatalf("Restore gave CI=%q (set %v), want it empty and set", v, ok)
	}
	os.Setenv("CI", "true") // someone else's
	set = true
	Restore()
	if os.Getenv("CI") != "true" {
		t.Fatal("Restore removed a CI it did not set")
	}
	os.Unsetenv("CI")
}
