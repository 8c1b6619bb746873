package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Health is the latest error-rate reading of a deployment against its
// baseline, in percent (0-100).
type Health struct {
	BaselineErrorRate float64
	ErrorRate         float64
	Has               bool // a current error rate has been recorded
	At                time.Time
	// ProbeFailingSince is the first metrics-probe failure after this reading
	// (zero when the probe has not failed since): health is unknown then.
	ProbeFailingSince time.Time
	// ProbeFailures counts the probe's failed readings since then (0 when
	// not counted) and ProbeReason is the latest one's reason.
	ProbeFailures int
	ProbeReason   string
}

// Validate rejects readings that are not percentages, so a bad probe cannot
// silently decide a rollback.
func (h Health) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"error rate", h.ErrorRate}, {"baseline error rate", h.BaselineErrorRate}} {
		if err := checkPercent(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}

// Rollback rule kinds: how far above baseline the error rate may go.
const (
	RuleKindPoints   = "points"   // percentage points: 1.1% → 6.2% is 5.1 points
	RuleKindRelative = "relative" // percent of baseline: 2% → 3.1% is 55% above
)

// healthEps absorbs float noise (6.1 - 1.1 is not exactly 5), so "exactly at
// the threshold" is reliably not met: the rule says "more than".
const healthEps = 1e-9

// RollbackRule decides when the error rate alone meets the rollback criteria.
// The zero value is the default rule; an empty Kind means points.
type RollbackRule struct {
	Kind      string // RuleKindPoints or RuleKindRelative
	Threshold float64
}

// DefaultRollbackRule is DESIGN §1's reading of the seed's "error rates exceed
// 5% increase from baseline": more than 5 percentage points above baseline.
func DefaultRollbackRule() RollbackRule {
	return RollbackRule{Kind: RuleKindPoints, Threshold: 5}
}

func (r RollbackRule) orDefault() RollbackRule {
	if r == (RollbackRule{}) {
		return DefaultRollbackRule()
	}
	if r.Kind == "" {
		r.Kind = RuleKindPoints
	}
	return r
}

// Validate rejects rules that cannot be evaluated.
func (r RollbackRule) Validate() error {
	r = r.orDefault()
	if r.Kind != RuleKindPoints && r.Kind != RuleKindRelative {
		return fmt.Errorf("unknown rollback rule kind %q: use %s or %s", r.Kind, RuleKindPoints, RuleKindRelative)
	}
	if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) || r.Threshold < 0 {
		return fmt.Errorf("rollback rule threshold %v is not a non-negative number", r.Threshold)
	}
	return nil
}

// String states the rule the way the banner quotes it.
func (r RollbackRule) String() string {
	r = r.orDefault()
	t := healthNum(r.Threshold, 2)
	if r.Kind == RuleKindRelative {
		return fmt.Sprintf("more than %s%% above baseline", t)
	}
	unit := "points"
	if t == "1" {
		unit = "point"
	}
	return fmt.Sprintf("more than %s %s above baseline", t, unit)
}

// Evaluate reports whether h meets the rule, with an explanation that states
// the numbers and the rule, so nobody rolls back (or does not) on a colour.
func (r RollbackRule) Evaluate(h Health) (met bool, explanation string) {
	r = r.orDefault()
	if err := r.Validate(); err != nil {
		return false, err.Error()
	}
	rule := " (rule: " + r.String() + ")"
	if !h.Has {
		return false, "no error rate recorded yet" + rule
	}
	if err := h.Validate(); err != nil {
		return false, err.Error() + rule
	}
	if r.Kind == RuleKindRelative {
		met, why := r.relative(h)
		return met, why + rule
	}
	met, why := r.points(h)
	return met, why + rule
}

func (r RollbackRule) points(h Health) (bool, string) {
	diff := h.ErrorRate - h.BaselineErrorRate
	met := diff-r.Threshold > healthEps
	return met, fmt.Sprintf("error rate %s%% %s baseline %s%%",
		healthNum(h.ErrorRate, 3), compared(diff, r.Threshold, " points", 2), healthNum(h.BaselineErrorRate, 3))
}

// relative treats any rise from a 0% baseline as infinitely far above it.
func (r RollbackRule) relative(h Health) (bool, string) {
	diff := h.ErrorRate - h.BaselineErrorRate
	cur, base := healthNum(h.ErrorRate, 3), healthNum(h.BaselineErrorRate, 3)
	if h.BaselineErrorRate <= healthEps {
		if diff > healthEps {
			return true, fmt.Sprintf("error rate %s%% is above a baseline of 0%%, which any rise exceeds", cur)
		}
		return false, fmt.Sprintf("error rate %s%% equals baseline %s%%", cur, base)
	}
	pct := diff / h.BaselineErrorRate * 100
	met := pct-r.Threshold > healthEps
	return met, fmt.Sprintf("error rate %s%% %s baseline %s%%", cur, compared(pct, r.Threshold, "%", 1), base)
}

// compared words a signed difference: "is 6.1 points above", "is 0.6 points
// below", "equals". Near the threshold it shows more decimals, so a met rule
// never reads "5 points above (rule: more than 5)".
func compared(diff, threshold float64, unit string, decimals int) string {
	if math.Abs(diff) <= healthEps {
		return "equals"
	}
	for decimals < 6 && math.Abs(diff-threshold) > healthEps && healthNum(diff, decimals) == healthNum(threshold, decimals) {
		decimals++
	}
	dir := "above"
	if diff < 0 {
		dir = "below"
	}
	n := healthNum(math.Abs(diff), decimals)
	if unit == " points" && n == "1" {
		unit = " point"
	}
	return fmt.Sprintf("is %s%s %s", n, unit, dir)
}

// healthNum prints x with at most `decimals` decimals and no trailing zeros.
func healthNum(x float64, decimals int) string {
	p := math.Pow10(decimals)
	v := math.Round(x*p) / p
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Criterion is one of the seed's "When to Rollback" criteria.
type Criterion string

// The seed's rollback criteria. Error rate is evaluated from Health by a
// RollbackRule; any of them can also be declared by a person.
const (
	CriterionErrorRate      Criterion = "error-rate"
	CriterionCriticalBroken Criterion = "critical-functionality-broken"
	CriterionSecurity       Criterion = "security-vulnerability"
	CriterionPerformance    Criterion = "performance-degradation"
)

// Criteria lists every criterion in the seed's order.
var Criteria = []Criterion{CriterionErrorRate, CriterionCriticalBroken, CriterionSecurity, CriterionPerformance}

// Label is the criterion in the seed's words.
func (c Criterion) Label() string {
	switch c {
	case CriterionErrorRate:
		return "Error rates exceed 5% increase from baseline"
	case CriterionCriticalBroken:
		return "Critical functionality is broken"
	case CriterionSecurity:
		return "Security vulnerability discovered in deployed version"
	case CriterionPerformance:
		return "Performance degradation affects customer experience"
	}
	return string(c)
}

// ParseCriterion accepts a criterion name, forgiving case and "_"/" " for
// "-", or its first word ("error", "critical", "security", "performance"),
// which is what people type under pressure.
func ParseCriterion(s string) (Criterion, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	norm = strings.NewReplacer("_", "-", " ", "-").Replace(norm)
	if norm != "" {
		for _, c := range Criteria {
			first, _, _ := strings.Cut(string(c), "-")
			if norm == string(c) || norm == first {
				return c, nil
			}
		}
	}
	names := make([]string, len(Criteria))
	for i, c := range Criteria {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown rollback criterion %q: use one of %s", s, strings.Join(names, ", "))
}

// Declaration is a person stating that a rollback criterion is met. It has
// the same effect as the error-rate rule being met.
type Declaration struct {
	Criterion Criterion
	Reason    string
	By        string
	At        time.Time
	// Latched marks a breach of the error-rate rule that a reading made: it
	// stays until cleared with a reason, whatever later readings say.
	Latched bool
}

// ErrDeclarationReason is returned when a criterion is declared without a reason.
var ErrDeclarationReason = errors.New("declaring a rollback criterion needs a reason: say what you saw")

// Declare validates a declaration: a known criterion and a reason.
func Declare(c Criterion, reason, by string, at time.Time) (Declaration, error) {
	c, err := ParseCriterion(string(c))
	if err != nil {
		return Declaration{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Declaration{}, ErrDeclarationReason
	}
	return Declaration{Criterion: c, Reason: reason, By: strings.TrimSpace(by), At: at.UTC()}, nil
}

// String is the banner line for a declaration.
func (d Declaration) String() string {
	if d.Latched {
		return fmt.Sprintf("%s at %s UTC (latched until cleared with a reason)", d.Reason, textClock(d.At))
	}
	if d.By == "" {
		return fmt.Sprintf("%s: %s", d.Criterion.Label(), d.Reason)
	}
	return fmt.Sprintf("%s (declared by %s): %s", d.Criterion.Label(), d.By, d.Reason)
}

// CriteriaMet combines the error-rate rule and declared criteria: met when
// either says so, with one line per reason for the banner.
func CriteriaMet(rule RollbackRule, h Health, declared []Declaration) (bool, []string) {
	var why []string
	latched := false
	for _, d := range declared {
		latched = latched || d.Latched
	}
	// A latched breach already says the rule was met; the current reading
	// is on the health line.
	if met, expl := rule.Evaluate(h); met && !latched {
		why = append(why, expl)
	}
	for _, d := range declared {
		why = append(why, d.String())
	}
	return len(why) > 0, why
}

// ParsePercent reads a percentage typed by a person: "7.2" or "7.2%".
func ParsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	if t == "" {
		return 0, errors.New("percentage is empty: give a number such as 7.2 or 7.2%")
	}
	if strings.Contains(t, ",") {
		return 0, fmt.Errorf("%q is not a percentage: use a decimal point, e.g. 7.2", s)
	}
	if strings.IndexFunc(t, func(r rune) bool { return !strings.ContainsRune("0123456789.+-eE", r) }) >= 0 {
		return 0, fmt.Errorf("%q is not a percentage: give a number such as 7.2 or 7.2%%", s)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage: give a number such as 7.2 or 7.2%%", s)
	}
	if err := checkPercent("percentage "+strconv.Quote(s), v); err != nil {
		return 0, err
	}
	return v, nil
}

func checkPercent(name string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%s is not a number: give a value from 0 to 100", name)
	case v < 0:
		return fmt.Errorf("%s is negative: give a value from 0 to 100", name)
	case v > 100:
		return fmt.Errorf("%s is above 100: give a value from 0 to 100", name)
	}
	return nil
}
