package ui

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// TestEscalationPlannedDrawsAsBefore: the pane plans each level of detail
// and draws only the one shown; it must show exactly what drawing every
// level did (referenceEscalationView, the code before), at every height,
// with the cursor on every line, as the clocks run.
func TestEscalationPlannedDrawsAsBefore(t *testing.T) {
	st := seeded(t)
	ctx := context.Background()
	for i, sev := range []model.Severity{model.SEV1, model.SEV2, model.SEV3} {
		if _, err := st.OpenIncident(ctx, model.NewIncident{Title: fmt.Sprintf("incident %d", i), Severity: sev, Security: i == 1}, "alice", t0.Add(-time.Duration(i)*20*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// A skipped step and an acknowledged one: detail 1 leaves them out.
	if err := st.SkipToStep(ctx, 1, model.IncidentSeen{}, 3, "director asked", "alice", t0); err != nil {
		t.Fatal(err)
	}
	if err := st.AckStep(ctx, 2, model.IncidentSeen{}, 1, "carol", "alice", t0); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, 120, 40)
	p := m.escalation
	if len(p.incidents) != 3 {
		t.Fatalf("%d incidents", len(p.incidents))
	}
	for _, now := range []time.Time{t0, t0.Add(16 * time.Minute), t0.Add(2 * time.Hour)} {
		for h := 1; h <= 24; h++ {
			for row := range p.rows {
				for _, focused := range []bool{true, false} {
					a, b := p, p
					a.height, b.height, a.width, b.width = h, h, 54, 54
					a.cursorInc, a.cursorRow = p.rows[row].inc, p.rows[row].step
					b.cursorInc, b.cursorRow = a.cursorInc, a.cursorRow
					a.offset, b.offset = row%3, row%3
					got := a.view(m.styles, now, time.UTC, focused)
					want := referenceEscalationView(&b, m.styles, now, time.UTC, focused)
					if !slices.Equal(got, want) || a.offset != b.offset {
						t.Fatalf("now %s, height %d, cursor on row %d: got (offset %d)\n%q\nwant (offset %d)\n%q",
							now.Format(time.TimeOnly), h, row, a.offset, got, b.offset, want)
					}
				}
			}
		}
	}
}

// referenceEscalationView is escalationPane.view as it was before the
// levels were planned: every level drawn until one fits.
func referenceEscalationView(p *escalationPane, st Styles, now time.Time, loc *time.Location, focused bool) []string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return nil
	}
	post := p.postmortemLines(st, now, loc, w)
	if len(p.incidents) == 0 {
		lines := wrapLines(st, w, h, []styledLine{
			{st.OK, "✓ No open incidents: no escalation clocks running."},
			{st.Muted, "! opens one (or: flightdeck incident open --sev N TITLE). Clocks: On-call at once → Eng Lead 15 min after SEV1/2 → Director; Security Lead at once if security-related."},
		})
		if len(post) > 0 {
			lines = append(append(lines[:min(len(lines), 1)], ""), post...)
		}
		if len(lines) > h {
			lines = lines[:h]
		}
		return lines
	}
	// Show the whole ladders when they fit; otherwise only the steps that
	// still matter; otherwise one line per incident with its next deadline.
	var lines []string
	cur := -1
	for detail := 2; detail >= 0; detail-- {
		lines, cur = referenceEscalationRender(p, st, now, loc, focused, detail, w)
		if len(lines)+len(post) <= h {
			lines = append(lines, post...)
			break
		}
		if len(lines) <= h {
			break
		}
	}
	// Scroll so the cursor's line stays in view.
	if cur >= 0 {
		if cur < p.offset {
			p.offset = cur
		}
		if cur >= p.offset+h {
			p.offset = cur - h + 1
		}
	}
	p.offset = max(min(p.offset, len(lines)-h), 0)
	lines = lines[p.offset:min(len(lines), p.offset+h)]
	return lines
}

// referenceEscalationRender is the render view used: it draws the incidents at a level of detail: 2 every step, 1 the
// steps still in play (and the cursor's), 0 headers with the next deadline.
func referenceEscalationRender(p *escalationPane, st Styles, now time.Time, loc *time.Location, focused bool, detail, w int) ([]string, int) {
	var lines []string
	cur := -1
	for _, inc := range p.incidents {
		onHeader := p.cursorInc == inc.ID && p.cursorRow == 0
		if onHeader || detail == 0 && p.cursorInc == inc.ID {
			cur = len(lines)
		}
		lines = append(lines, p.headerLine(st, inc, now, loc, focused && onHeader, w))
		ladder := p.policy.Ladder(inc, now)
		if detail == 0 {
			if s, ok := p.policy.NextDeadline(inc, now); ok {
				lines = append(lines, p.stepLine(st, s, loc, false, 8, w))
			}
			continue
		}
		roleW := 0
		for _, s := range ladder {
			roleW = max(roleW, len([]rune(roleLabel(s.Step))))
		}
		for _, s := range ladder {
			isCur := p.cursorInc == inc.ID && p.cursorRow == s.Step.Number
			if detail == 1 && !isCur && (s.State == model.StepNotNeeded || s.State == model.StepSkipped || s.State == model.StepAcknowledged) {
				continue
			}
			if isCur {
				cur = len(lines)
			}
			lines = append(lines, p.stepLine(st, s, loc, focused && isCur, min(roleW, 24), w))
		}
		if due, ok := p.updates.NextUpdateDue(inc); ok {
			lines = append(lines, p.updateLine(st, due, now, loc, w))
		}
	}
	return lines, cur
}
