package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"github.com/octoacme/flightdeck/model"
)

// screen is which full-screen view is up.
type screen int

const (
	screenDashboard screen = iota
	screenHistory
	screenDetail
	screenMetrics
	screenLinks
)

var deployStatuses = []string{"", string(model.StatusPlanned), string(model.StatusInProgress), string(model.StatusCompleted), string(model.StatusRolledBack), string(model.StatusAborted)}
var incidentStatuses = []string{"", string(model.IncidentOpen), string(model.IncidentMitigated), string(model.IncidentResolved)}

// historyView lists past deployments or incidents, newest first.
type historyView struct {
	incidents   bool
	q           HistoryQuery
	statusIdx   int
	deployments []model.Deployment
	incs        []model.Incident
	cursor      int
	offset      int
	loaded      bool
	err         error
	width       int
	height      int
}

const historyLimit = 500

func (h *historyView) query() HistoryQuery {
	q := h.q
	q.Limit = historyLimit
	if h.incidents {
		q.Status = incidentStatuses[h.statusIdx%len(incidentStatuses)]
	} else {
		q.Status = deployStatuses[h.statusIdx%len(deployStatuses)]
	}
	return q
}

func (h *historyView) count() int {
	if h.incidents {
		return len(h.incs)
	}
	return len(h.deployments)
}

func (h *historyView) set(msg historyMsg) {
	h.loaded, h.err = true, msg.err
	if msg.err != nil {
		return
	}
	h.deployments, h.incs = msg.deployments, msg.incidents
	h.cursor = min(h.cursor, max(h.count()-1, 0))
}

func (h *historyView) move(d int) {
	h.cursor = max(min(h.cursor+d, h.count()-1), 0)
	rows := max(h.height-3, 1)
	if h.cursor < h.offset {
		h.offset = h.cursor
	}
	if h.cursor >= h.offset+rows {
		h.offset = h.cursor - rows + 1
	}
}

// selectedID is the deployment or incident under the cursor.
func (h *historyView) selectedID() (int64, bool) {
	if h.cursor < 0 || h.cursor >= h.count() {
		return 0, false
	}
	if h.incidents {
		return h.incs[h.cursor].ID, true
	}
	return h.deployments[h.cursor].ID, true
}

// historyKeys is what the history list answers to.
func (k KeyMap) historyKeys() keyScope {
	return keyScope{
		Groups: []keyGroup{
			k.listKeys(),
			{"History", []key.Binding{k.Open, k.SwitchList, k.Search, k.StatusFilter, k.Back, k.Quit}},
		},
		Short: []key.Binding{k.Up, k.Down, k.Open, k.SwitchList, k.Search, k.StatusFilter, k.Back},
	}
}

func (h *historyView) view(st Styles, now time.Time, loc *time.Location) []string {
	w := h.width
	tabs := []string{"Deployments", "Incidents"}
	for i, t := range tabs {
		if (i == 1) == h.incidents {
			tabs[i] = st.TabActive.Render("[" + t + "]")
		} else {
			tabs[i] = st.Tab.Render(" " + t + " ")
		}
	}
	q := h.query()
	filter := []string{}
	if q.Service != "" {
		filter = append(filter, "service/env = "+clean(q.Service))
	}
	if q.Status != "" {
		filter = append(filter, "status "+strings.ReplaceAll(q.Status, "_", " "))
	}
	if len(filter) == 0 {
		filter = append(filter, "all")
	}
	lines := []string{
		fit(st.Section.Render(" History ")+strings.Join(tabs, " ")+st.Muted.Render("  newest first · "+strings.Join(filter, " · ")), w),
	}
	switch {
	case h.err != nil:
		return append(lines, st.StatusError.Render(fit("✗ "+h.err.Error(), w)))
	case !h.loaded:
		return append(lines, st.Muted.Render("loading…"))
	case h.count() == 0:
		msg := "No deployments yet: n on the dashboard or flightdeck deploy start SERVICE VERSION starts one."
		if h.incidents {
			msg = "No incidents recorded. ! on the dashboard or flightdeck incident open --sev N TITLE opens one."
		}
		if q.Service != "" || q.Status != "" {
			msg = "Nothing matches this filter: / changes the text, f the status."
		}
		return append(lines, wrapLines(st, w, 3, []styledLine{{st.Muted, msg}})...)
	}
	if h.incidents {
		lines = append(lines, st.Muted.Render(fit(fmt.Sprintf("  %-8s %-4s %-10s %-16s %-9s %-12s %s", "ID", "SEV", "STATUS", "OPENED", "DURATION", "COMMANDER", "TITLE"), w)))
	} else {
		lines = append(lines, st.Muted.Render(fit(fmt.Sprintf("  %-6s %-16s %-12s %-11s %-12s %-12s %-16s %-8s %s", "ID", "SERVICE", "VERSION", "ENV", "STRATEGY", "STATUS", "STARTED", "TOOK", "BY"), w)))
	}
	rows := max(h.height-2, 0)
	for i := h.offset; i < min(h.count(), h.offset+rows); i++ {
		var line string
		if h.incidents {
			line = h.incidentRow(st, h.incs[i], now, loc)
		} else {
			line = h.deployRow(h.deployments[i], now, loc)
		}
		if i == h.cursor {
			lines = append(lines, st.Selected.Render(pad("▶ "+line, w)))
		} else {
			lines = append(lines, fit("  "+line, w))
		}
	}
	return lines
}

func (h *historyView) deployRow(d model.Deployment, now time.Time, loc *time.Location) string {
	took := ""
	if !d.FinishedAt.IsZero() {
		took = model.FormatDurationShort(model.Elapsed(d.CreatedAt, d.FinishedAt))
	}
	return fmt.Sprintf("%-6s %-16s %-12s %-11s %-12s %-12s %-16s %-8s %s", fmt.Sprintf("#%d", d.ID), fit(clean(d.Service), 16), fit(clean(d.Version), 12),
		fit(clean(d.Environment), 11), string(d.Strategy), d.Status.Label(), clockTime(d.CreatedAt, now, loc), took, clean(d.StartedBy))
}

func (h *historyView) incidentRow(st Styles, i model.Incident, now time.Time, loc *time.Location) string {
	dur := ""
	if !i.ResolvedAt.IsZero() {
		dur = model.FormatDurationShort(model.Elapsed(i.OpenedAt, i.ResolvedAt))
	}
	return fmt.Sprintf("%-8s %-4s %-10s %-16s %-9s %-12s %s", i.Ref(), i.Severity.Label(), string(i.Status), clockTime(i.OpenedAt, now, loc), dur, fit(clean(i.Commander), 12), clean(i.Title))
}
