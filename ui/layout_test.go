package ui

import "testing"

func TestComputeLayout(t *testing.T) {
	fw, fh := DefaultStyles().paneFrame()
	cases := []struct {
		w, h  int
		focus paneID
		mode  layoutMode
	}{
		{80, 24, paneChecklist, modeMedium},
		{120, 40, paneChecklist, modeWide},
		{200, 50, paneLog, modeWide},
		{200, 50, paneEscalation, modeWide},
		{160, 40, paneChecklist, modeWide},
		{159, 40, paneRollout, modeWide},
		{250, 80, paneRollout, modeWide},
		{100, 30, paneLog, modeMedium},
		{79, 24, paneChecklist, modeNarrow},
		{120, 23, paneRollout, modeNarrow},
		{20, 5, paneChecklist, modeNarrow},
		{19, 5, paneChecklist, modeTooSmall},
		{20, 4, paneChecklist, modeTooSmall},
		{0, 0, paneChecklist, modeTooSmall},
	}
	for _, c := range cases {
		l := computeLayout(c.w, c.h, c.focus, fw, fh)
		if l.Mode != c.mode {
			t.Errorf("%dx%d: mode %v, want %v", c.w, c.h, l.Mode, c.mode)
		}
		if band := l.Mode == modeWide && c.w >= clockBandWidth; l.ClockBand != band {
			t.Errorf("%dx%d: clock band %v, want %v", c.w, c.h, l.ClockBand, band)
		}
		if l.ClockBand {
			// The clocks side by side on top, sharing their rows.
			ro, es := l.Panes[paneRollout], l.Panes[paneEscalation]
			if ro.Y != es.Y || ro.H != es.H || ro.X+ro.W != es.X || ro.Y != l.HeaderH {
				t.Errorf("%dx%d: rollout %+v and escalation %+v not side by side on top", c.w, c.h, ro, es)
			}
		}
		if l.Mode == modeTooSmall {
			continue
		}
		if !l.Panes[c.focus].visible() {
			t.Errorf("%dx%d: focused pane hidden", c.w, c.h)
		}
		// Panes stay inside the window and never overlap.
		used := map[[2]int]paneID{}
		for p, r := range l.Panes {
			if !r.visible() {
				continue
			}
			if r.X < 0 || r.Y < l.HeaderH+l.TabsH || r.X+r.W > c.w || r.Y+r.H > c.h-l.FooterH {
				t.Errorf("%dx%d: pane %d %+v outside the body", c.w, c.h, p, r)
			}
			for y := r.Y; y < r.Y+r.H; y++ {
				for x := r.X; x < r.X+r.W; x++ {
					if q, ok := used[[2]int{x, y}]; ok {
						t.Fatalf("%dx%d: panes %d and %d overlap at %d,%d", c.w, c.h, q, p, x, y)
					}
					used[[2]int{x, y}] = paneID(p)
				}
			}
		}
		// The body is covered exactly: every cell belongs to a pane.
		body := (c.h - l.HeaderH - l.TabsH - l.FooterH) * c.w
		if len(used) != body {
			t.Errorf("%dx%d: panes cover %d cells of %d", c.w, c.h, len(used), body)
		}
	}
}

func TestLayoutNarrowShowsOnlyFocused(t *testing.T) {
	fw, fh := DefaultStyles().paneFrame()
	for p := paneID(0); p < paneCount; p++ {
		l := computeLayout(60, 20, p, fw, fh)
		for q := paneID(0); q < paneCount; q++ {
			if l.Panes[q].visible() != (q == p) {
				t.Errorf("focus %d: pane %d visible=%v", p, q, l.Panes[q].visible())
			}
		}
	}
}
