package ui

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/model"
)

// rowKind is what one line of the checklist pane shows.
type rowKind int

const (
	rowSection rowKind = iota
	rowItem
	rowReason
	rowNote
	rowGuidance
	rowBlank
)

type clRow struct {
	kind    rowKind
	section int // index into the phase's sections
	item    int // index into the section's items
	text    string
}

func (r clRow) selectable() bool { return r.kind == rowSection || r.kind == rowItem }

// checklistPane shows one phase of the focused deployment's checklist.
type checklistPane struct {
	deploy    model.Deployment
	has       bool
	list      model.Checklist
	phase     int
	collapsed map[string]bool
	rows      []clRow
	cursor    int
	offset    int
	width     int
	height    int
}

func newChecklistPane() checklistPane {
	return checklistPane{collapsed: map[string]bool{}}
}

func (p *checklistPane) setSize(w, h int) {
	compact := p.height < 16
	p.width, p.height = w, h
	if compact != (h < 16) && p.has {
		kind, id, sec := p.cursorIdentity()
		p.rebuild()
		p.restoreCursor(kind, id, sec)
	}
	p.scrollToCursor()
}

// setData replaces the checklist after a load. The cursor stays on the same
// item or section; a new deployment starts on its first open item.
func (p *checklistPane) setData(d model.Deployment, has bool, items []model.Item, guidance []model.Guidance) {
	// A new deployment, or one that moved to another phase (here or in
	// another process), starts on its first open item of its current phase.
	fresh := !p.has || p.deploy.ID != d.ID || p.deploy.CurrentPhase() != d.CurrentPhase()
	keepKind, keepID, keepSection := p.cursorIdentity()
	p.deploy, p.has = d, has
	p.list = model.Group(items, guidance)
	if !has {
		p.rows, p.cursor, p.offset = nil, 0, 0
		return
	}
	if fresh {
		if p.deploy.ID != d.ID {
			p.collapsed = map[string]bool{}
		}
		p.phase = max(p.list.PhaseIndex(d.CurrentPhase()), 0)
		p.rebuild()
		p.cursorToFirstOpen()
		return
	}
	// The deployment moved on (another process advanced it): follow it.
	if p.phase >= len(p.list.Phases) {
		p.phase = max(len(p.list.Phases)-1, 0)
	}
	p.rebuild()
	p.restoreCursor(keepKind, keepID, keepSection)
}

func (p *checklistPane) currentPhase() (model.PhaseGroup, bool) {
	if !p.has || p.phase < 0 || p.phase >= len(p.list.Phases) {
		return model.PhaseGroup{}, false
	}
	return p.list.Phases[p.phase], true
}

func collapseKey(phase, section string) string { return phase + "\x00" + section }

func (p *checklistPane) rebuild() {
	// A new slice, never p.rows[:0]: the old rows are the previous Model's.
	p.rows = make([]clRow, 0, len(p.rows))
	ph, ok := p.currentPhase()
	if !ok {
		return
	}
	if len(ph.Guidance) > 0 && p.height < 16 {
		// Short pane: the guidance on one line, so the steps stay in view.
		p.rows = append(p.rows, clRow{kind: rowGuidance, text: strings.Replace(strings.Join(ph.Guidance, " · "), ": · ", ": ", 1)})
	} else {
		for _, g := range ph.Guidance {
			p.rows = append(p.rows, clRow{kind: rowGuidance, text: g})
		}
	}
	if len(ph.Guidance) > 0 {
		p.rows = append(p.rows, clRow{kind: rowBlank})
	}
	for si, s := range ph.Sections {
		p.rows = append(p.rows, clRow{kind: rowSection, section: si})
		if p.collapsed[collapseKey(ph.Name, s.Name)] {
			continue
		}
		for ii, it := range s.Items {
			p.rows = append(p.rows, clRow{kind: rowItem, section: si, item: ii})
			if it.State == model.ItemNA {
				p.rows = append(p.rows, clRow{kind: rowReason, section: si, item: ii})
			}
			if strings.TrimSpace(it.Note) != "" {
				p.rows = append(p.rows, clRow{kind: rowNote, section: si, item: ii})
			}
		}
	}
	p.cursor = min(p.cursor, max(len(p.rows)-1, 0))
	p.snapCursor(1)
}

// cursorIdentity remembers what the cursor is on, to find it after a rebuild.
func (p *checklistPane) cursorIdentity() (rowKind, int64, string) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return rowBlank, 0, ""
	}
	r := p.rows[p.cursor]
	ph, ok := p.currentPhase()
	if !ok || r.section >= len(ph.Sections) {
		return rowBlank, 0, ""
	}
	s := ph.Sections[r.section]
	if r.kind == rowItem && r.item < len(s.Items) {
		return rowItem, s.Items[r.item].ID, s.Name
	}
	return rowSection, 0, s.Name
}

func (p *checklistPane) restoreCursor(kind rowKind, id int64, section string) {
	ph, ok := p.currentPhase()
	if !ok {
		return
	}
	for i, r := range p.rows {
		if r.kind != kind || r.section >= len(ph.Sections) {
			continue
		}
		s := ph.Sections[r.section]
		if kind == rowItem && s.Items[r.item].ID == id || kind == rowSection && s.Name == section {
			p.cursor = i
			p.scrollToCursor()
			return
		}
	}
	p.snapCursor(1)
}

func (p *checklistPane) cursorToFirstOpen() {
	p.cursor, p.offset = 0, 0
	ph, ok := p.currentPhase()
	if ok {
		if si, ii := ph.FirstOpen(); si >= 0 {
			for i, r := range p.rows {
				if r.kind == rowItem && r.section == si && r.item == ii {
					p.cursor = i
					break
				}
			}
		}
	}
	p.snapCursor(1)
}

// snapCursor moves the cursor off rows that cannot be selected, in dir.
func (p *checklistPane) snapCursor(dir int) {
	if len(p.rows) == 0 {
		p.cursor = 0
		return
	}
	for i := p.cursor; i >= 0 && i < len(p.rows); i += dir {
		if p.rows[i].selectable() {
			p.cursor = i
			p.scrollToCursor()
			return
		}
	}
	if dir > 0 {
		p.snapCursor(-1)
	} else if p.cursor >= len(p.rows) || !p.rows[p.cursor].selectable() {
		p.cursor = 0
		for i, r := range p.rows {
			if r.selectable() {
				p.cursor = i
				break
			}
		}
	}
	p.scrollToCursor()
}

// listHeight is the rows available under the phase strip.
func (p *checklistPane) listHeight() int { return max(p.height-1, 0) }

func (p *checklistPane) scrollToCursor() {
	h := p.listHeight()
	if h <= 0 {
		p.offset = 0
		return
	}
	// Keep the detail rows under the cursor visible with their item.
	last := p.cursor
	for last+1 < len(p.rows) && (p.rows[last+1].kind == rowNote || p.rows[last+1].kind == rowReason) {
		last++
	}
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if last >= p.offset+h {
		p.offset = last - h + 1
	}
	// Show the guidance above the first section when scrolled to the top.
	if p.offset > 0 && p.firstSelectable() == p.cursor {
		p.offset = 0
		if p.cursor >= h {
			p.offset = p.cursor - h + 1
		}
	}
	p.offset = max(min(p.offset, len(p.rows)-h), 0)
}

func (p *checklistPane) firstSelectable() int {
	for i, r := range p.rows {
		if r.selectable() {
			return i
		}
	}
	return 0
}

func (p *checklistPane) move(delta int) {
	if len(p.rows) == 0 {
		return
	}
	dir := 1
	if delta < 0 {
		dir = -1
	}
	steps := delta * dir
	i := p.cursor
	for steps > 0 {
		j := i + dir
		for j >= 0 && j < len(p.rows) && !p.rows[j].selectable() {
			j += dir
		}
		if j < 0 || j >= len(p.rows) {
			break
		}
		i = j
		steps--
	}
	p.cursor = i
	p.scrollToCursor()
}

// selectedItem is the item under the cursor, if it is on an item.
func (p *checklistPane) selectedItem() (model.Item, bool) {
	ph, ok := p.currentPhase()
	if !ok || p.cursor >= len(p.rows) {
		return model.Item{}, false
	}
	r := p.rows[p.cursor]
	if r.kind != rowItem {
		return model.Item{}, false
	}
	return ph.Sections[r.section].Items[r.item], true
}

// toggleSection folds or unfolds the section under the cursor.
func (p *checklistPane) toggleSection() {
	ph, ok := p.currentPhase()
	if !ok || p.cursor >= len(p.rows) {
		return
	}
	si := p.rows[p.cursor].section
	k := collapseKey(ph.Name, ph.Sections[si].Name)
	p.collapsed = maps.Clone(p.collapsed) // the previous Model's map stays as it was
	p.collapsed[k] = !p.collapsed[k]
	p.rebuild()
	for i, r := range p.rows {
		if r.kind == rowSection && r.section == si {
			p.cursor = i
		}
	}
	p.scrollToCursor()
}

// toggleAll folds every section, or unfolds them all when all are folded.
func (p *checklistPane) toggleAll() {
	ph, ok := p.currentPhase()
	if !ok {
		return
	}
	all := true
	for _, s := range ph.Sections {
		all = all && p.collapsed[collapseKey(ph.Name, s.Name)]
	}
	p.collapsed = maps.Clone(p.collapsed) // the previous Model's map stays as it was
	for _, s := range ph.Sections {
		p.collapsed[collapseKey(ph.Name, s.Name)] = !all
	}
	_, _, sec := p.cursorIdentity()
	p.rebuild()
	p.restoreCursor(rowSection, 0, sec)
}

func (p *checklistPane) setPhase(i int) {
	if i < 0 || i >= len(p.list.Phases) || i == p.phase {
		return
	}
	p.phase = i
	p.rebuild()
	p.cursorToFirstOpen()
}

// view draws the pane's content in width x height.
func (p *checklistPane) view(st Styles, now time.Time, loc *time.Location, focused bool) []string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return nil
	}
	if !p.has {
		return wrapLines(st, w, h, []styledLine{
			{st.Text, "No deployment in progress."},
			{st.Text, ""},
			{st.Text, "Press n to start one here, or run:"},
			{st.Accent, "  flightdeck deploy start SERVICE VERSION"},
			{st.Text, ""},
			{st.Muted, "The OctoAcme checklist (Pre-Deployment, Deployment Execution, Rollback) comes with it."},
		})
	}
	lines := make([]string, 0, h)
	lines = append(lines, p.phaseStrip(st, w))
	end := min(p.offset+p.listHeight(), len(p.rows))
	ph, _ := p.currentPhase()
	for i := p.offset; i < end; i++ {
		lines = append(lines, p.rowView(st, ph, p.rows[i], i == p.cursor && focused, i == p.cursor, now, loc, w))
	}
	if p.offset > 0 && len(lines) > 0 {
		lines[0] = overlayRight(lines[0], st.Muted.Render("▲ more"), w)
	}
	if end < len(p.rows) && len(lines) > 2 {
		lines[len(lines)-1] = overlayRight(lines[len(lines)-1], st.Muted.Render("▼ more"), w)
	}
	return lines
}

// phaseStrip shows every phase with its progress; the viewed one is marked.
func (p *checklistPane) phaseStrip(st Styles, w int) string {
	parts := make([]string, 0, len(p.list.Phases))
	plain := make([]string, 0, len(p.list.Phases))
	for i, ph := range p.list.Phases {
		label := fmt.Sprintf("%s %s", ph.Name, ph.Progress())
		if i == p.phase {
			parts = append(parts, st.TabActive.Render("["+label+"]"))
		} else {
			parts = append(parts, st.Tab.Render(label))
		}
		plain = append(plain, "["+label+"]")
	}
	full := strings.Join(parts, st.Muted.Render(" · "))
	if ansi.StringWidth(strings.Join(plain, " · ")) <= w {
		return full
	}
	// Too narrow for all phases: show the viewed one with its position.
	ph := p.list.Phases[p.phase]
	return fit(st.TabActive.Render(fmt.Sprintf("[%d/%d] %s %s", p.phase+1, len(p.list.Phases), ph.Name, ph.Progress())), w)
}

func (p *checklistPane) rowView(st Styles, ph model.PhaseGroup, r clRow, selected, cursor bool, now time.Time, loc *time.Location, w int) string {
	marker := "  "
	if cursor {
		marker = "▶ "
	}
	switch r.kind {
	case rowGuidance:
		return fit(st.Warn.Render("  ! ")+st.Muted.Render(clean(r.text)), w)
	case rowBlank:
		return ""
	case rowSection:
		s := ph.Sections[r.section]
		fold := "▾"
		if p.collapsed[collapseKey(ph.Name, s.Name)] {
			fold = "▸"
		}
		prog := model.PhaseGroup{Sections: []model.SectionGroup{s}}.Progress()
		line := fmt.Sprintf("%s%s %s", marker, fold, clean(s.Name))
		right := prog.String()
		if prog.Open() == 0 {
			right = "✓ " + right
		}
		return joinLR(styleIf(st.Section, st.Selected, selected), line, st.Muted.Render(right), w)
	case rowReason:
		it := ph.Sections[r.section].Items[r.item]
		return fit(st.NA.Render("      n/a: "+clean(it.Reason)), w)
	case rowNote:
		it := ph.Sections[r.section].Items[r.item]
		meta := strings.TrimSpace(clean(it.NoteBy) + " " + clockTime(it.NoteAt, now, loc))
		return fit(st.Muted.Render("      ✎ "+clean(it.Note)+" — "+meta), w)
	}
	it := ph.Sections[r.section].Items[r.item]
	box, style := "[ ]", st.Text
	switch it.State {
	case model.ItemDone:
		box, style = "[x]", st.Done
	case model.ItemNA:
		box, style = "[-]", st.NA
	}
	text := clean(it.Text)
	if strings.TrimSpace(it.Note) != "" {
		text += " ✎"
	}
	var meta string
	if it.State != model.ItemTodo {
		meta = strings.TrimSpace(clean(it.By) + " " + clockTime(it.At, now, loc))
	}
	left := marker + box + " " + text
	if selected {
		style = st.Selected
	}
	return joinLR(style, left, st.Muted.Render(meta), w)
}

func styleIf(normal, sel lipglossStyle, on bool) lipglossStyle {
	if on {
		return sel
	}
	return normal
}
