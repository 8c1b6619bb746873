package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// metricsDoc is the part of `metrics --json` these tests read.
type metricsDoc struct {
	Window struct {
		Days        float64 `json:"days"`
		Service     *string `json:"service"`
		Environment string  `json:"environment"`
	} `json:"window"`
	DeploymentFrequency struct {
		Deployments int `json:"deployments"`
		Bucket      struct {
			Label string `json:"label"`
			Rank  *int   `json:"rank"`
		} `json:"bucket"`
	} `json:"deployment_frequency"`
	LeadTime struct {
		N             int    `json:"n"`
		MedianSeconds *int64 `json:"median_seconds"`
		Missing       int    `json:"missing"`
	} `json:"lead_time"`
	ChangeFailRate struct {
		Num     int      `json:"num"`
		Den     int      `json:"den"`
		Percent *float64 `json:"percent"`
	} `json:"change_fail_rate"`
	ReworkRate struct {
		Num int `json:"num"`
		Den int `json:"den"`
	} `json:"rework_rate"`
	Hotfixes []int64 `json:"hotfix_deployment_ids"`
	Weekly   []struct {
		Deployments int  `json:"deployments"`
		Partial     bool `json:"partial"`
	} `json:"weekly"`
}

func metricsJSONOf(t *testing.T, db string, args ...string) metricsDoc {
	t.Helper()
	out := fdOK(t, db, append([]string{"metrics", "--json"}, args...)...)
	var m metricsDoc
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("metrics --json: %v\n%s", err, out)
	}
	return m
}

func TestCLIMetricsAndHotfix(t *testing.T) {
	db := emptyDB(t)

	// An empty window says n/a, never 0%.
	out := fdOK(t, db, "metrics")
	for _, want := range []string{"Delivery metrics — all services, production, ", "(30 days)",
		"Deployment frequency", "n/a: no deployments", "Change fail rate            n/a", "Deployment rework rate      n/a"} {
		if !strings.Contains(out, want) {
			t.Errorf("empty metrics lack %q:\n%s", want, out)
		}
	}
	if m := metricsJSONOf(t, db); m.Window.Days != 30 || m.Window.Service != nil || m.Window.Environment != "production" ||
		m.ChangeFailRate.Percent != nil || m.LeadTime.MedianSeconds != nil || m.DeploymentFrequency.Bucket.Rank != nil {
		t.Errorf("empty metrics --json: %+v", m)
	}

	// --commit and --committed-at feed the lead time: committed two hours
	// ago, completed now.
	committed := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	fdOK(t, db, "deploy", "start", "api", "v1", "--strategy", "all-at-once", "--commit", "3f2a9c1", "--committed-at", committed.Format(time.RFC3339))
	fdOK(t, db, "deploy", "promote", "--reason", "checked in CHG-1")
	fdOK(t, db, "deploy", "finish", "--reason", "smoke tests green")
	m := metricsJSONOf(t, db)
	if m.DeploymentFrequency.Deployments != 1 || m.LeadTime.N != 1 || m.LeadTime.MedianSeconds == nil ||
		*m.LeadTime.MedianSeconds < 7190 || *m.LeadTime.MedianSeconds > 7300 || m.ChangeFailRate.Num != 0 || m.ChangeFailRate.Den != 1 {
		t.Errorf("after one deployment: %+v (lead %v)", m, m.LeadTime.MedianSeconds)
	}

	// A hotfix: marked at start, counted in the rework rate.
	fdOK(t, db, "incident", "open", "--sev", "3", "--deploy", "none", "search is slow")
	fdFail(t, db, exitFail, "INC-7 not found", "deploy", "start", "api", "v3", "--hotfix-for", "INC-7")
	fdFail(t, db, exitUsage, "--hotfix-for", "deploy", "start", "api", "v3", "--hotfix-for", "seven")
	out = fdOK(t, db, "deploy", "start", "api", "v2", "--strategy", "all-at-once", "--hotfix-for", "INC-1")
	if !strings.HasSuffix(out, "marked as the hotfix for INC-1\n") || !strings.HasPrefix(out, "started deployment #2:") {
		t.Errorf("deploy start --hotfix-for printed %q", out)
	}
	fdOK(t, db, "deploy", "promote", "--reason", "hotfix")
	fdOK(t, db, "deploy", "finish", "--reason", "hotfix verified")
	m = metricsJSONOf(t, db)
	if m.ReworkRate.Num != 1 || m.ReworkRate.Den != 2 || len(m.Hotfixes) != 1 || m.Hotfixes[0] != 2 || m.LeadTime.Missing != 1 {
		t.Errorf("rework: %+v", m)
	}
	out = fdOK(t, db, "metrics", "--service", "API")
	for _, want := range []string{"Delivery metrics — API, production", "Deployment rework rate      50% (1/2)",
		"1 deployment without a commit time (not counted)", "0–15% (Four Keys scale)", "WEEK OF", "Buckets: DORA Quick Check"} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " \n") {
		t.Errorf("metrics output has trailing spaces:\n%q", out)
	}
	if m := metricsJSONOf(t, db, "--service", "web"); m.DeploymentFrequency.Deployments != 0 || m.Window.Service == nil || *m.Window.Service != "web" {
		t.Errorf("other service: %+v", m)
	}
	if m := metricsJSONOf(t, db, "--env", "staging"); m.DeploymentFrequency.Deployments != 0 || m.Window.Environment != "staging" {
		t.Errorf("staging: %+v", m)
	}
	if m := metricsJSONOf(t, db, "--since", "2w"); m.Window.Days != 14 || len(m.Weekly) < 2 {
		t.Errorf("--since 2w: %+v", m)
	}
	fdFail(t, db, exitUsage, "ambiguous", "metrics", "--since", "3m")
	fdFail(t, db, exitUsage, "--since", "metrics", "--since", "tomorrow")

	// deploy hotfix marks, clears and refuses what does not exist.
	for _, c := range []struct{ args, want string }{
		{"2 none", "#2 api v2 → production is no longer marked as the hotfix for INC-1\n"},
		{"2 none", "#2 api v2 → production is not marked as a hotfix\n"},
		{"#2 inc-1", "#2 api v2 → production marked as the hotfix for INC-1\n"},
		{"2 1", "#2 api v2 → production is already the hotfix for INC-1\n"},
	} {
		if out := fdOK(t, db, append([]string{"deploy", "hotfix"}, strings.Fields(c.args)...)...); out != c.want {
			t.Errorf("deploy hotfix %s printed %q, want %q", c.args, out, c.want)
		}
	}
	fdFail(t, db, exitUsage, "INC-9 does not exist", "deploy", "hotfix", "2", "INC-9")
	fdFail(t, db, exitFail, "not found", "deploy", "hotfix", "99", "INC-1")
	fdFail(t, db, exitUsage, "needs a deployment id and an incident", "deploy", "hotfix", "2")

	// The incident's timeline shows the hotfix.
	out = fdOK(t, db, "incident", "show", "INC-1")
	if !strings.Contains(out, "marked #2 api v2 → production as the hotfix for INC-1") {
		t.Errorf("incident show lacks the hotfix event:\n%s", out)
	}
}
