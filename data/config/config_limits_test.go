package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// usersYAML is a users: mapping of n logins in block style.
func usersYAML(n int) string {
	var b strings.Builder
	b.WriteString("users:\n")
	for i := range n {
		fmt.Fprintf(&b, "  user%d:\n    name: User %d\n", i, i)
	}
	return b.String()
}

// parseWithin parses src and fails the test when that takes longer than d:
// a generous bound that only a super-linear parse (the 75 s of issue 13)
// or an unbounded one could break.
func parseWithin(t *testing.T, d time.Duration, src string) (Effective, error) {
	t.Helper()
	type result struct {
		eff Effective
		err error
	}
	done := make(chan result, 1)
	go func() {
		_, eff, err := ParseConfig("team.yaml", []byte(src))
		done <- result{eff, err}
	}()
	select {
	case r := <-done:
		return r.eff, r.err
	case <-time.After(d):
		t.Fatalf("parsing %d bytes took longer than %v", len(src), d)
		return Effective{}, nil
	}
}

func TestConfigManyUsersLoad(t *testing.T) {
	// 4,000 logins (8,000 keys, under MaxConfigEntries) load, all of them.
	eff, err := parseWithin(t, 20*time.Second, usersYAML(4000))
	if err != nil {
		t.Fatal(err)
	}
	if len(eff.Users) != 4000 || eff.DisplayName("user3999") != "User 3999" {
		t.Fatalf("got %d users, user3999 = %q", len(eff.Users), eff.DisplayName("user3999"))
	}
}

func TestConfigLimits(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"20k users", usersYAML(20000),
			"team.yaml:10001:9: more than 10000 keys and list items"},
		{"flow users on one line", "users: {" + strings.Repeat("a: {name: b}, ", 6000) + "}\n",
			"team.yaml:1:"},
		{"60k levels of flow nesting", "users: " + strings.Repeat("[", 60000) + strings.Repeat("]", 60000) + "\n",
			"team.yaml:1:71: nested more than 64 levels deep"},
		{"flow mappings nested", "users: " + strings.Repeat("{a: ", 100) + "1" + strings.Repeat("}", 100) + "\n",
			"nested more than 64 levels deep"},
		{"block nesting", blockNest(100),
			"team.yaml:65:"},
		{"lists of lists", "x:\n" + strings.Repeat("- ", 100) + "a\n",
			"nested more than 64 levels deep"},
		{"over 1 MiB", "# " + strings.Repeat("x", MaxConfigBytes) + "\n",
			"team.yaml: the file is 1048579 bytes, more than the 1048576 (1 MiB) a configuration may have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseWithin(t, 20*time.Second, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// blockNest is n levels of indented mappings: a:\n  a:\n    a: …
func blockNest(n int) string {
	var b strings.Builder
	b.WriteString("users:\n")
	for i := range n {
		fmt.Fprintf(&b, "%sa%d:\n", strings.Repeat(" ", 2*(i+1)), i)
	}
	return b.String()
}

func TestConfigRealNestingPasses(t *testing.T) {
	// The deepest real setting, probe commands in a strategy's stages, is
	// far inside the limit; and 64 levels of an unknown key are refused as
	// unknown, not as too deep.
	src := "strategies:\n  canary:\n    - label: one\n      percent: 5\n      soak: 10m\n" +
		"users:\n  alice:\n    name: Alice\n"
	if _, err := parseWithin(t, 10*time.Second, src); err != nil {
		t.Fatal(err)
	}
	_, err := parseWithin(t, 10*time.Second, "users: "+strings.Repeat("[", 60)+strings.Repeat("]", 60)+"\n")
	if err == nil || strings.Contains(err.Error(), "nested") {
		t.Fatalf("60 levels: got %v, want the shape error", err)
	}
}

func TestLoadConfigHugeFileNotReadWhole(t *testing.T) {
	// A sparse 1 GiB file: refused after reading 1 MiB, not read whole.
	path := filepath.Join(t.TempDir(), "config.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = LoadConfig(path, true)
	if err == nil || !strings.Contains(err.Error(), "more than the 1048576 (1 MiB)") {
		t.Fatalf("got %v", err)
	}
	if !strings.HasPrefix(err.Error(), path+": the file is 1048577 bytes") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkParseConfigUsers: the cost of a users: mapping as it grows.
// flightdeck's own passes are linear; what growth remains is the YAML
// parser's (it appends each mapping's tail once per key), which
// MaxConfigEntries bounds: 4,000 users parse in about 0.3 s on 2 cores.
func BenchmarkParseConfigUsers(b *testing.B) {
	for _, n := range []int{500, 1000, 2000, 4000} {
		src := []byte(usersYAML(n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := ParseConfig("team.yaml", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
