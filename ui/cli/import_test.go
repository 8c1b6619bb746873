package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// A month of history (October 2026), written here as CSV. The metrics of
// the two windows below are worked by hand from the README's definitions.
const monthDeploys = `id,service,version,environment,strategy,status,started_at,finished_at,commit,committed_at,hotfix_for
d1,api,v1,production,canary,completed,2026-10-01 09:00 Z,2026-10-01 10:00 Z,a1a1a1a,2026-10-01 07:00 Z,
d2,api,v2,,,completed,2026-10-05T09:00:00Z,2026-10-05T09:30:00Z,b2b2b2b,2026-10-04 09:30:00 +0000,
d3,web,w1,production,all-at-once,rolled_back,2026-10-08 14:00 Z,2026-10-08 15:00 Z,,,
d4,web,w2,production,all-at-once,completed,2026-10-09 10:00 Z,2026-10-09 11:00 Z,d4d4d4d,2026-10-09 11:00 +0200,I1
d5,api,v3,production,canary,completed,2026-10-15 12:00 Z,2026-10-15 12:20 Z,e5e5e5e,2026-10-15 11:20 Z,
d6,api,v4,production,canary,completed,2026-10-20 09:00 Z,2026-10-20 10:00 Z,f6f6f6f,2026-10-19 10:00 Z,
d7,web,w3,staging,canary,completed,2026-10-21 09:00 Z,2026-10-21 09:10 Z,,,
d8,api,v5,production,canary,aborted,2026-10-22 09:00 Z,2026-10-22 09:05 Z,,,
d9,web,w4,production,canary,completed,2026-10-28 09:00 Z,2026-10-28 09:40 Z,,,
d10,api,v6,production,canary,completed,2026-10-31 23:00 Z,2026-11-01 00:30 Z,,,
`

const monthIncidents = `ref,title,severity,opened_at,mitigated_at,resolved_at,deployment,root_cause
I1,web errors after w1,SEV2,2026-10-08 14:30 Z,2026-10-08 15:00 Z,2026-10-09 11:30 Z,d3,bad cache key
I2,api latency,1,2026-10-15 13:00 Z,,2026-10-15 15:00 Z,api@v3,
I3,search slow,SEV3,2026-10-25 10:00 Z,,2026-10-25 10:45 Z,,
I4,nightly batch late,4,2026-09-30 20:00 Z,,2026-10-01 02:00 Z,,
`

func writeImportFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// metricsRead is the part of metrics --json these tests read.
type metricsRead struct {
	DeploymentFrequency  struct{ Deployments, DaysWithDeployments int } `json:"-"`
	Frequency            frequencyJSON                                  `json:"deployment_frequency"`
	LeadTime             distributionJSON                               `json:"lead_time"`
	ChangeFailRate       ratioJSON                                      `json:"change_fail_rate"`
	FailedDeployRecovery distributionJSON                               `json:"failed_deployment_recovery_time"`
	MTTR                 distributionJSON                               `json:"mttr"`
	MTTRMajor            distributionJSON                               `json:"mttr_sev1_sev2"`
	ReworkRate           ratioJSON                                      `json:"rework_rate"`
	Hotfixes             []int64                                        `json:"hotfix_deployment_ids"`
}

func metricsOf(t *testing.T, db string, args ...string) metricsRead {
	t.Helper()
	var m metricsRead
	out := fdOK(t, db, append([]string{"metrics", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("metrics json: %v\n%s", err, out)
	}
	m.DeploymentFrequency.Deployments, m.DeploymentFrequency.DaysWithDeployments = m.Frequency.Deployments, m.Frequency.DaysWithDeployments
	return m
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

func checkDist(t *testing.T, what string, got distributionJSON, n int, median time.Duration, missing int) {
	t.Helper()
	if got.N != n || got.Missing != missing || (n > 0 && (got.MedianSeconds == nil || *got.MedianSeconds != secs(median))) {
		med := "null"
		if got.MedianSeconds != nil {
			med = (time.Duration(*got.MedianSeconds) * time.Second).String()
		}
		t.Errorf("%s: n=%d median=%s missing=%d; want n=%d median=%s missing=%d", what, got.N, med, got.Missing, n, median, missing)
	}
}

func TestCLIImportMonthOfHistory(t *testing.T) {
	db := cliDB(t)
	dir := t.TempDir()
	deploys := writeImportFile(t, dir, "deploys.csv", monthDeploys)
	incidents := writeImportFile(t, dir, "incidents.csv", monthIncidents)

	// --dry-run writes nothing, not even the database file.
	out := fdOK(t, db, "import", "--dry-run", deploys, incidents)
	if out != "would import 10 deployments (2026-10-01 … 2026-11-01) and 4 incidents\n" {
		t.Errorf("dry run: %q", out)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("dry run created the database: %v", err)
	}
	out = fdOK(t, db, "import", deploys, incidents)
	if out != "imported 10 deployments (2026-10-01 … 2026-11-01) and 4 incidents\n" {
		t.Errorf("import: %q", out)
	}

	// Case A: all of October. Reaching production and finished in the
	// window: d1 d2 d3(rolled back) d4 d5 d6 d9 = 7 (d7 is staging, d8
	// aborted, d10 finished on 1 November). Completed: 6.
	a := metricsOf(t, db, "--since", "2026-10-01 00:00 Z", "--until", "2026-11-01T00:00:00Z")
	if f := a.DeploymentFrequency; f.Deployments != 6 || f.DaysWithDeployments != 6 {
		t.Errorf("A frequency: %+v", f)
	}
	// Lead times d1 3h, d2 24h, d4 2h (09:00 Z = 11:00 +0200), d5 1h, d6
	// 24h; d9 has no commit time. Median of 1h 2h 3h 24h 24h = 3h.
	checkDist(t, "A lead time", a.LeadTime, 5, 3*time.Hour, 1)
	// Failed: d3 (rolled back, SEV2 linked) and d5 (SEV1 linked): 2/7.
	if r := a.ChangeFailRate; r.Num != 2 || r.Den != 7 {
		t.Errorf("A change fail rate %d/%d, want 2/7", r.Num, r.Den)
	}
	// Recovery: d3 from execution 14:00 (before I1 opened, 14:30) to I1
	// resolved 10-09 11:30 (after the rollback finished, 15:00) = 21h30m;
	// d5 from completion 12:20 (before I2 opened) to I2 resolved 15:00 =
	// 2h40m. Median of two = their mean, 12h05m.
	checkDist(t, "A recovery", a.FailedDeployRecovery, 2, 12*time.Hour+5*time.Minute, 0)
	// MTTR: resolved in October: I4 6h (opened in September), I1 21h, I2
	// 2h, I3 45m. Median of 45m 2h 6h 21h = (2h+6h)/2 = 4h. SEV1/SEV2: I1,
	// I2: (2h+21h)/2 = 11h30m.
	checkDist(t, "A MTTR", a.MTTR, 4, 4*time.Hour, 0)
	checkDist(t, "A MTTR SEV1/SEV2", a.MTTRMajor, 2, 11*time.Hour+30*time.Minute, 0)
	// Rework: d4 is the hotfix for I1: 1/7.
	if r := a.ReworkRate; r.Num != 1 || r.Den != 7 || len(a.Hotfixes) != 1 || a.Hotfixes[0] != 4 {
		t.Errorf("A rework %d/%d %v, want 1/7 [4]", r.Num, r.Den, a.Hotfixes)
	}

	// Case B: 10 October 00:00 to 25 October 10:30 UTC. Finished in it and
	// reaching production: d5 and d6, both completed (d7 staging, d8
	// aborted).
	b := metricsOf(t, db, "--since", "2026-10-10 00:00 Z", "--until", "2026-10-25 10:30:00 +0000")
	if f := b.DeploymentFrequency; f.Deployments != 2 {
		t.Errorf("B frequency: %+v", f)
	}
	checkDist(t, "B lead time", b.LeadTime, 2, 12*time.Hour+30*time.Minute, 0) // (1h + 24h) / 2
	if r := b.ChangeFailRate; r.Num != 1 || r.Den != 2 {
		t.Errorf("B change fail rate %d/%d, want 1/2", r.Num, r.Den)
	}
	checkDist(t, "B recovery", b.FailedDeployRecovery, 1, 2*time.Hour+40*time.Minute, 0)
	// I2 resolved in the window (2h); I3 opened at 10:00 and resolved at
	// 10:45, after the window: open at its end, so missing. I1 resolved
	// before it started.
	checkDist(t, "B MTTR", b.MTTR, 1, 2*time.Hour, 1)
	if r := b.ReworkRate; r.Num != 0 || r.Den != 2 {
		t.Errorf("B rework %d/%d, want 0/2", r.Num, r.Den)
	}

	// Importing the same files again doubles nothing: refused, naming the
	// rows; --skip-existing leaves them all out.
	code, out, errOut := fd(t, db, "import", deploys, incidents)
	if code != exitUsage || out != "" ||
		!strings.Contains(errOut, "deploys.csv line 2: already stored as deployment #1\n") ||
		!strings.Contains(errOut, "incidents.csv line 5: already stored as INC-4\n") ||
		!strings.Contains(errOut, "10 deployments and 4 incidents are already in the database: nothing imported (pass --skip-existing") {
		t.Errorf("second import: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	if out := fdOK(t, db, "import", "--skip-existing", deploys, incidents); out != "imported 0 deployments (2026-10-01 … 2026-11-01) and 0 incidents\nskipped 14 rows already in the database\n" {
		t.Errorf("skip existing: %q", out)
	}
	if again := metricsOf(t, db, "--since", "2026-10-01 00:00 Z", "--until", "2026-11-01T00:00:00Z"); again.ChangeFailRate.Num != 2 || again.ChangeFailRate.Den != 7 ||
		again.DeploymentFrequency.Deployments != 6 {
		t.Errorf("after re-import: %+v", again.ChangeFailRate)
	}

	// Every imported row has its timeline event naming the file and line.
	s := openTestStore(t, db)
	evs, err := s.Events(context.Background(), data.EventFilter{DeploymentID: 4})
	if err != nil {
		t.Fatal(err)
	}
	var imported []string
	for _, e := range evs {
		if e.Kind == model.EventDeployImported {
			imported = append(imported, e.At.UTC().Format(time.RFC3339)+" "+e.Text)
		}
	}
	if len(imported) != 1 || !strings.HasPrefix(imported[0], "2026-10-09T11:00:00Z web w2 → production completed imported from deploys.csv line 5 (entered ") {
		t.Errorf("imported events of #4: %q", imported)
	}
	inc, err := s.Incident(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.DeploymentID != 3 || inc.Status != model.IncidentResolved || inc.RootCause != "bad cache key" || inc.Severity != model.SEV2 {
		t.Errorf("INC-1: %+v", inc)
	}
}

// A file with several bad rows: every one reported with its line, and
// nothing written.
func TestCLIImportBadRows(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v0") // the database holds one deployment already
	dir := t.TempDir()
	bad := writeImportFile(t, dir, "deploys.csv", `service,version,status,started_at,finished_at,committed_at
api,v1,completed,2026-11-03 10:00 Z,2026-11-04 09:00 Z,
api,v2,completed,2026-11-03 10:00 Z,2026-11-02 09:00 Z,
api,,completed,2026-11-03 10:00 Z,2026-11-03 11:00 Z,
api,v3,in_progress,2026-11-03 10:00 Z,2026-11-03 11:00 Z,
api,v4,completed,2026-11-03 10:00 Z,2099-11-03 11:00 Z,
api,v5,done,yesterday,2026-11-03 11:00 Z,
web,v1,completed,2026-11-03 10:00 Z,2026-11-03 11:00 Z,2026-11-03 10:30 Z
api,v1,completed,2026-11-03 10:00 Z,2026-11-04 09:00 Z,
`)
	incs := writeImportFile(t, dir, "incidents.csv", "title,severity,opened_at,resolved_at,deployment\n"+
		"ok,SEV2,2026-11-03 10:00 Z,2026-11-03 11:00 Z,api@v1\n"+
		"no sev,,2026-11-03 10:00 Z,2026-11-03 11:00 Z,\n"+
		"\"tab\there\",SEV3,2026-11-03 10:00 Z,2026-11-03 09:00 Z,\n"+
		"early,SEV2,2026-11-03 09:00 Z,2026-11-03 11:00 Z,api@v1\n"+
		"open,SEV3,2026-11-03 10:00 Z,,\n"+
		"linked,SEV3,2026-11-03 10:00 Z,2026-11-03 11:00 Z,api@v9\n")
	countRows := func() (int64, int64, int64) {
		c, err := openTestStore(t, db).Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c.Deployments, c.Incidents, c.Events
	}
	d0, i0, e0 := countRows()
	for _, args := range [][]string{{"import", bad, incs}, {"import", "--dry-run", bad, incs}} {
		code, out, errOut := fd(t, db, args...)
		want := []string{
			"deploys.csv:3: finished_at 2026-11-02 09:00 Z is before started_at 2026-11-03 10:00 Z\n",
			"deploys.csv:4: version is empty: every row needs it\n",
			"deploys.csv:5: status in_progress: only deployments that are over can be imported",
			"deploys.csv:6: finished_at 2099-11-03 11:00:00 UTC is in the future",
			"deploys.csv:7: status \"done\" is not completed, rolled_back or aborted\n",
			"deploys.csv:7: started_at: cannot read the time \"yesterday\": use now, -5m",
			"deploys.csv:8: committed_at 2026-11-03 10:30 Z is after started_at 2026-11-03 10:00 Z",
			"deploys.csv:9: the same deployment (service, environment, version and started_at) as deploys.csv line 2\n",
			"incidents.csv:3: severity is missing: use 1–4 or SEV1–SEV4",
			"incidents.csv:4: title contains a control character (tab)",
			"incidents.csv:4: resolved_at 2026-11-03 09:00 Z is before opened_at 2026-11-03 10:00 Z\n",
			"incidents.csv:5: opened_at 2026-11-03 09:00:00 UTC is before deployment \"api@v1\" started (2026-11-03 10:00:00 UTC)",
			"incidents.csv:6: resolved_at is empty: only resolved incidents can be imported",
			"incidents.csv:7: deployment \"api@v9\" is not in the files imported",
			"flightdeck: 14 problems in the rows (listed above): nothing imported",
		}
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
		for _, w := range want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, w, errOut)
			}
		}
	}
	if d, i, e := countRows(); d != d0 || i != i0 || e != e0 {
		t.Errorf("rows before %d/%d/%d, after %d/%d/%d: a bad file wrote something", d0, i0, e0, d, i, e)
	}
	// Headers: an unknown column (a typo would drop data) and a file that is neither.
	for name, c := range map[string]struct{ content, want string }{
		"typo.csv":  {"service,version,status,started_at,finshed_at\n", `typo.csv:1: unknown column "finshed_at" in a deployments file: the columns are id,service,`},
		"other.csv": {"a,b\n1,2\n", "other.csv:1: the header names neither a deployments file (service,version,status,started_at,finished_at) nor an incidents file"},
	} {
		if code, _, errOut := fd(t, db, "import", writeImportFile(t, dir, name, c.content)); code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %s", name, code, errOut)
		}
	}
}
