package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// incT0 is the fixed "opened at" of the incident tests (t0 in model_test.go
// is a different instant).
var incT0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// at is incT0 plus d.
func incAt(d time.Duration) time.Time { return incT0.Add(d) }

const incMin = time.Minute

func incOpen(id int64, sev Severity) Incident {
	return Incident{ID: id, Title: "checkout returns 500s", Severity: sev, Status: IncidentOpen, OpenedAt: incT0, OpenedBy: "alice"}
}

func TestSeverityWording(t *testing.T) {
	want := []struct {
		s                Severity
		label, name, def string
		major            bool
	}{
		{SEV1, "SEV1", "Critical", "Complete service outage or data loss", true},
		{SEV2, "SEV2", "High", "Major feature broken, significant user impact", true},
		{SEV3, "SEV3", "Medium", "Minor feature issue, workaround available", false},
		{SEV4, "SEV4", "Low", "Cosmetic issue or minor bug", false},
	}
	for _, w := range want {
		if w.s.Label() != w.label || w.s.Name() != w.name || w.s.Definition() != w.def || w.s.Major() != w.major || !w.s.Valid() {
			t.Errorf("%d: %q %q %q major=%v", int(w.s), w.s.Label(), w.s.Name(), w.s.Definition(), w.s.Major())
		}
	}
	if got := SEV1.Describe(); got != "SEV1 (Critical): Complete service outage or data loss" {
		t.Errorf("Describe = %q", got)
	}
	if Severity(0).Valid() || Severity(5).Valid() || Severity(5).Label() != "SEV?" {
		t.Error("out-of-range severities must be invalid")
	}
}

func TestParseSeverity(t *testing.T) {
	cases := []struct {
		in   string
		want Severity
		err  string
	}{
		{"1", SEV1, ""},
		{"sev1", SEV1, ""},
		{"SEV2", SEV2, ""},
		{"S3", SEV3, ""},
		{" sev-4 ", SEV4, ""},
		{"Sev 2", SEV2, ""},
		{"critical", SEV1, ""},
		{"LOW", SEV4, ""},
		{"0", 0, `severity "0" is outside 1–4`},
		{"5", 0, "outside 1–4"},
		{"sev12", 0, "outside 1–4"},
		// Issue 13 defect 9: "-1" read as SEV1 once every '-' was stripped.
		{"-1", 0, `severity "-1" is outside 1–4`},
		{"-2", 0, "outside 1–4"},
		{"sev-0", 0, "outside 1–4"},
		{"1-", 0, "unknown severity"},
		{"--1", 0, "unknown severity"},
		{"P1", 0, "unknown severity"},
		{"", 0, "severity is missing"},
	}
	for _, c := range cases {
		got, err := ParseSeverity(c.in)
		if got != c.want || (err == nil) != (c.err == "") {
			t.Errorf("ParseSeverity(%q) = %v, %v", c.in, got, err)
			continue
		}
		if err != nil && (!strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "SEV1 Critical")) {
			t.Errorf("ParseSeverity(%q) error %q: want %q and the choices", c.in, err, c.err)
		}
	}
}

func TestStatusTransitions(t *testing.T) {
	cases := []struct {
		from, to IncidentStatus
		ok       bool
	}{
		{IncidentOpen, IncidentMitigated, true},
		{IncidentOpen, IncidentResolved, true},
		{IncidentMitigated, IncidentResolved, true},
		{IncidentMitigated, IncidentOpen, true},
		{IncidentOpen, IncidentOpen, false},
		{IncidentResolved, IncidentOpen, false},
		{IncidentResolved, IncidentMitigated, false},
		{IncidentOpen, "closed", false},
	}
	for _, c := range cases {
		if err := c.from.CanBecome(c.to); (err == nil) != c.ok {
			t.Errorf("%s → %s: %v", c.from, c.to, err)
		}
	}

	inc := incOpen(7, SEV2)
	m, err := inc.Transition(IncidentMitigated, incAt(10*incMin))
	if err != nil || m.Status != IncidentMitigated || !m.MitigatedAt.Equal(incAt(10*incMin)) {
		t.Fatalf("mitigate: %+v %v", m, err)
	}
	if _, err := m.Transition(IncidentResolved, incAt(5*incMin)); err == nil {
		t.Error("resolving before the mitigation must fail")
	}
	r, err := m.Transition(IncidentResolved, incAt(30*incMin))
	if err != nil || !r.ResolvedAt.Equal(incAt(30*incMin)) {
		t.Fatalf("resolve: %v", err)
	}
	if _, err := r.Transition(IncidentOpen, incAt(40*incMin)); err == nil || !strings.Contains(err.Error(), "INC-7") || !strings.Contains(err.Error(), "final") {
		t.Errorf("reopening a resolved incident: %v", err)
	}
	o, err := m.Transition(IncidentOpen, incAt(20*incMin))
	if err != nil || o.Status != IncidentOpen || !o.MitigatedAt.IsZero() {
		t.Errorf("reopen after mitigation: %+v %v", o, err)
	}
	if _, err := inc.Transition(IncidentMitigated, incAt(-incMin)); err == nil {
		t.Error("mitigating before opening must fail")
	}
}

func TestNewIncident(t *testing.T) {
	long := strings.Repeat("é", MaxIncidentTitle)
	cases := []struct {
		n   NewIncident
		err string
	}{
		{NewIncident{Title: "  checkout 500s  ", Severity: SEV2}, ""},
		{NewIncident{Title: long, Severity: SEV4}, ""},
		{NewIncident{Title: long + "x", Severity: SEV4}, "title is 201 characters: keep it to 200"},
		{NewIncident{Title: "   ", Severity: SEV1}, "title is empty"},
		{NewIncident{Title: "a\nb", Severity: SEV1}, "control character"},
		{NewIncident{Title: "red \x1b[31m", Severity: SEV1}, "control character"},
		{NewIncident{Title: "bad \xff", Severity: SEV1}, "UTF-8"},
		{NewIncident{Title: "ok", Severity: 0}, "severity is missing"},
		{NewIncident{Title: "ok", Severity: 9}, "severity 9 is not valid"},
		{NewIncident{Title: "ok", Severity: SEV1, DeploymentID: -1}, "deployment id"},
	}
	for _, c := range cases {
		got, err := c.n.Normalize()
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Normalize(%q, %d) = %v, want %q", c.n.Title, c.n.Severity, err, c.err)
		}
		if err == nil && got.Title != strings.TrimSpace(c.n.Title) {
			t.Errorf("title not trimmed: %q", got.Title)
		}
	}

	inc, err := NewIncident{Title: "db down", Severity: SEV1, Security: true, DeploymentID: 4}.Open(" bob ", incT0)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != IncidentOpen || inc.OpenedBy != "bob" || !inc.OpenedAt.Equal(incT0) || !inc.SecurityAt.Equal(incT0) || inc.DeploymentID != 4 || inc.ID != 0 {
		t.Errorf("Open = %+v", inc)
	}
	if _, err := (NewIncident{Severity: SEV1}).Open("bob", incT0); err == nil {
		t.Error("Open must validate")
	}
}

func TestIncidentRef(t *testing.T) {
	if got := (Incident{ID: 7}).Ref(); got != "INC-7" {
		t.Errorf("Ref = %q", got)
	}
	for in, want := range map[string]int64{"INC-7": 7, "inc-12": 12, "#3": 3, "42": 42, " INC7 ": 7} {
		if got, err := ParseIncidentRef(in); err != nil || got != want {
			t.Errorf("ParseIncidentRef(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "INC-", "INC-0", "-3", "DEP-7", "7x"} {
		if _, err := ParseIncidentRef(in); err == nil || !strings.Contains(err.Error(), "INC-7") {
			t.Errorf("ParseIncidentRef(%q): %v", in, err)
		}
	}
}

func TestSetSeverityAndHistory(t *testing.T) {
	inc := incOpen(1, SEV3)
	raised, err := inc.SetSeverity(SEV2, "carol", incAt(40*incMin))
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.SeverityHistory) != 0 || inc.Severity != SEV3 {
		t.Error("SetSeverity modified its receiver")
	}
	want := []SeverityChange{{At: incAt(40 * incMin), From: SEV3, To: SEV2, By: "carol"}}
	if !slices.Equal(raised.SeverityHistory, want) || raised.Severity != SEV2 {
		t.Errorf("history = %+v", raised.SeverityHistory)
	}
	// Two branches from one value must not share a backing array.
	a, _ := raised.SetSeverity(SEV1, "x", incAt(50*incMin))
	b, _ := raised.SetSeverity(SEV4, "y", incAt(50*incMin))
	if a.SeverityHistory[1].To != SEV1 || b.SeverityHistory[1].To != SEV4 {
		t.Error("branches share history")
	}
	if _, err := raised.SetSeverity(SEV2, "x", incAt(50*incMin)); err == nil || !strings.Contains(err.Error(), "already SEV2") {
		t.Errorf("same severity: %v", err)
	}
	if _, err := raised.SetSeverity(7, "x", incAt(50*incMin)); err == nil {
		t.Error("invalid severity accepted")
	}
	if _, err := raised.SetSeverity(SEV1, "x", incAt(-incMin)); err == nil {
		t.Error("change before open accepted")
	}

	// SEV3 → SEV2 (+40) → SEV1 (+50) → SEV3 (+60) → SEV2 (+70)
	h := raised
	h, _ = h.SetSeverity(SEV1, "x", incAt(50*incMin))
	h, _ = h.SetSeverity(SEV3, "x", incAt(60*incMin))
	h, _ = h.SetSeverity(SEV2, "x", incAt(70*incMin))
	cases := []struct {
		d     time.Duration
		sev   Severity
		since time.Duration
		major bool
	}{
		{0, SEV3, 0, false},
		{39 * incMin, SEV3, 0, false},
		{40 * incMin, SEV2, 40 * incMin, true},
		{55 * incMin, SEV1, 40 * incMin, true},
		{65 * incMin, SEV3, 0, false},
		{70 * incMin, SEV2, 70 * incMin, true},
		{999 * incMin, SEV2, 70 * incMin, true},
	}
	for _, c := range cases {
		if got := h.SeverityAt(incAt(c.d)); got != c.sev {
			t.Errorf("SeverityAt(+%v) = %v, want %v", c.d, got, c.sev)
		}
		since, major := h.MajorSince(incAt(c.d))
		if major != c.major || (major && !since.Equal(incAt(c.since))) {
			t.Errorf("MajorSince(+%v) = %v %v", c.d, since, major)
		}
	}
	if since, ok := incOpen(1, SEV1).MajorSince(incT0); !ok || !since.Equal(incT0) {
		t.Errorf("SEV1 at open: major since %v %v", since, ok)
	}
}

func TestSetSecurity(t *testing.T) {
	inc := incOpen(1, SEV3)
	s, err := inc.SetSecurity(true, incAt(10*incMin))
	if err != nil || !s.Security || !s.SecurityAt.Equal(incAt(10*incMin)) {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := s.SetSecurity(true, incAt(11*incMin)); err == nil {
		t.Error("flagging twice accepted")
	}
	c, err := s.SetSecurity(false, incAt(12*incMin))
	if err != nil || c.Security || !c.SecurityAt.IsZero() {
		t.Errorf("clear: %+v %v", c, err)
	}
}

func TestNeedsCommander(t *testing.T) {
	cases := []struct {
		sev       Severity
		status    IncidentStatus
		commander string
		want      bool
	}{
		{SEV1, IncidentOpen, "", true},
		{SEV2, IncidentOpen, "  ", true},
		{SEV2, IncidentMitigated, "", true},
		{SEV1, IncidentOpen, "dana", false},
		{SEV1, IncidentResolved, "", false},
		{SEV3, IncidentOpen, "", false},
		{SEV4, IncidentOpen, "", false},
	}
	for _, c := range cases {
		inc := incOpen(1, c.sev)
		inc.Status, inc.Commander = c.status, c.commander
		if got := inc.NeedsCommander(); got != c.want {
			t.Errorf("%v %s commander=%q: %v", c.sev, c.status, c.commander, got)
		}
	}
}

func TestNextUpdateDue(t *testing.T) {
	p := DefaultUpdatePolicy()
	raised := func() Incident {
		inc := incOpen(1, SEV3)
		inc, _ = inc.SetSeverity(SEV2, "x", incAt(40*incMin))
		return inc
	}
	cases := []struct {
		name string
		inc  func() Incident
		p    UpdatePolicy
		want time.Duration
		ok   bool
	}{
		{"SEV1 from open", func() Incident { return incOpen(1, SEV1) }, p, 30 * incMin, true},
		{"SEV2 from open", func() Incident { return incOpen(1, SEV2) }, p, 60 * incMin, true},
		{"SEV1 after an update", func() Incident { i := incOpen(1, SEV1); i.LastUpdateAt = incAt(20 * incMin); return i }, p, 50 * incMin, true},
		{"raised to SEV2 at +40", raised, p, 100 * incMin, true},
		{"update before it became major", func() Incident { i := raised(); i.LastUpdateAt = incAt(10 * incMin); return i }, p, 100 * incMin, true},
		{"raised then updated", func() Incident { i := raised(); i.LastUpdateAt = incAt(45 * incMin); return i }, p, 105 * incMin, true},
		{"mitigated still owes updates", func() Incident { i := incOpen(1, SEV1); i.Status = IncidentMitigated; return i }, p, 30 * incMin, true},
		{"SEV3", func() Incident { return incOpen(1, SEV3) }, p, 0, false},
		{"resolved", func() Incident { i := incOpen(1, SEV1); i.Status = IncidentResolved; return i }, p, 0, false},
		{"SEV2 updates off", func() Incident { return incOpen(1, SEV2) }, UpdatePolicy{SEV1: 30 * incMin}, 0, false},
	}
	for _, c := range cases {
		got, ok := c.p.NextUpdateDue(c.inc())
		if ok != c.ok || (ok && !got.Equal(incAt(c.want))) {
			t.Errorf("%s: %v %v, want +%v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestStakeholderUpdate(t *testing.T) {
	u := StakeholderUpdate{Conditions: " checkout failing for 30% of EU users ", Actions: "rolling back api v1.4.2\nto v1.4.1", Needs: ""}
	n, err := u.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := "Conditions: checkout failing for 30% of EU users\nActions: rolling back api v1.4.2 to v1.4.1\nNeeds: none"
	if n.Text() != want {
		t.Errorf("Text =\n%s", n.Text())
	}
	if got := n.OneLine(); strings.Contains(got, "\n") || !strings.HasPrefix(got, "Conditions: checkout") || !strings.HasSuffix(got, " | Needs: none") {
		t.Errorf("OneLine = %q", got)
	}
	back, err := ParseStakeholderUpdate(n.Text())
	if err != nil || back != n {
		t.Errorf("round trip: %+v %v", back, err)
	}
	back, err = ParseStakeholderUpdate(StakeholderUpdate{Conditions: "c", Actions: "a", Needs: "DBA on call"}.OneLine())
	if err != nil || back.Needs != "DBA on call" {
		t.Errorf("one-line round trip: %+v %v", back, err)
	}
	for _, bad := range []struct {
		u   StakeholderUpdate
		err string
	}{
		{StakeholderUpdate{Actions: "a"}, "conditions is empty"},
		{StakeholderUpdate{Conditions: "c"}, "actions is empty"},
		{StakeholderUpdate{Conditions: "c\x1b[2J", Actions: "a"}, "control character"},
		{StakeholderUpdate{Conditions: strings.Repeat("x", MaxUpdateField+1), Actions: "a"}, "keep it to 1000"},
	} {
		if err := bad.u.Validate(); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("Validate(%+v) = %v, want %q", bad.u, err, bad.err)
		}
	}
	if _, err := ParseStakeholderUpdate("just some text"); err == nil {
		t.Error("unlabelled text accepted")
	}
}

func TestFreeze(t *testing.T) {
	inc := func(id int64, sev Severity, st IncidentStatus) Incident {
		i := incOpen(id, sev)
		i.Status = st
		return i
	}
	cases := []struct {
		incs   []Incident
		frozen bool
		reason string
	}{
		{nil, false, ""},
		{[]Incident{inc(1, SEV3, IncidentOpen), inc(2, SEV1, IncidentResolved)}, false, ""},
		{[]Incident{inc(3, SEV1, IncidentOpen)}, true, "INC-3 SEV1 open"},
		{[]Incident{inc(5, SEV2, IncidentMitigated), inc(4, SEV3, IncidentOpen), inc(3, SEV1, IncidentOpen), inc(2, SEV2, IncidentOpen)},
			true, "INC-3 SEV1 open, INC-2 SEV2 open, INC-5 SEV2 mitigated"},
	}
	for _, c := range cases {
		frozen, reason := Freeze(c.incs)
		if frozen != c.frozen || reason != c.reason {
			t.Errorf("Freeze = %v %q, want %v %q", frozen, reason, c.frozen, c.reason)
		}
	}
	if r, err := ValidateFreezeOverride("  hotfix for INC-3 "); err != nil || r != "hotfix for INC-3" {
		t.Errorf("override: %q %v", r, err)
	}
	if _, err := ValidateFreezeOverride(" "); err == nil || !strings.Contains(err.Error(), "override reason is empty") {
		t.Errorf("empty override: %v", err)
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	est := time.FixedZone("EST", -5*3600)
	cases := []struct {
		in   string
		loc  *time.Location
		want time.Time
		err  string
	}{
		{"", nil, now, ""},
		{"now", nil, now, ""},
		{"-5m", nil, now.Add(-5 * incMin), ""},
		{"-1h30m", nil, time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC), ""},
		{"-90s", nil, now.Add(-90 * time.Second), ""},
		{"14:02", nil, time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC), ""},
		{"14:02:30", time.UTC, time.Date(2026, 11, 25, 14, 2, 30, 0, time.UTC), ""},
		{"9:05", nil, time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC), ""},
		{"14:30", nil, now, ""},
		{"09:02", est, time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC), ""},
		{"2026-11-25T13:00:00Z", nil, time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC), ""},
		{"2026-11-25T14:00:00+01:00", nil, time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC), ""},
		{"14:45", nil, time.Time{}, "14:45 today has not come yet"},
		{"09:32", est, time.Time{}, "has not come yet"},
		{"14:30:59", nil, now, ""}, // within ClockSkew: taken as now,
		{"2026-11-25T15:00:00Z", nil, time.Time{}, "is in the future"},
		{"+5m", nil, time.Time{}, "is in the future: backdate with a minus"},
		{"5m", nil, time.Time{}, "write -5m"},
		{"-5 minutes", nil, time.Time{}, "cannot read the time"},
		{"--5m", nil, time.Time{}, "cannot read the time"},
		{"25:00", nil, time.Time{}, "HH:MM or HH:MM:SS"},
		{"14:60", nil, time.Time{}, "HH:MM or HH:MM:SS"},
		{"yesterday", nil, time.Time{}, TimeForms},
		{"2026-11-25 13:00", nil, time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC), ""},
		{"2026-11-25T14:30:30Z", nil, now, ""}, // within ClockSkew: now,
	}
	for _, c := range cases {
		got, err := ParseWhen(c.in, now, c.loc)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseWhen(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// Issue 13 defect 9: a note dated years back was accepted. Issue 16 (D30):
// a note dated before the incident opened needs force; 24 h before is the
// bound even with force.
func TestCheckNoteTime(t *testing.T) {
	opened := time.Date(2026, 11, 25, 14, 2, 0, 250_000_000, time.UTC)
	inc := Incident{ID: 4, OpenedAt: opened}
	for _, c := range []struct {
		at         time.Time
		force      bool
		ok         bool
		wantInText string
	}{
		{opened, false, true, ""},
		{opened.Add(time.Hour), false, true, ""},
		{opened.Add(-time.Millisecond), false, false, "1ms before that"},
		{opened.Add(-3 * time.Minute), false, false, "--force"},
		{opened.Add(-3 * time.Minute), true, true, ""}, // the first alert, before it was opened
		{opened.Add(-MaxNoteLead), true, true, ""},
		{opened.Add(-MaxNoteLead - time.Millisecond), true, false, "at most 24h before that"},
		{opened.Add(-MaxNoteLead - time.Millisecond), false, false, "at most 24h before that"},
		{time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), true, false, "check --at"},
	} {
		err := inc.CheckNoteTime(c.at, c.force)
		if (err == nil) != c.ok {
			t.Errorf("CheckNoteTime(%v, %v) = %v, want ok=%v", c.at, c.force, err, c.ok)
			continue
		}
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), "INC-4 opened at 2026-11-25 14:02:00.250 UTC") || !strings.Contains(err.Error(), c.wantInText) {
			t.Errorf("error %q does not name when the incident opened and %q", err, c.wantInText)
		}
	}
}
