package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParseConfig: any bytes either load or fail with one clear line that
// names the file and a position; nothing panics.
func FuzzParseConfig(f *testing.F) {
	if ex, err := os.ReadFile("../../testdata/config.example.yaml"); err == nil {
		f.Add(ex)
	}
	for _, s := range []string{"", "roster: {}", "escalation:\n  - role: x\n    delay: 15 minutes\n", "notify:\n  command: \"curl $(x)\"\n", "links: [1, 2", "\x00\xff", "a: &a [*a]", "strategies:\n  canary:\n    - soak: -1m\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, _, err := ParseConfig("config.yaml", src)
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Fatalf("multi-line error: %q", msg)
		}
		if !strings.HasPrefix(msg, "config.yaml") {
			t.Fatalf("error does not name the file: %q", msg)
		}
		var ce *ConfigError
		if errors.As(err, &ce) && ce.Line < 0 {
			t.Fatalf("negative line: %+v", ce)
		}
	})
}
