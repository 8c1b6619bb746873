package ui

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// vt is a small terminal: the cells (text and pen) that a byte stream
// leaves on a screen, for the sequences the renderer and cellWriter write.
type vt struct {
	w, h     int
	cells    [][]vtCell
	row, col int
	wrap     bool // the cursor is past the last column (pending wrap)
	pen      vtPen
}

type vtCell struct {
	text string // "" for the second half of a wide character
	pen  vtPen
}

type vtPen struct {
	attrs  [10]bool
	fg, bg string
}

func newVT(w, h int) *vt {
	t := &vt{w: w, h: h}
	t.cells = make([][]vtCell, h)
	for i := range t.cells {
		t.cells[i] = t.blank(w)
	}
	return t
}

func (t *vt) blank(n int) []vtCell {
	r := make([]vtCell, n)
	for i := range r {
		r[i] = vtCell{text: " ", pen: vtPen{bg: t.pen.bg}}
	}
	return r
}

func (t *vt) sgr(params string) {
	if params == "" {
		t.pen = vtPen{}
		return
	}
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		n, _ := strconv.Atoi(ps[i])
		switch {
		case n == 0:
			t.pen = vtPen{}
		case n >= 1 && n <= 9:
			t.pen.attrs[n] = true
		case n == 22:
			t.pen.attrs[1], t.pen.attrs[2] = false, false
		case n >= 23 && n <= 29:
			t.pen.attrs[n-20] = false
		case n == 38 || n == 48:
			k := 2
			if i+1 < len(ps) && ps[i+1] == "2" {
				k = 4
			}
			v := strings.Join(ps[i+1:min(len(ps), i+1+k)], ";")
			if n == 38 {
				t.pen.fg = v
			} else {
				t.pen.bg = v
			}
			i += k
		case n == 39:
			t.pen.fg = ""
		case n == 49:
			t.pen.bg = ""
		case n >= 30 && n <= 37, n >= 90 && n <= 97:
			t.pen.fg = ps[i]
		case n >= 40 && n <= 47, n >= 100 && n <= 107:
			t.pen.bg = ps[i]
		}
	}
}

func (t *vt) write(b []byte) {
	var state byte
	for len(b) > 0 {
		seq, width, n, st := ansi.DecodeSequence(b, state, nil)
		state = st
		b = b[n:]
		s := string(seq)
		switch {
		case s == "\r":
			t.col, t.wrap = 0, false
		case s == "\n":
			t.row, t.wrap = min(t.row+1, t.h-1), false
		case strings.HasPrefix(s, "\x1b[") && len(s) > 2:
			p, final := s[2:len(s)-1], s[len(s)-1]
			switch final {
			case 'm':
				t.sgr(p)
			case 'H':
				r, c, _ := strings.Cut(p, ";")
				ri, _ := strconv.Atoi(r)
				ci, _ := strconv.Atoi(c)
				t.row, t.col, t.wrap = max(ri, 1)-1, max(ci, 1)-1, false
			case 'K':
				copy(t.cells[t.row][t.col:], t.blank(t.w-t.col))
			case 'J':
				if p == "2" {
					for i := range t.cells {
						t.cells[i] = t.blank(t.w)
					}
					break
				}
				copy(t.cells[t.row][t.col:], t.blank(t.w-t.col))
				for i := t.row + 1; i < t.h; i++ {
					t.cells[i] = t.blank(t.w)
				}
			}
		case s[0] == 0x1b || s[0] < 0x20:
			// modes, titles: no cells
		default:
			if t.wrap {
				t.row, t.col, t.wrap = min(t.row+1, t.h-1), 0, false
			}
			if t.col+width > t.w {
				continue
			}
			t.cells[t.row][t.col] = vtCell{text: s, pen: t.pen}
			for k := 1; k < width; k++ {
				t.cells[t.row][t.col+k] = vtCell{pen: t.pen}
			}
			t.col += width
			if t.col >= t.w {
				t.col, t.wrap = t.w-1, true
			}
		}
	}
}

func (t *vt) diff(o *vt) string {
	for r := range t.cells {
		for c := range t.cells[r] {
			if t.cells[r][c] != o.cells[r][c] {
				return fmt.Sprintf("row %d col %d: %+v, sent in cells %+v", r, c, t.cells[r][c], o.cells[r][c])
			}
		}
	}
	return ""
}

// renderFrame writes next as Bubble Tea v1.3.10's standard renderer does in
// the alternate screen (standard_renderer.go flush, lines 170-283), last
// being the lines it wrote before (nil after a repaint).
func renderFrame(last, next []string, width int, first bool) []byte {
	var b strings.Builder
	b.WriteString(ansi.CursorHomePosition)
	for i, line := range next {
		if i < len(last) && last[i] == line {
			if i < len(next)-1 {
				b.WriteByte('\n')
			}
			continue
		}
		if i == 0 && first {
			b.WriteByte('\r')
		}
		line = ansi.Truncate(line, width, "")
		if ansi.StringWidth(line) < width {
			line += ansi.EraseLineRight
		}
		b.WriteString(line)
		if i < len(next)-1 {
			b.WriteString("\r\n")
		}
	}
	if len(last) > len(next) {
		b.WriteString(ansi.EraseScreenBelow)
	}
	b.WriteString(ansi.CursorPosition(0, len(next)))
	return []byte(b.String())
}

var (
	testPens  = []string{"", "\x1b[1m", "\x1b[38;5;75m", "\x1b[1;38;5;231;48;5;203m", "\x1b[38;5;59m", "\x1b[7m"}
	testWords = []string{"ok", "14:12", "2:08:39", "│", "██░░", "…", "日本", "·", " ", "      ", "SEV1", "⚑", "x"}
)

func randomLine(r *rand.Rand, width int) string {
	var b strings.Builder
	for ansi.StringWidth(b.String()) < width-6 && r.IntN(12) > 0 {
		pen := testPens[r.IntN(len(testPens))]
		b.WriteString(pen + testWords[r.IntN(len(testWords))])
		if pen != "" {
			b.WriteString("\x1b[0m")
		}
	}
	if r.IntN(3) == 0 { // padded to the window, as the panes are
		if pad := width - ansi.StringWidth(b.String()); pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	return b.String()
}

// tickLine changes a line the way a clock does: a digit or a word, the same
// width or not.
func tickLine(r *rand.Rand, line string, width int) string {
	switch r.IntN(4) {
	case 0:
		return randomLine(r, width)
	case 1:
		return strings.Replace(line, "14:12", "14:11", 1)
	case 2:
		return strings.Replace(line, "ok", "no", 1)
	default:
		return strings.Replace(line, "x", "日", 1)
	}
}

// TestCellWriterLeavesTheSameCells: whatever the renderer's frames, the
// screen cellWriter's bytes leave is the screen the frames would have left,
// cell by cell with their colours and attributes — through ticks, lines
// that grow and shrink, frames of other heights, clears and repaints.
func TestCellWriterLeavesTheSameCells(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 18))
		w, h := 20+r.IntN(60), 3+r.IntN(12)
		plain, cellwise := newVT(w, h), newVT(w, h)
		var sent bytes.Buffer
		cw := &cellWriter{dst: &sent}
		emit := func(b []byte) {
			sent.Reset()
			if _, err := cw.Write(b); err != nil {
				t.Fatal(err)
			}
			plain.write(b)
			cellwise.write(sent.Bytes())
		}
		lines := make([]string, h)
		for i := range lines {
			lines[i] = randomLine(r, w)
		}
		var last []string
		first := true
		for frame := range 150 {
			next := append([]string(nil), lines...)
			switch k := r.IntN(20); {
			case k == 0: // a clear, then the renderer's repaint
				emit([]byte(ansi.EraseEntireScreen))
				emit([]byte(ansi.CursorHomePosition))
				last = nil
			case k == 1 && len(next) > 1: // a shorter frame
				next = next[:len(next)-1]
			case k == 2 && len(next) < h: // a taller one
				next = append(next, randomLine(r, w))
			default:
				for range 1 + r.IntN(3) {
					i := r.IntN(len(next))
					next[i] = tickLine(r, next[i], w)
				}
			}
			emit(renderFrame(last, next, w, first))
			if d := plain.diff(cellwise); d != "" {
				t.Fatalf("seed %d frame %d: %s", seed, frame, d)
			}
			last, lines, first = next, next, false
		}
	}
}

// TestCellWriterSendsTheDigits: a countdown in a 200-column row of panes
// costs its changed cells, not the row.
func TestCellWriterSendsTheDigits(t *testing.T) {
	border := "\x1b[38;5;59m│\x1b[0m"
	row := func(left string) string {
		pane := func(s string) string { return border + s + strings.Repeat(" ", 98-ansi.StringWidth(s)) + border }
		return pane(" \x1b[38;5;195m"+left+"\x1b[0m") + pane(" \x1b[38;5;195m2 Eng Lead 20:34 in 14:34\x1b[0m")
	}
	a := []string{"header", row("14:12 left · soak ends 20:34:35"), "footer"}
	b := []string{"header", row("14:11 left · soak ends 20:34:35"), "footer"}
	var sent bytes.Buffer
	cw := &cellWriter{dst: &sent}
	for _, f := range [][]byte{renderFrame(nil, a, 200, true), renderFrame(a, b, 200, false)} {
		sent.Reset()
		if _, err := cw.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	whole := len(renderFrame(a, b, 200, false))
	if got := sent.Len(); got > 40 || whole < 200 {
		t.Fatalf("a changed digit: %d bytes sent (%q), the whole row is %d", got, sent.String(), whole)
	}
	plain, cellwise := newVT(200, 3), newVT(200, 3)
	plain.write(renderFrame(nil, b, 200, true))
	cellwise.write(renderFrame(nil, a, 200, true))
	cellwise.write(sent.Bytes())
	if d := plain.diff(cellwise); d != "" {
		t.Fatal(d)
	}
}

// BenchmarkCellWriterIdleFrame: one idle second's frame at 200x50, eight
// rows of two panes with a counter changed in each.
func BenchmarkCellWriterIdleFrame(b *testing.B) {
	border := "\x1b[38;5;59m│\x1b[0m"
	pane := func(s string) string { return border + s + strings.Repeat(" ", 98-ansi.StringWidth(s)) + border }
	frame := func(sec int) []string {
		lines := make([]string, 50)
		for i := range lines {
			lines[i] = pane(fmt.Sprintf(" \x1b[38;5;195m[x] checklist line %d · erin 17:40\x1b[0m", i)) + pane(" \x1b[38;5;195m17:40:06  ·   checkou…#5002 erin checked\x1b[0m")
		}
		for i := 3; i < 11; i++ {
			lines[i] = pane(fmt.Sprintf(" \x1b[38;5;195m14:%02d left · soak ends 20:34:35\x1b[0m", sec)) + pane(fmt.Sprintf(" \x1b[1;38;5;203m2 Eng Lead OVERDUE +2:14:%02d\x1b[0m", sec))
		}
		return lines
	}
	frames := [2][]byte{renderFrame(frame(1), frame(2), 200, false), renderFrame(frame(2), frame(1), 200, false)}
	cw := &cellWriter{dst: io.Discard}
	_, _ = cw.Write(renderFrame(nil, frame(1), 200, true))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_, _ = cw.Write(frames[i%2])
	}
}

// cellsLen counts exactly what writeCells writes, for any run of any line
// at any row and column (it decides whether a gap is jumped or sent).
func TestCellsLenIsWhatWriteCellsWrites(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		w := 10 + r.IntN(190)
		l := (&termLine{line: []byte(randomLine(r, w))}).split()
		if !l.ok || len(l.cells) == 0 {
			continue
		}
		from := r.IntN(len(l.cells))
		to := from + r.IntN(len(l.cells)-from+1)
		row, col := r.IntN(60), r.IntN(w)
		if seed%10 == 0 {
			row, col = 0, 0 // the home position
		}
		var out bytes.Buffer
		writeCells(&out, row, col, l, l.cells[from:to])
		if got := cellsLen(row, col, l, l.cells[from:to]); got != out.Len() {
			t.Fatalf("seed %d: cellsLen %d, writeCells wrote %d bytes (%q)", seed, got, out.Len(), out.String())
		}
	}
}

// Two counters a dozen cells apart in one pen (a header's overdue clock
// and its wall clock, once a longer id pushed them apart) go out as one
// run: sending the cells between again is fewer bytes than a second
// cursor position and pen.
func TestCellWriterBridgesAShortGap(t *testing.T) {
	pen := "\x1b[38;5;195;48;5;232m"
	line := func(over, clock string) string {
		return pen + " HOLD SEV2 INC-20002 NO COMMANDER OVERDUE +27:" + over + "       03:35:" + clock + "\x1b[m"
	}
	a, b := []string{line("29", "13")}, []string{line("30", "14")}
	var sent bytes.Buffer
	cw := &cellWriter{dst: &sent}
	for _, f := range [][]byte{renderFrame(nil, a, 80, true), renderFrame(a, b, 80, false)} {
		sent.Reset()
		if _, err := cw.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(sent.String(), pen); n != 1 {
		t.Errorf("the tick went out in %d runs (%q), want 1", n, sent.String())
	}
	plain, cellwise := newVT(80, 1), newVT(80, 1)
	plain.write(renderFrame(nil, b, 80, true))
	cellwise.write(renderFrame(nil, a, 80, true))
	cellwise.write(sent.Bytes())
	if d := plain.diff(cellwise); d != "" {
		t.Fatal(d)
	}
}
