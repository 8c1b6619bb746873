package ui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

// askedStore records the windows the metrics screen asks for.
type askedStore struct {
	*fakeStore
	mu    sync.Mutex
	asked []string
	fail  error
}

func (s *askedStore) Metrics(ctx context.Context, w model.MetricsWindow) (model.Metrics, error) {
	s.mu.Lock()
	s.asked = append(s.asked, w.To.Sub(w.From).String()+" "+w.Service)
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		return model.Metrics{}, fail
	}
	return s.fakeStore.Metrics(ctx, w)
}

func (s *askedStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.asked
	s.asked = nil
	return out
}

// TestMetricsReadAhead: the first M asks for its window, then, in the
// background, for the wider ones w offers, narrowest first, once per
// dashboard; w and s then ask for exactly what they show.
func TestMetricsReadAhead(t *testing.T) {
	const (
		d7   = "168h0m0s "
		d30  = "720h0m0s "
		d90  = "2160h0m0s "
		d365 = "8760h0m0s "
	)
	st := &askedStore{fakeStore: finished(t)}
	m := newTestModel(t, st, 120, 40)
	st.take()
	for _, c := range []struct {
		keys []string
		want []string
		view string
	}{
		{[]string{"M"}, []string{d30, d90, d365}, "last 30d"},
		{[]string{"w"}, []string{d90}, "last 90d"},
		{[]string{"w"}, []string{d365}, "last 365d"},
		{[]string{"w"}, []string{d7}, "last 7d"},
		{[]string{"esc", "M"}, []string{d7}, "last 7d"}, // read ahead once only
		{[]string{"w", "s"}, []string{d30, d30 + "checkout-api"}, "checkout-api"},
	} {
		m = keys(t, m, c.keys...)
		if got := st.take(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v asked for %q, want %q", c.keys, got, c.want)
		}
		if v := m.View(); !strings.Contains(v, c.view) || strings.Contains(v, "computing") {
			t.Errorf("%v: the screen does not show %q:\n%s", c.keys, c.view, v)
		}
	}

	// A store that cannot answer: the error is shown, nothing is read ahead.
	st = &askedStore{fakeStore: finished(t), fail: errors.New("database is locked")}
	m = keys(t, newTestModel(t, st, 120, 40), "M")
	if got := st.take(); !reflect.DeepEqual(got, []string{d30}) {
		t.Errorf("after an error asked for %q, want only the window shown", got)
	}
	if v := m.View(); !strings.Contains(v, "database is locked") {
		t.Errorf("the error is not shown:\n%s", v)
	}
}
