package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/octoacme/flightdeck/model"
)

// logMaxWindow caps the events the pane holds while scrolling back; pages
// beyond it are dropped and read again when needed.
const logMaxWindow = 2000

// logPane shows the timeline — deployment and incident events — newest at
// the bottom. It follows new events unless scrolled back, and holds only a
// window of pages around what is visible, so it stays instant on a database
// with hundreds of thousands of events.
type logPane struct {
	query     LogQuery
	events    []model.Event // the window, oldest first
	cursor    int           // index into events of the selected line
	following bool          // the cursor sticks to the newest event
	atOldest  bool          // no older events exist for this query
	loading   bool          // an older page is being read
	deploy    map[int64]string
	width     int
	height    int
}

func newLogPane() logPane { return logPane{following: true} }

func (p *logPane) setSize(w, h int) { p.width, p.height = w, h }

// setNewest takes the newest page from a snapshot. When scrolled back, the
// window is kept so what the reader is looking at does not move.
func (p *logPane) setNewest(events []model.Event, q LogQuery, deployments []model.Deployment) {
	// Remember every deployment seen in this session, so a line's label
	// does not change when its deployment finishes and leaves the list.
	for i, d := range deployments {
		if name, ok := p.deploy[d.ID]; !ok || name != d.Service {
			// A copy: the map is the previous Model's too.
			next := make(map[int64]string, len(p.deploy)+len(deployments)-i)
			maps.Copy(next, p.deploy)
			for _, d := range deployments[i:] {
				next[d.ID] = d.Service
			}
			p.deploy = next
			break
		}
	}
	if !sameFilter(q, p.query) {
		return // a reply to an older filter
	}
	if !p.following && len(p.events) > 0 {
		// Refresh the stars and text of what is in the window that also
		// came back in this page.
		byID := make(map[int64]model.Event, len(events))
		for _, e := range events {
			byID[e.ID] = e
		}
		// A new slice: the old one is the previous Model's (and a
		// snapshot's), which must not change under it.
		refreshed := slices.Clone(p.events)
		for i, e := range refreshed {
			if n, ok := byID[e.ID]; ok {
				refreshed[i] = n
			}
		}
		p.events = refreshed
		return
	}
	p.events = events
	p.atOldest = len(events) < logPageSize
	p.cursor = len(p.events) - 1
}

// setOlder prepends an older page.
func (p *logPane) setOlder(msg olderMsg) {
	p.loading = false
	if msg.err != nil || !sameFilter(msg.q, p.query) {
		return
	}
	if len(p.events) > 0 && msg.q.BeforeID != model.MinEventID(p.events) {
		return
	}
	if len(msg.events) < msg.q.Limit {
		p.atOldest = true
	}
	sel, hasSel := p.selected()
	p.events = append(append([]model.Event(nil), msg.events...), p.events...)
	// Pages are read by id but the log is drawn by time: sort what is held,
	// so a note backdated past the older page's events moves among them
	// once that page is here. The cursor stays on the entry it was on.
	model.SortEvents(p.events)
	p.cursor += len(msg.events)
	if hasSel {
		for i, e := range p.events {
			if e.ID == sel.ID {
				p.cursor = i
				break
			}
		}
	}
	if over := len(p.events) - logMaxWindow; over > 0 {
		// Drop the newest end: we are reading the past.
		p.events = p.events[:len(p.events)-over]
		p.cursor = min(p.cursor, len(p.events)-1)
	}
}

// move the cursor; returns the query of an older page to load, if the
// cursor came near the oldest loaded event.
func (p *logPane) move(delta int) (LogQuery, bool) {
	if len(p.events) == 0 {
		return LogQuery{}, false
	}
	p.cursor = max(min(p.cursor+delta, len(p.events)-1), 0)
	p.following = p.cursor == len(p.events)-1
	if p.cursor < p.height && !p.atOldest && !p.loading {
		p.loading = true
		q := p.query
		// Pages are read by id and drawn by time: page back from the
		// lowest id held, which a backdated note is not.
		q.BeforeID, q.Limit = model.MinEventID(p.events), logPageSize
		return q, true
	}
	return LogQuery{}, false
}

func (p *logPane) selected() (model.Event, bool) {
	if p.cursor < 0 || p.cursor >= len(p.events) {
		return model.Event{}, false
	}
	return p.events[p.cursor], true
}

// filterLabel describes the active filter for the title.
func (p *logPane) filterLabel() string {
	var parts []string
	if p.query.MinSeverity != 0 {
		// "≥SEV2" read as SEV2–SEV4 (review D44): SEV1 is the worst.
		if p.query.MinSeverity == model.SEV1 {
			parts = append(parts, "SEV1 only")
		} else {
			parts = append(parts, fmt.Sprintf("SEV1–%s", p.query.MinSeverity.Label()))
		}
	}
	if p.query.Search != "" {
		parts = append(parts, fmt.Sprintf("/%s", clean(p.query.Search)))
	}
	if p.query.StarredOnly {
		parts = append(parts, "★ only")
	}
	return strings.Join(parts, " ")
}

func (p *logPane) view(st Styles, now time.Time, loc *time.Location, focused bool) []string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return nil
	}
	if len(p.events) == 0 {
		if p.filterLabel() != "" {
			return wrapLines(st, w, h, []styledLine{
				{st.Text, "Nothing matches " + p.filterLabel() + "."},
				{st.Muted, "v changes the severity filter, / the search (empty clears), * starred only."},
			})
		}
		return wrapLines(st, w, h, []styledLine{
			{st.Text, "Nothing logged yet."},
			{st.Muted, "Every action — deployments, ticks, incidents, notes — lands here with who and when. ! opens an incident."},
		})
	}
	// The cursor's line is at the bottom while following; otherwise the
	// window scrolls just enough to keep it in view.
	end := min(len(p.events), max(p.cursor+1, h))
	if p.following {
		end = len(p.events)
	}
	start := max(end-h, 0)
	lines := make([]string, 0, h)
	for i := start; i < end; i++ {
		lines = append(lines, p.line(st, p.events[i], now, loc, w, focused && i == p.cursor && !p.following))
	}
	if !p.following && len(lines) > 0 {
		lines[len(lines)-1] = overlayRight(lines[len(lines)-1], st.Warn.Render("▼ scrolled back · G newest"), w)
	}
	if p.loading && len(lines) > 0 {
		lines[0] = overlayRight(lines[0], st.Muted.Render("loading older…"), w)
	}
	return lines
}

func (p *logPane) line(st Styles, e model.Event, now time.Time, loc *time.Location, w int, selected bool) string {
	lt := e.At.In(loc)
	ts := lt.Format("15:04:05")
	if n := now.In(loc); lt.YearDay() != n.YearDay() || lt.Year() != n.Year() {
		ts = lt.Format("Jan 2 15:04")
	}
	badge := st.Muted.Render(" ·  ")
	if e.Severity.Valid() {
		badge = sevStyle(st, e.Severity).Render(e.Severity.Label())
	}
	labelW := max(min(18, w/7), 8)
	ref := ""
	switch {
	case e.IncidentID != 0:
		ref = fmt.Sprintf("INC-%d", e.IncidentID)
	case e.DeploymentID != 0:
		ref = deployLabel(p.deploy[e.DeploymentID], e.DeploymentID, labelW)
	}
	star := " "
	if e.Starred {
		star = "★"
	}
	marker := " "
	if selected {
		marker = "▶"
	}
	var b strings.Builder
	b.WriteString(marker)
	b.WriteString(st.Warn.Render(star))
	b.WriteString(st.Muted.Render(ts))
	b.WriteString(" ")
	b.WriteString(badge)
	b.WriteString(" ")
	b.WriteString(st.Accent.Render(pad(fit(ref, labelW), labelW)))
	b.WriteString(" ")
	b.WriteString(st.Text.Render(clean(e.Actor)))
	b.WriteString(" ")
	text := oneLine(e.Text) // in full, wrapped, in the incident's detail view
	if selected {
		text = st.Selected.Render(text)
	}
	b.WriteString(text)
	return fit(b.String(), w)
}

// sevStyle colours a severity badge; the text says the severity, so it
// reads without colour.
func sevStyle(st Styles, s model.Severity) lipglossStyle {
	switch s {
	case model.SEV1:
		return st.Banner
	case model.SEV2:
		return st.Danger
	case model.SEV3:
		return st.Warn
	}
	return st.Muted
}

func sameFilter(a, b LogQuery) bool {
	return a.MinSeverity == b.MinSeverity && a.Search == b.Search && a.StarredOnly == b.StarredOnly
}

// deployLabel is "checkout-api#5002" in w cells: the service name gives way
// before the id does ("checkou…#5002"), since the id is what a reader
// looks up.
func deployLabel(service string, id int64, w int) string {
	num := fmt.Sprintf("#%d", id)
	service = clean(service)
	if service == "" {
		return "deploy" + num
	}
	room := w - ansi.StringWidth(num)
	if room < 2 {
		return num
	}
	return fit(service, room) + num
}
