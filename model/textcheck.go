package model

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// CheckLine is the one input check for a line of text that can never
// legitimately hold a terminal control: names, logins, services, versions,
// environments, titles, template names and configuration strings. It
// refuses invalid UTF-8, every control character (C0 — tab and newline
// included — DEL and C1) and the bidirectional controls that can reorder
// what a reader sees. field names the value in the message ("service",
// "--as"). The output side is SanitizeLine / SanitizeText, which strip the
// same characters from whatever was stored before this check existed.
func CheckLine(field, s string) error {
	if err := CheckText(field, s); err != nil {
		return err
	}
	if i := indexRune(s, func(r rune) bool { return r == '\n' || r == '\t' }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("%s contains %s at character %d: use one line of plain text", field, describeRune(r), utf8.RuneCountInString(s[:i])+1)
	}
	return nil
}

// CheckText is CheckLine for text that may span lines (notes, reasons,
// template bodies): newlines and tabs are allowed, nothing else that is a
// control.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("%s is not valid UTF-8 (byte 0x%02X at character %d): retype it as plain text", field, s[i], utf8.RuneCountInString(s[:i])+1)
	}
	if i := indexRune(s, func(r rune) bool { return r != '\n' && r != '\t' && forbiddenRune(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("%s contains %s at character %d: remove it", field, describeRune(r), utf8.RuneCountInString(s[:i])+1)
	}
	return nil
}

// forbiddenRune is a control character or a bidirectional control.
func forbiddenRune(r rune) bool { return unicode.IsControl(r) || bidiControl(r) }

func indexRune(s string, f func(rune) bool) int {
	for i, r := range s {
		if f(r) {
			return i
		}
	}
	return -1
}

// describeRune names a refused character so the person can find it:
// "a control character (U+001B)".
func describeRune(r rune) string {
	switch {
	case r == '\n':
		return "a control character (line break)"
	case r == '\t':
		return "a control character (tab)"
	case r == 0x1b:
		return "a control character (U+001B, escape)"
	case bidiControl(r):
		return fmt.Sprintf("a bidirectional control (U+%04X)", r)
	}
	return fmt.Sprintf("a control character (U+%04X)", r)
}
