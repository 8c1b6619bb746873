package mdtemplate

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The two GFM constructs templates use, task boxes and tables, are read
// through goldmark's hooks for such things (an inline parser and a
// paragraph transformer) rather than with its extension package: that
// package compiles its linkify regular expressions when the program starts
// (about 1 ms and 260 KB for every flightdeck process, --help included),
// for links we never make. What is recognised is what extension.TaskList
// and extension.Table recognised, quirks included: TestSameAsExtension and
// FuzzParseSameAsExtension compare the two.

// newReader is the Markdown parser: CommonMark plus task boxes and tables.
func newReader() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		// Before the link parser (200), so "[x]" is a box even when a
		// "[x]: url" definition would make it a link, as in GFM.
		parser.WithInlineParsers(append(parser.DefaultInlineParsers(), util.Prioritized(taskBoxParser{}, 0))...),
		// After link reference definitions (100) are taken off a paragraph.
		parser.WithParagraphTransformers(append(parser.DefaultParagraphTransformers(), util.Prioritized(tableParagraphs{}, 200))...),
	)
}

var kindTaskBox = ast.NewNodeKind("mdtemplateTaskBox")

// taskBox is the "[ ]" or "[x]" that makes a list item a task. Ticked or
// not makes no difference: every item of a new deployment starts to do.
type taskBox struct{ ast.BaseInline }

func (n *taskBox) Kind() ast.NodeKind         { return kindTaskBox }
func (n *taskBox) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

// taskBoxParser reads a task box: "[ ]", "[x]" or "[X]" (or a tab or other
// space in the box) as the very first text of a list item's first block,
// and the spaces after it. As in goldmark's extension, and unlike the GFM
// spec, no space is needed after the box: "- [x]done" is the task "done".
type taskBoxParser struct{}

func (taskBoxParser) Trigger() []byte { return []byte{'['} }

func (taskBoxParser) Parse(parent ast.Node, block text.Reader, _ parser.Context) ast.Node {
	item, ok := parent.Parent().(*ast.ListItem)
	if !ok || item.FirstChild() != parent || parent.HasChildren() {
		return nil
	}
	line, _ := block.PeekLine()
	if len(line) < 3 || line[0] != '[' || line[2] != ']' || !(reSpace(line[1]) || line[1] == 'x' || line[1] == 'X') {
		return nil
	}
	n := 3
	for n < len(line) && reSpace(line[n]) {
		n++
	}
	block.Advance(n)
	return &taskBox{}
}

// reSpace is a space as a regular expression's \s has it (no vertical
// tab), the class goldmark's extension matched task boxes and table
// delimiters with.
func reSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

var (
	kindTable     = ast.NewNodeKind("mdtemplateTable")
	kindTableRow  = ast.NewNodeKind("mdtemplateTableRow")
	kindTableCell = ast.NewNodeKind("mdtemplateTableCell")
)

// tableNode is a table, one of its rows (the header first) or a cell; a
// cell's one line is parsed as inline Markdown like any block's.
type tableNode struct {
	ast.BaseBlock
	kind ast.NodeKind // kindTable, kindTableRow or kindTableCell
}

func newTableNode(kind ast.NodeKind) *tableNode { return &tableNode{kind: kind} }

func (n *tableNode) Kind() ast.NodeKind         { return n.kind }
func (n *tableNode) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

// inTableCell says whether n is inside a table cell.
func inTableCell(n ast.Node) bool {
	for ; n != nil; n = n.Parent() {
		if n.Kind() == kindTableCell {
			return true
		}
	}
	return false
}

// tableParagraphs turns a paragraph into a table where a line of it is a
// delimiter row ("|---|:--:|") and the line before it a header row with
// as many cells; the lines after are the body rows, and the lines before
// the header stay a paragraph. Only the first delimiter row counts: when
// its header does not fit, the paragraph stays one.
type tableParagraphs struct{}

func (tableParagraphs) Transform(p *ast.Paragraph, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	lines := p.Lines()
	for i := 1; i < lines.Len(); i++ {
		row := lines.At(i)
		cols := delimiterRow(row.Value(src))
		if cols == 0 {
			continue
		}
		header := tableRow(lines.At(i-1), cols, true, src)
		if header.ChildCount() != cols {
			return
		}
		table := newTableNode(kindTable)
		table.AppendChild(table, header)
		for j := i + 1; j < lines.Len(); j++ {
			table.AppendChild(table, tableRow(lines.At(j), cols, false, src))
		}
		p.Parent().InsertAfter(p.Parent(), p, table)
		lines.SetSliced(0, i-1)
		if lines.Len() == 0 {
			p.Parent().RemoveChild(p.Parent(), p)
			return
		}
		// What is left of the paragraph ends before the header's line,
		// without the line break, as goldmark's extension leaves it.
		last := lines.At(i - 2)
		last.Stop--
		lines.Set(i-2, last)
		return
	}
}

// delimiterRow is the number of columns of a table delimiter row — cells
// of dashes with optional alignment colons, "| --- | :-: |", the outer
// pipes optional — or 0 if line is not one.
func delimiterRow(line []byte) int {
	if w, _ := util.IndentWidth(line, 0); w > 3 {
		return 0
	}
	dashes := true
	for _, c := range line {
		if c != '-' {
			dashes = false
		}
		if !util.IsSpace(c) && c != '-' && c != '|' && c != ':' {
			return 0
		}
	}
	if dashes {
		return 0
	}
	cols := splitPipes(line)
	if len(cols) > 0 && util.IsBlank(cols[0]) {
		cols = cols[1:]
	}
	if len(cols) > 0 && util.IsBlank(cols[len(cols)-1]) {
		cols = cols[:len(cols)-1]
	}
	for _, col := range cols {
		if !isDelimiterCell(col) {
			return 0
		}
	}
	return len(cols)
}

// splitPipes splits line at every "|" (a delimiter row has no escapes).
func splitPipes(line []byte) [][]byte {
	var cols [][]byte
	start := 0
	for i, c := range line {
		if c == '|' {
			cols = append(cols, line[start:i])
			start = i + 1
		}
	}
	return append(cols, line[start:])
}

// isDelimiterCell: spaces, an optional ":", dashes, an optional ":", spaces.
func isDelimiterCell(col []byte) bool {
	i, j := 0, len(col)
	for i < j && reSpace(col[i]) {
		i++
	}
	for j > i && reSpace(col[j-1]) {
		j--
	}
	if i < j && col[i] == ':' {
		i++
	}
	if j > i && col[j-1] == ':' {
		j--
	}
	if i == j {
		return false
	}
	for _, c := range col[i:j] {
		if c != '-' {
			return false
		}
	}
	return true
}

// tableRow splits one line of a table into cells at the pipes that are
// not escaped ("\|" is a pipe in the text), the outer pipes optional.
// A body row keeps its first cols cells; a row with fewer gets empty ones.
// The header keeps all of its cells, so that a header that does not fit
// the delimiter row can be told.
func tableRow(seg text.Segment, cols int, header bool, src []byte) *tableNode {
	seg = seg.TrimLeftSpace(src)
	seg = seg.TrimRightSpace(src)
	line := seg.Value(src)
	pos, limit := 0, len(line)
	if limit > 0 && line[0] == '|' {
		pos++
	}
	if limit > 0 && line[limit-1] == '|' {
		limit--
	}
	row := newTableNode(kindTableRow)
	for pos < limit && (header || row.ChildCount() < cols) {
		end := pos
		for end < limit && (line[end] != '|' || end > 0 && line[end-1] == '\\') {
			end++
		}
		c := text.NewSegment(seg.Start+pos, seg.Start+end)
		c = c.TrimLeftSpace(src)
		c = c.TrimRightSpace(src)
		cell := newTableNode(kindTableCell)
		cell.Lines().Append(c)
		row.AppendChild(row, cell)
		pos = end + 1
	}
	for row.ChildCount() < cols {
		row.AppendChild(row, newTableNode(kindTableCell))
	}
	return row
}
