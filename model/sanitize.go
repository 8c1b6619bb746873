package model

import (
	"strings"
	"unicode/utf8"
)

// The one sanitiser for text people typed, on every way out: the
// dashboard, the CLI, reports and exports. The database keeps text as typed;
// what is drawn or printed must never drive the terminal. Escape sequences
// (CSI, OSC, DCS, APC, PM, SOS, in their 7-bit and 8-bit forms) are removed
// whole, other control characters and the bidirectional controls that can
// reorder what a reader sees (U+202A–U+202E, U+2066–U+2069, U+200E,
// U+200F, U+061C) are dropped, and so are invalid bytes and U+FFFD.

// SanitizeLine makes s safe to show on one line: tabs and line breaks
// become spaces.
func SanitizeLine(s string) string { return sanitize(s, false) }

// SanitizeText makes s safe to print as a block: tabs and newlines stay,
// carriage returns go.
func SanitizeText(s string) string { return sanitize(s, true) }

func sanitize(s string, multiline bool) string {
	if unchanged(s, multiline) {
		return s
	}
	return sanitizeRunes(s, multiline)
}

// sanitizeRunes is sanitize without the fast path: rune by rune.
func sanitizeRunes(s string, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	rs := runes(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b: // ESC: a 7-bit sequence
			i = skipEscape(rs, i)
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(rs, i+1)
		case r == 0x90 || r == 0x9d || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit DCS, OSC, SOS, PM, APC
			i = skipString(rs, i+1)
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			if !multiline {
				b.WriteByte(' ')
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		case bidiControl(r), r == utf8.RuneError:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// runes decodes s; a lone byte 0x80–0x9F (an 8-bit control, which some
// terminals obey even in UTF-8 mode) becomes that C1 control, and any other
// invalid byte becomes U+FFFD, which is then dropped.
func runes(s string) []rune {
	rs := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 && s[i] >= 0x80 && s[i] < 0xa0 {
			r = rune(s[i])
		}
		rs = append(rs, r)
		i += n
	}
	return rs
}

// unchanged is the fast path: whether sanitize would return s as it is
// (no escape, control, bidirectional control or invalid byte; line breaks
// and tabs only where multiline keeps them), found without allocating.
// Most text, and every block the CLI prints, is that: a metrics --json of a
// year at 10x is 1.3 MB of it.
func unchanged(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < 0x80 {
			if multiline && (c == '\n' || c == '\t') {
				i++
				continue
			}
			return false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || (r >= 0x80 && r < 0xa0) || bidiControl(r) {
			return false
		}
		i += n
	}
	return true
}

func bidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// skipEscape returns the index of the last rune of the sequence starting
// with ESC at rs[i].
func skipEscape(rs []rune, i int) int {
	if i+1 >= len(rs) {
		return i
	}
	switch rs[i+1] {
	case '[':
		return skipCSI(rs, i+2)
	case ']', 'P', 'X', '^', '_':
		return skipString(rs, i+2)
	}
	// ESC, intermediates (0x20–0x2F), one final byte.
	j := i + 1
	for j < len(rs) && rs[j] >= 0x20 && rs[j] <= 0x2f {
		j++
	}
	if j < len(rs) && rs[j] >= 0x30 && rs[j] <= 0x7e {
		return j
	}
	return j - 1
}

// skipCSI skips parameters and intermediates from rs[j] and returns the
// index of the final byte (or of the last rune read when it is missing).
func skipCSI(rs []rune, j int) int {
	for j < len(rs) && rs[j] >= 0x20 && rs[j] <= 0x3f {
		j++
	}
	if j < len(rs) && rs[j] >= 0x40 && rs[j] <= 0x7e {
		return j
	}
	return j - 1
}

// skipString skips a control string (OSC, DCS, ...) from rs[j] up to and
// including its terminator: BEL, ESC \ or the 8-bit ST. An unterminated
// string runs to the end, so nothing of it is shown.
func skipString(rs []rune, j int) int {
	for ; j < len(rs); j++ {
		switch rs[j] {
		case 0x07, 0x9c:
			return j
		case 0x1b:
			if j+1 < len(rs) && rs[j+1] == '\\' {
				return j + 1
			}
		}
	}
	return len(rs) - 1
}
