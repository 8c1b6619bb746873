package model

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestRollbackRuleEvaluate(t *testing.T) {
	points := DefaultRollbackRule()
	rel := RollbackRule{Kind: RuleKindRelative, Threshold: 50}
	h := func(base, cur float64) Health { return Health{BaselineErrorRate: base, ErrorRate: cur, Has: true} }
	cases := []struct {
		name string
		rule RollbackRule
		h    Health
		met  bool
		expl string
	}{
		{"points met", points, h(1.1, 7.2), true, "error rate 7.2% is 6.1 points above baseline 1.1% (rule: more than 5 points above baseline)"},
		{"points exactly 5 is not more than 5", points, h(1.1, 6.1), false, "error rate 6.1% is 5 points above baseline 1.1% (rule: more than 5 points above baseline)"},
		{"points exactly 5 (other floats)", points, h(2.3, 7.3), false, "is 5 points above"},
		{"points just over", points, h(1, 6.001), true, "error rate 6.001% is 5.001 points above baseline 1%"},
		{"points below baseline", points, h(1.1, 0.5), false, "error rate 0.5% is 0.6 points below baseline 1.1%"},
		{"points equal", points, h(2, 2), false, "error rate 2% equals baseline 2%"},
		{"points one", RollbackRule{Kind: RuleKindPoints, Threshold: 1}, h(1, 2), false, "is 1 point above baseline 1% (rule: more than 1 point above baseline)"},
		{"points from zero baseline", points, h(0, 5.5), true, "5.5 points above baseline 0%"},
		{"zero rule is the default", RollbackRule{}, h(1.1, 7.2), true, "(rule: more than 5 points above baseline)"},
		{"relative met", rel, h(2, 3.1), true, "error rate 3.1% is 55% above baseline 2% (rule: more than 50% above baseline)"},
		{"relative exactly 50", rel, h(2, 3), false, "error rate 3% is 50% above baseline 2%"},
		{"relative 10% of 1.1 (float noise)", RollbackRule{Kind: RuleKindRelative, Threshold: 10}, h(1.1, 1.21), false, "is 10% above"},
		{"relative just over", rel, h(2, 3.001), true, "error rate 3.001% is 50.1% above"},
		{"relative below", rel, h(2, 1), false, "is 50% below baseline 2%"},
		{"relative zero baseline rise", rel, h(0, 0.4), true, "error rate 0.4% is above a baseline of 0%, which any rise exceeds"},
		{"relative zero baseline flat", rel, h(0, 0), false, "equals baseline 0%"},
		{"nothing recorded", points, Health{}, false, "no error rate recorded yet (rule: more than 5 points above baseline)"},
		{"bad reading", points, h(1, math.NaN()), false, "error rate is not a number"},
		{"bad rule kind", RollbackRule{Kind: "ratio", Threshold: 2}, h(1, 50), false, `unknown rollback rule kind "ratio"`},
		{"negative threshold", RollbackRule{Kind: RuleKindPoints, Threshold: -1}, h(1, 50), false, "not a non-negative number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			met, expl := c.rule.Evaluate(c.h)
			if met != c.met || !strings.Contains(expl, c.expl) {
				t.Errorf("Evaluate = %v, %q; want %v, containing %q", met, expl, c.met, c.expl)
			}
		})
	}
}

func TestRollbackRuleString(t *testing.T) {
	cases := map[string]RollbackRule{
		"more than 5 points above baseline":   DefaultRollbackRule(),
		"more than 2.5 points above baseline": {Kind: RuleKindPoints, Threshold: 2.5},
		"more than 1 point above baseline":    {Threshold: 1},
		"more than 50% above baseline":        {Kind: RuleKindRelative, Threshold: 50},
	}
	for want, r := range cases {
		if got := r.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", r, got, want)
		}
	}
	if err := (RollbackRule{Kind: RuleKindRelative, Threshold: math.Inf(1)}).Validate(); err == nil {
		t.Error("infinite threshold accepted")
	}
}

func TestParsePercent(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		err  string
	}{
		{"7.2", 7.2, ""},
		{"7.2%", 7.2, ""},
		{" 7.2 % ", 7.2, ""},
		{"0", 0, ""},
		{"100", 100, ""},
		{".5", 0.5, ""},
		{"", 0, "percentage is empty"},
		{"%", 0, "percentage is empty"},
		{"-1", 0, `percentage "-1" is negative: give a value from 0 to 100`},
		{"100.1", 0, "is above 100"},
		{"NaN", 0, `"NaN" is not a percentage`},
		{"inf", 0, "is not a percentage"},
		{"1e999", 0, "is not a percentage"},
		{"7,2", 0, "use a decimal point"},
		{"seven", 0, "is not a percentage: give a number such as 7.2 or 7.2%"},
		{"7.2%%", 0, "is not a percentage"},
		{"0x1p-2", 0, "is not a percentage"},
	}
	for _, c := range cases {
		got, err := ParsePercent(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParsePercent(%q) = %v, %v; want error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestCriteria(t *testing.T) {
	labels := map[Criterion]string{
		CriterionErrorRate:      "Error rates exceed 5% increase from baseline",
		CriterionCriticalBroken: "Critical functionality is broken",
		CriterionSecurity:       "Security vulnerability discovered in deployed version",
		CriterionPerformance:    "Performance degradation affects customer experience",
	}
	if len(Criteria) != len(labels) {
		t.Fatalf("Criteria = %v", Criteria)
	}
	for _, c := range Criteria {
		if c.Label() != labels[c] {
			t.Errorf("%s.Label() = %q", c, c.Label())
		}
	}
	parse := map[string]Criterion{
		"error-rate":                     CriterionErrorRate,
		" Critical Functionality Broken": CriterionCriticalBroken,
		"security":                       CriterionSecurity,
		"PERFORMANCE_DEGRADATION":        CriterionPerformance,
	}
	for in, want := range parse {
		if got, err := ParseCriterion(in); err != nil || got != want {
			t.Errorf("ParseCriterion(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "vibes"} {
		_, err := ParseCriterion(in)
		wantErr(t, err, "use one of error-rate, critical-functionality-broken, security-vulnerability, performance-degradation")
	}
}

func TestDeclareAndCriteriaMet(t *testing.T) {
	at := time.Date(2026, 11, 25, 14, 0, 0, 0, time.FixedZone("CET", 3600))
	_, err := Declare(CriterionCriticalBroken, "  ", "ana", at)
	if !errors.Is(err, ErrDeclarationReason) {
		t.Errorf("no reason: %v", err)
	}
	_, err = Declare("vibes", "bad", "ana", at)
	wantErr(t, err, "unknown rollback criterion")
	d, err := Declare("critical", " checkout returns 500 ", "ana", at)
	if err != nil || d.Criterion != CriterionCriticalBroken || d.Reason != "checkout returns 500" || d.At.Location() != time.UTC {
		t.Fatalf("Declare = %+v, %v", d, err)
	}
	if got := d.String(); got != "Critical functionality is broken (declared by ana): checkout returns 500" {
		t.Errorf("String = %q", got)
	}

	healthy := Health{BaselineErrorRate: 1, ErrorRate: 2, Has: true}
	if met, why := CriteriaMet(DefaultRollbackRule(), healthy, nil); met || why != nil {
		t.Errorf("healthy: %v %v", met, why)
	}
	met, why := CriteriaMet(DefaultRollbackRule(), healthy, []Declaration{d})
	if !met || len(why) != 1 || !strings.Contains(why[0], "checkout") {
		t.Errorf("declared: %v %v", met, why)
	}
	bad := Health{BaselineErrorRate: 1, ErrorRate: 9, Has: true}
	met, why = CriteriaMet(RollbackRule{}, bad, []Declaration{d})
	if !met || len(why) != 2 || !strings.HasPrefix(why[0], "error rate 9% is 8 points above") {
		t.Errorf("both: %v %v", met, why)
	}
}
