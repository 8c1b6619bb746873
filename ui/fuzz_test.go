package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// FuzzClean: whatever a user (or a pipeline) types, no control sequence
// reaches the terminal, and the text stays one line.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J\x1b[H", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "a\r\nb\tc", "\u202eevil", "\x9b31m", "\xff\xfe", "日本語 ✓"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := clean(s)
		for _, r := range c {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("clean(%q) kept control rune %U: %q", s, r, c)
			}
		}
		if strings.ContainsAny(c, "\n\r\x1b\x07") {
			t.Fatalf("clean(%q) = %q", s, c)
		}
		if !utf8.ValidString(c) {
			t.Fatalf("clean(%q) is not valid UTF-8", s)
		}
		if ansi.Strip(c) != c {
			t.Fatalf("clean(%q) still has escape sequences: %q", s, c)
		}
		// fit never exceeds the width asked for.
		for _, w := range []int{0, 1, 5, 40} {
			if got := ansi.StringWidth(fit(c, w)); got > w {
				t.Fatalf("fit(%q, %d) is %d wide", c, w, got)
			}
		}
	})
}
