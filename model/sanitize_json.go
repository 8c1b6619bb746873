package model

import (
	"encoding/json"
	"errors"
	"strings"
)

// SanitizeJSON applies SanitizeText to every string in a JSON document —
// keys and values — and leaves everything else as it is (layout, order,
// numbers). JSON escapes C0 controls as \u001b but passes C1 controls
// (U+009B, U+009D) and bidi overrides as literal runes, and a consumer that
// decodes a value and prints it gets the escape sequence back; so --json and
// export carry text as SanitizeText would show it. Newlines and tabs in
// notes survive (as \n and \t).
func SanitizeJSON(b []byte) ([]byte, error) {
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end := i + 1
		for end < len(b) && b[end] != '"' {
			if b[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(b) {
			return nil, errors.New("unterminated JSON string")
		}
		lit := b[i : end+1]
		if needsClean(lit) {
			var s string
			if err := json.Unmarshal(lit, &s); err != nil {
				return nil, err
			}
			var enc strings.Builder
			e := json.NewEncoder(&enc)
			e.SetEscapeHTML(false)
			if err := e.Encode(SanitizeText(s)); err != nil {
				return nil, err
			}
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[last:i]...)
			out = append(out, strings.TrimSuffix(enc.String(), "\n")...)
			last = end + 1
		}
		i = end
	}
	if out == nil {
		return b, nil
	}
	return append(out, b[last:]...), nil
}

// needsClean reports whether a JSON string literal may decode to something
// SanitizeText changes: any non-ASCII byte, or an escape other than \n, \t,
// \" , \\ and \/.
func needsClean(lit []byte) bool {
	for j := 1; j < len(lit)-1; j++ {
		c := lit[j]
		if c >= 0x7f || c < 0x20 {
			return true
		}
		if c == '\\' {
			j++
			switch lit[j] {
			case 'n', 't', '"', '\\', '/':
			default:
				return true
			}
		}
	}
	return false
}
