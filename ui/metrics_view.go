package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// metricsWindows are the windows `w` cycles through.
var metricsWindows = []struct {
	label string
	d     time.Duration
}{{"30d", 30 * 24 * time.Hour}, {"90d", 90 * 24 * time.Hour}, {"365d", 365 * 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// metricsView is the delivery-metrics screen: DORA's metrics over a window
// with their performance buckets and weekly trends.
type metricsView struct {
	window   int
	service  int // index into services; 0 is all
	services []string
	m        model.Metrics
	loaded   bool
	err      error
	width    int
	height   int
	// readAhead is set once the wider windows have been asked for in the
	// background (see setMetrics).
	readAhead bool
}

type metricsMsg struct {
	metrics  model.Metrics
	services []string
	err      error
}

func (v *metricsView) set(msg metricsMsg) {
	v.loaded, v.err = true, msg.err
	if msg.err == nil {
		v.m = msg.metrics
		v.services = append([]string{""}, msg.services...)
		v.service = min(v.service, len(v.services)-1)
	}
}

func (v *metricsView) serviceName() string {
	if v.service <= 0 || v.service >= len(v.services) {
		return ""
	}
	return v.services[v.service]
}

func metricsCmd(st HistoryStore, now time.Time, d time.Duration, service string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		m, err := st.Metrics(ctx, model.MetricsWindow{From: now.Add(-d), To: now, Service: service})
		if err != nil {
			return metricsMsg{err: err}
		}
		services, err := st.Services(ctx)
		return metricsMsg{metrics: m, services: services, err: err}
	}
}

// setMetrics shows msg. The first time metrics are shown it also asks, in
// the background, for the wider windows w offers, narrowest first: a store
// that keeps what it read (the dashboard's does) then answers every later w
// and s from memory, while the first screen needed only its own window
// read, and a w pressed early waits only for the next window's part.
func (m *Model) setMetrics(msg metricsMsg) tea.Cmd {
	m.metrics.set(msg)
	if msg.err != nil || m.metrics.readAhead || m.opts.History == nil {
		return nil
	}
	m.metrics.readAhead = true
	shown := metricsWindows[m.metrics.window].d
	var wider []time.Duration
	for _, w := range metricsWindows {
		if w.d > shown {
			wider = append(wider, w.d)
		}
	}
	if len(wider) == 0 {
		return nil
	}
	slices.Sort(wider)
	st, now := m.opts.History, m.opts.Now()
	return func() tea.Msg {
		for _, d := range wider {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			_, err := st.Metrics(ctx, model.MetricsWindow{From: now.Add(-d), To: now})
			cancel()
			if err != nil {
				break // the key that needs it will say why
			}
		}
		return nil
	}
}

func (m Model) openMetrics() (tea.Model, tea.Cmd) {
	if m.opts.History == nil {
		m.setStatus("metrics are not available with this store", true)
		return m, nil
	}
	m.screen = screenMetrics
	m.metrics.loaded = false
	m.relayout()
	return m, m.reloadMetrics()
}

func (m Model) reloadMetrics() tea.Cmd {
	v := m.metrics
	return metricsCmd(m.opts.History, m.opts.Now(), metricsWindows[v.window].d, v.serviceName())
}

func (m Model) handleMetricsKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		m.screen = screenDashboard
		m.relayout()
	case key.Matches(msg, k.Quit) && msg.String() == "q":
		return m, tea.Quit
	case key.Matches(msg, k.Window):
		m.metrics.window = (m.metrics.window + 1) % len(metricsWindows)
		m.metrics.loaded = false
		return m, m.reloadMetrics()
	case key.Matches(msg, k.Service):
		if n := len(m.metrics.services); n > 0 {
			m.metrics.service = (m.metrics.service + 1) % n
		}
		m.metrics.loaded = false
		return m, m.reloadMetrics()
	}
	return m, nil
}

// metricsKeys is what the delivery metrics answer to.
func (k KeyMap) metricsKeys() keyScope {
	return oneGroup("Metrics", k.Window, k.Service, k.Back, k.Quit)
}

func (m Model) metricsView(h int) []string {
	v := m.metrics
	st := m.styles
	w := v.width
	svc := "all services"
	if s := v.serviceName(); s != "" {
		svc = clean(s)
	}
	win := metricsWindows[v.window]
	title := st.Section.Render(" Delivery metrics ") + st.Muted.Render(fmt.Sprintf(" last %s · %s · production · w window · s service", win.label, svc))
	lines := []string{fit(title, w), ""}
	switch {
	case v.err != nil:
		return append(lines, st.StatusError.Render(fit("✗ "+v.err.Error(), w)))
	case !v.loaded:
		return append(lines, st.Muted.Render("computing…"))
	}
	mm := v.m
	if mm.Deployments == 0 && !mm.ChangeFailRate.Valid() && mm.MTTR.N == 0 {
		return append(lines, wrapLines(st, w, 4, []styledLine{
			{st.Text, "No deployments reached production in this window."},
			{st.Muted, "Metrics fill in as deployments finish: flightdeck deploy start … then finish; w widens the window."},
		})...)
	}
	weeks := mm.Weekly
	series := func(f func(model.WeekStats) float64) string {
		vals := make([]float64, len(weeks))
		for i, wk := range weeks {
			vals[i] = f(wk)
		}
		return sparkline(vals)
	}
	dist := func(d model.Distribution, what string) string {
		if !d.Valid() {
			return "n/a (no " + what + ")"
		}
		s := fmt.Sprintf("median %s · p90 %s · n=%d", model.FormatDurationShort(d.Median), model.FormatDurationShort(d.P90), d.N)
		return s
	}
	type row struct {
		name, value, extra string
		bucket             model.Bucket
		trend              string
	}
	freq := mm.DeploymentFrequency
	rows := []row{
		{"Deployment frequency", fmt.Sprintf("%.1f/week · %d deploys", freq.PerWeek, mm.Deployments), fmt.Sprintf("%d of %.0f days had one", freq.DaysWithDeployments, freq.Days), freq.Bucket,
			series(func(w model.WeekStats) float64 { return float64(w.Deployments) })},
		{"Lead time for changes", leadValue(mm), leadNote(mm), mm.LeadTimeBucket,
			series(func(w model.WeekStats) float64 { return w.LeadTime.Median.Hours() })},
		{"Change fail rate", mm.ChangeFailRate.String(), fmt.Sprintf("%d failed", len(mm.Failures)), mm.ChangeFailBucket,
			series(func(w model.WeekStats) float64 { p, _ := w.ChangeFailRate.Percent(); return p })},
		{"Failed deploy recovery", dist(mm.FailedDeploymentRecovery, "recoveries"), missingNote(mm.FailedDeploymentRecovery.Missing, "not recovered"), mm.FailedDeploymentRecoveryBucket,
			series(func(w model.WeekStats) float64 { return w.FailedDeploymentRecovery.Median.Hours() })},
		{"MTTR (incidents)", dist(mm.MTTR, "resolved incidents"), missingNote(mm.MTTR.Missing, "still open"), mm.MTTRBucket,
			series(func(w model.WeekStats) float64 { return w.MTTR.Median.Hours() })},
		{"Deployment rework rate", mm.ReworkRate.String(), fmt.Sprintf("%d hotfixes", len(mm.Hotfixes)), mm.ReworkBucket,
			series(func(w model.WeekStats) float64 { p, _ := w.ReworkRate.Percent(); return p })},
	}
	nameW := 24
	valW := max(min(w-nameW-40, 52), 20)
	for _, r := range rows {
		bucket := st.Muted.Render("no DORA bucket")
		if r.bucket.Valid() {
			bucket = bucketStyle(st, r.bucket).Render(r.bucket.Label)
		}
		lines = append(lines, fit(st.Text.Render(pad(r.name, nameW))+st.Accent.Render(pad(r.value, valW))+" "+bucket, w))
		lines = append(lines, fit(st.Muted.Render(pad("", nameW)+pad(r.extra, valW))+" "+st.Accent.Render(r.trend), w))
	}
	lines = append(lines, "", st.Section.Render(fit("Weekly trend (weeks start Monday, UTC; * = part of the week)", w)),
		st.Muted.Render(fit(fmt.Sprintf("%-10s %8s %8s %10s %10s %10s %8s", "week", "deploys", "fail %", "lead med", "recovery", "MTTR", "rework"), w)))
	room := max(h-len(lines), 0)
	start := min(max(len(weeks)-room, 0), len(weeks)) // newest weeks when short of room
	for _, wk := range weeks[start:] {
		mark := ""
		if wk.Partial() {
			mark = "*"
		}
		lines = append(lines, fit(fmt.Sprintf("%-10s %8d %8s %10s %10s %10s %8s", wk.Start.Format("Jan 02")+mark, wk.Deployments, pctOrDash(wk.ChangeFailRate),
			durOrDash(wk.LeadTime), durOrDash(wk.FailedDeploymentRecovery), durOrDash(wk.MTTR), pctOrDash(wk.ReworkRate)), w))
	}
	return lines
}

func missingNote(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s", n, what)
}

func pctOrDash(r model.Ratio) string {
	p, ok := r.Percent()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", p)
}

func durOrDash(d model.Distribution) string {
	if !d.Valid() {
		return "—"
	}
	return model.FormatDurationShort(d.Median)
}

func bucketStyle(st Styles, b model.Bucket) lipglossStyle {
	switch {
	case b.Rank <= 1:
		return st.OK
	case b.Rank == 2:
		return st.Accent
	case b.Rank*2 <= b.Of:
		return st.Warn
	}
	return st.Danger
}

// sparkline draws values as block characters scaled to the largest.
func sparkline(vals []float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	peak := 0.0
	for _, v := range vals {
		peak = max(peak, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if peak > 0 {
			i = int(v / peak * 7)
		}
		b.WriteRune([]rune(bars)[max(min(i, 7), 0)])
	}
	return b.String()
}

// leadValue is the median lead time with its unit: "4h10m per commit".
func leadValue(mm model.Metrics) string {
	if !mm.LeadTime.Valid() {
		return "n/a (no commit times)"
	}
	return model.FormatDurationShort(mm.LeadTime.Median) + " per " + model.LeadTimeUnit
}

// leadNote is the lead time row's second line: the p90 and what was left
// out, in the words the CLI uses.
func leadNote(mm model.Metrics) string {
	var parts []string
	if mm.LeadTime.Valid() {
		b := mm.LeadTimeBasis
		parts = append(parts, fmt.Sprintf("median of %d commits in %d deploys", b.Changes, b.Deployments))
	}
	if n := mm.LeadTimeBasis.WithoutCommitList; n > 0 {
		parts = append(parts, fmt.Sprintf("%d no commit list", n))
	}
	if n := mm.LeadTime.Missing; n > 0 {
		parts = append(parts, fmt.Sprintf("%d without commit time", n))
	}
	if mm.LeadTime.Valid() {
		parts = append(parts, "p90 "+model.FormatDurationShort(mm.LeadTime.P90))
	}
	return strings.Join(parts, " · ")
}
