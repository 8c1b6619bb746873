package cli

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/model"
)

// cleanWriter is the one way out of the CLI: everything a command prints —
// config strings, names, titles, cobra's own errors, echoed flags and paths —
// passes through model.SanitizeText, so no escape sequence, C0/C1 control
// (other than newline and tab) or bidi override from a user, a config or an
// argument reaches the terminal. The dashboard draws to the terminal itself
// and is not behind it (it cleans every string it draws with ui.clean).
//
// A rune split across two writes is held back until it is whole, so long
// output copied in chunks keeps its non-ASCII text.
type cleanWriter struct {
	w    io.Writer
	tail []byte
}

func newCleanWriter(w io.Writer) *cleanWriter { return &cleanWriter{w: w} }

func (c *cleanWriter) Write(p []byte) (int, error) {
	buf := p
	if len(c.tail) > 0 {
		buf = append(c.tail, p...)
		c.tail = nil
	}
	if cut := incompleteTail(buf); cut < len(buf) {
		c.tail = append([]byte(nil), buf[cut:]...)
		buf = buf[:cut]
	}
	if len(buf) == 0 {
		return len(p), nil
	}
	if _, err := io.WriteString(c.w, model.SanitizeText(string(buf))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// incompleteTail is where a UTF-8 sequence that the next write may finish
// starts at the end of b, or len(b).
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if b[i] >= 0xc0 && !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// cleanJSON is model.SanitizeJSON for --json output: string values from
// users keep their text but lose terminal controls, which JSON would
// otherwise carry as \u001b escapes or as literal C1 and bidi runes.
func cleanJSON(b []byte) []byte {
	out, err := model.SanitizeJSON(b)
	if err != nil {
		return bytes.Clone(b)
	}
	return out
}
