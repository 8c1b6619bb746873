package cli

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/model"
)

func newMetricsCmd(a *app) *cobra.Command {
	var since, until, service, env string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "metrics [--since 30d] [--until now] [--service S] [--env E] [--json]",
		Short: "Delivery metrics (DORA) over a window, with buckets and a weekly trend",
		Long: "Print DORA's delivery metrics for the window [--since, --until) (default: the last 30 days): deployment\n" +
			"frequency, change lead time (per commit: each commit a deployment shipped → its completion,\n" +
			"median over commits; deployments without a commit time are\n" +
			"counted as missing), change fail rate (rolled back, or linked to a SEV1/SEV2), failed\n" +
			"deployment recovery time, time to restore (MTTR, incident open → resolved) and deployment\n" +
			"rework rate (deployments marked as a hotfix) — each with its DORA performance bucket — and\n" +
			"a weekly trend. A deployment counts in the window it finished in. The numbers are the\n" +
			"dashboard's (M). --since takes 30d, 12w, 1y or any time; --until any time (default now).\n" +
			"Times: " + model.TimeForms + "; without a zone, the local zone (TZ).\n" +
			"--json prints one object with snake_case keys, durations in seconds and RFC 3339 UTC times.",
		Example: "  flightdeck metrics\n  flightdeck metrics --since 90d --service checkout-api\n  flightdeck metrics --since 2026-01-01 --json\n  flightdeck metrics --since '2026-11-01 00:00 Z' --until '2026-12-01 00:00 Z'",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := a.now().Round(0).UTC().Truncate(time.Millisecond)
			from, err := model.ParseSince(since, now, time.Local)
			if err != nil {
				return usagef("--since: %v", err)
			}
			to, err := model.ParseUntil(until, now, time.Local)
			if err != nil {
				return usagef("--until: %v", err)
			}
			if !to.After(from) {
				return usagef("--until %s is not after --since %s: the window [since, until) would be empty",
					to.Format("2006-01-02 15:04:05 MST"), from.Format("2006-01-02 15:04:05 MST"))
			}
			w := model.MetricsWindow{From: from, To: to.Truncate(time.Millisecond), Service: strings.TrimSpace(service), Environment: strings.TrimSpace(env)}
			ctx := cmd.Context()
			s, err := a.openRead(ctx)
			if err != nil {
				return err
			}
			m, err := s.Metrics(ctx, w)
			if err != nil {
				return cliError(err)
			}
			if asJSON {
				return writeMetricsJSON(a.stdout, newMetricsJSON(m))
			}
			if w.Service != "" && m.Deployments == 0 && m.ChangeFailRate.Den == 0 {
				if all, err := s.Services(ctx); err == nil && !containsFold(all, w.Service) {
					fmt.Fprintf(a.stderr, "note: no deployment of %q was ever recorded (services: %s)\n", w.Service, strings.Join(all, ", "))
				}
			}
			writeMetricsText(a.stdout, m)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", model.DefaultMetricsSince, "start of the window: 30d, 12w, 1y, a date (2026-01-01) or any time")
	f.StringVar(&until, "until", "now", "end of the window (not included): a date (2026-12-01) or any time")
	f.StringVar(&service, "service", "", "one service (default: all)")
	f.StringVar(&env, "env", model.DefaultEnvironment, "environment counted (DORA counts production)")
	f.BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

func containsFold(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// durShort is a duration for a table cell, or "—".
func durShort(d model.Distribution, v time.Duration) string {
	if !d.Valid() {
		return "—"
	}
	return model.FormatDurationShort(v)
}

func metricsScope(w model.MetricsWindow) string {
	svc := "all services"
	if w.Service != "" {
		svc = model.SanitizeLine(w.Service)
	}
	days := w.To.Sub(w.From).Hours() / 24
	return fmt.Sprintf("%s, %s, %s → %s UTC (%s days)", svc, model.SanitizeLine(w.Env()),
		w.From.UTC().Format("2006-01-02 15:04"), w.To.UTC().Format("2006-01-02 15:04"), trimFloat(days, 1))
}

// trimFloat prints f with at most prec decimals, without trailing zeros.
func trimFloat(f float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, f)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// trimmedTable is a tabwriter whose output loses the padding after the
// last cell of each line.
type trimmedTable struct {
	*tabwriter.Writer
	buf bytes.Buffer
	out io.Writer
}

func newTable(out io.Writer) *trimmedTable {
	t := &trimmedTable{out: out}
	t.Writer = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *trimmedTable) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(t.out, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	t.buf.Reset()
	return nil
}

func writeMetricsText(out io.Writer, m model.Metrics) {
	fmt.Fprintf(out, "Delivery metrics — %s\n\n", metricsScope(m.Window))
	tw := newTable(out)
	row := func(name, value, bucket string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", name, value, bucket) }
	more := func(value string) { fmt.Fprintf(tw, "\t%s\t\n", value) }
	fmt.Fprintln(tw, "METRIC\tVALUE\tDORA BUCKET")

	f := m.DeploymentFrequency
	row("Deployment frequency", fmt.Sprintf("%s/week, %s/day (%d completed, on %d of %s days)",
		trimFloat(f.PerWeek, 1), trimFloat(f.PerDay, 2), m.Deployments, f.DaysWithDeployments, trimFloat(f.Days, 1)), f.Bucket.Label)

	row("Change lead time", m.LeadTimeSummary(), m.LeadTimeBucket.Label)
	if m.LeadTime.Valid() {
		more(fmt.Sprintf("p90 %s", model.FormatDurationShort(m.LeadTime.P90)))
	}
	if b := m.LeadTimeBasis; b.WithoutCommitList > 0 {
		more(fmt.Sprintf("%s without commit data counted by their one commit time", plural(b.WithoutCommitList, "deployment", "deployments")))
	}
	if b := m.LeadTimeBasis; b.SkippedCommits > 0 {
		more(fmt.Sprintf("%s committed after its deployment completed (not counted)", plural(b.SkippedCommits, "commit", "commits")))
	}
	if m.LeadTime.Missing > 0 {
		more(fmt.Sprintf("%s without a commit time (not counted)", plural(m.LeadTime.Missing, "deployment", "deployments")))
	}

	cfr := m.ChangeFailBucket.Label
	if m.ChangeFailBucket.Valid() {
		cfr += " (Four Keys scale)"
	}
	row("Change fail rate", m.ChangeFailRate.String(), cfr)
	if n := len(m.Failures); n > 0 {
		rolled := 0
		for _, f := range m.Failures {
			if f.RolledBack {
				rolled++
			}
		}
		more(fmt.Sprintf("%d rolled back, %d with a SEV1/SEV2 only", rolled, n-rolled))
	}

	row("Failed deployment recovery", m.FailedDeploymentRecovery.String(), m.FailedDeploymentRecoveryBucket.Label)
	if n := m.FailedDeploymentRecovery.Missing; n > 0 {
		more(fmt.Sprintf("%s not recovered yet", plural(n, "failed deployment", "failed deployments")))
	}

	row("Time to restore (MTTR)", m.MTTR.String(), m.MTTRBucket.Label)
	if m.MTTRMajor.Valid() || m.MTTRMajor.Missing > 0 {
		more("SEV1/SEV2 only: " + m.MTTRMajor.String())
	}
	if n := m.MTTR.Missing; n > 0 {
		more(fmt.Sprintf("%s still open at the window's end (not counted)", plural(n, "incident", "incidents")))
	}

	row("Deployment rework rate", m.ReworkRate.String(), m.ReworkBucket.Label)
	_ = tw.Flush()

	fmt.Fprintf(out, "\nBuckets: %s.\nChange fail rate: %s.\nRework rate: %s.\n",
		model.ScaleQuickCheck, model.ScaleFourKeysCFR, model.ScaleNoDORABucket)

	if len(m.Weekly) == 0 {
		return
	}
	fmt.Fprintln(out, "\nWeekly trend (weeks start Monday 00:00 UTC; * the window cuts the week short)")
	tw = newTable(out)
	fmt.Fprintln(tw, "WEEK OF\tDEPLOYS\tCHANGE FAIL\tREWORK\tLEAD TIME\tRECOVERY\tMTTR\t")
	for _, wk := range m.Weekly {
		mark := ""
		if wk.Partial() {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", wk.Start.Format("2006-01-02"), mark, wk.Deployments,
			ratioShort(wk.ChangeFailRate), ratioShort(wk.ReworkRate), durShort(wk.LeadTime, wk.LeadTime.Median),
			durShort(wk.FailedDeploymentRecovery, wk.FailedDeploymentRecovery.Median), durShort(wk.MTTR, wk.MTTR.Median), bar(wk.Deployments, m.Weekly))
	}
	_ = tw.Flush()
}

// ratioShort is "8% (4/48)" or "—".
func ratioShort(r model.Ratio) string {
	pct, ok := r.Percent()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%s%% (%d/%d)", trimFloat(pct, 0), r.Num, r.Den)
}

// bar draws a week's deployments against the busiest week, in up to 20
// cells: a trend visible without colour.
func bar(n int, weeks []model.WeekStats) string {
	most := 0
	for _, w := range weeks {
		most = max(most, w.Deployments)
	}
	if most == 0 || n == 0 {
		return ""
	}
	return strings.Repeat("▇", max(1, int(math.Round(20*float64(n)/float64(most)))))
}

// The stable shape of `metrics --json`.

type metricsJSON struct {
	Window               windowJSON       `json:"window"`
	DeploymentFrequency  frequencyJSON    `json:"deployment_frequency"`
	LeadTime             leadTimeJSON     `json:"lead_time"`
	ChangeFailRate       ratioJSON        `json:"change_fail_rate"`
	Failures             []failureJSON    `json:"failures"`
	FailedDeployRecovery distributionJSON `json:"failed_deployment_recovery_time"`
	MTTR                 distributionJSON `json:"mttr"`
	MTTRMajor            distributionJSON `json:"mttr_sev1_sev2"`
	ReworkRate           ratioJSON        `json:"rework_rate"`
	Hotfixes             []int64          `json:"hotfix_deployment_ids"`
	Weekly               []weekJSON       `json:"weekly"`
}

type windowJSON struct {
	From        jsonTime `json:"from"`
	To          jsonTime `json:"to"`
	Days        float64  `json:"days"`
	Service     *string  `json:"service"` // null: every service
	Environment string   `json:"environment"`
}

type bucketJSON struct {
	Label string `json:"label"`
	Rank  *int   `json:"rank"` // 1 = best; null when there is no bucket
	Of    int    `json:"of"`
	Scale string `json:"scale"`
}

type frequencyJSON struct {
	Deployments         int        `json:"deployments"` // completed in the window
	PerDay              float64    `json:"per_day"`
	PerWeek             float64    `json:"per_week"`
	DaysWithDeployments int        `json:"days_with_deployments"`
	Bucket              bucketJSON `json:"bucket"`
}

// distributionJSON: durations in seconds, null without samples. missing
// counts what was left out (see the metric).
type distributionJSON struct {
	N             int         `json:"n"`
	MedianSeconds *int64      `json:"median_seconds"`
	P90Seconds    *int64      `json:"p90_seconds"`
	MeanSeconds   *int64      `json:"mean_seconds"`
	MinSeconds    *int64      `json:"min_seconds"`
	MaxSeconds    *int64      `json:"max_seconds"`
	Missing       int         `json:"missing"`
	Bucket        *bucketJSON `json:"bucket,omitempty"`
}

// leadTimeJSON is the lead time distribution, one sample per commit, with
// what the samples are: unit "commit", changes (= n), the completed
// deployments they came from, how many of those had no commit list and
// counted their one committed_at, and commits left out for being committed
// after their deployment completed.
type leadTimeJSON struct {
	distributionJSON
	Unit                          string `json:"unit"`
	Changes                       int    `json:"changes"`
	Deployments                   int    `json:"deployments"`
	DeploymentsWithoutCommitData  int    `json:"deployments_without_commit_data"`
	CommitsAfterCompletionSkipped int    `json:"commits_after_completion_skipped"`
}

type ratioJSON struct {
	Num     int         `json:"num"`
	Den     int         `json:"den"`
	Percent *float64    `json:"percent"` // null when den is 0
	Bucket  *bucketJSON `json:"bucket,omitempty"`
}

type failureJSON struct {
	DeploymentID int64    `json:"deployment_id"`
	Service      string   `json:"service"`
	RolledBack   bool     `json:"rolled_back"`
	Incidents    []int64  `json:"incidents"`
	Start        jsonTime `json:"start"`
	RecoveredAt  jsonTime `json:"recovered_at"`
}

type weekJSON struct {
	Start                    jsonTime         `json:"start"`
	From                     jsonTime         `json:"from"`
	To                       jsonTime         `json:"to"`
	Partial                  bool             `json:"partial"`
	Deployments              int              `json:"deployments"`
	ChangeFailRate           ratioJSON        `json:"change_fail_rate"`
	ReworkRate               ratioJSON        `json:"rework_rate"`
	LeadTime                 distributionJSON `json:"lead_time"`
	FailedDeploymentRecovery distributionJSON `json:"failed_deployment_recovery_time"`
	MTTR                     distributionJSON `json:"mttr"`
}

func newBucketJSON(b model.Bucket) *bucketJSON {
	out := &bucketJSON{Label: b.Label, Of: b.Of, Scale: b.Scale}
	if b.Valid() {
		r := b.Rank
		out.Rank = &r
	}
	return out
}

func newDistributionJSON(d model.Distribution, b *model.Bucket) distributionJSON {
	out := distributionJSON{N: d.N, Missing: d.Missing}
	if d.Valid() {
		secs := func(v time.Duration) *int64 { s := int64(math.Round(v.Seconds())); return &s }
		out.MedianSeconds, out.P90Seconds, out.MeanSeconds = secs(d.Median), secs(d.P90), secs(d.Mean)
		out.MinSeconds, out.MaxSeconds = secs(d.Min), secs(d.Max)
	}
	if b != nil {
		out.Bucket = newBucketJSON(*b)
	}
	return out
}

func newRatioJSON(r model.Ratio, b *model.Bucket) ratioJSON {
	out := ratioJSON{Num: r.Num, Den: r.Den}
	if pct, ok := r.Percent(); ok {
		p := math.Round(pct*100) / 100
		out.Percent = &p
	}
	if b != nil {
		out.Bucket = newBucketJSON(*b)
	}
	return out
}

func newMetricsJSON(m model.Metrics) metricsJSON {
	w := m.Window
	out := metricsJSON{
		Window: windowJSON{From: jsonTime(w.From), To: jsonTime(w.To), Days: math.Round(w.To.Sub(w.From).Hours()/24*1000) / 1000,
			Environment: w.Env()},
		DeploymentFrequency: frequencyJSON{Deployments: m.Deployments, PerDay: math.Round(m.DeploymentFrequency.PerDay*1000) / 1000,
			PerWeek: math.Round(m.DeploymentFrequency.PerWeek*1000) / 1000, DaysWithDeployments: m.DeploymentFrequency.DaysWithDeployments,
			Bucket: *newBucketJSON(m.DeploymentFrequency.Bucket)},
		LeadTime: leadTimeJSON{distributionJSON: newDistributionJSON(m.LeadTime, &m.LeadTimeBucket), Unit: model.LeadTimeUnit,
			Changes: m.LeadTimeBasis.Changes, Deployments: m.LeadTimeBasis.Deployments,
			DeploymentsWithoutCommitData: m.LeadTimeBasis.WithoutCommitList, CommitsAfterCompletionSkipped: m.LeadTimeBasis.SkippedCommits},
		ChangeFailRate:       newRatioJSON(m.ChangeFailRate, &m.ChangeFailBucket),
		Failures:             []failureJSON{},
		FailedDeployRecovery: newDistributionJSON(m.FailedDeploymentRecovery, &m.FailedDeploymentRecoveryBucket),
		MTTR:                 newDistributionJSON(m.MTTR, &m.MTTRBucket),
		MTTRMajor:            newDistributionJSON(m.MTTRMajor, nil),
		ReworkRate:           newRatioJSON(m.ReworkRate, &m.ReworkBucket),
		Hotfixes:             append([]int64{}, m.Hotfixes...),
		Weekly:               []weekJSON{},
	}
	if s := strings.TrimSpace(w.Service); s != "" {
		out.Window.Service = &s
	}
	for _, f := range m.Failures {
		out.Failures = append(out.Failures, failureJSON{DeploymentID: f.DeploymentID, Service: f.Service, RolledBack: f.RolledBack,
			Incidents: append([]int64{}, f.Incidents...), Start: jsonTime(f.Start), RecoveredAt: jsonTime(f.RecoveredAt)})
	}
	for _, wk := range m.Weekly {
		out.Weekly = append(out.Weekly, weekJSON{Start: jsonTime(wk.Start), From: jsonTime(wk.From), To: jsonTime(wk.To),
			Partial: wk.Partial(), Deployments: wk.Deployments,
			ChangeFailRate: newRatioJSON(wk.ChangeFailRate, nil), ReworkRate: newRatioJSON(wk.ReworkRate, nil),
			LeadTime: newDistributionJSON(wk.LeadTime, nil), FailedDeploymentRecovery: newDistributionJSON(wk.FailedDeploymentRecovery, nil),
			MTTR: newDistributionJSON(wk.MTTR, nil)})
	}
	return out
}
