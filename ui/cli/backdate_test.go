package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// --at through the CLI: the replies say the action was backdated, the store
// refuses a finish before its start and a resolve before the open, the
// future is refused, and the timeline says when each action was typed.
func TestCLIBackdatedActions(t *testing.T) {
	db := cliDB(t)
	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	at := start.Format("2006-01-02 15:04:05 -0700")
	out := fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once", "--at", at)
	if want := "started deployment #1: api v1 → production (all-at-once), 41 checklist items (backdated to " +
		start.Format("2006-01-02 15:04:05 UTC") + ")\n"; out != want {
		t.Errorf("start: %q, want %q", out, want)
	}
	fdFail(t, db, exitUsage, "--at: cannot read the time \"tomorrow\": use now, -5m", "deploy", "start", "api", "v2", "--at", "tomorrow")
	fdFail(t, db, exitUsage, "--at 2099-01-01 00:00:00 UTC is in the future", "deploy", "start", "api", "v2", "--at", "2099-01-01")
	s := openTestStore(t, db)
	if _, err := s.StartExecution(context.Background(), 1, "bob", start.Add(10*time.Minute), true); err != nil {
		t.Fatal(err)
	}
	// Before Deployment Execution began: refused by the store.
	fdFail(t, db, exitUsage, "finish at "+start.Add(5*time.Minute).Format("2006-01-02 15:04:05")+".000 UTC would be before it entered Deployment Execution",
		"deploy", "finish", "--at", start.Add(5*time.Minute).Format(time.RFC3339), "--reason", "recorded afterwards")
	fin := start.Add(30 * time.Minute)
	out = fdOK(t, db, "deploy", "finish", "--at", fin.Format(time.RFC3339), "--reason", "recorded afterwards")
	if !strings.HasSuffix(out, "deployment completed (backdated to "+fin.Format("2006-01-02 15:04:05 UTC")+")\n") {
		t.Errorf("finish: %q", out)
	}
	d, err := s.Deployment(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !d.FinishedAt.Equal(fin) || !d.CreatedAt.Equal(start) {
		t.Errorf("stored: created %v finished %v", d.CreatedAt, d.FinishedAt)
	}
	evs, _ := s.Events(context.Background(), data.EventFilter{DeploymentID: 1})
	for _, e := range evs {
		if (e.Kind == model.EventDeployStarted || e.Kind == model.EventRolloutFinish) && !strings.Contains(e.Text, "(backdated: entered ") {
			t.Errorf("%s: %q not marked", e.Kind, e.Text)
		}
	}

	// Incidents.
	opened := start.Add(40 * time.Minute)
	out = fdOK(t, db, "incident", "open", "--sev", "3", "--deploy", "1", "--at", opened.Format(time.RFC3339), "slow", "checkout")
	if !strings.HasPrefix(out, `opened INC-1 SEV3 "slow checkout" (linked to #1 api) (backdated to `+opened.Format("2006-01-02 15:04:05 UTC")+")\n") {
		t.Errorf("open: %q", out)
	}
	fdFail(t, db, exitUsage, "would be before the incident was opened", "incident", "resolve", "INC-1", "--yes", "--at", opened.Add(-time.Minute).Format(time.RFC3339))
	out = fdOK(t, db, "incident", "mitigate", "INC-1", "--at", opened.Add(10*time.Minute).Format(time.RFC3339))
	if !strings.HasPrefix(out, "INC-1 mitigated (backdated to ") {
		t.Errorf("mitigate: %q", out)
	}
	out = fdOK(t, db, "incident", "resolve", "INC-1", "--yes", "--at", "-1h")
	if !strings.HasPrefix(out, "INC-1 resolved after 1h20m (backdated to ") {
		t.Errorf("resolve: %q", out)
	}
}
