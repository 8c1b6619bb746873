package model

import (
	"testing"
	"time"
)

func TestInFlight(t *testing.T) {
	deps := []Deployment{
		{ID: 1, Service: "checkout-api", Version: "v2.14.0", Environment: "production", Status: StatusCompleted},
		{ID: 2, Service: "checkout-api", Version: "v2.14.1", Environment: "production", Status: StatusPlanned},
		{ID: 3, Service: "checkout-api", Version: "v2.14.2", Environment: "staging", Status: StatusInProgress},
		{ID: 5, Service: "Checkout-API", Version: "v2.15.0", Environment: "production", Status: StatusInProgress},
		{ID: 4, Service: "checkout-api", Version: "v2.14.3", Environment: "production", Status: StatusInProgress},
	}
	for _, c := range []struct {
		service, env string
		want         int64
	}{
		{"checkout-api", "production", 4}, // the oldest in progress; planned and completed are not in flight
		{"checkout-api", "staging", 3},
		{"checkout-api", "eu", 0},
		{"search", "production", 0},
	} {
		d, ok := InFlight(deps, c.service, c.env)
		if d.ID != c.want || ok != (c.want != 0) {
			t.Errorf("InFlight(%s, %s) = #%d %v, want #%d", c.service, c.env, d.ID, ok, c.want)
		}
	}
}

func TestTextInFlight(t *testing.T) {
	d := Deployment{ID: 1, Service: "checkout-api", Version: "v2.14.0", Environment: "production", Status: StatusInProgress}
	back := d
	back.RollbackAt = time.Date(2026, 11, 25, 9, 30, 0, 500e6, time.UTC)
	for _, c := range []struct {
		d     Deployment
		stage string
		want  string
	}{
		{d, "25%", "#1 v2.14.0 in progress at 25% in production"},
		{d, "", "#1 v2.14.0 in progress in production"},
		{back, "5%", "#1 v2.14.0 rolling back in production"},
	} {
		if got := TextInFlight(c.d, c.stage); got != c.want {
			t.Errorf("TextInFlight = %q, want %q", got, c.want)
		}
	}
	if got, want := TextInFlightWarning("checkout-api", TextInFlight(d, "25%")),
		"checkout-api already has #1 v2.14.0 in progress at 25% in production — start anyway?"; got != want {
		t.Errorf("warning = %q, want %q", got, want)
	}
}

func TestStageName(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 18, 37, 250e6, time.UTC)
	r, err := Start(DefaultPlan(StrategyCanary), at)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.StageName(); got != "5%" {
		t.Errorf("started: %q", got)
	}
	if r, err = Promote(r, at.Add(15*time.Minute), "", Gate{}); err != nil {
		t.Fatal(err)
	}
	if got := r.StageName(); got != "25%" {
		t.Errorf("promoted: %q", got)
	}
	if got := (Rollout{}).StageName(); got != "" {
		t.Errorf("not started: %q", got)
	}
}

func TestTextIncidentLinks(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{TextIncidentLinked(3, "web v2 → production", 0, ""), "linked to #3 web v2 → production"},
		{TextIncidentLinked(3, "web v2 → production", 1, "api v1 → production"), "linked to #3 web v2 → production (was #1 api v1 → production)"},
		{TextIncidentUnlinked(3, "web v2 → production"), "unlinked from #3 web v2 → production: not caused by that deployment"},
		{TextInFlightOverride("api v2 → production", "#1 v1 in progress at 5% in production", "hotfix"),
			"started api v2 → production while #1 v1 in progress at 5% in production: hotfix"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
