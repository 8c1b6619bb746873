package ui

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"github.com/charmbracelet/x/ansi"
)

// cellWriter sits between Bubble Tea's standard renderer and the terminal
// and sends, of each changed line, only the cells that changed.
//
// Bubble Tea v1 skips the lines of a frame that did not change but sends a
// changed line whole: a countdown ticking in a 200-column row shared with
// a static checklist line costs the whole row, 300 bytes with its colours,
// every second (issue 18: 3 KB/s idle at 200x50 with a canary soaking and
// two incidents' escalations counting). Here a changed line becomes, per
// run of changed cells, a cursor position, the pen (colours and
// attributes) in force at its first cell, and those cells: "14:12" →
// "14:11" is a dozen bytes.
//
// It understands exactly the frames the renderer writes in the alternate
// screen — cursor home; each line either skipped ("\n") or written and
// ended by "\r\n"; the cursor put at the start of the last line — and
// remembers the lines as the renderer last wrote them, which is what the
// terminal shows. Anything else it passes on untouched: a write that is
// not a frame (clearing the screen, the alternate screen, the cursor,
// the mouse) makes the next frame go out as the renderer wrote it, and so
// does a frame that rewrites every line (the renderer's repaint after a
// resize or a clear), a frame whose line count changed, and a line with
// anything but text and colours in it. A line that comes out shorter or
// longer is sent from its first changed cell to its end.
type cellWriter struct {
	*os.File // Fd, Read, Close: Bubble Tea still sees its terminal
	dst      io.Writer

	prev  []*termLine // the lines as the terminal shows them; nil: unknown
	dirty bool        // something other than a frame was written since
	out   bytes.Buffer
}

// A termLine is a line as the renderer wrote it, and its cells once they
// were needed (a line is taken apart once, as the new line of one frame,
// and is the old line of the next).
type termLine struct {
	line   []byte
	parsed bool
	cells  []lineCell
	pens   []string // the pens of the cells (lineCell.pen indexes them)
	erase  bool     // the line ended with "erase to the end of the line"
	ok     bool
}

func (l *termLine) split() *termLine {
	if !l.parsed {
		l.parsed = true
		l.cells, l.pens, l.erase, l.ok = lineCells(l.line)
	}
	return l
}

func newCellWriter(f *os.File) *cellWriter { return &cellWriter{File: f, dst: f} }

func (w *cellWriter) Write(b []byte) (int, error) {
	out := w.frame(b)
	if out == nil {
		return w.dst.Write(b)
	}
	if _, err := w.dst.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// frame returns what to send for b instead of b, or nil to send b itself.
func (w *cellWriter) frame(b []byte) []byte {
	rows, written, last, ok := parseFrame(b)
	if !ok {
		w.prev, w.dirty = nil, true
		return nil
	}
	prev, dirty := w.prev, w.dirty
	w.dirty = false
	next := make([]*termLine, len(rows))
	skipped := false
	for i, r := range rows {
		switch {
		case written[i]:
			next[i] = &termLine{line: bytes.Clone(r)} // a Writer keeps nothing of b
		case i < len(prev):
			next[i] = prev[i]
		default:
			skipped = true // a line we never saw: the terminal's row is unknown
		}
	}
	full := true
	for _, wr := range written {
		full = full && wr
	}
	switch {
	case full:
		w.prev = next // a repaint: every line goes out whole
		return nil
	case skipped || prev == nil || len(prev) != len(rows):
		w.prev = nil
		return nil
	}
	w.prev = next
	if dirty {
		return nil
	}
	w.out.Reset()
	for i := range rows {
		if written[i] && !diffLine(&w.out, i, prev[i].split(), next[i].split()) {
			return nil
		}
	}
	w.out.Write(last)
	return w.out.Bytes()
}

// parseFrame splits one of the renderer's alternate-screen frames into its
// lines: written[i] says whether line i was sent (else it was skipped),
// last is the closing cursor position.
func parseFrame(b []byte) (rows [][]byte, written []bool, last []byte, ok bool) {
	const home = "\x1b[H"
	if !bytes.HasPrefix(b, []byte(home)) || len(b) == len(home) {
		return nil, nil, nil, false
	}
	// The closing cursor position: ESC [ n ; H (or ESC [ H for one line).
	end := bytes.LastIndexByte(b, 0x1b)
	if end < len(home) || b[len(b)-1] != 'H' {
		return nil, nil, nil, false
	}
	last = b[end:]
	n := 1
	if len(last) > 3 {
		p := string(last[2 : len(last)-1])
		semi := bytes.IndexByte([]byte(p), ';')
		if semi < 0 || (p[semi+1:] != "" && p[semi+1:] != "1") {
			return nil, nil, nil, false
		}
		v, err := strconv.Atoi(p[:semi])
		if err != nil || v < 1 {
			return nil, nil, nil, false
		}
		n = v
	}
	body := b[len(home):end]
	rows = make([][]byte, n)
	written = make([]bool, n)
	for i := range n {
		switch {
		case len(body) == 0 && i == n-1:
			// the last line, skipped: nothing is written for it
		case len(body) > 0 && body[0] == '\n':
			if i == n-1 {
				return nil, nil, nil, false
			}
			body = body[1:]
		default:
			if i == n-1 {
				rows[i], written[i], body = body, true, nil
				break
			}
			j := bytes.Index(body, []byte("\r\n"))
			if j < 0 {
				return nil, nil, nil, false
			}
			rows[i], written[i], body = body[:j], true, body[j+2:]
		}
	}
	if len(body) != 0 {
		return nil, nil, nil, false // e.g. the erase below a shorter frame
	}
	return rows, written, last, true
}

// A cell of a line: its text (one grapheme, line[off:off+n]), its width,
// and the pen in force (the SGR sequences since the last reset, as
// written; an index into the line's pens, 0 for none).
type lineCell struct {
	off uint32
	n   uint16
	pen uint16
	w   uint8
}

// lineCells splits a line the renderer wrote into cells; erase says it
// ended with "erase to the end of the line" (a line narrower than the
// window). ok is false for anything but text, SGR and that erase, and for
// a line that does not end with its pen reset.
func lineCells(line []byte) (cs []lineCell, pens []string, erase, ok bool) {
	if bytes.HasSuffix(line, []byte(ansi.EraseLineRight)) {
		line, erase = line[:len(line)-len(ansi.EraseLineRight)], true
	}
	cs = make([]lineCell, 0, len(line))
	pens = []string{""}
	pen := 0
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c >= 0x20 && c < 0x7f: // ASCII: a cell of one byte
			cs = append(cs, lineCell{off: uint32(i), n: 1, pen: uint16(pen), w: 1})
			i++
		case c == 0x1b:
			// Only SGR: ESC [ params m.
			j := i + 2
			if j > len(line) || line[i+1] != '[' {
				return nil, nil, false, false
			}
			for j < len(line) && (line[j] >= '0' && line[j] <= '9' || line[j] == ';') {
				j++
			}
			if j >= len(line) || line[j] != 'm' {
				return nil, nil, false, false
			}
			if p := line[i+2 : j]; len(p) == 0 || string(p) == "0" {
				pen = 0
			} else {
				pens = append(pens, pens[pen]+string(line[i:j+1]))
				pen = len(pens) - 1
			}
			i = j + 1
		case c < 0x20 || c == 0x7f:
			return nil, nil, false, false
		default:
			seq, width, n, _ := ansi.DecodeSequence(line[i:], ansi.NormalState, nil)
			if n <= 0 || len(seq) == 0 || seq[0] < 0x80 {
				return nil, nil, false, false
			}
			cs = append(cs, lineCell{off: uint32(i), n: uint16(n), pen: uint16(pen), w: uint8(width)})
			i += n
		}
	}
	// A line that leaves a pen on would colour what follows it, which a
	// line sent in pieces would not: such lines go out whole.
	return cs, pens, erase, pen == 0 && len(pens) < 1<<16 && len(line) < 1<<32
}

// diffLine writes what turns row i from o into l: the runs of changed
// cells, each at its column; from the first changed cell to the end when
// the two lines do not have the same cells in the same columns. false: the
// lines cannot be taken apart (the frame then goes out as it was written).
func diffLine(out *bytes.Buffer, i int, o, l *termLine) bool {
	if !o.ok || !l.ok {
		return false
	}
	oc, nc := o.cells, l.cells
	same := func(k int) bool {
		a, b := oc[k], nc[k]
		return a.w == b.w && o.pens[a.pen] == l.pens[b.pen] &&
			bytes.Equal(o.line[a.off:a.off+uint32(a.n)], l.line[b.off:b.off+uint32(b.n)])
	}
	aligned := len(oc) == len(nc) && o.erase == l.erase
	for k := 0; aligned && k < len(nc); k++ {
		aligned = oc[k].w == nc[k].w
	}
	if !aligned {
		p, col := 0, 0
		for p < len(oc) && p < len(nc) && same(p) {
			col += int(nc[p].w)
			p++
		}
		writeCells(out, i, col, l, nc[p:])
		if l.erase {
			if p == len(nc) {
				out.WriteString(ansi.CursorPosition(col+1, i+1))
			}
			out.WriteString(ansi.EraseLineRight)
		}
		return true
	}
	// The runs of changed cells, left to right. Between two runs the
	// unchanged cells are either jumped over (a cursor position, the
	// first run's pen reset and the next run's pen) or sent again: the
	// run goes on across them when that is no more bytes, counted exactly.
	from, start, to := -1, 0, 0
	for k, col := 0, 0; k < len(nc); {
		if same(k) {
			col += int(nc[k].w)
			k++
			continue
		}
		at, atCol := k, col
		for k < len(nc) && !same(k) {
			col += int(nc[k].w)
			k++
		}
		if from >= 0 {
			if cellsLen(i, start, l, nc[from:k]) <= cellsLen(i, start, l, nc[from:to])+cellsLen(i, atCol, l, nc[at:k]) {
				to = k
				continue
			}
			writeCells(out, i, start, l, nc[from:to])
		}
		from, start, to = at, atCol, k
	}
	if from >= 0 {
		writeCells(out, i, start, l, nc[from:to])
	}
	return true
}

// cellsLen is the number of bytes writeCells(out, i, col, l, cs) writes.
func cellsLen(i, col int, l *termLine, cs []lineCell) int {
	if len(cs) == 0 {
		return 0
	}
	n := len(ansi.CursorHomePosition)
	if i > 0 || col > 0 { // ansi.CursorPosition: ESC [ row ; col H
		n = 4 + digits(i+1) + digits(col+1)
	}
	pen := uint16(0)
	for _, c := range cs {
		if c.pen != pen && l.pens[c.pen] != l.pens[pen] {
			if pen != 0 {
				n += len(ansi.ResetStyle)
			}
			n += len(l.pens[c.pen])
		}
		pen = c.pen
		n += int(c.n)
	}
	if pen != 0 {
		n += len(ansi.ResetStyle)
	}
	return n
}

// digits is the number of decimal digits of n > 0.
func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// writeCells writes cells of l at row i from column col (0-based), each
// with its pen, and resets the pen after.
func writeCells(out *bytes.Buffer, i, col int, l *termLine, cs []lineCell) {
	if len(cs) == 0 {
		return
	}
	out.WriteString(ansi.CursorPosition(col+1, i+1))
	pen := uint16(0)
	for _, c := range cs {
		if c.pen != pen && l.pens[c.pen] != l.pens[pen] {
			if pen != 0 {
				out.WriteString(ansi.ResetStyle)
			}
			out.WriteString(l.pens[c.pen])
		}
		pen = c.pen
		out.Write(l.line[c.off : c.off+uint32(c.n)])
	}
	if pen != 0 {
		out.WriteString(ansi.ResetStyle)
	}
}
