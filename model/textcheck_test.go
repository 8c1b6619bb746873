package model

import (
	"strings"
	"testing"
)

func TestCheckLine(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: "" for accepted, else a substring of the error
	}{
		{"checkout-api", ""},
		{"Zoë Müller", ""},
		{"日本語サービス", ""},
		{"עברית", ""}, // right-to-left text itself is fine; only the controls are not
		{"a\x1b]52;c;aGk=\x07b", "a control character (U+001B, escape) at character 2"},
		{"web\u009b31m", "a control character (U+009B) at character 4"},
		{"x\u009d0;t\u009c", "U+009D"},
		{"evil\u202egnp.exe", "a bidirectional control (U+202E) at character 5"},
		{"\u2066isolate", "U+2066"},
		{"a\u200fb", "U+200F"},
		{"tab\there", "a control character (tab) at character 4"},
		{"two\nlines", "a control character (line break) at character 4"},
		{"del\x7f", "U+007F"},
		{"nul\x00", "U+0000"},
		{"bad\xffutf8", "not valid UTF-8 (byte 0xFF at character 4)"},
		{"lone\x9bc1", "not valid UTF-8 (byte 0x9B at character 5)"},
	} {
		err := CheckLine("service", tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckLine(%q) = %v, want accepted", tc.in, err)
		case tc.want != "" && err == nil:
			t.Errorf("CheckLine(%q) accepted, want %q", tc.in, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("CheckLine(%q) = %q, want it to say %q", tc.in, err, tc.want)
		case err != nil && !strings.HasPrefix(err.Error(), "service "):
			t.Errorf("CheckLine(%q) = %q, want it to name the field", tc.in, err)
		}
	}
}

func TestCheckTextAllowsLines(t *testing.T) {
	if err := CheckText("note", "line one\n\tline two"); err != nil {
		t.Fatalf("CheckText refused newlines and tabs: %v", err)
	}
	for _, bad := range []string{"a\rb", "a\x1b[2Jb", "a\u202eb", "a\u0085b", "\xc3"} {
		if err := CheckText("note", bad); err == nil {
			t.Errorf("CheckText(%q) accepted", bad)
		}
	}
}

// Whatever CheckLine accepts, the sanitiser leaves alone: the input rule and
// the output rule agree.
func FuzzCheckLineAgreesWithSanitizer(f *testing.F) {
	f.Add("checkout-api")
	f.Add("a\u202eb")
	f.Add("x\u009by")
	f.Fuzz(func(t *testing.T, s string) {
		if CheckLine("f", s) == nil && SanitizeLine(s) != s && !strings.ContainsRune(s, 0xfffd) {
			t.Fatalf("CheckLine accepted %q but SanitizeLine changes it to %q", s, SanitizeLine(s))
		}
	})
}
