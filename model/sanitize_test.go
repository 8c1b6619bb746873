package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ in, line, text string }{
		{"plain text", "plain text", "plain text"},
		{"日本語 ✓", "日本語 ✓", "日本語 ✓"},
		{"\x1b[2J\x1b[Hcleared", "cleared", "cleared"},
		{"red \x1b[31mtext\x1b[0m", "red text", "red text"},
		{"\x1b]0;title\x07after", "after", "after"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link", "link"},
		{"\x1bPq#0;2;0;0;0\x1b\\img", "img", "img"},
		{"\x9b31mC1 CSI", "C1 CSI", "C1 CSI"},
		{"\x9d0;t\x9cC1 OSC", "C1 OSC", "C1 OSC"},
		{"a\r\nb\tc", "a  b c", "a\nb\tc"},
		{"\u202eevil\u202c", "evil", "evil"},
		{"\u2066iso\u2069 \u200emark\u200f \u061cal", "iso mark al", "iso mark al"},
		{"bad \xff\xfe bytes \ufffd", "bad  bytes ", "bad  bytes "},
		{"bell\x07 del\x7f nul\x00", "bell del nul", "bell del nul"},
		{"\x1b7saved\x1b8", "saved", "saved"},
		{"\x1b(Bcharset", "charset", "charset"},
		{"unterminated \x1b]0;title", "unterminated ", "unterminated "},
		{"trailing esc \x1b", "trailing esc ", "trailing esc "},
	}
	for _, c := range cases {
		if got := SanitizeLine(c.in); got != c.line {
			t.Errorf("SanitizeLine(%q) = %q, want %q", c.in, got, c.line)
		}
		if got := SanitizeText(c.in); got != c.text {
			t.Errorf("SanitizeText(%q) = %q, want %q", c.in, got, c.text)
		}
	}
}

// FuzzSanitize: whatever a user (or a pipeline) types, no control sequence
// reaches the terminal, and a line stays one line.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J\x1b[H", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "a\r\nb\tc", "\u202eevil", "\x9b31m", "\xff\xfe", "日本語 ✓", "line\nnext\ttab", "cr\r", "\ufffd", "\u200e", "del\x7f", "\xc2\x85 C1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, multiline := range []bool{false, true} {
			c := sanitize(s, multiline)
			if slow := sanitizeRunes(s, multiline); slow != c || unchanged(s, multiline) != (slow == s) {
				t.Fatalf("sanitize(%q, %v): fast path %q (unchanged %v), rune by rune %q", s, multiline, c, unchanged(s, multiline), slow)
			}
			for _, r := range c {
				if (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f || (r >= 0x80 && r < 0xa0) || bidiControl(r) || r == utf8.RuneError {
					t.Fatalf("sanitize(%q, %v) kept control rune %U: %q", s, multiline, r, c)
				}
			}
			if !multiline && strings.ContainsAny(c, "\n\r\t") {
				t.Fatalf("SanitizeLine(%q) = %q is not one line", s, c)
			}
			if !utf8.ValidString(c) {
				t.Fatalf("sanitize(%q) is not valid UTF-8", s)
			}
			if sanitize(c, multiline) != c {
				t.Fatalf("sanitize is not idempotent on %q: %q", s, c)
			}
		}
	})
}
