package model

import (
	"strings"
	"testing"
	"time"
)

func TestParseGitTime(t *testing.T) {
	want := time.Date(2026, 11, 25, 8, 12, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		err  string
	}{
		{"2026-11-25 09:12:00 +0100", want, ""},                                     // %ci
		{"2026-11-25T09:12:00+01:00", want, ""},                                     // %cI
		{"  2026-11-25T08:12:00Z ", want, ""},                                       // RFC 3339, trimmed
		{"2026-11-25t08:12:00z", want, ""},                                          // lower-case t and z
		{"2026-11-25 03:12:00 -0500", want, ""},                                     // negative zone
		{"2026-11-25 13:57:00 +0545", want, ""},                                     // Nepal: a 45-minute zone
		{"2026-11-25 09:12:00.250 +0100", want.Add(250 * time.Millisecond), ""},     // sub-second %ci
		{"2026-11-25T09:12:00.000001+01:00", want.Add(time.Microsecond), ""},        // sub-second %cI
		{"2026-11-25 09:12:00", time.Time{}, "with its zone"},                       // no zone: refused
		{"Wed Nov 25 09:12:00 2026 +0100", time.Time{}, "is not a git commit time"}, // %cd
		{"", time.Time{}, "is empty"},
	}
	for _, c := range cases {
		got, err := ParseGitTime(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("%q: got %v, %v; want %v UTC", c.in, got, err, c.want)
		}
	}
}

func TestValidateCommits(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	ok := []Commit{{SHA: a, CommittedAt: at, AuthoredAt: at}, {SHA: b, CommittedAt: at, AuthoredAt: at, Position: 1}}
	if err := ValidateCommits(ok, strings.ToUpper(a)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		cs   []Commit
		want string
	}{
		"short":     {[]Commit{{SHA: "abc1234", CommittedAt: at, AuthoredAt: at}}, "not a full commit id"},
		"twice":     {[]Commit{ok[0], {SHA: a, CommittedAt: at, AuthoredAt: at, Position: 1}}, "listed twice"},
		"position":  {[]Commit{ok[1]}, "position 1, expected 0"},
		"no time":   {[]Commit{{SHA: a}}, "no commit or author time"},
		"not first": {[]Commit{{SHA: b, CommittedAt: at, AuthoredAt: at}}, "is not the deployed commit"},
	} {
		if err := ValidateCommits(c.cs, a); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// Lead time per change, worked by hand: #1 ships commits at 09:00, 10:00
// and 11:00 and completes at 12:00 (3h, 2h, 1h); #2 ships one commit at
// 13:00 and completes at 15:00 (2h). Four changes: 1h, 2h, 2h, 3h, median
// 2h (per deployment it would be 2h and 2h: the same here, but the count is
// 4 commits in 2 deployments). #3 has no commit list and counts its one
// committed_at (30 min); #4 shipped a commit dated after its completion
// (clock skew: skipped) and one 4h before.
func TestLeadTimePerCommit(t *testing.T) {
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	h := func(x float64) time.Time { return day.Add(time.Duration(x * float64(time.Hour))) }
	cs := func(ts ...time.Time) []Commit {
		var out []Commit
		for i, at := range ts {
			out = append(out, Commit{SHA: strings.Repeat(string(rune('a'+i)), 40), CommittedAt: at, AuthoredAt: at.Add(-time.Hour), Position: i})
		}
		return out
	}
	dep := func(id int64, fin time.Time, commits []Commit) Deployment {
		return Deployment{ID: id, Service: "api", Environment: "production", Status: StatusCompleted, CreatedAt: fin.Add(-time.Hour), FinishedAt: fin, Commits: commits}
	}
	w := MetricsWindow{From: day, To: day.Add(24 * time.Hour)}

	two := []Deployment{dep(1, h(12), cs(h(11), h(10), h(9))), dep(2, h(15), cs(h(13)))}
	m := metCompute(t, two, nil, w)
	if m.LeadTime.N != 4 || m.LeadTime.Median != 2*time.Hour || m.LeadTime.Min != time.Hour || m.LeadTime.Max != 3*time.Hour {
		t.Errorf("lead time %+v, want 4 samples, median 2h", m.LeadTime)
	}
	if b := m.LeadTimeBasis; b != (LeadTimeBasis{Unit: "commit", Changes: 4, Deployments: 2}) {
		t.Errorf("basis %+v", b)
	}
	if got := m.LeadTimeSummary(); got != "per commit, median 2h over 4 commits in 2 deployments" {
		t.Errorf("summary %q", got)
	}

	// Per change, not per deployment: one deployment of ten 1h-old commits
	// and one of a 5h-old commit give a median of 1h (per deployment: 3h).
	var ten []time.Time
	for range 10 {
		ten = append(ten, h(11).Add(-time.Duration(len(ten))*time.Millisecond))
	}
	m = metCompute(t, []Deployment{dep(1, h(12), cs(ten...)), dep(2, h(15), cs(h(10)))}, nil, w)
	if m.LeadTime.Median.Round(time.Second) != time.Hour || m.LeadTime.N != 11 {
		t.Errorf("ten and one: %+v", m.LeadTime)
	}

	old := dep(3, h(18), nil)
	old.CommittedAt = h(17.5)
	skew := dep(4, h(20), cs(h(20.5), h(16)))
	skew.Commits[0].Position, skew.Commits[1].Position = 0, 1
	none := dep(5, h(21), nil)
	m = metCompute(t, append(two, old, skew, none), nil, w)
	if b := m.LeadTimeBasis; b != (LeadTimeBasis{Unit: "commit", Changes: 6, Deployments: 4, WithoutCommitList: 1, SkippedCommits: 1}) {
		t.Errorf("basis %+v", b)
	}
	// Samples 0.5h, 1h, 2h, 2h, 3h, 4h: median 2h; #5 has no time at all.
	if m.LeadTime.Median != 2*time.Hour || m.LeadTime.Missing != 1 {
		t.Errorf("lead time %+v", m.LeadTime)
	}
	// The weekly trend counts per commit too.
	if wk := m.Weekly[len(m.Weekly)-1]; wk.LeadTime.N != 6 {
		t.Errorf("week %+v", wk.LeadTime)
	}
}
