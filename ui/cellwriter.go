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

	prev  [][]byte // the lines as the terminal shows them; nil: unknown
	dirty bool     // something other than a frame was written since
	out   bytes.Buffer
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
	next := make([][]byte, len(rows))
	skipped := false
	for i, r := range rows {
		switch {
		case written[i]:
			next[i] = r
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
		if written[i] && !diffLine(&w.out, i, prev[i], rows[i]) {
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

// A cell of a line: its text (one grapheme), its width, and the pen in
// force (the SGR sequences since the last reset, as written).
type lineCell struct {
	text []byte
	pen  []byte
	w    int
}

// cells splits a line the renderer wrote into cells; eraseRight says it
// ended with "erase to the end of the line" (a line narrower than the
// window). ok is false for anything but text, SGR and that erase, and
// for a line that does not end with its pen reset.
func lineCells(line []byte) (cs []lineCell, eraseRight bool, ok bool) {
	const el = "\x1b[K"
	if bytes.HasSuffix(line, []byte(el)) {
		line, eraseRight = line[:len(line)-len(el)], true
	}
	var pen []byte
	var state byte
	for len(line) > 0 {
		seq, width, n, st := ansi.DecodeSequence(line, state, nil)
		state = st
		switch {
		case n <= 0:
			return nil, false, false
		case seq[0] == 0x1b:
			if len(seq) < 3 || seq[1] != '[' || seq[len(seq)-1] != 'm' {
				return nil, false, false
			}
			if p := seq[2 : len(seq)-1]; len(p) == 0 || string(p) == "0" {
				pen = nil
			} else {
				pen = append(pen[:len(pen):len(pen)], seq...)
			}
		case seq[0] < 0x20 || seq[0] == 0x7f:
			return nil, false, false
		default:
			cs = append(cs, lineCell{text: seq, pen: pen, w: width})
		}
		line = line[n:]
	}
	// A line that leaves a pen on would colour what follows it, which a
	// line sent in pieces would not: such lines go out whole.
	return cs, eraseRight, len(pen) == 0
}

// gapCells: unchanged cells between two changed runs shorter than this are
// sent again rather than jumped over (a jump costs a cursor position and
// the pen again, about as much).
const gapCells = 12

// diffLine writes what turns row i from old into line: the runs of changed
// cells, each at its column; from the first changed cell to the end when
// the two lines do not have the same cells in the same columns. false: the
// lines cannot be taken apart (the frame then goes out as it was written).
func diffLine(out *bytes.Buffer, i int, old, line []byte) bool {
	oc, oErase, ok1 := lineCells(old)
	nc, nErase, ok2 := lineCells(line)
	if !ok1 || !ok2 {
		return false
	}
	aligned := len(oc) == len(nc) && oErase == nErase
	for k := 0; aligned && k < len(nc); k++ {
		aligned = oc[k].w == nc[k].w
	}
	if !aligned {
		p, col := 0, 0
		for p < len(oc) && p < len(nc) && sameCell(oc[p], nc[p]) {
			col += nc[p].w
			p++
		}
		writeCells(out, i, col, nc[p:])
		if nErase {
			if p == len(nc) {
				out.WriteString(ansi.CursorPosition(col+1, i+1))
			}
			out.WriteString(ansi.EraseLineRight)
		}
		return true
	}
	from, start, col, gap := -1, 0, 0, 0
	for k := range nc {
		if !sameCell(oc[k], nc[k]) {
			if from < 0 {
				from, start = k, col
			}
			gap = 0
		} else if from >= 0 {
			if gap++; gap >= gapCells {
				writeCells(out, i, start, nc[from:k-gap+1])
				from, gap = -1, 0
			}
		}
		col += nc[k].w
	}
	if from >= 0 {
		writeCells(out, i, start, nc[from:len(nc)-gap])
	}
	return true
}

func sameCell(a, b lineCell) bool {
	return a.w == b.w && bytes.Equal(a.text, b.text) && bytes.Equal(a.pen, b.pen)
}

// writeCells writes cells at row i from column col (0-based), each with its
// pen, and resets the pen after.
func writeCells(out *bytes.Buffer, i, col int, cs []lineCell) {
	if len(cs) == 0 {
		return
	}
	out.WriteString(ansi.CursorPosition(col+1, i+1))
	var pen []byte
	for _, c := range cs {
		if !bytes.Equal(c.pen, pen) {
			if len(pen) > 0 {
				out.WriteString(ansi.ResetStyle)
			}
			out.Write(c.pen)
			pen = c.pen
		}
		out.Write(c.text)
	}
	if len(pen) > 0 {
		out.WriteString(ansi.ResetStyle)
	}
}
