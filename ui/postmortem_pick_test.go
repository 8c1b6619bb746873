package ui

import (
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// TestPostmortemCandidates: P offers every resolved incident needing a
// meeting, most urgent first (flagged, then in its window, then with a
// meeting to move); resolved SEV3s never.
func TestPostmortemCandidates(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	res := func(id int64, sev model.Severity, ago time.Duration, meet *model.PostmortemMeeting) model.Incident {
		return model.Incident{ID: id, Title: "x", Severity: sev, Status: model.IncidentResolved, ResolvedAt: now.Add(-ago), Meeting: meet}
	}
	p := escalationPane{resolved: []model.Incident{
		res(1, model.SEV2, 2*time.Hour, nil),                                              // in its window
		res(2, model.SEV1, 30*time.Hour, nil),                                             // flagged
		res(3, model.SEV3, 30*time.Hour, nil),                                             // no postmortem needed
		res(4, model.SEV1, 3*time.Hour, &model.PostmortemMeeting{At: now.Add(time.Hour)}), // scheduled
		res(5, model.SEV2, 40*time.Hour, nil),                                             // flagged, longer ago
	}}
	var got []int64
	for _, inc := range p.postmortemCandidates(now) {
		got = append(got, inc.ID)
	}
	want := []int64{5, 2, 1, 4}
	if len(got) != len(want) {
		t.Fatalf("candidates %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("candidates %v, want %v", got, want)
		}
	}
	if inc, ok := p.postmortemTarget(now); !ok || inc.ID != 5 {
		t.Errorf("target = %d %v, want INC-5", inc.ID, ok)
	}
}
