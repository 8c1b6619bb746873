package mdtemplate

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Limits on what Parse accepts: a checklist is a page people work through,
// not a data dump, and a deployment copies every item.
const (
	MaxSize      = 1 << 20 // bytes of Markdown
	MaxItems     = 1000
	MaxDepth     = 10      // lists and block quotes opened on one line
	MaxParagraph = 8 << 10 // bytes in one run of lines without a blank line or a new list item or heading
)

// ErrorKind says what is wrong with a template's Markdown.
type ErrorKind int

// What Parse rejects.
const (
	ErrEmpty          ErrorKind = iota + 1 // no text at all
	ErrTooLarge                            // more than MaxSize bytes
	ErrBinary                              // NUL bytes or UTF-16: not a text file
	ErrNotUTF8                             // text in another encoding
	ErrNoItems                             // no task-list items
	ErrTooManyItems                        // more than MaxItems items
	ErrDuplicateItem                       // two items with the same text in one section
	ErrDuplicatePhase                      // two phase headings with the same name
	ErrTooComplex                          // nesting or paragraphs far beyond a checklist's
)

// Error is a problem with a template's Markdown, one line long. It names
// the document by its Subject — `template "team"` when it comes from Parse;
// callers that know the file use In to name that instead.
type Error struct {
	Kind    ErrorKind
	Line    int    // 1-based line of the (first) offending text; 0 for the whole document
	Subject string // what the message calls the document
	problem string // follows Subject: " is empty: …" or ": duplicate item …"
}

func (e *Error) Error() string { return e.Subject + e.problem }

// In returns the same error naming the document as subject, e.g. a file
// name; In(file) of an error on a line names it as file:LINE.
func (e *Error) In(subject string) *Error {
	c := *e
	c.Subject = subject
	return &c
}

// AtLine is In(file) with the line: "team.md:3: duplicate item …".
func (e *Error) AtLine(file string) *Error {
	if e.Line <= 0 {
		return e.In(file)
	}
	return e.In(fmt.Sprintf("%s:%d", file, e.Line))
}

func newError(kind ErrorKind, line int, format string, a ...any) *Error {
	return &Error{Kind: kind, Line: line, problem: fmt.Sprintf(format, a...)}
}

var bom = []byte("\ufeff")

// checkSource rejects input that is not a Markdown text of a sensible size,
// before the Markdown parser sees it.
func checkSource(src []byte) error {
	if err := CheckSize(int64(len(src))); err != nil {
		return err
	}
	if bytes.HasPrefix(src, []byte{0xff, 0xfe}) || bytes.HasPrefix(src, []byte{0xfe, 0xff}) {
		return newError(ErrBinary, 1, " is UTF-16 text: save it as UTF-8")
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return newError(ErrBinary, lineOf(src, i), " contains binary data (a NUL byte on line %d): give a Markdown text file", lineOf(src, i))
	}
	if !utf8.Valid(src) {
		i := firstInvalid(src)
		line := lineOf(src, i)
		col := utf8.RuneCount(src[bytes.LastIndexByte(src[:i], '\n')+1:i]) + 1
		return newError(ErrNotUTF8, line, " is not UTF-8 text (byte 0x%02x on line %d, column %d): save it as UTF-8", src[i], line, col)
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(src, bom))) == 0 {
		return newError(ErrEmpty, 0, " is empty: write the checklist as task-list lines (- [ ] item) under headings")
	}
	return nil
}

// CheckSize rejects a template of n bytes when it is over MaxSize, so a
// caller can refuse a large file before reading it.
func CheckSize(n int64) error {
	if n <= MaxSize {
		return nil
	}
	return newError(ErrTooLarge, 0, " is %s: a template may be at most 1 MiB (1,048,576 bytes) of Markdown", humanSize(n))
}

// humanSize is an exact byte count near the limit, MiB far above it.
func humanSize(n int64) string {
	if n >= 10<<20 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + " bytes"
}

func firstInvalid(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(src)
}

// lineOf is the 1-based line of byte offset off.
func lineOf(src []byte, off int) int {
	off = min(max(off, 0), len(src))
	return bytes.Count(src[:off], []byte{'\n'}) + 1
}

// checkShape bounds the work of the Markdown parser. Like other CommonMark
// parsers, goldmark takes quadratic time on some constructs — thousands of
// unclosed "[a](" in one paragraph, lists nested thousands deep — so a
// hostile 1 MiB file could stall an import for minutes. No checklist comes
// near these limits: at most MaxDepth lists and quotes opened on one line,
// and at most MaxParagraph bytes in one paragraph (approximated as a run of
// lines with no blank line, list item or heading starting inside it).
func checkShape(src []byte) error {
	line, runStart, runLen := 0, 0, 0
	for len(src) > 0 {
		var l []byte
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			l, src = src[:i], src[i+1:]
		} else {
			l, src = src, nil
		}
		line++
		depth, markers, rest := containerPrefix(l)
		if depth > MaxDepth {
			return newError(ErrTooComplex, line, " nests %d lists or block quotes on line %d: a template may nest at most %d", depth, line, MaxDepth)
		}
		switch {
		case len(bytes.TrimSpace(rest)) == 0 && markers == 0:
			runLen = 0
			continue
		case markers > 0 || rest[0] == '#' || runLen == 0:
			runStart, runLen = line, 0
		}
		if runLen += len(l) + 1; runLen > MaxParagraph {
			return newError(ErrTooComplex, runStart, " has a paragraph of over %d KiB starting on line %d: break it into shorter items or paragraphs", MaxParagraph>>10, runStart)
		}
	}
	return nil
}

// containerPrefix strips the block-quote markers and list markers that
// open a line, counting both (depth) and the list markers alone.
func containerPrefix(l []byte) (depth, markers int, rest []byte) {
	for {
		l = bytes.TrimLeft(l, " \t")
		if len(l) == 0 {
			return depth, markers, l
		}
		switch c := l[0]; {
		case c == '>':
			depth++
			l = l[1:]
			continue
		case c == '-' || c == '*' || c == '+':
			if len(l) == 1 || l[1] == ' ' || l[1] == '\t' {
				depth++
				markers++
				l = l[1:]
				continue
			}
		case c >= '0' && c <= '9':
			n := 0
			for n < len(l) && n < 10 && l[n] >= '0' && l[n] <= '9' {
				n++
			}
			if n < len(l) && (l[n] == '.' || l[n] == ')') && (n+1 == len(l) || l[n+1] == ' ' || l[n+1] == '\t') {
				depth++
				markers++
				l = l[n+1:]
				continue
			}
		}
		return depth, markers, l
	}
}
