package ui

// paneID names the four panes; the order is the focus order and the 1–4 keys.
type paneID int

const (
	paneChecklist paneID = iota
	paneRollout
	paneLog
	paneEscalation
	paneCount
)

var paneNames = [paneCount]string{"Checklist", "Rollout", "Incident log", "Escalation"}

// layoutMode is how the panes share the window (DESIGN §2).
type layoutMode int

const (
	modeTooSmall layoutMode = iota // below 20x5: a one-line notice
	modeNarrow                     // <80 cols or <24 rows: one pane and a tab strip
	modeMedium                     // 80–119 cols: stacked
	modeWide                       // ≥120 cols: a grid (from clockBandWidth, the clocks on top)
)

// clockBandWidth is the width from which the rollout and the escalation
// panes sit side by side across the top (computeLayout).
const clockBandWidth = 160

// Minimum window the dashboard draws in.
const (
	minWidth  = 20
	minHeight = 5
)

// rect is a pane's outer box, frame included. A zero rect is hidden.
type rect struct{ X, Y, W, H int }

func (r rect) visible() bool { return r.W > 0 && r.H > 0 }

// layout is where everything goes for one window size.
type layout struct {
	Mode    layoutMode
	Width   int
	Height  int
	HeaderH int
	TabsH   int
	FooterH int
	// Framed is false when panes are too short for borders (tiny windows).
	Framed bool
	// ClockBand: the rollout and the escalation side by side across the
	// top (wide windows from clockBandWidth).
	ClockBand bool
	Panes     [paneCount]rect
}

// computeLayout is a pure function of the window size, the focused pane and
// the pane frame size; the root calls it on every resize and focus change.
func computeLayout(width, height int, focus paneID, frameW, frameH int) layout {
	l := layout{Width: max(width, 0), Height: max(height, 0)}
	if width < minWidth || height < minHeight {
		l.Mode = modeTooSmall
		return l
	}
	l.HeaderH = 1
	l.FooterH = 2 // status line + key help
	if height < 12 {
		l.FooterH = 1 // the status line and help share one line
	}
	switch {
	case width < 80 || height < 24:
		l.Mode = modeNarrow
	case width < 120:
		l.Mode = modeMedium
	default:
		l.Mode = modeWide
	}
	if l.Mode == modeNarrow {
		l.TabsH = 1
	}
	top := l.HeaderH + l.TabsH
	body := height - top - l.FooterH
	l.Framed = body >= frameH+1
	switch l.Mode {
	case modeNarrow:
		l.Panes[focus] = rect{0, top, width, body}
	case modeMedium:
		// Rollout and escalation side by side in a short row, then the
		// checklist and the log stacked; the focused one of those two gets
		// the larger share.
		// The short row grows when one of its panes has focus.
		rowH := frameH + 2
		if height >= 30 {
			rowH = frameH + 3
		}
		if focus == paneRollout || focus == paneEscalation {
			rowH = max(rowH, min(frameH+7, body/2))
		}
		half := width / 2
		l.Panes[paneRollout] = rect{0, top, half, rowH}
		l.Panes[paneEscalation] = rect{half, top, width - half, rowH}
		rest := body - rowH
		big := rest * 2 / 3
		if focus != paneLog {
			l.Panes[paneChecklist] = rect{0, top + rowH, width, big}
			l.Panes[paneLog] = rect{0, top + rowH + big, width, rest - big}
		} else {
			l.Panes[paneChecklist] = rect{0, top + rowH, width, rest - big}
			l.Panes[paneLog] = rect{0, top + rowH + rest - big, width, big}
		}
	case modeWide:
		if width >= clockBandWidth {
			l.ClockBand = true
			// The two clocks side by side in a band across the top, the
			// checklist and the log side by side below. Every second
			// redraws the rows with a countdown in them, and a terminal
			// is sent each changed row whole: here those rows hold the
			// rollout's and the escalation's countdowns together, and no
			// checklist line beside them (the grid below puts six rows of
			// 200 columns on the wire each second, this one four or five).
			// The band holds the rollout's lines and a 4-stage table, or
			// an incident's whole ladder and the next one's steps in play;
			// with one of its panes focused, two whole ladders.
			bandH := min(frameH+10, body/2)
			if focus == paneRollout || focus == paneEscalation {
				bandH = min(frameH+14, body/2)
			}
			left := width / 2
			l.Panes[paneRollout] = rect{0, top, left, bandH}
			l.Panes[paneEscalation] = rect{left, top, width - left, bandH}
			cw := width / 2
			l.Panes[paneChecklist] = rect{0, top + bandH, cw, body - bandH}
			l.Panes[paneLog] = rect{cw, top + bandH, width - cw, body - bandH}
			break
		}
		// Checklist on the left; rollout over escalation on the right; the
		// log across the bottom.
		upper := body * 3 / 5
		left := width * 11 / 20
		rollH := min(upper/2, frameH+9)
		l.Panes[paneChecklist] = rect{0, top, left, upper}
		l.Panes[paneRollout] = rect{left, top, width - left, rollH}
		l.Panes[paneEscalation] = rect{left, top + rollH, width - left, upper - rollH}
		l.Panes[paneLog] = rect{0, top + upper, width, body - upper}
	}
	return l
}

// contentSize is the space inside a pane's frame.
func (l layout) contentSize(p paneID, frameW, frameH int) (w, h int) {
	r := l.Panes[p]
	if !r.visible() {
		return 0, 0
	}
	if !l.Framed {
		return r.W, r.H
	}
	return max(r.W-frameW, 0), max(r.H-frameH, 0)
}
