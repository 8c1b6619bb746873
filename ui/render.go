package ui

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
)

// lipglossStyle is a style of Styles (style_fast.go), for files that
// name the type without importing Lip Gloss.
type lipglossStyle = style

// styledLine is a line of text and the style to draw it with.
type styledLine struct {
	style style
	text  string
}

// wrapLines word-wraps plain lines to w cells and keeps at most h of them.
func wrapLines(_ Styles, w, h int, in []styledLine) []string {
	out := make([]string, 0, h)
	for _, l := range in {
		if l.text == "" {
			out = append(out, "")
			continue
		}
		for _, part := range strings.Split(ansi.Wrap(l.text, w, ""), "\n") {
			out = append(out, l.style.Render(fit(part, w)))
		}
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}

// joinLR draws left (plain text, in style) and right (already styled)
// aligned to the two ends of w cells; right is dropped when there is no room.
func joinLR(style style, left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if right == "" || rw+12 > w {
		return style.Render(pad(left, w))
	}
	return style.Render(pad(left, w-rw-1)) + " " + right
}

// overlayRight puts tag at the right end of line.
func overlayRight(line, tag string, w int) string {
	tw := ansi.StringWidth(tag)
	if tw+4 > w {
		return line
	}
	return pad(ansi.Truncate(line, w-tw-1, ""), w-tw) + tag
}

// renderPane draws a pane of outer size r with its title in the top border.
// Focus shows as a thick border and a ▶ title marker, so it reads without
// colour. Without a frame (tiny windows) only the content is drawn.
func renderPane(st Styles, title string, content []string, r rect, focused, framed bool) []string {
	lines := make([]string, 0, r.H)
	if !framed {
		for i := 0; i < r.H; i++ {
			l := ""
			if i < len(content) {
				l = content[i]
			}
			lines = append(lines, pad(l, r.W))
		}
		return lines
	}
	style, tstyle, mark := st.Pane, st.Title, " "
	if focused {
		style, tstyle, mark = st.PaneFocused, st.TitleFocus, "▶"
	}
	b := style.GetBorderStyle()
	bc := st.Plain.Foreground(style.GetBorderLeftForeground())
	fw, fh := st.paneFrame()
	innerW, innerH := max(r.W-fw, 0), max(r.H-fh, 0)
	padL := style.GetPaddingLeft()
	padR := style.GetPaddingRight()

	// ╭─▶ Title ───────╮
	t := fit(mark+" "+title+" ", max(r.W-3, 0))
	fill := max(r.W-2-1-ansi.StringWidth(t), 0)
	lines = append(lines, bc.Render(b.TopLeft+b.Top)+tstyle.Render(t)+bc.Render(strings.Repeat(b.Top, fill)+b.TopRight))
	left := bc.Render(b.Left) + strings.Repeat(" ", padL)
	right := strings.Repeat(" ", padR) + bc.Render(b.Right)
	for i := 0; i < innerH; i++ {
		l := ""
		if i < len(content) {
			l = content[i]
		}
		lines = append(lines, left+pad(l, innerW)+right)
	}
	lines = append(lines, bc.Render(b.BottomLeft+strings.Repeat(b.Bottom, max(r.W-2, 0))+b.BottomRight))
	return lines
}

// compose places rendered panes on a canvas of bodyH lines starting at row top.
func compose(l layout, top, bodyH int, rendered map[paneID][]string) []string {
	out, _ := composeExact(l, top, bodyH, rendered, nil)
	return out
}

// composeExact is compose that also says which lines are exactly the
// window's width already: panes side by side across the whole width, each
// line of each pane its rect's width (renderPane). clamp need not measure
// those again: measuring every line's width was a quarter of a frame.
//
// rows, when given, keeps each row's pieces and the line they made: a row
// whose pieces are the previous frame's (the kept panes' lines) is not
// joined again.
func composeExact(l layout, top, bodyH int, rendered map[paneID][]string, rows *rowCache) ([]string, []bool) {
	parts := make([][]string, bodyH)
	widths := make([]int, bodyH)
	narrow := make([]bool, bodyH) // a pane too narrow for its frame: measure

	ids := make([]paneID, 0, len(rendered))
	for id := range rendered {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return l.Panes[ids[i]].X < l.Panes[ids[j]].X })
	for _, id := range ids {
		r := l.Panes[id]
		for i, line := range rendered[id] {
			y := r.Y - top + i
			if y >= 0 && y < bodyH && i < r.H {
				parts[y] = append(parts[y], line)
				widths[y] += r.W
				narrow[y] = narrow[y] || r.W < minExactPane
			}
		}
	}
	out := make([]string, bodyH)
	exact := make([]bool, bodyH)
	for i := range parts {
		out[i] = rows.join(i, parts[i])
		exact[i] = widths[i] == l.Width && !narrow[i]
	}
	return out, exact
}

// rowCache is the previous frame's rows, by their pieces.
type rowCache struct {
	mu   sync.Mutex
	rows []cachedRow
}

type cachedRow struct {
	parts []string
	line  string
}

// join is joinRuns(parts), or row i's line of the previous frame when its
// pieces are the same strings (equal strings sharing their bytes compare
// at once: the kept panes hand back the very strings of the frame before).
func (c *rowCache) join(i int, parts []string) string {
	if c == nil {
		return joinRuns(parts)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < len(c.rows) && slices.Equal(c.rows[i].parts, parts) {
		return c.rows[i].line
	}
	line := joinRuns(parts)
	for len(c.rows) <= i {
		c.rows = append(c.rows, cachedRow{})
	}
	c.rows[i] = cachedRow{parts: parts, line: line}
	return line
}

// joinRuns joins the panes' pieces of one row. Where a piece ends in the
// colour its neighbour starts with (two borders side by side), the colour
// runs on rather than being reset and set again: the same cells, 14 bytes
// less on every such row the terminal is sent.
func joinRuns(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	var b strings.Builder
	b.WriteString(parts[0])
	prev := parts[0]
	for _, p := range parts[1:] {
		if sgr := trailingRun(prev); sgr != "" && strings.HasPrefix(p, sgr) {
			s := b.String()
			b.Reset()
			b.WriteString(s[:len(s)-len(sgrReset)])
			b.WriteString(p[len(sgr):])
		} else {
			b.WriteString(p)
		}
		prev = p
	}
	return b.String()
}

const sgrReset = "\x1b[0m"

// trailingRun is the colour sequence of the run s ends with (s ends in
// "\x1b[…m text \x1b[0m", the text without escapes), or "".
func trailingRun(s string) string {
	if !strings.HasSuffix(s, sgrReset) {
		return ""
	}
	body := s[:len(s)-len(sgrReset)]
	i := strings.LastIndex(body, "\x1b[")
	if i < 0 {
		return ""
	}
	m := strings.IndexByte(body[i:], 'm')
	if m < 0 || strings.ContainsRune(body[i+m+1:], '\x1b') {
		return ""
	}
	return body[i : i+m+1]
}

// minExactPane is the narrowest pane whose framed lines are exactly its
// width (a border corner each side and the title's marker).
const minExactPane = 4
