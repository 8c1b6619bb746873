package data

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

// BenchmarkEventsPage pages the log pane over a year of history: 200,000
// events (one transaction to seed), a page of 50 per call.
//
//	go test ./data -run '^$' -bench EventsPage -benchtime 2000x
func BenchmarkEventsPage(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 200_000
	seedEvents(b, s, n)
	ctx := context.Background()
	for id := int64(1); id < n; id += 1000 { // a few stars, spread out
		if err := s.StarEvent(ctx, id, true, "bob", t0); err != nil {
			b.Fatal(err)
		}
	}
	mid := int64(n / 2)
	for _, c := range []struct {
		name string
		f    EventPageFilter
	}{
		{"newest", EventPageFilter{}},
		{"page-back-deep", EventPageFilter{BeforeID: mid}},
		{"follow", EventPageFilter{AfterID: n - 10}},
		{"sev1", EventPageFilter{MinSeverity: model.SEV1, BeforeID: mid}},
		{"sev2", EventPageFilter{MinSeverity: model.SEV2, BeforeID: mid}},
		{"incident", EventPageFilter{IncidentID: 3, BeforeID: mid}},
		{"starred", EventPageFilter{StarredOnly: true}},
		{"search-common", EventPageFilter{Search: "checkout"}},
		{"search-rare", EventPageFilter{Search: "event 12345 "}},
		{"search-none", EventPageFilter{Search: "no such text"}},
	} {
		c.f.Limit = 50
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.EventsPage(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, c := range []struct {
		name string
		f    EventPageFilter
	}{
		{"count-all", EventPageFilter{}},
		{"count-sev2", EventPageFilter{MinSeverity: model.SEV2}},
		{"count-search", EventPageFilter{Search: "checkout"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.EventCount(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
