package demo

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// checkMetricsMatchOld compares, on a generated year, the metrics the store
// computes from its facts — Store.Metrics, and a MetricsCache asked window
// after window as the dashboard asks — with the old computation they
// replaced (every row that can bear on the window, MetricsInput, then
// model.ComputeMetrics), field by field, for windows of every length and
// odd bounds, services and environments.
func checkMetricsMatchOld(t *testing.T, s *data.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	day := 24 * time.Hour
	type win struct {
		from, to time.Time
		services []string
		envs     []string
	}
	all, prod := []string{""}, []string{""}
	every := []string{"", "checkout-api", "WEB", "nope"}
	envs := []string{"", "staging", "Production"}
	wins := []win{
		{now.Add(-day), now, all, prod},
		{now.Add(-7 * day), now, all, prod},
		{now.Add(-30 * day), now, every, envs},
		{now.Add(-90 * day), now, all, prod},
		{now.Add(-365 * day), now, every[:2], envs[:2]},
		{now.Add(-200*day + time.Millisecond/2), now.Add(-100*day + 3*time.Hour + time.Nanosecond), every[1:3], prod},
		{now.Add(-400 * day), now.Add(30 * day), all, envs[:2]},
	}
	cache := data.NewMetricsCache(s)
	start := time.Now()
	n := 0
	for _, w := range wins {
		for _, svc := range w.services {
			for _, env := range w.envs {
				mw := model.MetricsWindow{From: w.from, To: w.to, Service: svc, Environment: env}
				name := fmt.Sprintf("[%s, %s) %q %q", mw.From.Format(time.RFC3339Nano), mw.To.Format(time.RFC3339Nano), svc, env)
				deps, incs, err := s.MetricsInput(ctx, mw.From, mw.To, mw.Service)
				if err != nil {
					t.Fatal(err)
				}
				want := model.ComputeMetrics(deps, incs, mw)
				if want.Deployments == 0 && svc == "" && env == "" {
					t.Errorf("%s: no deployments: the comparison would prove little", name)
				}
				if svc == "" { // Store.Metrics reads what the cache reads, once
					got, err := s.Metrics(ctx, mw)
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: Store.Metrics differs from the old computation (%v):\n%+v\n%+v", name, err, got, want)
					}
				}
				got, err := cache.Metrics(ctx, mw)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s: MetricsCache.Metrics differs from the old computation (%v):\n%+v\n%+v", name, err, got, want)
				}
				n++
			}
		}
	}
	t.Logf("metrics: %d windows equal to the old computation field by field (%s)", n, time.Since(start).Round(time.Millisecond))
}
