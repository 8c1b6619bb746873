package dashstore

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
)

// WarmMetrics reads the first window's facts after its delay, and answers
// the same metrics as the store; cancelled before the delay it returns at
// once (a dashboard that quits at once is not held up).
func TestWarmMetrics(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v1", Strategy: model.StrategyAllAtOnce}, mdtemplate.Builtin(), "alice", time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := New(st)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	began := time.Now()
	s.WarmMetrics(cancelled, time.Now)
	if took := time.Since(began); took >= MetricsWarmDelay {
		t.Errorf("cancelled WarmMetrics took %v", took)
	}

	now := time.Now()
	s.WarmMetrics(ctx, func() time.Time { return now })
	w := model.MetricsWindow{From: now.Add(-30 * 24 * time.Hour), To: now}
	got, err := s.Metrics(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	want, err := st.Metrics(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warmed metrics %+v, store %+v", got, want)
	}
}
