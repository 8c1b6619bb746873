package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"flightdeck/model"
)

// logPane shows the timeline, newest at the bottom. It follows new events
// unless the user has scrolled back.
type logPane struct {
	events []model.Event
	deploy map[int64]string // deployment id → service, for the label column
	back   int              // lines scrolled back from the newest
	width  int
	height int
}

func (p *logPane) setSize(w, h int) { p.width, p.height = w, h; p.clamp() }

func (p *logPane) setData(events []model.Event, deployments []model.Deployment) {
	// Keep the view steady when scrolled back and new events arrive.
	if p.back > 0 && len(events) > len(p.events) {
		p.back += len(events) - len(p.events)
	}
	p.events = events
	p.deploy = make(map[int64]string, len(deployments))
	for _, d := range deployments {
		p.deploy[d.ID] = d.Service
	}
	p.clamp()
}

func (p *logPane) clamp() {
	p.back = max(min(p.back, len(p.events)-p.height), 0)
}

func (p *logPane) scroll(n int) { p.back += n; p.clamp() }

func (p *logPane) bindings(k KeyMap) []key.Binding {
	on := len(p.events) > p.height
	set := func(b key.Binding) key.Binding { b.SetEnabled(on); return b }
	return []key.Binding{set(k.Up), set(k.Down), set(k.Top), set(k.Bottom)}
}

func (p *logPane) view(st Styles, now time.Time, loc *time.Location) []string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return nil
	}
	if len(p.events) == 0 {
		return wrapLines(st, w, h, []styledLine{
			{st.Text, "Nothing logged yet."},
			{st.Muted, "Every action — deployments started, items ticked, notes — lands here with who and when."},
		})
	}
	end := len(p.events) - p.back
	start := max(end-h, 0)
	lines := make([]string, 0, h)
	for _, e := range p.events[start:end] {
		lines = append(lines, p.line(st, e, now, loc, w))
	}
	if p.back > 0 && len(lines) > 0 {
		lines[len(lines)-1] = overlayRight(lines[len(lines)-1], st.Warn.Render(fmt.Sprintf("▼ %d newer", p.back)), w)
	}
	return lines
}

func (p *logPane) line(st Styles, e model.Event, now time.Time, loc *time.Location, w int) string {
	ts := e.At.In(loc).Format("15:04:05")
	if y, d := e.At.In(loc).YearDay(), now.In(loc).YearDay(); y != d || e.At.In(loc).Year() != now.In(loc).Year() {
		ts = e.At.In(loc).Format("Jan 2 15:04")
	}
	label := ""
	if e.DeploymentID != 0 {
		svc := p.deploy[e.DeploymentID]
		if svc == "" {
			label = fmt.Sprintf("deploy#%d", e.DeploymentID)
		} else {
			label = fmt.Sprintf("%s#%d", clean(svc), e.DeploymentID)
		}
	}
	var b strings.Builder
	b.WriteString(st.Muted.Render(ts))
	b.WriteString(" ")
	b.WriteString(st.Accent.Render(pad(label, 16)))
	b.WriteString(" ")
	b.WriteString(st.Text.Render(clean(e.Actor)))
	b.WriteString(" ")
	b.WriteString(clean(e.Text))
	return fit(b.String(), w)
}
